// cli front-end: the project's identity as reports show it (name, version,
// home page, explanation pages). One place, so SARIF helpUri, JSON and text agree.
// Explanation URLs are shared with the language server: server/src/explain/links.ts.
import * as fs from 'fs';
import * as path from 'path';

export { explanationUrl, PROJECT_URL } from '../explain/links';

export const TOOL_NAME = 'fsdax-audit';

let cachedVersion: string | undefined;

/**
 * The package version, read once from our package.json: the nearest one named
 * fsdax-audit above this module (out/server/src/cli in a build, dist/ in the
 * bundled server of the VSIX, where a fixed relative path would miss it).
 */
export function toolVersion(): string {
  if (cachedVersion) return cachedVersion;
  cachedVersion = '0.0.0';
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === TOOL_NAME && typeof pkg.version === 'string') { cachedVersion = pkg.version; break; }
    } catch { /* none here */ }
    if (path.dirname(dir) === dir) break;
  }
  return cachedVersion;
}
