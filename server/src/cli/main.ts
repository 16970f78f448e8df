// cli front-end: argument parsing, reading files, printing, exit codes. All
// analysis goes through auditFiles(); only this folder prints or sets exit codes.
import * as fs from 'fs';
import * as path from 'path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { auditFiles, AuditResult } from '../analysis/audit';
import { collectSourceFiles, detectTreeEra, findTreeRoot, UsageError } from './files';
import { formatJson, formatText } from './format';

const EXIT_OK = 0;
const EXIT_FINDINGS = 1;
const EXIT_USAGE = 2;

function packageVersion(): string {
  try { return JSON.parse(fs.readFileSync(path.join(__dirname, '../../../../package.json'), 'utf8')).version; } catch { return '0.0.0'; }
}

export async function main(argv: string[]): Promise<number> {
  const program = new Command('fsdax-audit')
    .description('Audit Linux kernel C for unsafe reads of FS-DAX page fields (mapping, index, anon tests).')
    .argument('[paths...]', 'files or directories to audit (default: mm and fs of the tree root)')
    .option('--root <dir>', 'kernel tree root (default: found by walking up from the first path)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'sarif']).default('text'))
    .option('--output <file>', 'write the report to a file instead of standard output')
    .addOption(new Option('--fail-on <level>', 'exit 1 when a finding is at or above this level').choices(['error', 'warning', 'info', 'never']).default('warning'))
    .option('--era <era>', 'auto, or one of <=5.18, 5.19-6.1, 6.2-6.14, 6.15+', 'auto')
    .option('--model <file>', 'extra sources/guards/guarantees (JSON, merged into the bundled model)')
    .option('--quiet', 'print findings only, no summary')
    .option('--debug', 'print stack traces of internal errors')
    .version(packageVersion())
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  try {
    program.parse(argv);
  } catch (e) {
    const code = (e as { exitCode?: number }).exitCode;
    return code === 0 ? EXIT_OK : EXIT_USAGE;
  }
  const opts = program.opts<{ root?: string; format: string; output?: string; failOn: string; era: string; model?: string; quiet?: boolean; debug?: boolean }>();
  try {
    const result = run(program.args, opts);
    const report = opts.format === 'json' ? formatJson(result) : formatText(result, !opts.quiet);
    if (opts.output) fs.writeFileSync(opts.output, report);
    else process.stdout.write(report);
    return exitCode(result, opts.failOn);
  } catch (e) {
    if (e instanceof UsageError || e instanceof InvalidArgumentError) {
      process.stderr.write(`fsdax-audit: ${e.message}\n`);
      return EXIT_USAGE;
    }
    process.stderr.write(`fsdax-audit: internal error: ${(e as Error).message}\n`);
    if (opts.debug) process.stderr.write(`${(e as Error).stack}\n`);
    return EXIT_USAGE;
  }
}

function run(paths: string[], opts: { root?: string; era: string; model?: string }): AuditResult {
  const root = opts.root ? path.resolve(opts.root) : findTreeRoot(paths[0] ?? '.') ?? path.resolve(paths[0] ?? '.');
  if (opts.root && !fs.existsSync(root)) throw new UsageError(`no such root: ${opts.root}`);
  const targets = paths.length > 0 ? paths : ['mm', 'fs'].map((d) => path.join(root, d)).filter((d) => fs.existsSync(d));
  if (targets.length === 0) throw new UsageError(`nothing to audit: give paths, or a --root with mm/ or fs/`);
  const era = detectTreeEra(root, opts.era);
  const modelExtensions = opts.model ? [{ origin: opts.model, value: readModel(opts.model) }] : [];
  const { files, unreadable } = collectSourceFiles(targets, root);
  const result = auditFiles(files, { era, modelExtensions });
  for (const u of unreadable) result.problems.push({ file: u.file, kind: 'internal', message: `cannot read: ${u.message}`, line: 0 });
  return result;
}

function readModel(file: string): unknown {
  let text: string;
  try { text = fs.readFileSync(file, 'utf8'); } catch { throw new UsageError(`cannot read model file: ${file}`); }
  try { return JSON.parse(text); } catch (e) { throw new UsageError(`model file ${file} is not valid JSON: ${(e as Error).message}`); }
}

const LEVELS = { info: 0, warning: 1, error: 2 } as const;

function exitCode(result: AuditResult, failOn: string): number {
  if (failOn === 'never') return EXIT_OK;
  const threshold = LEVELS[failOn as keyof typeof LEVELS];
  return result.findings.some((f) => LEVELS[f.severity] >= threshold) ? EXIT_FINDINGS : EXIT_OK;
}
