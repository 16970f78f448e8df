// cli front-end of `fsdax-audit repro`: arguments (commander), printing, exit codes.
// The work is server/src/repro (boot the era's stock kernel under QEMU, run, judge; with --tree,
// build the developer's tree and prove a patch before/after). The tree's era comes from the
// analysis's detection (host/tree-files), handed to the repro layer as a repro era.
import * as fs from 'fs';
import * as path from 'path';
import { Command, Option } from 'commander';
import { ANALYSIS_ERAS, DEFAULT_KERNEL_PACKAGES, fetchKernel, HostError, ProofResult, REPRO_ERAS, ReproEra, ReproScenario, ReproVariant, RunResult, SCENARIOS, capturedRunFor, findScenario, isReproEra, missingPrerequisites, missingTreePrerequisites, proveOnTree, reproEraFor, unbuiltTreeKernels, runVariant, unfetchedKernels } from '../repro/index';
import { detectTreeEra, InputError } from '../host/tree-files';
import { TOOL_NAME } from './project';
import type { CliIo } from './cli-io';

interface ReproOptions {
  era: string;
  variant?: string;
  all?: boolean;
  list?: boolean;
  check?: boolean;
  fetch?: boolean;
  fetched?: boolean;
  built?: boolean;
  kernel: string[];
  lines: boolean;
  tree?: string;
  patch: string[];
  finding?: string;
}

/** A finding's fingerprint, `rule|file|function|expression` (analysis/findings.ts), split. */
export function parseFingerprint(fp: string): { ruleId: string; file: string; function: string; expr: string } | undefined {
  const parts = fp.split('|');
  if (parts.length < 4 || parts.slice(0, 3).some((p) => p === '')) return undefined;
  return { ruleId: parts[0], file: parts[1], function: parts[2], expr: parts.slice(3).join('|') };
}

const pad = (s: string, n: number) => s.padEnd(n);

/** The before/after table of `repro --tree`: a header, then a row per variant with ok or FAIL. */
export function formatProofTable(result: Pick<ProofResult, 'rows'>, withAfter: boolean): string[] {
  const head = `${pad('SCENARIO', 22)} ${pad('ERA', 5)} ${pad('VARIANT', 14)} ${pad('BEFORE', 15)}${withAfter ? ` ${pad('AFTER', 15)}` : ''}`;
  return [head.trimEnd(), ...result.rows.map((r) => `${pad(r.scenario, 22)} ${pad(r.era, 5)} ${pad(r.variant, 14)} ${pad(r.before, 15)}${withAfter ? ` ${pad(r.after ?? '', 15)}` : ''} ${r.holds ? 'ok' : 'FAIL'}`)];
}

/** Why the proof does not hold, one phrase per failing row (empty: it holds). */
export function proofFailures(result: Pick<ProofResult, 'rows'>, withAfter: boolean): string[] {
  return result.rows.filter((r) => !r.holds).map((r) => {
    const what = r.expect === 'reproduced' ? 'hazard' : 'control';
    if (r.before === 'inconclusive' || r.after === 'inconclusive') return `${r.scenario} ${r.variant}: inconclusive (${r.runs.find((x) => x.verdict === 'could not run')?.why ?? 'could not run'})`;
    if (r.expect === 'reproduced' && r.before !== 'reproduced') return `${what} ${r.scenario} ${r.variant} not reproduced before${withAfter ? ' the patch' : ''}`;
    if (r.expect === 'reproduced') return `${what} ${r.scenario} ${r.variant} still reproduced after the patch`;
    return `${what} ${r.scenario} ${r.variant} reproduced ${r.before === 'reproduced' ? 'before' : 'after the patch'}`;
  });
}

/** One line of the --all table. */
export function formatResultLine(r: RunResult): string {
  const verdict = r.verdict === 'could not run' ? `could not run (${r.why})` : r.verdict;
  const mark = r.asExpected ? 'ok' : r.verdict === 'could not run' ? '--' : 'UNEXPECTED';
  return `${r.scenario.padEnd(22)} ${r.era.padEnd(5)} ${r.variant.padEnd(13)} ${mark.padEnd(10)} ${verdict}  ${r.seconds.toFixed(1)} s`;
}

function collect(value: string, previous: string[]): string[] {
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
    .description('Boot the era\'s stock Debian kernel (or, with --tree, a kernel built from your tree, before and after --patch) under QEMU (TCG, emulated pmem), run a scenario and its controls, and say whether the hazard shows.')
    .argument('[scenario]', `scenario id (${SCENARIOS.map((s) => s.id).join(', ')})`)
    .addOption(new Option('--era <era>', 'kernel era (with --tree: instead of the era detected from the tree)').choices([...REPRO_ERAS, 'all']).default('all'))
    .option('--variant <ids>', 'only these variants, comma-separated (e.g. shared,rmapbt)')
    .option('--all', 'every scenario × era × variant, one line each')
    .option('--list', 'list scenarios, eras and variants, then exit')
    .option('--check', 'check the host prerequisites (QEMU, busybox-static, xfsprogs, gcc...; with --tree the kernel build tools too), then exit')
    .option('--fetch', 'download and unpack the stock Debian kernels of --era (all by default) into the cache, then exit')
    .option('--fetched', 'exit 1 naming the stock kernels of --era not downloaded yet (a run would fetch them first), else 0')
    .option('--built', 'with --tree: exit 1 naming the kernels a run would build first (the tree as it is, with --patch), else 0 (a run only boots)')
    .option('--kernel <era=package>', 'another Debian kernel package for an era (repeatable)', collect, [])
    .option('--no-lines', 'leave out the decisive console lines')
    .option('--tree <dir>', 'build this kernel tree (tinyconfig + the era\'s fragment, out of tree, cached) and boot it instead of Debian\'s kernel; the era is detected from the tree')
    .option('--patch <diff>', 'with --tree: also build the tree with this unified diff (-p1; repeatable, applied in order, to a copy) and boot before and after', collect, [])
    .option('--finding <fingerprint>', 'the scenario that decides this finding (its fingerprint: rule|file|function|expression)')
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
    const missing = opts.tree ? missingTreePrerequisites() : missingPrerequisites();
    io.stdout.write(missing.length ? `missing: ${missing.join(', ')}\n` : `all prerequisites present${opts.tree ? ' (with the kernel build tools)' : ''}\n`);
    return missing.length ? 1 : 0;
  }
  const usage = (m: string) => { io.stderr.write(`${TOOL_NAME} repro: ${m}\n`); return 2; };
  if (opts.patch.length && !opts.tree) return usage('--patch needs --tree <kernel tree>');
  if (opts.tree && opts.kernel.length) return usage('--kernel and --tree exclude each other (--tree builds the kernel)');
  if (opts.finding && program.args[0]) return usage('give a scenario or --finding, not both');
  let kernels: Partial<Record<ReproEra, string>>;
  try {
    kernels = parseKernels(opts.kernel);
  } catch (e) {
    io.stderr.write(`${TOOL_NAME} repro: ${(e as Error).message}\n`);
    return 2;
  }
  const log = (line: string) => io.stderr.write(`${TOOL_NAME} repro: ${line}\n`);
  if (opts.fetch || opts.fetched) {
    const eras = opts.era === 'all' ? REPRO_ERAS : [opts.era as ReproEra];
    if (opts.fetched) {
      const missing = unfetchedKernels(eras, kernels);
      io.stdout.write(missing.length
        ? `not fetched: ${missing.map((m) => `the ${m.era} kernel (${m.pkg})`).join(', ')} (node bin/fsdax-audit.js repro --fetch)\n`
        : `every kernel fetched (${eras.join(', ')})\n`);
      return missing.length ? 1 : 0;
    }
    for (const era of eras) {
      try {
        const k = fetchKernel(era, kernels, log);
        io.stdout.write(`${era}: ${k.pkg} (${k.version}) in the cache\n`);
      } catch (e) {
        log(`${era}: ${(e as Error).message}`);
        return 1;
      }
    }
    return 0;
  }
  // --tree: the tree's era, detected as the analysis does; --era names a repro era to override it.
  let treeEra: ReproEra | undefined;
  if (opts.tree) {
    if (!fs.existsSync(opts.tree) || !fs.statSync(opts.tree).isDirectory()) return usage(`no such directory: ${opts.tree}`);
    if (opts.era !== 'all') treeEra = opts.era as ReproEra;
    else {
      let detected;
      try { detected = detectTreeEra(path.resolve(opts.tree), 'auto'); } catch (e) { if (e instanceof InputError) return usage(e.message); throw e; }
      treeEra = reproEraFor(detected.era);
      if (!detected.known || !treeEra) return usage(`${opts.tree}: era ${detected.era} (${detected.evidence}) has no reproducer scenarios (${REPRO_ERAS.map((e) => `${e} = ${ANALYSIS_ERAS[e]}`).join(', ')})`);
      log(`era ${detected.era} (${detected.evidence}): scenarios of ${treeEra}`);
    }
  }
  const id = program.args[0];
  let scenarios: readonly ReproScenario[];
  if (opts.finding) {
    const f = parseFingerprint(opts.finding);
    if (!f) return usage(`--finding wants a fingerprint rule|file|function|expression (as in --format json), got "${opts.finding}"`);
    if (opts.tree) {
      const file = path.join(opts.tree, f.file);
      if (!fs.existsSync(file) || !new RegExp(`\\b${f.function.replace(/\W/g, '')}\\s*\\(`).test(fs.readFileSync(file, 'latin1'))) return usage(`--finding: ${f.file} of ${opts.tree} has no function ${f.function}`);
    }
    const eras = treeEra ? [ANALYSIS_ERAS[treeEra]] : Object.values(ANALYSIS_ERAS);
    const c = eras.map((era) => capturedRunFor({ ruleId: f.ruleId, function: f.function, era })).find((x) => x);
    const s = c && findScenario(c.scenario);
    if (!s) return usage(`--finding: no scenario decides ${f.ruleId} in ${f.function}${treeEra ? ` in era ${treeEra}` : ''}`);
    log(`finding ${f.ruleId} in ${f.function}: scenario ${s.id}`);
    scenarios = [s];
  } else if (id) {
    const s = findScenario(id);
    if (!s) { io.stderr.write(`${TOOL_NAME} repro: no scenario "${id}" (${SCENARIOS.map((x) => x.id).join(', ')})\n`); return 2; }
    scenarios = [s];
  } else if (opts.all || opts.tree) {
    scenarios = SCENARIOS;
  } else {
    io.stderr.write(`${TOOL_NAME} repro: give a scenario (${SCENARIOS.map((x) => x.id).join(', ')}) or --all\n`);
    return 2;
  }
  const runs: { s: ReproScenario; era: ReproEra; v: ReproVariant }[] = [];
  for (const s of scenarios) {
    for (const era of s.eras) {
      if (treeEra ? era !== treeEra : opts.era !== 'all' && opts.era !== era) continue;
      for (const v of s.variants(era)) if (!opts.variant || opts.variant.split(',').includes(v.id)) runs.push({ s, era, v });
    }
  }
  if (runs.length === 0) { io.stderr.write(`${TOOL_NAME} repro: nothing matches${treeEra ? ` in era ${treeEra}` : ''} (see --list)\n`); return 2; }
  if (opts.built) {
    if (!opts.tree) return usage('--built needs --tree <kernel tree>');
    for (const p of opts.patch) if (!fs.existsSync(p)) return usage(`no such patch: ${p}`);
    let unbuilt: string[];
    try { unbuilt = unbuiltTreeKernels(path.resolve(opts.tree), treeEra!, opts.patch.map((p) => path.resolve(p))); } catch (e) { if (e instanceof HostError) return usage(e.message); throw e; }
    io.stdout.write(unbuilt.length ? `not built: ${unbuilt.join(', ')} (a run builds ${unbuilt.length === 1 ? 'it' : 'them'} first: minutes)\n` : 'every kernel built (a run only boots)\n');
    return unbuilt.length ? 1 : 0;
  }
  if (opts.tree) return treeMain(path.resolve(opts.tree), treeEra!, runs, opts.patch.map((p) => path.resolve(p)), io, log);
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

/** `repro --tree`: build, boot before (and after the patches), print the table; 0 only when the proof holds. */
async function treeMain(tree: string, era: ReproEra, runs: { s: ReproScenario; v: ReproVariant }[], patches: string[], io: CliIo, log: (line: string) => void): Promise<number> {
  for (const p of patches) if (!fs.existsSync(p)) { io.stderr.write(`${TOOL_NAME} repro: no such patch: ${p}\n`); return 2; }
  let result: ProofResult;
  try {
    result = await proveOnTree({ tree, era, runs: runs.map(({ s, v }) => ({ scenario: s, variant: v })), patches, log });
  } catch (e) {
    io.stderr.write(`${TOOL_NAME} repro: ${(e as Error).message}\n`);
    return 1;
  }
  const withAfter = patches.length > 0;
  for (const l of formatProofTable(result, withAfter)) io.stdout.write(`${l}\n`);
  const k = (x: ProofResult['before']) => `${x.version} (${x.built === 'cached' ? 'image cached' : `${x.built === 'cold' ? 'cold build' : 'rebuild'} ${x.seconds.toFixed(0)} s`})`;
  io.stdout.write(`kernels: before ${k(result.before)}${result.after ? `, after ${k(result.after)}` : ''}; consoles: ${path.dirname(result.rows[0].runs[0].consoleFile ?? '')}/<scenario>-<era>-<variant>-tree-{before,after}.log\n`);
  const failures = proofFailures(result, withAfter);
  if (!result.treeUnchanged) failures.push(`the tree ${tree} changed during the run`);
  const hazards = result.rows.filter((r) => r.expect === 'reproduced').length;
  const controls = result.rows.length - hazards;
  const what = withAfter
    ? `every hazard reproduced before and not after (${hazards}), every control clean in both (${controls}${controls ? '' : ': none selected'})`
    : `every variant as expected (${result.rows.length})`;
  io.stdout.write(failures.length ? `proof: FAILED: ${failures.join('; ')}\n` : `proof: holds: ${what}\n`);
  return failures.length ? 1 : 0;
}
