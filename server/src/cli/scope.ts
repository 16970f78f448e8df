// cli front-end: what a run reads and what it reports. In context mode (the
// default with a kernel tree) the analysis reads the tree's context directories
// (mm/ and fs/, as the language server's index does) plus the named paths, and
// the named paths only select which findings are reported: a file audited alone
// gets exactly the findings the whole-tree audit has in it. --no-context reads
// the named paths only (files-only: sources and callers in other files are not seen).
import * as fs from 'fs';
import * as path from 'path';
import type { FileProblem, Finding } from '../analysis/audit-types';
import { CONTEXT_DIRS, contextDirs, toRelative } from '../host/tree-files';
import { UsageError } from './usage-error';

export interface RunScope {
  mode: 'context' | 'files';
  /** Absolute paths to read (files and directories). */
  read: string[];
  /** Tree-relative paths (files or directories) whose findings are reported; undefined: every file read. */
  reported?: string[];
  /** Context mode: the tree-relative directories the context is drawn from ('' the whole tree). */
  contextDirs?: string[];
}

/**
 * `paths`: what the user named; `treeFound`: the root was given or found by
 * walking up (a folder of loose C files has no context to draw from);
 * `changed`: a --diff's changed files (absolute). In context mode a tracked
 * change anywhere in the tree joins the context (a patch to drivers/ is audited
 * with mm/ and fs/); an untracked file only where the run reads anyway (a tool
 * checked out inside the tree, scratch files), as any change in files-only mode.
 */
export function runScope(root: string, paths: readonly string[], options: { context: boolean; treeFound: boolean; changed?: ReadonlyArray<{ abs: string; untracked?: boolean }>; contextDirs?: readonly string[] }): RunScope {
  const named = paths.map((p) => path.resolve(p));
  const dirs = options.contextDirs ? contextDirsOf(root, options.contextDirs) : contextDirs(root);
  const changed = (options.changed ?? []).filter((c) => fs.existsSync(c.abs));
  const join = (scope: RunScope, always: boolean): RunScope => {
    const extra = changed.filter((c) => (always && !c.untracked) || wouldRead(scope, c.abs)).map((c) => c.abs);
    return { ...scope, read: [...scope.read, ...extra] };
  };
  if (options.context && options.treeFound) {
    if (dirs.length === 0 && named.length === 0) throw new UsageError('nothing to audit: give paths, or a --root with mm/ or fs/');
    const reported = named.length > 0 ? [...new Set(named.map((p) => toRelative(root, p)))].sort() : undefined;
    // Paths as given, so a missing one is named as the user spelt it.
    return join({ mode: 'context', read: [...dirs, ...paths], reported: reported?.includes('') ? undefined : reported, contextDirs: dirs.map((d) => toRelative(root, d)) }, true);
  }
  const read = named.length > 0 ? named : dirs;
  if (read.length === 0) throw new UsageError('nothing to audit: give paths, or a --root with mm/ or fs/');
  return join({ mode: 'files', read: named.length > 0 ? [...paths] : dirs }, false);
}

/** --context-dirs: tree-relative directories ('.' the whole tree); a missing one is an error. */
function contextDirsOf(root: string, dirs: readonly string[]): string[] {
  return dirs.map((d) => {
    const abs = path.resolve(root, d);
    if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) throw new UsageError(`--context-dirs: no such directory in the tree: ${d}`);
    return abs;
  });
}

/** Whether a finding or problem in `file` (tree-relative) is reported. */
export function isReported(scope: RunScope, file: string): boolean {
  return !scope.reported || scope.reported.some((r) => file === r || file.startsWith(`${r}/`));
}

/** Whether a finding (core or JSON shape) concerns the files `inScope` accepts: it is there, or a hazard there is folded into it. */
export function concerns(f: { file: string; related?: ReadonlyArray<{ file: string }> }, inScope: (file: string) => boolean): boolean {
  return inScope(f.file) || (f.related ?? []).some((r) => inScope(r.file));
}

/**
 * The findings and problems of the reported files (model problems always: they concern every file).
 * A finding elsewhere that carries a hazard of a reported file folded into it (Finding.related) is
 * reported too: a change to that file must not pass because its hazard is shown at the caller.
 */
export function reportedPart<T extends { findings: Finding[]; problems: FileProblem[] }>(scope: RunScope, result: T): T {
  if (!scope.reported) return result;
  return { ...result, findings: result.findings.filter((f) => concerns(f, (file) => isReported(scope, file))), problems: result.problems.filter((p) => p.kind === 'model' || isReported(scope, p.file)) };
}

/** How the summary line names the scope. */
export function describeScope(scope: RunScope): string {
  if (scope.mode === 'files') return 'files only';
  const dirs = scope.contextDirs ?? [];
  const context = dirs.length === CONTEXT_DIRS.length && dirs.every((d, i) => d === CONTEXT_DIRS[i]) ? 'in tree context'
    : dirs.includes('') ? 'in the context of the whole tree' : `in the context of ${dirs.map((d) => `${d}/`).join(' ')}`;
  if (!scope.reported) return context;
  const shown = scope.reported.slice(0, 3).join(', ');
  return `${context}, reporting ${shown}${scope.reported.length > 3 ? `, ... (${scope.reported.length} paths)` : ''}`;
}

/** Whether an absolute path is among what the scope reads (a file deleted from the working tree, for the --diff base). */
export function wouldRead(scope: RunScope, abs: string): boolean {
  return scope.read.map((r) => path.resolve(r)).some((r) => abs === r || abs.startsWith(`${r}${path.sep}`));
}
