// analysis layer: which files of a tree can see an FS-DAX page, and which
// definitions a call can bind to. A kernel tree holds many programs: userspace
// tools and build helpers (tools/, scripts/, usr/, Documentation/), boot
// decompressors (arch/*/boot/), and one kernel per architecture (the generic
// code plus one arch/<a>/). Binding a call across them joins unrelated
// functions: memcpy() of tools/ or of another architecture's boot code is not
// the kernel's. And an architecture whose kernel cannot have FS-DAX pages
// (no ZONE_DEVICE there) has no FS-DAX hazard in its arch/ code. Pure: the
// front-end says which architectures can have FS-DAX (read from the tree's
// Kconfig, host/tree-files.ts).

export type LinkUnit =
  | { kind: 'kernel' }
  | { kind: 'arch'; arch: string }
  | { kind: 'outside'; why: string };

/** Where a file (tree-relative, '/'-separated) is linked. Paths outside a tree (a lone file) count as kernel code. */
export function linkUnitOf(path: string): LinkUnit {
  const top = /^(tools|scripts|usr|Documentation)\//.exec(path);
  if (top) return { kind: 'outside', why: `${top[1]}/ is not kernel code` };
  const arch = /^arch\/([^/]+)\/(boot\/)?/.exec(path);
  if (arch?.[2]) return { kind: 'outside', why: `arch/${arch[1]}/boot/ is the boot decompressor, not the kernel` };
  if (arch) return { kind: 'arch', arch: arch[1] };
  return { kind: 'kernel' };
}

export class LinkScope {
  private readonly fsdaxArchitectures?: ReadonlySet<string>;

  /**
   * `fsdaxArchitectures`: the arch/ directories whose kernels can have FS-DAX pages; undefined: all of them.
   * `buildArch`: the architecture generic code is read as compiled for (the analysis's --arch); undefined: any.
   */
  constructor(fsdaxArchitectures?: readonly string[], private readonly buildArch?: string) {
    this.fsdaxArchitectures = fsdaxArchitectures && new Set(fsdaxArchitectures);
  }

  /** Whether the analysis looks at this file: kernel code, and arch/ code of an architecture with FS-DAX. */
  analysable(path: string): boolean {
    const unit = linkUnitOf(path);
    if (unit.kind === 'outside') return false;
    return unit.kind === 'kernel' || !this.fsdaxArchitectures || this.fsdaxArchitectures.has(unit.arch);
  }

  /** Whether a call in `from` can bind to a definition in `to`: never from one architecture's code into another's, nor from generic code into another build's arch headers. */
  linkable(from: string, to: string): boolean {
    const a = linkUnitOf(from);
    const b = linkUnitOf(to);
    if (b.kind !== 'arch') return true;
    if (a.kind === 'arch') return a.arch === b.arch;
    // An arch header is part of the generic file that includes it only in a build for that
    // architecture (its static inlines are compiled into the file). A definition in arch .c code
    // is a link-time target: a generic call stays open to every architecture's.
    return !to.endsWith('.h') || this.buildArch === undefined || b.arch === this.buildArch;
  }
}

/** A header's static inlines are bound from every file that includes it (the pre-scan names them too). */
export function isHeaderPath(path: string): boolean {
  return path.endsWith('.h');
}
