// cli front-end: argument parsing, reading files, printing, exit codes. All
// analysis goes through the core's AuditSession; only this folder prints or sets exit codes.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as v8 from 'v8';
import * as vm from 'vm';
import { Command, InvalidArgumentError, Option } from 'commander';
import { AuditSession } from '../analysis/audit';
import type { AuditResult } from '../analysis/audit-types';
import { analysisKey } from '../analysis/result-cache';
import { defaultModel, indexModel } from '../model/model';
import type { Era } from '../model/types';
import { applyBaseline, formatBaseline, readBaseline } from './baseline';
import { detectFsdaxArchitectures, detectTreeEra, findTreeRoot, inContextScope, InputError, isTreeRoot, surveyTrees } from '../host/tree-files';
import { GitCheckout } from '../host/git';
import { cacheDirectory, ResultStore, toolIdentity, type StoredResultKey } from '../host/result-store';
import { readTreeInto } from './read-tree';
import { describeScope, isReported, reportedPart, runScope, wouldRead } from './scope';
import { diffStates, setBase } from './diff';
import type { CliIo } from './cli-io';
import { UsageError } from './usage-error';
import { formatJson } from './format/json';
import { formatSarif } from './format/sarif';
import { snippetSource } from './format/snippets';
import { formatText } from './format/text';
import { createProgress, Progress } from './progress';
import { explanationUrl, TOOL_NAME, toolVersion } from './project';
import { explainText, lookupScenarioId, scenarioIds } from '../explain/index';
import { DEFAULT_ERA } from '../model/era';
import { compareProblems, Report } from './report';
import { allRules, ruleMetas } from '../../rules/index';

const EXIT_OK = 0;
const EXIT_FINDINGS = 1;
const EXIT_USAGE = 2;

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

function positiveInteger(value: string): number {
  if (!/^[1-9]\d*$/.test(value.trim())) throw new InvalidArgumentError('Use a positive integer.');
  return Number(value);
}

function buildProgram(io: CliIo): Command {
  return new Command(TOOL_NAME)
    .description('Audit Linux kernel C for unsafe reads of FS-DAX page fields (mapping, index, anon tests).')
    .argument('[paths...]', 'files or directories to audit (default: mm and fs of the tree root)')
    .option('--root <dir>', 'kernel tree root (default: found by walking up from the first path)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'sarif']).default('text'))
    .option('--output <file>', 'write the report to a file instead of standard output')
    .addOption(new Option('--fail-on <level>', 'exit 1 when a finding is at or above this level').choices(['error', 'warning', 'info', 'never']).default('warning'))
    .option('--era <era>', 'auto, or one of <=5.18, 5.19-6.1, 6.2-6.14, 6.15+', 'auto')
    .option('--model <file>', 'extra sources/guards/guarantees (JSON, merged into the bundled model)')
    .option('--show-benign', 'also report reads whose use cannot hurt (NULL test, compare, recheck, decode, a helper reported inside), as info')
    .addOption(new Option('--min-confidence <level>', 'high: leave out findings that need a concurrent truncate or reflink fault').choices(['high', 'race']).default('race'))
    .option('--arch <dir>', 'the arch/ directory whose kernel facts apply (pmd_trans_huge() of a devmap PMD, arch stubs)', 'x86')
    .option('--baseline <file>', 'hide findings listed in this baseline (matched by rule, file, function, expression)')
    .option('--update-baseline', 'write the current findings to the --baseline file, then report what is left (nothing)')
    .option('--no-context', 'analyse the named paths only, without the rest of the tree (default: named paths are audited in the context of mm/ and fs/ and select what is reported)')
    .option('--context-dirs <dirs>', 'comma-separated tree directories the context is drawn from (default: mm,fs as the editor\'s index; . for the whole tree)', (v: string) => v.split(',').map((d) => d.trim()).filter((d) => d !== ''))
    .option('--diff <rev>', 'report only what the working tree adds against git revision <rev> (new findings, and findings whose path changed), and list what it removes')
    .option('--cache-dir <dir>', 'where results are kept between runs (default: $XDG_CACHE_HOME/fsdax-audit/index, shared with the language server)')
    .option('--no-cache', 'neither read nor write kept results (also FSDAX_AUDIT_NO_CACHE=1)')
    .addOption(new Option('--jobs <n>', 'threads that read and pre-scan big trees (the analysis itself runs on one; output is identical for any value)').argParser(positiveInteger).default(os.availableParallelism(), 'number of cores'))
    .option('--progress', 'show progress on stderr when it is a terminal (default)')
    .option('--no-progress', 'never show progress')
    .option('--explain <id>', 'print the step-by-step explanation of a rule (fsdax/index-read) or scenario for the era, then exit')
    .option('--quiet', 'print findings only, no summary')
    .option('--debug', 'print stack traces of internal errors')
    .version(toolVersion())
    .addHelpText('after', `\nProof on a real kernel: ${TOOL_NAME} repro --help (boots the era's stock Debian kernel under QEMU; docs/repro.md)`)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // One line, in the same shape as our own usage errors.
      outputError: (s, write) => write(`${TOOL_NAME}: ${s.replace(/^error: /, '')}`),
    });
}

export async function main(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  // `fsdax-audit repro ...`: its own options (cli/repro.ts); a tree path named repro is ./repro.
  if (argv[2] === 'repro') return (await import('./repro')).reproMain(argv.slice(3), io);
  const program = buildProgram(io);
  try {
    program.parse(argv);
  } catch (e) {
    const code = (e as { exitCode?: number }).exitCode;
    return code === 0 ? EXIT_OK : EXIT_USAGE;
  }
  const opts = program.opts<CliOptions>();
  const progress = createProgress(io.stderr, opts.progress !== false);
  try {
    if (opts.explain) return explain(opts, program.args, io);
    if (opts.updateBaseline && !opts.baseline) throw new UsageError('--update-baseline needs --baseline <file>');
    if (opts.updateBaseline && opts.diff) throw new UsageError('--update-baseline cannot be used with --diff (a baseline lists every finding, not a change\'s)');
    const report = await run(program.args, opts, progress, (m) => { if (opts.debug) io.stderr.write(`${m}\n`); });
    progress.done();
    const text = opts.format === 'json' ? formatJson(report) : opts.format === 'sarif' ? formatSarif(report) : formatText(report, !opts.quiet);
    if (opts.output) writeFile(opts.output, text, 'report');
    else io.stdout.write(text);
    return exitCode(report, opts.failOn);
  } catch (e) {
    progress.done();
    if (e instanceof InputError) {
      io.stderr.write(`${TOOL_NAME}: ${e.message}\n`);
      if (opts.debug) io.stderr.write(`${(e as Error).stack}\n`);
      return EXIT_USAGE;
    }
    io.stderr.write(`${TOOL_NAME}: internal error: ${(e as Error).message}${opts.debug ? '' : ' (run with --debug for details)'}\n`);
    if (opts.debug) io.stderr.write(`${(e as Error).stack}\n`);
    return EXIT_USAGE;
  }
}

/** --explain: the simulator's trace for the era of the tree (or --era), as text. */
function explain(opts: CliOptions, paths: string[], io: CliIo): number {
  const root = opts.root ? path.resolve(opts.root) : findTreeRoot(paths[0] ?? '.');
  const era = root || opts.era !== 'auto' ? detectTreeEra(root ?? '.', opts.era) : { era: DEFAULT_ERA, known: false, evidence: `no kernel tree here; assumed ${DEFAULT_ERA} (use --era)` };
  const text = explainText(opts.explain!, era.era);
  if (!text) throw new UsageError(`nothing to explain for "${opts.explain}": give a rule id (fsdax/index-read) or a scenario id (${scenarioIds().join(', ')})`);
  io.stdout.write(`era ${era.era} (${era.evidence})\n${explanationUrl(lookupScenarioId(opts.explain!)!, era.era)}\n\n${text.endsWith('\n') ? text : `${text}\n`}${raceText(era.era)}${insteadText(opts.explain!)}`);
  return EXIT_OK;
}

/** What a finding tagged [race] needs in this era (the model's race mechanism). */
function raceText(era: Era): string {
  const race = indexModel(defaultModel(), era).raceMechanism;
  return race ? `\nA finding tagged [race] (${era}) ${race}.\n` : '';
}

/** How --explain ends: what to do instead, from the rule (or the rules this scenario explains). */
function insteadText(idOrRuleId: string): string {
  const scenario = lookupScenarioId(idOrRuleId);
  const metas = ruleMetas().filter((m) => m.id === idOrRuleId || (!idOrRuleId.includes('/') && m.explanation === scenario));
  if (metas.length === 0) return '';
  const lines = metas.map((m) => (metas.length === 1 ? `  ${m.advice}` : `  ${m.id}: ${m.advice}`));
  return `\nWhat to do instead:\n${lines.join('\n')}\n`;
}

/** Files parsed between two forced collections on a large scan (trees are native memory: V8 does not count them). */
const GC_EVERY_PARSED_FILES = 300;

/** A hook that runs a full collection each time `every` more files have been parsed, when V8 lets us. */
function collectEvery(every: number): ((parsedFiles: number) => void) | undefined {
  let gc: (() => void) | undefined;
  try {
    v8.setFlagsFromString('--expose-gc');
    gc = vm.runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
  let last = 0;
  return (parsed) => {
    if (parsed - last < every) return;
    last = parsed;
    gc!();
  };
}

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

async function run(paths: string[], opts: CliOptions, progress: Progress, log: (message: string) => void): Promise<Report> {
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
  const session = new AuditSession({ era, modelExtensions, fsdaxArchitectures, ...filters, rules: allRules });
  const dir = opts.cache === false ? undefined : opts.cacheDir ? path.resolve(opts.cacheDir) : cacheDirectory(undefined);
  const store = dir ? new ResultStore(dir, root, log) : undefined;
  const { unreadable, hashes } = await readTreeInto(session, scope.read, root, { jobs: opts.jobs, fsdaxArchitectures, hash: !!store }, progress);
  const key = store && { tool: toolIdentity(), root, key: analysisKey({ era, modelExtensions, fsdaxArchitectures, ...filters }, defaultModel()), files: hashes };
  // In context mode over mm/+fs/ alone the run's files are the language server's index: its slot is read and written too.
  const slot = !!key && scope.mode === 'context' && !opts.contextDirs && hashes.size > 0 && [...hashes.keys()].every(inContextScope);
  const audit = (k: StoredResultKey | undefined, useSlot: boolean, what: string) => auditCached(session, store, k, useSlot, () => progress.phase(`${TOOL_NAME}: analysing ${what}`), log);
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

/** The session's audit of its files, or the kept result for exactly these files and options. */
async function auditCached(session: AuditSession, store: ResultStore | undefined, key: StoredResultKey | undefined, slot: boolean, phase: () => void, log: (message: string) => void): Promise<AuditResult> {
  const kept = store && key ? store.lookup(key, { slot }) : undefined;
  if (kept) {
    log(`${TOOL_NAME}: result from cache (${key!.files.size} files)`);
    return kept;
  }
  phase();
  // Async so node tree-sitter can free released trees as the analysis goes (bounded memory on a whole kernel).
  const result = await session.auditAsync(undefined, collectEvery(GC_EVERY_PARSED_FILES));
  if (store && key && session.isComplete) store.store(key, result, { slot });
  return result;
}

function readModel(file: string): unknown {
  let text: string;
  try { text = fs.readFileSync(file, 'utf8'); } catch { throw new UsageError(`cannot read model file: ${file}`); }
  try { return JSON.parse(text); } catch (e) { throw new UsageError(`model file ${file} is not valid JSON: ${(e as Error).message}`); }
}

function writeFile(file: string, text: string, what: string): void {
  try { fs.writeFileSync(file, text); } catch (e) { throw new UsageError(`cannot write ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`); }
}

const LEVELS = { info: 0, warning: 1, error: 2 } as const;

function exitCode(report: Report, failOn: CliOptions['failOn']): number {
  if (failOn === 'never') return EXIT_OK;
  const threshold = LEVELS[failOn];
  return report.findings.some((f) => LEVELS[f.severity] >= threshold) ? EXIT_FINDINGS : EXIT_OK;
}
