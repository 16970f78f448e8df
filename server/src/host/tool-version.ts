// host: the tool's name and package version (read from our package.json), for
// the reports (cli/project.ts re-exports them) and the result store's tool identity.
import * as fs from 'fs';
import * as path from 'path';

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
