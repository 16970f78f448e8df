// repro: everything that touches the host: the cache (~/.cache/fsdax-audit/repro, never the
// repo), Debian tools (apt-get download, dpkg-deb, depmod), gcc, xz, QEMU. No verdicts here.
import { spawn, spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CpioEntry, S_IFDIR, S_IFLNK, S_IFREG, writeCpio } from './cpio';
import { GUEST_TOOLS, ManifestEntry, WANTED_MODULES, initramfsManifest, moduleLoadOrder, parseLdd, parseModulesBuiltin, parseModulesDep } from './manifest';

/** A step the host cannot do: the run is "could not run" with this reason. */
export class HostError extends Error {}

export function cacheRoot(): string {
  const base = process.env.FSDAX_AUDIT_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'fsdax-audit');
  return path.join(base, 'repro');
}

/** The repo's scripts/repro (init.sh, repro.c), found upward from this module. */
export function assetsDir(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const p = path.join(dir, 'scripts', 'repro');
    if (fs.existsSync(path.join(p, 'init.sh'))) return p;
    if (path.dirname(dir) === dir) throw new HostError(`scripts/repro not found above ${__dirname}`);
  }
}

function which(cmd: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  const p = r.stdout.trim();
  return r.status === 0 && p ? p : undefined;
}

function run(cmd: string, args: string[], opts: { cwd?: string; what: string }): string {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw new HostError(`${opts.what}: ${r.error.message}`);
  if (r.status !== 0) throw new HostError(`${opts.what} failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-2).join(' ')}`);
  return r.stdout;
}

/** Host commands a run needs, with the Debian package that has each. */
export const PREREQUISITES: readonly { cmd: string; pkg: string }[] = [
  { cmd: 'qemu-system-x86_64', pkg: 'qemu-system-x86' },
  { cmd: 'busybox', pkg: 'busybox-static' },
  { cmd: 'mkfs.xfs', pkg: 'xfsprogs' },
  { cmd: 'xfs_io', pkg: 'xfsprogs' },
  { cmd: 'mkfs.ext4', pkg: 'e2fsprogs' },
  { cmd: 'gcc', pkg: 'gcc' },
  { cmd: 'apt-get', pkg: 'apt' },
  { cmd: 'dpkg-deb', pkg: 'dpkg' },
  { cmd: 'depmod', pkg: 'kmod' },
  { cmd: 'xz', pkg: 'xz-utils' },
  { cmd: 'ldd', pkg: 'libc-bin' },
];

/** What is missing on this host, as "cmd (apt-get install pkg)". */
export function missingPrerequisites(): string[] {
  const missing = PREREQUISITES.filter((p) => !which(p.cmd)).map((p) => `${p.cmd} (apt-get install ${p.pkg})`);
  const bb = which('busybox');
  const ldd = bb ? spawnSync('ldd', [bb], { encoding: 'utf8' }) : undefined;
  if (bb && ldd && !/not a dynamic executable|statically linked/.test(`${ldd.stdout}${ldd.stderr}`)) {
    missing.push(`a static busybox (apt-get install busybox-static; ${bb} is dynamic)`);
  }
  return missing;
}

export interface Kernel {
  /** The Debian package, or what a --tree build was made of. */
  pkg: string;
  version: string;
  vmlinuz: string;
  /** .../lib/modules/<version>; none for a kernel built with everything in (repro --tree). */
  modulesDir?: string;
}

const sha = (b: Buffer | string) => crypto.createHash('sha1').update(b).digest('hex').slice(0, 12);

/**
 * apt-get's options for a private configuration in the cache with one source line (as
 * scripts/fetch-mainline.sh does): its own lists and archives, no status file, the machine's
 * sources untouched. Without a source line: the host's own apt configuration.
 */
function aptOptions(aptSource: string | undefined): string[] {
  if (!aptSource) return [];
  const dir = path.join(cacheRoot(), 'apt', sha(aptSource));
  fs.mkdirSync(path.join(dir, 'lists', 'partial'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'cache', 'archives', 'partial'), { recursive: true });
  const list = path.join(dir, 'sources.list');
  if (!fs.existsSync(list) || fs.readFileSync(list, 'utf8') !== `${aptSource}\n`) fs.writeFileSync(list, `${aptSource}\n`);
  return ['-o', `Dir::Etc::sourcelist=${list}`, '-o', 'Dir::Etc::sourceparts=-', '-o', `Dir::State::Lists=${path.join(dir, 'lists')}`,
    '-o', `Dir::Cache=${path.join(dir, 'cache')}`, '-o', 'Dir::State::status=/dev/null', '-o', 'APT::Sandbox::User=root'];
}

/** `apt-get download pkg` into cwd; an `apt-get update` (of the private lists, if any) and once more when it fails. */
function aptDownload(pkg: string, cwd: string, aptSource: string | undefined): string {
  const opts = aptOptions(aptSource);
  const before = new Set(fs.readdirSync(cwd));
  const dl = spawnSync('apt-get', [...opts, 'download', pkg], { cwd, encoding: 'utf8' });
  if (dl.status !== 0) {
    spawnSync('apt-get', [...opts, 'update'], { encoding: 'utf8' });
    run('apt-get', [...opts, 'download', pkg], { cwd, what: `apt-get download ${pkg}${aptSource ? ` (${aptSource})` : ''}` });
  }
  const deb = fs.readdirSync(cwd).find((f) => f.endsWith('.deb') && !before.has(f));
  if (!deb) throw new HostError(`apt-get download ${pkg} left no .deb`);
  return deb;
}

/**
 * Where a split kernel package keeps its image and modules (Debian from 7.x: linux-image-V is empty
 * and depends on linux-binary-V and linux-modules-V): the linux-binary-* and linux-modules-*
 * packages its Depends field names. Pure.
 */
export function splitKernelPackages(depends: string): string[] {
  return depends.split(',').map((d) => d.trim().split(/[\s|(]/)[0]).filter((d) => /^linux-(binary|modules)-/.test(d));
}

/**
 * The stock kernel package, downloaded and unpacked once into the cache (depmod'ed). aptSource:
 * fetch through a private apt configuration with this source line instead of the host's.
 */
/** Whether ensureKernel() has this package unpacked already (it would download nothing). */
export function kernelCached(pkg: string): boolean {
  return fs.existsSync(path.join(cacheRoot(), 'kernels', pkg, '.complete'));
}

export function ensureKernel(pkg: string, log: (s: string) => void, aptSource?: string): Kernel {
  const dir = path.join(cacheRoot(), 'kernels', pkg);
  const done = path.join(dir, '.complete');
  if (!fs.existsSync(done)) {
    const work = `${dir}.tmp`;
    fs.rmSync(work, { recursive: true, force: true });
    fs.mkdirSync(work, { recursive: true });
    try {
      log(`fetching ${pkg} (apt-get download${aptSource ? `, ${aptSource}` : ''})`);
      const debs = [aptDownload(pkg, work, aptSource)];
      const hasImage = /\/boot\/vmlinuz-|\/lib\/modules\/[^/]+\/vmlinuz$/m.test(run('dpkg-deb', ['-c', debs[0]], { cwd: work, what: `dpkg-deb -c ${debs[0]}` }));
      if (!hasImage) {
        const parts = splitKernelPackages(run('dpkg-deb', ['-f', debs[0], 'Depends'], { cwd: work, what: `dpkg-deb -f ${debs[0]}` }));
        if (!parts.length) throw new HostError(`${pkg} has no vmlinuz and depends on no linux-binary-* or linux-modules-* package`);
        log(`fetching ${parts.join(' ')} (${pkg} is split)`);
        for (const p of parts) debs.push(aptDownload(p, work, aptSource));
      }
      for (const deb of debs) {
        run('dpkg-deb', ['-x', deb, 'x'], { cwd: work, what: `dpkg-deb -x ${deb}` });
        fs.rmSync(path.join(work, deb));
      }
      fs.rmSync(dir, { recursive: true, force: true });
      fs.renameSync(path.join(work, 'x'), dir);
      fs.rmSync(work, { recursive: true, force: true });
      const modulesRoot = fs.existsSync(path.join(dir, 'lib', 'modules')) ? path.join(dir, 'lib', 'modules') : path.join(dir, 'usr', 'lib', 'modules');
      const version = fs.readdirSync(modulesRoot)[0];
      if (!version) throw new HostError(`${pkg}: no modules directory`);
      run('depmod', ['-b', path.dirname(path.dirname(modulesRoot)), version], { what: `depmod ${version}` });
      fs.writeFileSync(done, `${version}\n${path.relative(dir, modulesRoot)}\n`);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }
  const [version, modulesRel = path.join('lib', 'modules')] = fs.readFileSync(done, 'utf8').trim().split('\n');
  const modulesDir = path.join(dir, modulesRel, version);
  // /boot/vmlinuz-V up to 6.x; Debian's split 7.x packages ship /usr/lib/modules/V/vmlinuz.
  const boot = path.join(dir, 'boot', `vmlinuz-${version}`);
  return { pkg, version, vmlinuz: fs.existsSync(boot) ? boot : path.join(modulesDir, 'vmlinuz'), modulesDir };
}

/** The guest program, built with gcc -static, cached by the source's hash. */
export function buildProgram(): string {
  const src = path.join(assetsDir(), 'repro.c');
  const out = path.join(cacheRoot(), 'build', `repro-${sha(fs.readFileSync(src))}`);
  if (!fs.existsSync(out)) {
    fs.mkdirSync(path.dirname(out), { recursive: true });
    run('gcc', ['-static', '-O2', '-Wall', '-o', `${out}.tmp`, src], { what: 'gcc -static repro.c' });
    fs.renameSync(`${out}.tmp`, out);
  }
  return out;
}

function readEntry(e: ManifestEntry): CpioEntry {
  switch (e.kind) {
    case 'dir': return { path: e.path, mode: S_IFDIR | 0o755 };
    case 'symlink': return { path: e.path, mode: S_IFLNK | 0o777, data: Buffer.from(e.target) };
    case 'text': return { path: e.path, mode: S_IFREG | e.mode, data: Buffer.from(e.text) };
    case 'file': {
      let data: Buffer;
      try {
        data = e.decompress === 'xz'
          ? spawnSync('xz', ['-dc', e.from], { maxBuffer: 256 << 20 }).stdout
          : fs.readFileSync(fs.realpathSync(e.from));
      } catch (err) {
        throw new HostError(`initramfs: cannot read ${e.from}: ${(err as Error).message}`);
      }
      if (!data || data.length === 0) throw new HostError(`initramfs: ${e.from} is empty`);
      return { path: e.path, mode: S_IFREG | e.mode, data };
    }
  }
}

/** The era's base initramfs (everything but /plan), cached by its inputs. */
export function buildBaseInitramfs(kernel: Kernel, program: string): { file: string; missingModules: string[] } {
  let order: string[] = [];
  let missing: string[] = [];
  if (kernel.modulesDir) {
    const deps = parseModulesDep(fs.readFileSync(path.join(kernel.modulesDir, 'modules.dep'), 'utf8'));
    const builtinFile = path.join(kernel.modulesDir, 'modules.builtin');
    const builtin = parseModulesBuiltin(fs.existsSync(builtinFile) ? fs.readFileSync(builtinFile, 'utf8') : '');
    ({ order, missing } = moduleLoadOrder(deps, WANTED_MODULES, builtin));
  }
  const tools: Record<string, string> = {};
  const libraries = new Set<string>();
  for (const t of GUEST_TOOLS) {
    const p = which(t.name);
    if (!p) throw new HostError(`${t.name} not found (apt-get install ${PREREQUISITES.find((x) => x.cmd === t.name)?.pkg ?? 'xfsprogs'})`);
    tools[t.name] = p;
    for (const lib of parseLdd(run('ldd', [p], { what: `ldd ${p}` }))) libraries.add(lib);
  }
  const busybox = which('busybox');
  if (!busybox) throw new HostError('busybox not found (apt-get install busybox-static)');
  const initScript = path.join(assetsDir(), 'init.sh');
  const entries = initramfsManifest({ initScript, programBinary: program, busybox, tools, libraries: [...libraries], modulesDir: kernel.modulesDir ?? '', moduleOrder: order });
  const key = sha(JSON.stringify(entries) + fs.readFileSync(initScript, 'utf8') + fs.readFileSync(program).length);
  const file = path.join(cacheRoot(), 'build', `base-${kernel.version}-${key}.cpio`);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(`${file}.tmp`, writeCpio(entries.map(readEntry)));
    fs.renameSync(`${file}.tmp`, file);
  }
  return { file, missingModules: missing };
}

export interface BootResult {
  console: string;
  seconds: number;
  timedOut: boolean;
  exit: number | null;
}

export interface BootOptions {
  kernel: Kernel;
  initrd: string;
  disk?: string;
  timeoutSec: number;
  /** Stop QEMU as soon as the console shows this (the guest said it is done). */
  doneMarker: RegExp;
  /** Stop QEMU when the console has not shown this within bootTimeoutSec (a boot that hangs). */
  bootMarker?: RegExp;
  bootTimeoutSec?: number;
}

/** Memory and pmem: with 3G and memmap=1G!2G SeaBIOS put the ACPI tables inside the range. */
export const QEMU_MEMORY = '4G';
export const PMEM_CMDLINE = 'memmap=1G!4G';

export function qemuArgs(o: BootOptions): string[] {
  const append = `console=ttyS0 ${PMEM_CMDLINE} loglevel=5 panic=0 rdinit=/init nokaslr`;
  return [
    '-accel', 'tcg', '-m', QEMU_MEMORY, '-smp', '2', '-nodefaults', '-no-reboot',
    '-display', 'none', '-monitor', 'none', '-serial', 'stdio',
    '-kernel', o.kernel.vmlinuz, '-initrd', o.initrd, '-append', append,
    ...(o.disk ? ['-drive', `file=${o.disk},format=raw,if=virtio`] : []),
  ];
}

/** One boot: QEMU's serial console captured until the guest is done, powers off, or the timeout. */
export function boot(o: BootOptions): Promise<BootResult> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    let out = '';
    let timedOut = false;
    const child = spawn('qemu-system-x86_64', qemuArgs(o), { stdio: ['ignore', 'pipe', 'pipe'] });
    const stop = () => { if (child.exitCode === null) child.kill('SIGKILL'); };
    const timer = setTimeout(() => { timedOut = true; stop(); }, o.timeoutSec * 1000);
    const bootTimer = o.bootMarker ? setTimeout(() => { if (!o.bootMarker!.test(out)) { timedOut = true; stop(); } }, (o.bootTimeoutSec ?? 60) * 1000) : undefined;
    let lingering: NodeJS.Timeout | undefined;
    const onData = (d: Buffer) => {
      out += d.toString('latin1');
      // The guest printed its last line: give poweroff a moment, then stop QEMU ourselves.
      if (!lingering && o.doneMarker.test(out)) lingering = setTimeout(stop, 3000);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (e) => { out += `\nqemu: ${e.message}\n`; });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (bootTimer) clearTimeout(bootTimer);
      if (lingering) clearTimeout(lingering);
      resolve({ console: out, seconds: (Date.now() - t0) / 1000, timedOut, exit: code });
    });
  });
}

/** A scratch directory for one run (the plan archive, the virtio disk). */
export function scratchDir(): string {
  const dir = path.join(cacheRoot(), 'tmp');
  fs.mkdirSync(dir, { recursive: true });
  return fs.mkdtempSync(path.join(dir, 'run-'));
}

/** Where a run's console is kept: <cache>/repro/runs/<scenario>-<era>-<variant>.log. */
export function saveConsole(name: string, text: string): string {
  const dir = path.join(cacheRoot(), 'runs');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.log`);
  fs.writeFileSync(file, text);
  return file;
}
