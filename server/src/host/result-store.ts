// host: where whole-tree results are kept between runs, for both front-ends, and
// the file IO for it. The language server's workspace index keeps one file per
// tree root (named by a hash of the root path: its "slot"); the CLI keeps one file
// per (root, options, file contents) next to it, content-addressed, so a --diff
// run's base and head states are both kept, and reads the slot too, so a tree the
// editor has indexed is warm for the CLI (and a CLI run of mm/+fs/ warms the
// editor). The directory is the one the client gives (VS Code: the extension's
// global storage) or $XDG_CACHE_HOME/fsdax-audit/index (~/.cache/...). Reads
// tolerate anything (missing, unreadable, damaged: a log line, never a throw);
// writes go to a temporary file renamed over the old one, so a reader sees either
// the old or the new file whole. What a file holds and when it matches:
// analysis/result-cache.ts.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { AuditResult } from '../analysis/audit-types';
import { cacheMismatch, parseTreeResult, serializeTreeResult, stableJson, type CachedTreeResult } from '../analysis/result-cache';
import { contentHash } from '../analysis/prescan';
import { toolVersion } from './tool-version';
import type { FileStamp } from './file-stamp';
import { parseSnapshot, serializeSnapshot, type SessionSnapshot } from '../analysis/session-snapshot';

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

/** Packages whose version decides a result. */
const PARSER_PACKAGES = ['tree-sitter', 'tree-sitter-c'];

/** Folders of the modules whose code decides a result (a front-end only reads files and formats). */
const RESULT_CODE = /[\\/](analysis|parse|model|rules)[\\/]/;

/**
 * The tool that computes results: the package version plus a hash of the code
 * that decides them (our modules in require.cache under analysis/, parse/,
 * model/ and rules/, with the bundled model), so the CLI and the language server
 * of one build agree and a rebuilt analysis with the same version number never
 * reads results the old code wrote; the tree-sitter packages' versions count too.
 * A bundle (dist/server.js in the VSIX) has no
 * such folders: then every module of ours counts. All of our modules are
 * imported statically, so the set is the same at any point after start.
 */
export function toolIdentity(): string {
  if (identity) return identity;
  const ours = Object.keys(require.cache).filter((f) => !f.split(path.sep).includes('node_modules')).sort();
  const deciding = ours.filter((f) => RESULT_CODE.test(f));
  const parts: string[] = [];
  for (const f of deciding.length > 0 ? deciding : ours) {
    try { parts.push(`${path.basename(f)}:${contentHash(fs.readFileSync(f))}`); } catch { parts.push(`${path.basename(f)}:unreadable`); }
  }
  // The parser decides results too: its packages' versions (node_modules is left out above).
  for (const dep of PARSER_PACKAGES) {
    try { parts.push(`${dep}@${(require(`${dep}/package.json`) as { version?: string }).version}`); } catch { parts.push(`${dep}@unknown`); }
  }
  identity = `${toolVersion()}+${contentHash(parts.join('\n')).slice(0, 12)}`;
  return identity;
}

/** `<basename>-<hash of root>`: the stem of every cache file of one tree. */
function treeStem(root: string): string {
  const name = path.basename(root).replace(/[^\w.-]/g, '_') || 'root';
  return `${name}-${contentHash(root).slice(0, 16)}`;
}

export class IndexCacheFile {
  readonly file: string;

  /** The tree's slot (the language server's file); `entry`: a content-addressed name instead (CLI). */
  constructor(readonly directory: string, readonly root: string, private readonly log: (message: string) => void, entry?: string) {
    this.file = path.join(directory, entry ? `${treeStem(root)}.cli-${entry}.json` : `${treeStem(root)}.json`);
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

/** What a stored result must have been computed from to stand for the current files. */
export interface StoredResultKey { tool: string; root: string; key: string; files: ReadonlyMap<string, string> }

/**
 * The stored result of `cache`, or why it cannot stand for `expected` (none yet, damaged, another tree state).
 * `expected` may be computed from the stored entry: the language server trusts the stored hash of a file
 * whose stamp is unchanged (CachedTreeResult.stats, host/file-stamp.ts), as make and git trust a stat.
 */
export function readStoredResult(cache: IndexCacheFile, expected: StoredResultKey | ((stored: CachedTreeResult) => StoredResultKey)): { result: AuditResult } | { miss: string } {
  const text = cache.read();
  const root = typeof expected === 'function' ? cache.root : expected.root;
  if (text === undefined) return { miss: `no index cache for ${root} yet (${cache.file})` };
  const parsed = parseTreeResult(text);
  if ('problem' in parsed) return { miss: `index cache ${cache.file} ignored: ${parsed.problem}` };
  const mismatch = cacheMismatch(parsed.entry, typeof expected === 'function' ? expected(parsed.entry) : expected);
  return mismatch ? { miss: `index cache of ${root} not used: ${mismatch}` } : { result: parsed.entry.result };
}

/** Writes `result` as computed from `key` (paths sorted, so equal states give equal files), with the files' stamps when known. */
export function writeStoredResult(cache: IndexCacheFile, key: StoredResultKey, result: AuditResult, stats?: Record<string, FileStamp>): boolean {
  const files = Object.fromEntries([...key.files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const entry: CachedTreeResult = { tool: key.tool, root: key.root, key: key.key, files, ...(stats ? { stats } : {}), result };
  return cache.write(serializeTreeResult(entry));
}

/** CLI entries kept per tree (most recently used first); older ones are deleted after a write. */
const CLI_ENTRIES_PER_TREE = 8;
/** A CLI entry of any tree unused this long is deleted after a write (trees come and go: CI checkouts, scratch copies). */
const CLI_ENTRY_MAX_AGE_MS = 30 * 24 * 3600 * 1000;

/**
 * The CLI's store: one content-addressed file per (tool, options, file hashes) of
 * a tree, the tree's slot (the language server's file) read as well, and written
 * for the result of the tree's disk contents when the run's files are exactly the
 * slot's (mm/ and fs/).
 */
export class ResultStore {
  constructor(readonly directory: string, readonly root: string, private readonly log: (message: string) => void = () => undefined) {}

  private entryFile(key: StoredResultKey): IndexCacheFile {
    const name = contentHash(stableJson({ tool: key.tool, root: key.root, key: key.key, files: Object.fromEntries([...key.files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) })).slice(0, 24);
    return new IndexCacheFile(this.directory, this.root, this.log, name);
  }

  /** The stored result for exactly these files and options, or undefined (the reason is logged). */
  lookup(key: StoredResultKey, { slot = false } = {}): AuditResult | undefined {
    const own = this.entryFile(key);
    const hit = readStoredResult(own, key);
    if ('result' in hit) {
      try { const now = new Date(); fs.utimesSync(own.file, now, now); } catch { /* kept as it was */ }
      return hit.result;
    }
    if (!slot) { this.log(`fsdax-audit: ${hit.miss}`); return undefined; }
    const shared = readStoredResult(new IndexCacheFile(this.directory, this.root, this.log), key);
    if ('result' in shared) return shared.result;
    this.log(`fsdax-audit: ${hit.miss}; ${shared.miss}`);
    return undefined;
  }

  /** Keeps `result` for these files and options; `slot`: also as the tree's slot (the disk state of mm/+fs/). */
  store(key: StoredResultKey, result: AuditResult, { slot = false } = {}): void {
    if (writeStoredResult(this.entryFile(key), key, result)) this.prune();
    if (slot) writeStoredResult(new IndexCacheFile(this.directory, this.root, this.log), key, result);
  }

  /** Deletes this tree's CLI entries beyond the most recently used few, and any tree's unused for a month. */
  private prune(): void {
    const prefix = `${treeStem(this.root)}.cli-`;
    let names: string[];
    try { names = fs.readdirSync(this.directory).filter((n) => /\.cli-[0-9a-f]+\.json$|\.state-[0-9a-f]+\.bin$/.test(n)); } catch { return; }
    const aged = names.map((n) => {
      const file = path.join(this.directory, n);
      try { return { n, file, mtime: fs.statSync(file).mtimeMs }; } catch { return { n, file, mtime: 0 }; }
    }).sort((a, b) => b.mtime - a.mtime || (a.file < b.file ? -1 : 1));
    const now = Date.now();
    const ours = aged.filter((e) => e.n.startsWith(prefix) && e.n.endsWith('.json'));
    const stale = [...ours.slice(CLI_ENTRIES_PER_TREE), ...aged.filter((e) => now - e.mtime > CLI_ENTRY_MAX_AGE_MS)];
    for (const { file } of stale) {
      try { fs.unlinkSync(file); } catch { /* gone already */ }
    }
  }
}

/**
 * What a kept session snapshot is of: the tool, the tree, the options key and every file's hash in that state;
 * `reads`: the front-end's own record of how it read the files (the CLI's kept reads: cli/read-tree.ts), opaque here.
 */
interface SnapshotMeta { tool: string; root: string; key: string; files: Record<string, string>; reads?: unknown }

/**
 * The latest session snapshot of a tree, per tool and options (one file, overwritten): what a
 * run on a changed tree resumes from (analysis/session-snapshot.ts), with the file hashes of the
 * state it is of, so the run knows which files changed since.
 */
export class SnapshotStore {
  constructor(readonly directory: string, readonly root: string, private readonly log: (message: string) => void = () => undefined) {}

  private file(tool: string, key: string): string {
    return path.join(this.directory, `${treeStem(this.root)}.state-${contentHash(`${tool}\n${key}`).slice(0, 16)}.bin`);
  }

  /** The snapshot for this tool and options, with the hashes of its state; undefined when there is none usable (logged). */
  read(tool: string, key: string): { files: Map<string, string>; snapshot: SessionSnapshot; reads?: unknown } | undefined {
    const file = this.file(tool, key);
    let bytes: Buffer;
    try { bytes = fs.readFileSync(file); } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.log(`fsdax-audit: cannot read ${file}: ${(e as Error).message}`);
      else this.log(`fsdax-audit: no analysis state of ${this.root} to resume from yet`);
      return undefined;
    }
    const parsed = parseSnapshot(bytes);
    if ('problem' in parsed) { this.log(`fsdax-audit: analysis state ${file} ignored: ${parsed.problem}`); return undefined; }
    const meta = parsed.meta as Partial<SnapshotMeta> | undefined;
    if (!meta || meta.tool !== tool || meta.root !== this.root || meta.key !== key || !meta.files || typeof meta.files !== 'object') {
      this.log(`fsdax-audit: analysis state ${file} ignored: of another tool, tree or options`);
      return undefined;
    }
    try { const now = new Date(); fs.utimesSync(file, now, now); } catch { /* kept as it was */ }
    return { files: new Map(Object.entries(meta.files)), snapshot: parsed, reads: meta.reads };
  }

  /** Keeps `snapshot` as the state of these files, with the front-end's `reads` (atomic: a reader sees the old file or the new one). */
  write(tool: string, key: string, files: ReadonlyMap<string, string>, snapshot: SessionSnapshot, reads?: unknown): void {
    const meta: SnapshotMeta = { tool, root: this.root, key, files: Object.fromEntries([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))), ...(reads === undefined ? {} : { reads }) };
    const file = this.file(tool, key);
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    try {
      fs.mkdirSync(this.directory, { recursive: true });
      fs.writeFileSync(tmp, serializeSnapshot(snapshot, meta));
      fs.renameSync(tmp, file);
    } catch (e) {
      this.log(`fsdax-audit: cannot write the analysis state ${file}: ${(e as Error).message}`);
      try { fs.unlinkSync(tmp); } catch { /* never created */ }
    }
  }
}

/** The paths whose hash differs between two states (added, removed, changed). */
export function changedBetween(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): Set<string> {
  const out = new Set<string>();
  for (const [p, h] of after) if (before.get(p) !== h) out.add(p);
  for (const p of before.keys()) if (!after.has(p)) out.add(p);
  return out;
}
