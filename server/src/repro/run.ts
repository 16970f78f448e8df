// repro: one scenario × era × variant, end to end: kernel, initramfs, boot (retried once
// when the guest dies before /init), verdict. The only layer that combines host and verdict.
import * as fs from 'fs';
import * as path from 'path';
import { writeCpio, S_IFREG } from './cpio';
import { HostError, Kernel, boot, buildBaseInitramfs, buildProgram, ensureKernel, kernelCached, missingPrerequisites, saveConsole, scratchDir } from './host';
import { planText } from './manifest';
import { DEFAULT_KERNEL_PACKAGES, KERNEL_APT_SOURCES, ReproEra, ReproScenario, ReproVariant } from './scenarios';
import { Judgement, judgeConsole, meetsExpectation } from './verdict';

export interface RunResult extends Judgement {
  scenario: string;
  era: ReproEra;
  variant: string;
  expect: ReproVariant['expect'];
  asExpected: boolean;
  seconds: number;
  boots: number;
  kernel?: string;
  consoleFile?: string;
}

export interface RunOptions {
  kernelPackages?: Partial<Record<ReproEra, string>>;
  /** A kernel built from a tree (repro --tree) instead of the era's Debian package. */
  kernel?: Kernel;
  /** Appended to the console file's name (<scenario>-<era>-<variant>-<suffix>.log). */
  runSuffix?: string;
  log?: (line: string) => void;
}

/** The stock kernel package an era's runs boot (the default, or the --kernel override). */
export function stockKernelPackage(era: ReproEra, kernelPackages?: Partial<Record<ReproEra, string>>): string {
  return kernelPackages?.[era] ?? DEFAULT_KERNEL_PACKAGES[era];
}

/** The eras whose stock kernel is not downloaded yet, with its package: what a run would fetch first. */
export function unfetchedKernels(eras: readonly ReproEra[], kernelPackages?: Partial<Record<ReproEra, string>>): Array<{ era: ReproEra; pkg: string }> {
  return eras.map((era) => ({ era, pkg: stockKernelPackage(era, kernelPackages) })).filter(({ pkg }) => !kernelCached(pkg));
}

/** Downloads and unpacks an era's stock kernel into the cache (what a run does first when it is missing). */
export function fetchKernel(era: ReproEra, kernelPackages: Partial<Record<ReproEra, string>> | undefined, log: (line: string) => void): Kernel {
  return ensureKernel(stockKernelPackage(era, kernelPackages), log, KERNEL_APT_SOURCES[era]);
}

/** Per process: each era's kernel and base initramfs are prepared once. */
const prepared = new Map<string, { kernel: Kernel; base: string }>();

function prepare(era: ReproEra, opts: RunOptions): { kernel: Kernel; base: string } {
  const pkg = opts.kernel ? opts.kernel.vmlinuz : stockKernelPackage(era, opts.kernelPackages);
  let p = prepared.get(pkg);
  if (!p) {
    const kernel = opts.kernel ?? fetchKernel(era, opts.kernelPackages, opts.log ?? (() => {}));
    const { file, missingModules } = buildBaseInitramfs(kernel, buildProgram());
    const needed = missingModules.filter((m) => !['virtio_pci', 'crc32c_generic', 'hwpoison_inject'].includes(m));
    if (needed.length) throw new HostError(`${pkg} has no module file for ${needed.join(', ')}`);
    p = { kernel, base: file };
    prepared.set(pkg, p);
  }
  return p;
}

export async function runVariant(scenario: ReproScenario, era: ReproEra, variant: ReproVariant, opts: RunOptions = {}): Promise<RunResult> {
  const t0 = Date.now();
  const name = `${scenario.id}-${era}-${variant.id}${opts.runSuffix ? `-${opts.runSuffix}` : ''}`;
  const base = { scenario: scenario.id, era, variant: variant.id, expect: variant.expect };
  const fail = (why: string, boots = 0): RunResult => ({ ...base, verdict: 'could not run', why, lines: [], asExpected: false, seconds: (Date.now() - t0) / 1000, boots });
  const missing = missingPrerequisites();
  if (missing.length) return fail(`missing ${missing.join(', ')}`);
  let prep: { kernel: Kernel; base: string };
  try {
    prep = prepare(era, opts);
  } catch (e) {
    return fail((e as Error).message);
  }
  const dir = scratchDir();
  try {
    const plan = writeCpio([{ path: '/plan', mode: S_IFREG | 0o644, data: Buffer.from(planText({ name, fs: variant.fs, mkfs: variant.mkfs, share: variant.share, program: variant.program, size: variant.size, extsize: variant.extsize })) }]);
    const initrd = path.join(dir, 'initrd.cpio');
    fs.writeFileSync(initrd, Buffer.concat([fs.readFileSync(prep.base), plan]));
    let disk: string | undefined;
    if (variant.disk) {
      disk = path.join(dir, 'disk.img');
      fs.writeFileSync(disk, Buffer.alloc(0));
      fs.truncateSync(disk, 16 << 20);
    }
    let judgement: Judgement | undefined;
    let consoleText = '';
    let boots = 0;
    // TCG with -smp 2 sometimes dies in early boot (int3 in enqueue_timer): one more boot.
    for (let attempt = 0; attempt < 2; attempt++) {
      boots++;
      const r = await boot({ kernel: prep.kernel, initrd, disk, timeoutSec: variant.timeoutSec, doneMarker: /REPRO-END|reboot: Power down/, bootMarker: /REPRO-BOOT /, bootTimeoutSec: 60 });
      consoleText += `${attempt ? '\n===== boot 2 =====\n' : ''}${r.console}`;
      judgement = judgeConsole(scenario.hazard, r.console);
      if (r.timedOut && judgement.verdict === 'could not run') judgement = { ...judgement, why: `${judgement.why} (stopped after ${variant.timeoutSec} s)` };
      if (!judgement.bootFailed) break;
    }
    const consoleFile = saveConsole(name, consoleText);
    return { ...base, ...judgement!, asExpected: meetsExpectation(judgement!.verdict, variant.expect), seconds: (Date.now() - t0) / 1000, boots, kernel: prep.kernel.pkg, consoleFile };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
