// host: the file system, for the front-ends (CLI and language server alike).
// Turns paths into SourceFiles (reading the disk), finds the kernel tree root
// and reads the era marker files. The core never touches the disk.
import * as fs from 'fs';
import * as path from 'path';
import { detectEra, EraDetection, ERA_MARKER_FILES } from '../model/era';
import { ERAS, Era } from '../model/types';
import type { SourceFile } from '../analysis/audit-types';
import { stampOf, type FileStamp } from './file-stamp';

/** A C source or header, by its name: what a walk reads. */
const SOURCE_NAME = /\.[ch]$/;

/** A path or an option value the user gave is wrong: the CLI exits 2 with the message, the server logs it. */
export class InputError extends Error {}

/** What a walk reports as it reads (the CLI's progress line). */
export interface WalkProgress {
  phase(label: string, total?: number): void;
  tick(): void;
}

/** Walks up from `start` to a directory that looks like a kernel tree (has mm/ and include/linux/). */
export function findTreeRoot(start: string): string | undefined {
  let dir = path.resolve(start);
  if (fs.existsSync(dir) && fs.statSync(dir).isFile()) dir = path.dirname(dir);
  for (;;) {
    if (fs.existsSync(path.join(dir, 'mm')) && fs.existsSync(path.join(dir, 'include', 'linux'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * The directories whose files are the analysis context of a kernel tree: what a
 * kernel developer means by "the tree" for FS-DAX (fsdax-model.md). The language
 * server indexes them; the CLI audits named files in their context.
 */
export const CONTEXT_DIRS: readonly string[] = ['mm', 'fs'];

/** The context directories a tree has, absolute. */
export function contextDirs(root: string): string[] {
  return CONTEXT_DIRS.map((d) => path.join(root, d)).filter((d) => fs.existsSync(d));
}

/** Whether a tree-relative path is a source file of the context directories. */
export function inContextScope(relPath: string): boolean {
  const slash = relPath.indexOf('/');
  return slash > 0 && CONTEXT_DIRS.includes(relPath.slice(0, slash)) && SOURCE_NAME.test(relPath);
}

export interface CollectedFiles {
  files: SourceFile[];
  unreadable: Array<{ file: string; message: string }>;
}

/** Every .c/.h under the given paths (sorted), relative to root. Missing paths are an InputError. */
export function collectSourceFiles(paths: string[], root: string, progress?: WalkProgress): CollectedFiles {
  const files: SourceFile[] = [];
  const unreadable = forEachSourceFile(paths, root, (f) => files.push(f), progress);
  return { files, unreadable };
}

/** A .c/.h file found by a walk: absolute and tree-relative paths. */
/** A file to read; `stamp`: its stat when listed, unless modified too recently to trust one (file-stamp.ts). */
export interface SourcePath { abs: string; rel: string; stamp?: FileStamp }

/**
 * Every .c/.h under the paths, sorted, and what could not be walked. Symlinked
 * directories met during the walk are not followed (as ripgrep and git do): a
 * kernel tree links whole directories into scripts/dtc/include-prefixes, which
 * would count files twice, and a link to a parent would never end. Symlinked
 * files are read; a path given by the user is always followed.
 */
export function listSourceFiles(paths: string[], root: string): { files: SourcePath[]; unreadable: CollectedFiles['unreadable'] } {
  const unreadable: CollectedFiles['unreadable'] = [];
  const walk = walkSourceFiles(paths, root, unreadable);
  for (;;) {
    const r = walk.next();
    if (r.done) return { files: r.value, unreadable };
  }
}

/**
 * listSourceFiles as a walk that yields each file as it finds it, in the order of the sorted list
 * it returns, so that a reader can start on the first files while the rest are listed (listing a
 * whole kernel takes over a second). It yields them when no given path is given twice or lies in a
 * given folder: it then takes the paths, and each folder's entries, in the sorted list's order (a
 * folder's name sorts as if followed by `/`). Otherwise it yields nothing and only returns the list.
 * What cannot be walked goes to `unreadable`; a missing path throws before anything is yielded.
 * Without `stamps` a file found in a folder gets no stamp, and no stat: the folder's entry says
 * what it is (a whole kernel: 60,000 stats, half of listing it; the reader threads stamp what they
 * read instead).
 */
export function* walkSourceFiles(paths: string[], root: string, unreadable: CollectedFiles['unreadable'], stamps = true): Generator<SourcePath, SourcePath[], void> {
  const found = new Map<string, SourcePath>();
  const listedAt = Date.now();
  const given = paths.map((p) => {
    if (!fs.existsSync(p)) throw new InputError(`no such path: ${p}`);
    const stat = fs.statSync(p);
    const abs = path.resolve(p);
    return { p, abs, stat, key: stat.isDirectory() ? `${abs}/` : abs };
  }).sort((a, b) => compareNames(a.key, b.key)).filter((g, i, all) => !all.slice(0, i).some((folder) => walkReaches(folder, g)));
  // Sorted keys: one that is a prefix of a later one is a prefix of the next one too.
  const inOrder = given.every((g, i) => i === 0 || !g.key.startsWith(given[i - 1].key));
  const relative = relativeTo(root);
  /** `abs`: an absolute, normalized path (a walked folder's entries are joined to it, not resolved again). */
  function* add(abs: string, stat: fs.Stats | undefined): Generator<SourcePath> {
    if (found.has(abs)) return;
    const file: SourcePath = { abs, rel: relative(abs), stamp: stat && stampOf(stat, listedAt) };
    found.set(abs, file);
    if (inOrder) yield file;
  }
  function* walk(p: string, isGiven: boolean): Generator<SourcePath> {
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(p);
      if (stat.isSymbolicLink()) {
        stat = fs.statSync(p);
        if (stat.isDirectory() && !isGiven) return;
      }
    } catch (e) { unreadable.push({ file: relative(p), message: (e as Error).message }); return; }
    if (stat.isDirectory()) yield* walkFolder(p);
    else if (stat.isFile() && SOURCE_NAME.test(p)) yield* add(p, stat);
  }
  function* walkFolder(p: string): Generator<SourcePath> {
    let entries: fs.Dirent[];
    try { entries = fs.readdirSync(p, { withFileTypes: true }); } catch (e) { unreadable.push({ file: relative(p), message: (e as Error).message }); return; }
    // As their paths sort: `a.c` before the folder `a/`, the folder `a/` before `a-b`... (a link's target is not followed here).
    const key = (e: fs.Dirent) => (e.isDirectory() ? `${e.name}/` : e.name);
    entries.sort((a, b) => compareNames(key(a), key(b)));
    for (const e of entries) {
      // The entry's type from the directory: no stat for a file that is not a source (a third of
      // a kernel tree's entries; the stats were a quarter of listing a whole tree), nor, without
      // stamps, for a plain file or folder (a link, or a type the file system does not say, is stat'ed).
      if (e.isFile() && !SOURCE_NAME.test(e.name)) continue;
      const child = p.endsWith(path.sep) ? p + e.name : p + path.sep + e.name;
      if (!stamps && e.isFile()) yield* add(child, undefined);
      else if (!stamps && e.isDirectory()) yield* walkFolder(child);
      else yield* walk(child, false);
    }
  }
  for (const { p, abs, stat } of given) {
    if (stat.isFile() && !SOURCE_NAME.test(p)) yield* add(abs, stat);
    else yield* walk(abs, true);
  }
  return [...found.keys()].sort(compareNames).map((abs) => found.get(abs)!);
}

/** A path given to a walk: as given, resolved, its stat, and its sort key (a folder's ends in `/`). */
interface GivenPath { p: string; abs: string; stat: fs.Stats; key: string }

/**
 * Whether walking the given `folder` lists every file the given `inner` path lists, at the same
 * paths: `inner` (a folder, or a source file) lies in it and no folder on the way is a symlink
 * (which the walk does not follow). Such a path adds nothing (the CLI reads `mm`, `fs` and the
 * whole tree), and leaving it out keeps the walk in the list's order.
 */
function walkReaches(folder: GivenPath, inner: GivenPath): boolean {
  if (!folder.stat.isDirectory() || !inner.key.startsWith(folder.key) || (!inner.stat.isDirectory() && !SOURCE_NAME.test(inner.p))) return false;
  // A folder the walk enters must be no link itself; a file may be (it is read).
  const entered = inner.stat.isDirectory() ? inner.abs : path.dirname(inner.abs);
  try {
    return fs.realpathSync(entered) === fs.realpathSync(folder.p) + entered.slice(folder.key.length - 1);
  } catch { return false; }
}

/** By UTF-16 code units, as Array.prototype.sort's default. */
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Walks the paths and hands each .c/.h file to `visit` as it is read, so a caller
 * that keeps only what it needs never holds a whole kernel's bytes at once.
 * Returns what could not be read.
 */
export function forEachSourceFile(paths: string[], root: string, visit: (f: SourceFile) => void, progress?: WalkProgress): CollectedFiles['unreadable'] {
  const { files, unreadable } = listSourceFiles(paths, root);
  progress?.phase('fsdax-audit: reading', files.length);
  readSourceFiles(files, visit, unreadable, progress);
  return unreadable;
}

/** Reads listed files in order, handing each to `visit`; what cannot be read goes to `unreadable`. */
export function readSourceFiles(files: readonly SourcePath[], visit: (f: SourceFile) => void, unreadable: CollectedFiles['unreadable'], progress?: WalkProgress): void {
  for (const { abs, rel } of files) {
    progress?.tick();
    let content: Buffer;
    try {
      content = fs.readFileSync(abs);
    } catch (e) {
      unreadable.push({ file: rel, message: (e as Error).message });
      continue;
    }
    visit({ path: rel, content });
  }
}

/**
 * toRelative(root, ·) for many absolute, normalized paths: one under the root is its tail (60,000
 * path.relative calls, each resolving both paths again, were a twentieth of a whole tree's main thread).
 */
function relativeTo(root: string): (abs: string) => string {
  const rootAbs = path.resolve(root);
  const prefix = rootAbs.endsWith(path.sep) ? rootAbs : rootAbs + path.sep;
  return (abs) => (abs.startsWith(prefix) && path.sep === '/' ? abs.slice(prefix.length) : toRelative(root, abs));
}

export function toRelative(root: string, abs: string): string {
  const rel = path.relative(root, abs);
  return (rel.startsWith('..') ? abs : rel).split(path.sep).join('/');
}

/**
 * The arch/ directories whose kernels can have FS-DAX pages: FS_DAX needs ZONE_DEVICE, and
 * ZONE_DEVICE needs symbols only architectures provide: up to 6.14 ARCH_HAS_PTE_DEVMAP (selected by
 * x86_64, arm64, powerpc book3s64, riscv64 and loongarch in 6.12); in every era MEMORY_HOTPLUG
 * (which needs ARCH_ENABLE_MEMORY_HOTPLUG) and SPARSEMEM_VMEMMAP (SPARSEMEM_VMEMMAP_ENABLE). Read
 * from the tree's Kconfig, one level of `depends on` deep: an architecture qualifies when its
 * Kconfig selects (or defines) every such symbol. Undefined (every architecture) when the tree
 * does not say.
 */
export function detectFsdaxArchitectures(root: string): string[] | undefined {
  let mmKconfig: string;
  try { mmKconfig = fs.readFileSync(path.join(root, 'mm', 'Kconfig'), 'latin1'); } catch { return undefined; }
  const dependsOf = (symbol: string): string[] => {
    const body = new RegExp(`^(?:menu)?config ${symbol}\n((?:[ \t].*\n|\n)*)`, 'm').exec(mmKconfig)?.[1] ?? '';
    return [...body.matchAll(/^\s*depends on (.*)$/gm)].flatMap((m) => m[1].split(/&&/).map((x) => x.trim())).filter((x) => /^[A-Z0-9_]+$/.test(x));
  };
  const providedByArch = (symbol: string) => /^ARCH_|_ENABLE$/.test(symbol);
  const required = new Set<string>();
  for (const dep of dependsOf('ZONE_DEVICE')) {
    if (providedByArch(dep)) required.add(dep);
    else for (const inner of dependsOf(dep)) if (providedByArch(inner)) required.add(inner);
  }
  if (required.size === 0) return undefined;
  let arches: string[];
  try { arches = fs.readdirSync(path.join(root, 'arch')).sort(); } catch { return undefined; }
  return arches.filter((a) => {
    let kconfig: string;
    try { kconfig = fs.readFileSync(path.join(root, 'arch', a, 'Kconfig'), 'latin1'); } catch { return false; }
    return [...required].every((sym) => new RegExp(`^\\s*(?:select|config) ${sym}\\b`, 'm').test(kconfig));
  });
}

export function detectTreeEra(root: string, requested: string): EraDetection {
  if (requested !== 'auto') {
    if (!(ERAS as readonly string[]).includes(requested)) throw new InputError(`unknown era "${requested}"; use auto or one of ${ERAS.join(', ')}`);
    return { era: requested as Era, known: true, evidence: 'set with --era' };
  }
  const cache = new Map<string, string | undefined>();
  return detectEra((rel) => {
    if (!(ERA_MARKER_FILES as readonly string[]).includes(rel)) return undefined;
    if (!cache.has(rel)) {
      try { cache.set(rel, fs.readFileSync(path.join(root, rel), 'latin1')); } catch { cache.set(rel, undefined); }
    }
    return cache.get(rel);
  });
}

/** Whether a directory looks like a kernel tree root (mm/ and include/linux/), as findTreeRoot asks. */
export function isTreeRoot(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'mm')) && fs.existsSync(path.join(dir, 'include', 'linux'));
}

/** What a bounded look below a folder that is not a kernel tree found. */
export interface TreeSurvey {
  /** Kernel tree roots below it (not looked inside), sorted. */
  trees: string[];
  /** Every folder below it was looked at within the budget. */
  complete: boolean;
  /** .c/.h files seen (outside the trees). */
  sourceFiles: number;
}

/** File systems of the kernel's own views (proc, sysfs, cgroup, devpts, debugfs, tracefs, securityfs, pstore, bpf): no source below them. */
const PSEUDO_FS = new Set([0x9fa0, 0x62656572, 0x27e0eb, 0x63677270, 0x1cd1, 0x64626720, 0x74726163, 0x73636673, 0x6165676c, 0xcafe4a11]);

/**
 * Looks below `dir` breadth first for kernel trees, within a budget of folders and time, so a
 * slip like `fsdax-audit ~` or `fsdax-audit /` is answered in a second instead of reading every
 * C file below (which ran out of memory on a folder holding several trees). Symlinked folders
 * are not followed, nor `.git` folders, the kernel's own views (/proc, /sys) or a tree's inside.
 */
export function surveyTrees(dir: string, budget: { folders: number; ms: number } = { folders: 5000, ms: 3000 }): TreeSurvey {
  const started = Date.now();
  const trees: string[] = [];
  let sourceFiles = 0;
  let visited = 0;
  let queue: Array<{ dir: string; dev: number }> = [{ dir: path.resolve(dir), dev: statOrUndefined(dir)?.dev ?? 0 }];
  while (queue.length > 0) {
    const next: typeof queue = [];
    for (const q of queue) {
      if (visited >= budget.folders || Date.now() - started > budget.ms) return { trees: trees.sort(), complete: false, sourceFiles };
      visited++;
      let entries: fs.Dirent[];
      try { entries = fs.readdirSync(q.dir, { withFileTypes: true }); } catch { continue; }
      for (const e of entries) {
        if (e.isFile() && SOURCE_NAME.test(e.name)) sourceFiles++;
        if (!e.isDirectory() || e.name === '.git') continue;
        const sub = path.join(q.dir, e.name);
        if (isTreeRoot(sub)) { trees.push(sub); continue; }
        const st = statOrUndefined(sub);
        if (!st) continue;
        if (st.dev !== q.dev && isPseudoFs(sub)) continue;
        next.push({ dir: sub, dev: st.dev });
      }
    }
    queue = next;
  }
  return { trees: trees.sort(), complete: true, sourceFiles };
}

function statOrUndefined(p: string): fs.Stats | undefined {
  try { return fs.statSync(p); } catch { return undefined; }
}

function isPseudoFs(dir: string): boolean {
  try { return PSEUDO_FS.has(Number(fs.statfsSync(dir).type)); } catch { return true; }
}
