// repro: what goes into the guest's initramfs (pure). Inputs are texts the host read
// (modules.dep, ldd output); the output is a list of archive entries the host fills in.

/** Modules the scenarios need, by name; their dependencies come from modules.dep. */
export const WANTED_MODULES: readonly string[] = [
  // libcrc32c asks the crypto API for "crc32c" (a softdep, not in modules.dep): load one first.
  'crc32c_generic',
  'xfs', 'ext4',
  'nd_pmem', 'nd_btt', 'nd_e820',
  'hwpoison_inject',
  'virtio_pci', 'virtio_blk',
];

/** Host programs copied into the guest with their shared libraries. */
export const GUEST_TOOLS: readonly { name: string; guestPath: string }[] = [
  { name: 'mkfs.xfs', guestPath: '/sbin/mkfs.xfs' },
  { name: 'xfs_io', guestPath: '/sbin/xfs_io' },
  // mke2fs picks ext4 from the name it is called by.
  { name: 'mkfs.ext4', guestPath: '/sbin/mkfs.ext4' },
];

/** `xfs` from `kernel/fs/xfs/xfs.ko.xz`; `-` and `_` are the same in module names. */
export function moduleName(file: string): string {
  return file.replace(/^.*\//, '').replace(/\.ko(\.(xz|zst|gz))?$/, '').replace(/-/g, '_');
}

/** modules.dep: `path: dep dep ...` per line → path → deps. */
export function parseModulesDep(text: string): Map<string, string[]> {
  const deps = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    deps.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim().split(/\s+/).filter(Boolean));
  }
  return deps;
}

/** modules.builtin: one `kernel/fs/ext4/ext4.ko` per line → the module names built into the kernel. */
export function parseModulesBuiltin(text: string): Set<string> {
  return new Set(text.split('\n').map((l) => l.trim()).filter(Boolean).map(moduleName));
}

/**
 * The module files to insmod, in an order where every module comes after its dependencies,
 * each once. Modules the kernel does not have as files are `missing` unless `builtin` names them
 * (built into the kernel: nothing to load); the caller decides whether a missing one matters.
 */
export function moduleLoadOrder(deps: Map<string, string[]>, wanted: readonly string[], builtin: ReadonlySet<string> = new Set()): { order: string[]; missing: string[] } {
  const byName = new Map<string, string>();
  for (const file of deps.keys()) byName.set(moduleName(file), file);
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const d of deps.get(file) ?? []) visit(d);
    order.push(file);
  };
  const missing: string[] = [];
  for (const name of wanted) {
    const file = byName.get(name.replace(/-/g, '_'));
    if (file) visit(file); else if (!builtin.has(name.replace(/-/g, '_'))) missing.push(name);
  }
  return { order, missing };
}

/** Library paths from `ldd` output (`libc.so.6 => /lib/.../libc.so.6 (0x..)`, the interpreter line). */
export function parseLdd(text: string): string[] {
  const libs: string[] = [];
  for (const line of text.split('\n')) {
    const arrow = /=>\s*(\/\S+)/.exec(line);
    const bare = /^\s*(\/\S+)\s+\(0x/.exec(line);
    const p = arrow?.[1] ?? bare?.[1];
    if (p && !libs.includes(p)) libs.push(p);
  }
  return libs;
}

export type ManifestEntry =
  | { kind: 'dir'; path: string }
  | { kind: 'file'; path: string; from: string; mode: number; decompress?: 'xz' }
  | { kind: 'text'; path: string; text: string; mode: number }
  | { kind: 'symlink'; path: string; target: string };

export interface ManifestInputs {
  initScript: string;
  programBinary: string;
  busybox: string;
  /** Host path of each guest tool's binary, by GUEST_TOOLS name. */
  tools: Record<string, string>;
  /** Host library paths the tools need (parseLdd over each). */
  libraries: string[];
  /** Kernel modules directory on the host (…/lib/modules/<version>) and the load order in it. */
  modulesDir: string;
  moduleOrder: string[];
}

/** Guest file name of a module: flat, decompressed (busybox insmod does not read .xz). */
export function guestModuleFile(file: string): string {
  return file.replace(/^.*\//, '').replace(/\.(xz|zst|gz)$/, '');
}

/** The initramfs's entries, parents before children, in a fixed order. */
export function initramfsManifest(m: ManifestInputs): ManifestEntry[] {
  const entries: ManifestEntry[] = ['/bin', '/sbin', '/dev', '/proc', '/sys', '/mnt', '/tmp', '/lib', '/lib/modules'].map((path) => ({ kind: 'dir' as const, path }));
  const dirs = new Set(entries.map((e) => e.path));
  const addDirs = (file: string) => {
    const parts = file.split('/').slice(1, -1);
    for (let i = 1; i <= parts.length; i++) {
      const d = `/${parts.slice(0, i).join('/')}`;
      if (!dirs.has(d)) { dirs.add(d); entries.push({ kind: 'dir', path: d }); }
    }
  };
  entries.push({ kind: 'file', path: '/init', from: m.initScript, mode: 0o755 });
  entries.push({ kind: 'file', path: '/bin/busybox', from: m.busybox, mode: 0o755 });
  entries.push({ kind: 'symlink', path: '/bin/sh', target: 'busybox' });
  entries.push({ kind: 'file', path: '/bin/repro', from: m.programBinary, mode: 0o755 });
  for (const t of GUEST_TOOLS) {
    const from = m.tools[t.name];
    if (from) entries.push({ kind: 'file', path: t.guestPath, from, mode: 0o755 });
  }
  for (const lib of [...m.libraries].sort()) {
    addDirs(lib);
    entries.push({ kind: 'file', path: lib, from: lib, mode: 0o755 });
  }
  for (const file of m.moduleOrder) {
    entries.push({ kind: 'file', path: `/lib/modules/${guestModuleFile(file)}`, from: `${m.modulesDir}/${file}`, mode: 0o644, ...(file.endsWith('.xz') ? { decompress: 'xz' as const } : {}) });
  }
  entries.push({ kind: 'text', path: '/modules.list', text: `${m.moduleOrder.map(guestModuleFile).join('\n')}\n`, mode: 0o644 });
  return entries;
}

/** /plan: the shell variables init.sh reads for one run. */
export function planText(plan: { name: string; fs?: 'xfs' | 'ext4'; mkfs: string; share: boolean; program: string; size?: string; extsize?: string }): string {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const extra = `${plan.size ? `SIZE=${q(plan.size)}\n` : ''}${plan.extsize ? `EXTSIZE=${q(plan.extsize)}\n` : ''}${plan.fs && plan.fs !== 'xfs' ? `FS=${q(plan.fs)}\n` : ''}`;
  return `NAME=${q(plan.name)}\nMKFS_OPTS=${q(plan.mkfs)}\nSHARE=${plan.share ? 1 : 0}\nPROGRAM=${q(plan.program)}\n${extra}`;
}
