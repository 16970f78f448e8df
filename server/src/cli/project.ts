// cli front-end: the project's identity as reports show it (name, version,
// home page, explanation pages). One place, so SARIF helpUri, JSON and text agree.
// Explanation URLs are shared with the language server: server/src/explain/links.ts.
import * as fs from 'fs';
import * as path from 'path';

export { explanationUrl, PROJECT_URL } from '../explain/links';

export const TOOL_NAME = 'fsdax-audit';

let cachedVersion: string | undefined;

/** The package version, read once from package.json (out/server/src/cli -> repo root). */
export function toolVersion(): string {
  if (cachedVersion) return cachedVersion;
  try {
    cachedVersion = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../../package.json'), 'utf8')).version as string;
  } catch {
    cachedVersion = '0.0.0';
  }
  return cachedVersion;
}
