// cli front-end: the project's identity as reports show it (name, version,
// home page, explanation pages). One place, so SARIF helpUri, JSON and text agree.
// NOTE: the LSP's codeDescription.href needs the same explanation URL; when the
// language server lands, this moves to a shared module (server/src/protocol.ts).
import * as fs from 'fs';
import * as path from 'path';

export const TOOL_NAME = 'fsdax-audit';

/** Home of the project; explanation pages live under it. */
export const PROJECT_URL = 'https://fsdax-audit.github.io/fsdax-audit';

/** The simulator's page for a scenario id (RuleMeta.explanation). */
export function explanationUrl(scenario: string): string {
  return `${PROJECT_URL}/explanations/${encodeURIComponent(scenario)}.html`;
}

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
