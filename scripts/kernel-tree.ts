// Shared by the scripts: where the cached kernel trees live and how to list their C files.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export function kernelCacheDir(): string {
  return process.env.FSDAX_AUDIT_CACHE ?? path.join(os.homedir(), '.cache', 'fsdax-audit');
}

/** The cached tree for a version, or exits with a clear message telling how to fetch it. */
export function requireKernelTree(version: string): string {
  const dir = path.join(kernelCacheDir(), `linux-${version}`);
  if (!fs.existsSync(path.join(dir, '.complete'))) {
    process.stderr.write(`kernel ${version} is not cached at ${dir}; run: npm run fetch-kernel -- ${version}\n`);
    process.exit(2);
  }
  return dir;
}

/** Symlinked files count, symlinked directories are not followed (as server/src/host/tree-files.ts walks a tree). */
function isFile(p: string): boolean {
  try { return fs.statSync(p).isFile(); } catch { return false; }
}

export function listCFiles(root: string, subdirs: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.[ch]$/.test(entry.name) && (entry.isFile() || (entry.isSymbolicLink() && isFile(full)))) out.push(full);
    }
  };
  for (const sub of subdirs) walk(path.join(root, sub));
  return out;
}
