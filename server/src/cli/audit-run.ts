// cli front-end: one audit run as the CLI does it: the root (refusing a folder that is not one
// kernel tree), the scope, reading, the kept result or the session's audit, --diff, the baseline,
// the Report. main.ts (arguments, formats, exit codes) and check.ts (kbuild's checker hook) use it.
import * as fs from 'fs';
import * as path from 'path';
import { AuditSession } from '../analysis/audit';
import type { AuditResult } from '../analysis/audit-types';
import { analysisKey } from '../analysis/result-cache';
import { defaultModel } from '../model/model';
import { applyBaseline, formatBaseline, readBaseline } from './baseline';
import { detectFsdaxArchitectures, detectTreeEra, findTreeRoot, inContextScope, isTreeRoot, surveyTrees } from '../host/tree-files';
import { GitCheckout } from '../host/git';
import { cacheDirectory, changedBetween, ResultStore, SnapshotStore, toolIdentity, type StoredResultKey } from '../host/result-store';
import { packReads, readTreeInto, unpackReads, type FileRead } from './read-tree';
import type { SessionSnapshot } from '../analysis/session-snapshot';
import { collectEvery } from '../host/collect';
import { keepNodeStructure } from '../parse/parser';
import { describeScope, isReported, reportedPart, runScope, wouldRead } from './scope';
import { diffStates, setBase } from './diff';
import { UsageError } from './usage-error';
import { snippetSource } from './format/snippets';
import type { Progress } from './progress';
import { TOOL_NAME } from './project';
import { compareProblems, Report } from './report';
import { allRules } from '../../rules/index';

export interface CliOptions {
  root?: string;
  format: 'text' | 'json' | 'sarif';
  output?: string;
  failOn: 'error' | 'warning' | 'info' | 'never';
  era: string;
  model?: string;
  baseline?: string;
  updateBaseline?: boolean;
  jobs: number;
  /** false with --no-context: read and analyse the named paths only. */
  context: boolean;
  /** The context's directories, tree-relative (default: mm and fs, as the language server's index). */
  contextDirs?: string[];
  diff?: string;
  /** false with --no-cache. */
  cache: boolean;
  cacheDir?: string;
  explain?: string;
  progress?: boolean;
  quiet?: boolean;
  debug?: boolean;
  showBenign?: boolean;
  minConfidence: 'high' | 'race';
  arch: string;
}

/**
 * Files parsed between two forced collections on a large scan: a released tree is freed only when
 * V8 collects its wrapper, and V8 does not count trees (native memory, ~25x their text), so without
 * this the trees released since the last collection add to the ones held. Each collection marks the
 * whole heap (130-250 ms late in a whole-kernel run): whole 6.12, 100 -> 200 files took 1.2-2.8 s
 * off 22.5-24.3 s for 30-90 MiB more peak (7.2: 800 -> 850 MiB; 300 files: up to 1,000 MiB);
 * docs/performance.md.
 */
const GC_EVERY_PARSED_FILES = 200;
/**
 * Parsed trees held at once by the CLI (the session's default is 300). Whole 6.1, 6.12 and 7.2 trees peak at
 * 910-965 MiB with 200 (about 60 MiB more than with 150, for about 1 s less of files parsed again); docs/performance.md.
 */
const LIVE_TREES = 200;

function readAgain(root: string, file: string): Buffer {
  try { return fs.readFileSync(path.isAbsolute(file) ? file : path.join(root, file)); } catch { return Buffer.alloc(0); }
}

/** The tree root: --root, else the kernel tree around the first path, else that path (its folder for a file). */
function rootFor(paths: string[], opts: CliOptions): string {
  if (opts.root) return path.resolve(opts.root);
  const first = path.resolve(paths[0] ?? '.');
  const found = findTreeRoot(first);
  if (found) return found;
  return fs.existsSync(first) && fs.statSync(first).isFile() ? path.dirname(first) : first;
}

/** Loose C files beyond this many (outside any tree) are not a folder to audit file by file. */
const LOOSE_FILES_MAX = 30000;

/**
 * A folder that is not one kernel tree (no tree at or above it): say so at once, naming the trees
 * below it, rather than reading every C file there (a home directory, `/`, a folder of clones).
 * A small folder of loose C files is audited file by file, as before.
 */
function refuseBadRoot(paths: string[], opts: CliOptions, root: string): void {
  const given = opts.root ?? paths[0] ?? '.';
  const dir = opts.root ? root : path.resolve(given);
  if (isTreeRoot(dir) || (!opts.root && findTreeRoot(dir)) || !fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) return;
  const survey = surveyTrees(dir);
  const shown = given === '.' ? `${dir} (the current folder)` : given;
  if (survey.trees.length > 0) {
    const names = survey.trees.map((t) => path.relative(dir, t) || t);
    const list = names.length > 6 ? `${names.slice(0, 6).join(', ')} and ${names.length - 6} more` : names.join(', ');
    throw new UsageError(`${shown} is not a kernel tree; it holds ${names.length === 1 ? 'one' : names.length}${survey.complete ? '' : ' or more'}: ${list} (audit one: --root ${path.join(given, names[0])})`);
  }
  if (!survey.complete || survey.sourceFiles > LOOSE_FILES_MAX) {
    throw new UsageError(`${shown} is not a kernel tree (no mm/ and include/linux/ in it or above it) and too big to audit as loose C files; give --root <kernel tree>, or the files to audit`);
  }
}

export async function runAudit(paths: string[], opts: CliOptions, progress: Progress, log: (message: string) => void): Promise<Report> {
  // One run, trees released as it goes: nodes may keep what they were asked (parse/parser.ts).
  keepNodeStructure();
  const root = rootFor(paths, opts);
  if (opts.root && !fs.existsSync(root)) throw new UsageError(`no such root: ${opts.root}`);
  refuseBadRoot(paths, opts, root);
  const treeFound = !!opts.root || !!findTreeRoot(path.resolve(paths[0] ?? '.'));
  // --diff: fail fast outside git or on a bad revision, before reading anything.
  const git = opts.diff ? GitCheckout.around(root) : undefined;
  const commit = git?.commit(opts.diff!);
  const gitChanges = git ? git.changes(commit!) : [];
  const scope = runScope(root, paths, { context: opts.context !== false, treeFound, changed: gitChanges.map((c) => ({ abs: path.join(root, c.path), untracked: c.untracked })), contextDirs: opts.contextDirs });
  // The changes this run sees: an untracked file outside what it reads is no part of the patch here.
  const changes = gitChanges.filter((c) => !c.untracked || wouldRead(scope, path.join(root, c.path)));
  const era = detectTreeEra(root, opts.era);
  const modelExtensions = opts.model ? [{ origin: opts.model, value: readModel(opts.model) }] : [];
  // Read the baseline before the scan, so a bad file fails fast.
  const entries = opts.baseline && !opts.updateBaseline ? readBaseline(opts.baseline) : undefined;
  const fsdaxArchitectures = detectFsdaxArchitectures(root);
  const filters = { arch: opts.arch, showBenign: opts.showBenign, minConfidence: opts.minConfidence };
  const session = new AuditSession({ era, modelExtensions, fsdaxArchitectures, ...filters, rules: allRules }, undefined, { maxLiveTrees: LIVE_TREES });
  const dir = opts.cache === false ? undefined : opts.cacheDir ? path.resolve(opts.cacheDir) : cacheDirectory(undefined);
  const store = dir ? new ResultStore(dir, root, log) : undefined;
  const states = dir ? new SnapshotStore(dir, root, log) : undefined;
  const tool = store && toolIdentity();
  const optionsKey = store && analysisKey({ era, modelExtensions, fsdaxArchitectures, ...filters }, defaultModel());
  // The last complete audit's state, read first: its kept reads spare reading the files unchanged since.
  const state = states?.read(tool!, optionsKey!);
  const keptReads = state && unpackReads(state.reads);
  const { unreadable, hashes, reads, taken, listed } = await readTreeInto(session, scope.read, root, { jobs: opts.jobs, fsdaxArchitectures, keep: !!store, kept: keptReads }, progress);
  if (keptReads) log(`${TOOL_NAME}: ${taken} of ${listed} files unchanged since the kept state (not read again)`);
  const key = store && { tool: tool!, root, key: optionsKey!, files: hashes };
  // In context mode over mm/+fs/ alone the run's files are the language server's index: its slot is read and written too.
  const slot = !!key && scope.mode === 'context' && !opts.contextDirs && hashes.size > 0 && [...hashes.keys()].every(inContextScope);
  const kept = { state, reads };
  const audit = (k: StoredResultKey | undefined, useSlot: boolean, what: string) => auditCached(session, store && k && { results: store, states: states!, key: k, ...kept }, useSlot, () => progress.phase(`${TOOL_NAME}: analysing ${what}`), log);
  let result = await audit(key, slot, `${session.size} files`);
  let diff: Report['diff'];
  if (git) {
    // A file missing from the working tree is in the base as a tracked change would be in the head: anywhere in context mode.
    const baseHashes = setBase(session, git, commit!, changes, (rel) => scope.mode === 'context' || wouldRead(scope, path.join(root, rel)), hashes);
    const base = await audit(key && { ...key, files: baseHashes }, false, `the base (${changes.length} files as at ${opts.diff})`);
    const d = diffStates(base.findings, result.findings, changes, (f) => isReported(scope, f.file));
    const changedFiles = [...new Set(changes.flatMap((c) => (c.from ? [c.from, c.path] : [c.path])))].sort();
    diff = { base: opts.diff!, commit: commit!, changedFiles, added: d.added, changed: d.changed, removed: d.removed };
    result = { ...reportedPart(scope, result), findings: d.reported };
  } else {
    result = reportedPart(scope, result);
  }
  const problems = [
    ...result.problems.filter((p) => p.kind !== 'syntax'),
    ...reportedPart(scope, { findings: [], problems: unreadable.map((u) => ({ file: u.file, kind: 'internal' as const, message: `cannot read: ${u.message}`, line: 0 })) }).problems,
  ].sort(compareProblems);
  const report: Report = { root, era: result.era, findings: result.findings, problems, stats: result.stats, scope: { mode: scope.mode, reported: scope.reported ?? null, contextDirs: scope.contextDirs ?? null, description: describeScope(scope) }, diff };
  if (opts.format === 'sarif') {
    // Snippets only for the files findings point into, read again rather than kept.
    const wanted = [...new Set(result.findings.flatMap((f) => [f.file, ...f.path.map((s) => s.file)]))];
    report.snippets = snippetSource(wanted.map((file) => ({ path: file, content: readAgain(root, file) })), new Set(wanted));
  }
  if (opts.baseline && opts.updateBaseline) {
    writeFile(opts.baseline, formatBaseline(result.findings), 'baseline');
    report.baseline = { file: opts.baseline, matched: result.findings.length, unmatched: 0 };
    report.findings = [];
  } else if (opts.baseline && entries) {
    const { kept, matched, unmatched } = applyBaseline(result.findings, entries);
    report.baseline = { file: opts.baseline, matched, unmatched };
    report.findings = kept;
  }
  return report;
}

/** Where an audit's result and state are kept: the stores, the key of this audit, the tree's kept state (read before the files were) and the run's reads. */
interface AuditCache {
  results: ResultStore;
  states: SnapshotStore;
  key: StoredResultKey;
  state?: { files: ReadonlyMap<string, string>; snapshot: SessionSnapshot };
  /** Kept with the state this audit writes. */
  reads?: ReadonlyMap<string, FileRead>;
}

/**
 * The session's audit of its files, or the kept result for exactly these files and options.
 * Without one, a session that has not audited yet resumes from the tree's kept analysis state
 * (the last complete audit's, for this tool and options) when there is one, so only what changed
 * since is analysed again; a complete audit keeps its result and its state, with the run's reads.
 */
async function auditCached(session: AuditSession, cache: AuditCache | undefined, slot: boolean,
  phase: () => void, log: (message: string) => void): Promise<AuditResult> {
  const kept = cache?.results.lookup(cache.key, { slot });
  if (kept) {
    log(`${TOOL_NAME}: result from cache (${cache!.key.files.size} files)`);
    return kept;
  }
  if (cache?.state && session.canResume) {
    const changed = changedBetween(cache.state.files, cache.key.files);
    session.resume(cache.state.snapshot, changed);
    log(`${TOOL_NAME}: resumed from the analysis state of ${cache.state.files.size} files (${changed.size} changed since)`);
  }
  phase();
  // Async so node tree-sitter can free released trees as the analysis goes (bounded memory on a whole kernel).
  const result = await session.auditAsync(undefined, collectEvery(GC_EVERY_PARSED_FILES));
  if (cache && session.isComplete) {
    cache.results.store(cache.key, result, { slot });
    cache.states.write(cache.key.tool, cache.key.key, cache.key.files, session.snapshot(), cache.reads && packReads(cache.reads));
  }
  return result;
}

function readModel(file: string): unknown {
  let text: string;
  try { text = fs.readFileSync(file, 'utf8'); } catch { throw new UsageError(`cannot read model file: ${file}`); }
  try { return JSON.parse(text); } catch (e) { throw new UsageError(`model file ${file} is not valid JSON: ${(e as Error).message}`); }
}

export function writeFile(file: string, text: string, what: string): void {
  try { fs.writeFileSync(file, text); } catch (e) { throw new UsageError(`cannot write ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`); }
}

