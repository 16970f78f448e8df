// cli front-end: argument parsing, reading files, printing, exit codes. All
// analysis goes through the core's AuditSession; only this folder prints or sets exit codes.
import * as os from 'os';
import * as path from 'path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { defaultModel, indexModel } from '../model/model';
import type { Era } from '../model/types';
import { detectTreeEra, findTreeRoot, InputError } from '../host/tree-files';
import type { CliIo } from './cli-io';
import { UsageError } from './usage-error';
import { formatJson } from './format/json';
import { formatSarif } from './format/sarif';
import { formatText } from './format/text';
import { createProgress } from './progress';
import { applyCliV8Flags } from './v8-flags';
import { explanationUrl, TOOL_NAME, toolVersion } from './project';
import { explainText, lookupScenarioId, scenarioIds } from '../explain/index';
import { DEFAULT_ERA } from '../model/era';
import type { Report } from './report';
import { ruleMetas } from '../../rules/index';
import { runAudit, writeFile, type CliOptions } from './audit-run';

export type { CliOptions } from './audit-run';

const EXIT_OK = 0;
const EXIT_FINDINGS = 1;
const EXIT_USAGE = 2;

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
  applyCliV8Flags();
  // `fsdax-audit repro ...`: its own options (cli/repro.ts); a tree path named repro is ./repro.
  if (argv[2] === 'repro') return (await import('./repro')).reproMain(argv.slice(3), io);
  // `fsdax-audit check <sparse's arguments>`: kbuild's checker hook, as bin/fsdax-audit-check.js.
  if (argv[2] === 'check') return (await import('./check')).checkMain(argv.slice(3), io);
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
    const report = await runAudit(program.args, opts, progress, (m) => { if (opts.debug) io.stderr.write(`${m}\n`); });
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

const LEVELS = { info: 0, warning: 1, error: 2 } as const;

function exitCode(report: Report, failOn: CliOptions['failOn']): number {
  if (failOn === 'never') return EXIT_OK;
  const threshold = LEVELS[failOn];
  return report.findings.some((f) => LEVELS[f.severity] >= threshold) ? EXIT_FINDINGS : EXIT_OK;
}
