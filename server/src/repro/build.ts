// repro: a minimal kernel built from the developer's own tree (`repro --tree`), with or without
// patches. All IO: the tree is never written. It is mirrored into the cache (hard links, so the
// mirror costs inodes, not bytes; a patch breaks the link of each file it touches before it is
// applied) and built there out of tree (make O=<cache>), so a patch or a second run costs a
// rebuild. Images are kept by tree state + config fragment + patches: an identical run boots at once.
import { spawn, spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { HostError, Kernel, assetsDir, cacheRoot } from './host';
import { mergeConfig, patchTargets, unmetOptions } from './kconfig';
import type { ReproEra } from './scenarios';

const sha = (b: Buffer | string) => crypto.createHash('sha1').update(b).digest('hex').slice(0, 12);

function which(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).status === 0;
}

/** What building a kernel needs on the host, with the Debian package that has it. */
export const BUILD_TOOLS: readonly { what: string; pkg: string; present: () => boolean }[] = [
  { what: 'gcc', pkg: 'gcc', present: () => which('gcc') },
  { what: 'make', pkg: 'make', present: () => which('make') },
  { what: 'flex', pkg: 'flex', present: () => which('flex') },
  { what: 'bison', pkg: 'bison', present: () => which('bison') },
  { what: 'bc', pkg: 'bc', present: () => which('bc') },
  { what: 'libelf headers', pkg: 'libelf-dev', present: () => fs.existsSync('/usr/include/gelf.h') || fs.existsSync('/usr/include/libelf.h') },
  { what: 'OpenSSL headers', pkg: 'libssl-dev', present: () => fs.existsSync('/usr/include/openssl/ssl.h') },
  { what: 'patch', pkg: 'patch', present: () => which('patch') },
];

/** The build tools this host lacks, as "flex (apt-get install flex)". */
export function missingBuildTools(): string[] {
  return BUILD_TOOLS.filter((t) => !t.present()).map((t) => `${t.what} (apt-get install ${t.pkg})`);
}

/** The per-era config fragment kept in the project (scripts/repro/kconfig/<era>.config). */
export function fragmentFile(era: ReproEra): string {
  return path.join(assetsDir(), 'kconfig', `${era}.config`);
}

/** Why a directory is not a kernel tree we can build out of tree, or undefined when it is one. */
export function treeProblem(tree: string): string | undefined {
  if (!fs.existsSync(path.join(tree, 'Makefile')) || !fs.existsSync(path.join(tree, 'arch', 'x86', 'Kconfig'))) return `${tree} is not a kernel tree (no Makefile and arch/x86/Kconfig)`;
  // kbuild refuses O= builds of a tree that was configured in place (and could take its objects).
  for (const f of ['.config', path.join('include', 'config', 'auto.conf')]) {
    if (fs.existsSync(path.join(tree, f))) return `${tree} has an in-tree build (${f}); builds here are out of tree and need a clean source tree (make mrproper there)`;
  }
  return undefined;
}

/** The tree's state: every file's path, size and mtime (symlinks: target), .git left out. */
export function treeState(tree: string): { key: string; files: number } {
  const h = crypto.createHash('sha1');
  let files = 0;
  const walk = (dir: string, rel: string) => {
    const entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name === '.git' && rel === '') continue;
      const abs = path.join(dir, e.name);
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) { walk(abs, r); continue; }
      const st = fs.lstatSync(abs);
      h.update(`${r}\0${st.size}\0${st.mtimeMs}\0${e.isSymbolicLink() ? fs.readlinkSync(abs) : ''}\n`);
      files++;
    }
  };
  walk(tree, '');
  return { key: h.digest('hex').slice(0, 16), files };
}

interface MirrorMeta {
  /** treeState key the mirror was made from. */
  tree: string;
  /** Files of the mirror that are not links to the tree's (patched or created by a patch). */
  applied: string[];
}

/** Where one tree's mirror, build directories and images live: <cache>/repro/trees/<sha of its path>. */
export function treeCacheDir(tree: string): string {
  return path.join(cacheRoot(), 'trees', sha(fs.realpathSync(tree)));
}

/** A file of the mirror replaced by a copy of its own: a fresh inode and mtime (make sees it changed). */
function freshCopy(from: string, to: string): void {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.copyFileSync(from, `${to}.fsdax-tmp`);
  fs.renameSync(`${to}.fsdax-tmp`, to);
}

/** The tree's mirror in the cache: hard links to the tree's files, except those a patch touched. */
export class TreeMirror {
  readonly src: string;
  private readonly metaFile: string;
  meta: MirrorMeta;

  constructor(readonly tree: string, readonly dir: string) {
    this.src = path.join(dir, 'src');
    this.metaFile = path.join(dir, 'mirror.json');
    try { this.meta = JSON.parse(fs.readFileSync(this.metaFile, 'utf8')) as MirrorMeta; } catch { this.meta = { tree: '', applied: [] }; }
  }

  private save(): void {
    fs.mkdirSync(this.dir, { recursive: true });
    fs.writeFileSync(this.metaFile, JSON.stringify(this.meta));
  }

  /** The mirror as the tree is now, with no patch applied. */
  sync(state: string, log: (s: string) => void): void {
    if (this.meta.tree === state && fs.existsSync(this.src)) { this.reset(); return; }
    const t0 = Date.now();
    const tmp = `${this.src}.new`;
    fs.mkdirSync(this.dir, { recursive: true });
    fs.rmSync(tmp, { recursive: true, force: true });
    const linked = spawnSync('cp', ['-al', `${this.tree}/.`, tmp], { encoding: 'utf8' });
    if (linked.status !== 0) {
      // Another filesystem than the cache: hard links cannot cross it, copy (slower, bytes).
      fs.rmSync(tmp, { recursive: true, force: true });
      const copied = spawnSync('cp', ['-a', `${this.tree}/.`, tmp], { encoding: 'utf8' });
      if (copied.status !== 0) throw new HostError(`cannot mirror ${this.tree}: ${(copied.stderr || linked.stderr).trim().split('\n')[0]}`);
      log(`tree: copied (hard links failed: ${linked.stderr.trim().split('\n')[0]})`);
    }
    fs.rmSync(path.join(tmp, '.git'), { recursive: true, force: true });
    // Files a patch changed last time were built from the patched text: give the original a new mtime.
    for (const rel of this.meta.applied) if (fs.existsSync(path.join(tmp, rel))) freshCopy(path.join(this.tree, rel), path.join(tmp, rel));
    fs.rmSync(this.src, { recursive: true, force: true });
    fs.renameSync(tmp, this.src);
    this.meta = { tree: state, applied: [] };
    this.save();
    log(`tree: mirrored ${this.tree} into the cache (hard links) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }

  /** Undo every patch: the tree's text back, with a fresh mtime so make rebuilds it. */
  reset(): void {
    for (const rel of this.meta.applied) {
      const orig = path.join(this.tree, rel);
      if (fs.existsSync(orig)) freshCopy(orig, path.join(this.src, rel));
      else fs.rmSync(path.join(this.src, rel), { force: true });
    }
    this.meta.applied = [];
    this.save();
  }

  /** Applies a unified diff (-p1) to the mirror only: every file it touches is unlinked from the tree first. */
  apply(patchFile: string): string[] {
    const text = fs.readFileSync(patchFile, 'utf8');
    const targets = patchTargets(text);
    if (!targets.length) throw new HostError(`${patchFile} is not a unified diff (no ---/+++ file lines)`);
    for (const rel of targets) {
      const p = path.join(this.src, rel);
      if (fs.existsSync(p)) freshCopy(p, p);
      if (!this.meta.applied.includes(rel)) this.meta.applied.push(rel);
    }
    this.save();
    const r = spawnSync('patch', ['-p1', '--forward', '--batch', '--no-backup-if-mismatch', '--reject-file=-', '-d', this.src, '-i', path.resolve(patchFile)], { encoding: 'utf8' });
    if (r.status !== 0) {
      this.reset();
      throw new HostError(`${patchFile} does not apply to the tree: ${(r.stdout + r.stderr).trim().split('\n').filter((l) => /FAILED|malformed|can't find|Reversed|Only garbage/.test(l)).slice(0, 3).join('; ') || `patch exit ${r.status}`}`);
    }
    return targets;
  }
}

/** One `make -C src O=out ...`, output appended to the log; a line per minute while it runs long. */
function make(src: string, out: string, args: string[], logFile: string, heartbeat?: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const fd = fs.openSync(logFile, 'a');
    fs.writeSync(fd, `\n$ make -C ${src} O=${out} ${args.join(' ')}\n`);
    const child = spawn('make', ['-C', src, `O=${out}`, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let compiled = 0;
    let pending = '';
    const t0 = Date.now();
    const onData = (d: Buffer) => {
      fs.writeSync(fd, d);
      pending += d.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      compiled += lines.filter((l) => /^\s+CC\s/.test(l)).length;
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = heartbeat ? setInterval(() => heartbeat(`  ... ${compiled} files compiled, ${Math.round((Date.now() - t0) / 60000)} min`), 60000) : undefined;
    child.on('error', (e) => { if (timer) clearInterval(timer); fs.closeSync(fd); reject(new HostError(`make: ${e.message}`)); });
    child.on('close', (code) => {
      if (timer) clearInterval(timer);
      fs.closeSync(fd);
      if (code === 0) resolve();
      else {
        const tail = fs.readFileSync(logFile, 'utf8').trimEnd().split('\n').filter((l) => /error|Error|\*\*\*/.test(l)).slice(-3).join(' | ');
        reject(new HostError(`make ${args.join(' ')} failed (exit ${code}): ${tail || 'see the log'}; log: ${logFile}`));
      }
    });
  });
}

export interface TreeKernel extends Kernel {
  /** Built now (cold or rebuild) or taken from the image cache, and how long it took. */
  built: 'cold' | 'rebuild' | 'cached';
  seconds: number;
}

export interface BuildRequest {
  tree: string;
  era: ReproEra;
  /** Unified diffs applied (-p1) in this order; none for the tree as it is. */
  patches: readonly string[];
  /** The tree's state (treeState().key), computed once per run. */
  state: string;
  log: (line: string) => void;
  jobs?: number;
}

/** A lock per tree: two runs must not share a mirror and build directory at the same time. */
function lock(dir: string): () => void {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      return () => fs.rmSync(file, { force: true });
    } catch {
      const pid = Number(fs.readFileSync(file, 'utf8').trim());
      let alive = false;
      try { alive = Number.isInteger(pid) && pid > 0 && process.kill(pid, 0); } catch { alive = false; }
      if (alive) throw new HostError(`another fsdax-audit repro --tree is using ${dir} (pid ${pid})`);
      fs.rmSync(file, { force: true });
    }
  }
  throw new HostError(`cannot lock ${dir}`);
}

/** Where the image of a tree (+ patches) is kept, by era, config fragment, tree state and patch texts. */
function imageFor(req: Pick<BuildRequest, 'tree' | 'era' | 'patches' | 'state'>): { fragment: string; dir: string; imageKey: string; imageDir: string } {
  const fragment = fs.readFileSync(fragmentFile(req.era), 'utf8');
  const dir = treeCacheDir(req.tree);
  const patchTexts = req.patches.map((p) => fs.readFileSync(p, 'utf8'));
  // Named by era and fragment first: a changed fragment's images go with its build directory.
  const imageKey = `${req.era}-${sha(fragment)}-${sha(JSON.stringify([req.state, patchTexts]))}`;
  return { fragment, dir, imageKey, imageDir: path.join(dir, 'images', imageKey) };
}

/** The folder of this kernel's image (its `kernelrelease` is written last: a build that stopped leaves none). */
export function treeImageDir(req: Pick<BuildRequest, 'tree' | 'era' | 'patches' | 'state'>): string {
  return imageFor(req).imageDir;
}

/** Whether buildTreeKernel() would take this kernel from the image cache (no build). */
export function treeKernelCached(req: Pick<BuildRequest, 'tree' | 'era' | 'patches' | 'state'>): boolean {
  return fs.existsSync(path.join(treeImageDir(req), 'kernelrelease'));
}

/** The kernel for a tree (+ patches): from the image cache, or built in the tree's build directory. */
export async function buildTreeKernel(req: BuildRequest): Promise<TreeKernel> {
  const t0 = Date.now();
  const { fragment, dir, imageKey, imageDir } = imageFor(req);
  const what = req.patches.length ? `with ${req.patches.map((p) => path.basename(p)).join(' + ')}` : 'as it is';
  const fromImage = (built: TreeKernel['built']): TreeKernel => {
    const version = fs.readFileSync(path.join(imageDir, 'kernelrelease'), 'utf8').trim();
    return { pkg: `tree ${req.tree} ${what}`, version, vmlinuz: path.join(imageDir, 'bzImage'), built, seconds: (Date.now() - t0) / 1000 };
  };
  if (fs.existsSync(path.join(imageDir, 'kernelrelease'))) {
    req.log(`build: ${what}: image cached (${imageKey}), no build`);
    return fromImage('cached');
  }
  const unlock = lock(dir);
  try {
    const mirror = new TreeMirror(req.tree, dir);
    mirror.sync(req.state, req.log);
    for (const p of req.patches) {
      const files = mirror.apply(p);
      req.log(`patch: ${path.basename(p)} applied to the mirror (${files.join(', ')})`);
    }
    const out = path.join(dir, `build-${req.era}-${sha(fragment)}`);
    const logFile = path.join(out, 'build.log');
    // A changed fragment means a new build directory: the old one's objects and images are no use any more.
    for (const old of fs.readdirSync(dir)) if (old.startsWith(`build-${req.era}-`) && path.join(dir, old) !== out) fs.rmSync(path.join(dir, old), { recursive: true, force: true });
    const images = path.join(dir, 'images');
    for (const old of fs.existsSync(images) ? fs.readdirSync(images) : []) {
      if (old.startsWith(`${req.era}-`) && !old.startsWith(`${req.era}-${sha(fragment)}-`)) fs.rmSync(path.join(images, old), { recursive: true, force: true });
    }
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(logFile, `fsdax-audit repro --tree ${req.tree} ${what} (${new Date().toISOString()})\n`);
    const cold = !fs.existsSync(path.join(out, 'vmlinux'));
    if (!fs.existsSync(path.join(out, '.config'))) {
      const tc = Date.now();
      await make(mirror.src, out, ['tinyconfig'], logFile);
      fs.writeFileSync(path.join(out, '.config'), mergeConfig(fs.readFileSync(path.join(out, '.config'), 'utf8'), fragment));
      await make(mirror.src, out, ['olddefconfig'], logFile);
      const unmet = unmetOptions(fragment, fs.readFileSync(path.join(out, '.config'), 'utf8'));
      if (unmet.length) {
        fs.rmSync(path.join(out, '.config'));
        throw new HostError(`config: ${unmet.join(', ')} after tinyconfig + ${path.relative(process.cwd(), fragmentFile(req.era))} (a dependency is missing in this tree); log: ${logFile}`);
      }
      req.log(`config: tinyconfig + ${path.basename(fragmentFile(req.era))} (${((Date.now() - tc) / 1000).toFixed(1)} s)`);
    }
    const jobs = req.jobs ?? os.availableParallelism();
    const tb = Date.now();
    req.log(`build: ${what}: ${cold ? 'cold build' : 'rebuild'} of bzImage (make -j${jobs}, log ${logFile})`);
    await make(mirror.src, out, [`-j${jobs}`, 'bzImage'], logFile, (l) => req.log(l));
    const release = spawnSync('make', ['-s', '-C', mirror.src, `O=${out}`, 'kernelrelease'], { encoding: 'utf8' }).stdout.trim();
    fs.mkdirSync(imageDir, { recursive: true });
    fs.copyFileSync(path.join(out, 'arch', 'x86', 'boot', 'bzImage'), path.join(imageDir, 'bzImage'));
    fs.writeFileSync(path.join(imageDir, 'kernelrelease'), `${release}\n`);
    req.log(`build: ${what}: bzImage ${release} in ${((Date.now() - tb) / 1000).toFixed(0)} s`);
    return fromImage(cold ? 'cold' : 'rebuild');
  } finally {
    unlock();
  }
}
