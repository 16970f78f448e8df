// cli front-end of `fsdax-audit repro`: arguments (commander), printing, exit codes.
// The work is server/src/repro (boot the era's stock kernel under QEMU, run, judge).
import { Command, Option } from 'commander';
import { DEFAULT_KERNEL_PACKAGES, REPRO_ERAS, ReproEra, ReproScenario, RunResult, SCENARIOS, findScenario, isReproEra, missingPrerequisites, runVariant } from '../repro/index';
import { TOOL_NAME } from './project';
import type { CliIo } from './cli-io';

interface ReproOptions {
  era: string;
  variant?: string;
  all?: boolean;
  list?: boolean;
  check?: boolean;
  kernel: string[];
  lines: boolean;
}

/** One line of the --all table. */
export function formatResultLine(r: RunResult): string {
  const verdict = r.verdict === 'could not run' ? `could not run (${r.why})` : r.verdict;
  const mark = r.asExpected ? 'ok' : r.verdict === 'could not run' ? '--' : 'UNEXPECTED';
  return `${r.scenario.padEnd(22)} ${r.era.padEnd(5)} ${r.variant.padEnd(13)} ${mark.padEnd(10)} ${verdict}  ${r.seconds.toFixed(1)} s`;
}

function collectKernel(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parseKernels(values: string[]): Partial<Record<ReproEra, string>> {
  const out: Partial<Record<ReproEra, string>> = {};
  for (const v of values) {
    const m = /^([^=]+)=(\S+)$/.exec(v);
    if (!m || !isReproEra(m[1])) throw new Error(`--kernel wants ERA=PACKAGE with ERA one of ${REPRO_ERAS.join(', ')} (got "${v}")`);
    out[m[1]] = m[2];
  }
  return out;
}

/** `fsdax-audit repro [scenario] [options]`; argv is what follows "repro". Returns the exit code. */
export async function reproMain(argv: string[], io: CliIo): Promise<number> {
  const program = new Command(`${TOOL_NAME} repro`)
    .description('Boot the era\'s stock Debian kernel under QEMU (TCG, emulated pmem), run a scenario and its controls, and say whether the hazard shows.')
    .argument('[scenario]', `scenario id (${SCENARIOS.map((s) => s.id).join(', ')})`)
    .addOption(new Option('--era <era>', 'kernel era').choices([...REPRO_ERAS, 'all']).default('all'))
    .option('--variant <id>', 'one variant only (e.g. shared, single-owner, rmapbt)')
    .option('--all', 'every scenario × era × variant, one line each')
    .option('--list', 'list scenarios, eras and variants, then exit')
    .option('--check', 'check the host prerequisites (QEMU, busybox-static, xfsprogs, gcc...), then exit')
    .option('--kernel <era=package>', 'another Debian kernel package for an era (repeatable)', collectKernel, [])
    .option('--no-lines', 'leave out the decisive console lines')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: (s, write) => write(`${TOOL_NAME} repro: ${s.replace(/^error: /, '')}`),
    });
  try {
    program.parse(argv, { from: 'user' });
  } catch (e) {
    return (e as { exitCode?: number }).exitCode === 0 ? 0 : 2;
  }
  const opts = program.opts<ReproOptions>();
  if (opts.list) {
    for (const s of SCENARIOS) for (const era of s.eras) for (const v of s.variants(era)) io.stdout.write(`${s.id} ${era} ${v.id}: ${v.description} (expect ${v.expect}; ${s.ruleId})\n`);
    return 0;
  }
  if (opts.check) {
    const missing = missingPrerequisites();
    io.stdout.write(missing.length ? `missing: ${missing.join(', ')}\n` : 'all prerequisites present\n');
    return missing.length ? 1 : 0;
  }
  let kernels: Partial<Record<ReproEra, string>>;
  try {
    kernels = parseKernels(opts.kernel);
  } catch (e) {
    io.stderr.write(`${TOOL_NAME} repro: ${(e as Error).message}\n`);
    return 2;
  }
  const id = program.args[0];
  let scenarios: readonly ReproScenario[];
  if (id) {
    const s = findScenario(id);
    if (!s) { io.stderr.write(`${TOOL_NAME} repro: no scenario "${id}" (${SCENARIOS.map((x) => x.id).join(', ')})\n`); return 2; }
    scenarios = [s];
  } else if (opts.all) {
    scenarios = SCENARIOS;
  } else {
    io.stderr.write(`${TOOL_NAME} repro: give a scenario (${SCENARIOS.map((x) => x.id).join(', ')}) or --all\n`);
    return 2;
  }
  const runs: { s: ReproScenario; era: ReproEra; v: ReturnType<ReproScenario['variants']>[number] }[] = [];
  for (const s of scenarios) {
    for (const era of s.eras) {
      if (opts.era !== 'all' && opts.era !== era) continue;
      for (const v of s.variants(era)) if (!opts.variant || opts.variant === v.id) runs.push({ s, era, v });
    }
  }
  if (runs.length === 0) { io.stderr.write(`${TOOL_NAME} repro: nothing matches (see --list)\n`); return 2; }
  const log = (line: string) => io.stderr.write(`${TOOL_NAME} repro: ${line}\n`);
  let allAsExpected = true;
  try {
    for (const { s, era, v } of runs) {
      const r = await runVariant(s, era, v, { kernelPackages: { ...DEFAULT_KERNEL_PACKAGES, ...kernels }, log });
      allAsExpected &&= r.asExpected;
      io.stdout.write(`${formatResultLine(r)}\n`);
      if (opts.lines && !opts.all) {
        for (const l of r.lines) io.stdout.write(`    ${l}\n`);
        if (r.consoleFile) io.stdout.write(`    (console: ${r.consoleFile}${r.boots > 1 ? `, ${r.boots} boots` : ''})\n`);
      }
    }
  } catch (e) {
    io.stderr.write(`${TOOL_NAME} repro: internal error: ${(e as Error).message}\n`);
    return 2;
  }
  return allAsExpected ? 0 : 1;
}
