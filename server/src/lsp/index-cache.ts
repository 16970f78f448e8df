// lsp front-end: where the workspace index keeps its whole-tree result between
// runs, and the file IO for it. One file per tree root (named by a hash of the
// root path) in the directory the client gives (VS Code: the extension's global
// storage) or $XDG_CACHE_HOME/fsdax-audit/index (~/.cache/...). Reads tolerate
// anything (missing, unreadable, damaged: a log line, never a throw); writes go
// to a temporary file renamed over the old one, so a reader sees either the old
// or the new file whole. What the file holds and when it matches: analysis/result-cache.ts.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { contentHash } from '../analysis/result-cache';
import { toolVersion } from '../cli/project';

/** Set (to anything but '' or '0') to turn the cache off: tests, and a way out when in doubt. */
export const NO_CACHE_ENV = 'FSDAX_AUDIT_NO_CACHE';

/** The cache directory, or undefined when the cache is off. `requested`: initializationOptions.cacheDirectory. */
export function cacheDirectory(requested: unknown, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const off = env[NO_CACHE_ENV];
  if (off && off !== '0') return undefined;
  if (typeof requested === 'string' && requested) return path.resolve(requested);
  const base = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache');
  return path.join(base, 'fsdax-audit', 'index');
}

let identity: string | undefined;

/**
 * The tool that computes results: the package version plus a hash of the code
 * that is running (our modules in require.cache: out/**.js and the bundled model,
 * or dist/server.js in the VSIX). A rebuilt server with the same version number
 * but different rules or analysis must not read results the old code wrote. All of
 * our modules are imported statically, so the set is the same at any point after start.
 */
export function toolIdentity(): string {
  if (identity) return identity;
  const files = Object.keys(require.cache).filter((f) => !f.split(path.sep).includes('node_modules')).sort();
  const parts: string[] = [];
  for (const f of files) {
    try { parts.push(`${path.basename(f)}:${contentHash(fs.readFileSync(f))}`); } catch { parts.push(`${path.basename(f)}:unreadable`); }
  }
  identity = `${toolVersion()}+${contentHash(parts.join('\n')).slice(0, 12)}`;
  return identity;
}

export class IndexCacheFile {
  readonly file: string;

  constructor(readonly directory: string, root: string, private readonly log: (message: string) => void) {
    const name = path.basename(root).replace(/[^\w.-]/g, '_') || 'root';
    this.file = path.join(directory, `${name}-${contentHash(root).slice(0, 16)}.json`);
  }

  /** The stored text, or undefined (no file yet: quietly; unreadable: logged). */
  read(): string | undefined {
    try {
      return fs.readFileSync(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.log(`fsdax-audit: cannot read the index cache ${this.file}: ${(e as Error).message}`);
      return undefined;
    }
  }

  /** Atomic: a temporary file in the same directory, renamed over the old one. */
  write(text: string): boolean {
    const tmp = `${this.file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    try {
      fs.mkdirSync(this.directory, { recursive: true });
      fs.writeFileSync(tmp, text);
      fs.renameSync(tmp, this.file);
      return true;
    } catch (e) {
      this.log(`fsdax-audit: cannot write the index cache ${this.file}: ${(e as Error).message}`);
      try { fs.unlinkSync(tmp); } catch { /* never created */ }
      return false;
    }
  }
}
