// repro: the scenarios as data (pure). A scenario names the finding it proves (a rule id,
// the only thing the repro module knows of the analysis), the eras it runs on, and per era
// its variants: the hazard run and the control runs that must not show the hazard.

/**
 * The stock Debian kernels we boot, one per era of fsdax-model.md §2: 6.12 (6.2-6.14, the 0x1
 * marker), 6.1 (5.19-6.1, the CoW marker) and 7.x (6.15+ mainline: refcounted, compound folios,
 * a shared folio has a NULL mapping).
 */
export type ReproEra = '6.12' | '6.1' | '7.x';
export const REPRO_ERAS: readonly ReproEra[] = ['6.12', '6.1', '7.x'];
/**
 * The analysis era (fsdax-model.md §2, by the name server/src/model/era.ts gives it) each repro era
 * stands for: `repro --tree` picks the scenarios of a tree by the era the front-end detected.
 */
export const ANALYSIS_ERAS: Record<ReproEra, string> = { '6.12': '6.2-6.14', '6.1': '5.19-6.1', '7.x': '6.15+' };

export function reproEraFor(analysisEra: string): ReproEra | undefined {
  return REPRO_ERAS.find((e) => ANALYSIS_ERAS[e] === analysisEra);
}

/** The eras whose shared page carries the 0x1 marker (the first three scenarios). */
const MARKER_ERAS: readonly ReproEra[] = ['6.12', '6.1'];

/**
 * Debian package of each era's stock kernel: bookworm and bookworm-security for 6.12 and 6.1,
 * unstable for 7.x (the version of the source fetch-mainline caches). From 7.x Debian splits the
 * kernel: linux-image-V only depends on linux-binary-V (vmlinuz) and linux-modules-V; the host
 * follows those dependencies.
 */
export const DEFAULT_KERNEL_PACKAGES: Record<ReproEra, string> = {
  '6.12': 'linux-image-6.12.118+deb12-amd64',
  '6.1': 'linux-image-6.1.0-57-amd64',
  '7.x': 'linux-image-7.2.13+deb14-amd64',
};

/**
 * Where an era's kernel comes from when the host's own apt sources (Debian 12) do not have it:
 * an apt source line for a private apt configuration in the cache (the machine's apt sources are
 * never touched).
 */
export const KERNEL_APT_SOURCES: Partial<Record<ReproEra, string>> = {
  '7.x': 'deb http://deb.debian.org/debian unstable main',
};

/** What a run must show: the hazard (reproduced) or not (a control). */
export type Expectation = 'reproduced' | 'not reproduced';

export interface ReproVariant {
  id: string;
  /** One line: what this run does differently. */
  description: string;
  expect: Expectation;
  /** Filesystem inside the guest (default xfs, mounted dax=always; ext4 is mounted -o dax). */
  fs?: 'xfs' | 'ext4';
  /** mkfs options inside the guest (mkfs.xfs, or mkfs.ext4 for fs: 'ext4'). */
  mkfs: string;
  /** Reflink /mnt/A to /mnt/B before the program runs. */
  share: boolean;
  /** Arguments of the guest program (scripts/repro/repro.c). */
  program: string;
  /** Size of /mnt/A (default 64k) and an extent size hint for it (PMD-sized extents). */
  size?: string;
  extsize?: string;
  /** Attach a virtio disk (/dev/vda) for O_DIRECT. */
  disk?: boolean;
  /** Seconds the host lets the guest run before it stops QEMU. */
  timeoutSec: number;
}

/** What a scenario looks for on the console: see verdict.ts. */
export type HazardKind = 'dax-lock-oops' | 'syscall-hang' | 'pagemap-flags' | 'which-page';

export interface ReproScenario {
  id: string;
  /** The finding this scenario decides. */
  ruleId: string;
  title: string;
  hazard: HazardKind;
  eras: readonly ReproEra[];
  variants(era: ReproEra): ReproVariant[];
}

const RMAPBT0 = '-m reflink=1,rmapbt=0';
const RMAPBT1 = '-m reflink=1,rmapbt=1';
/** Seconds a pinning syscall gets before the guest program calls it hung. */
export const HANG_SECONDS = 8;

/** 6.1 marks a page shared only on a write (CoW) fault to a shared extent (fsdax-model.md §2 E1). */
const faultFor = (era: ReproEra) => (era === '6.1' ? 'write' : 'read');

export const SCENARIOS: readonly ReproScenario[] = [
  {
    id: 'dax-lock-shared',
    ruleId: 'fsdax/dax-lock-shared',
    title: 'memory failure on a reflink-shared FS-DAX page: dax_lock_folio/dax_lock_page dereferences the 0x1 marker',
    hazard: 'dax-lock-oops',
    eras: MARKER_ERAS,
    variants: (era) => [
      { id: 'shared', description: `reflinked file, ${faultFor(era)} fault, rmapbt=0 (generic fallback)`, expect: 'reproduced', mkfs: RMAPBT0, share: true, program: `poison /mnt/A ${faultFor(era)} /mnt/C`, timeoutSec: 120 },
      { id: 'single-owner', description: `single-owner file, ${faultFor(era)} fault, rmapbt=0 (generic fallback)`, expect: 'not reproduced', mkfs: RMAPBT0, share: false, program: `poison /mnt/A ${faultFor(era)} /mnt/C`, timeoutSec: 120 },
      { id: 'rmapbt', description: `reflinked file, ${faultFor(era)} fault, rmapbt=1 (XFS notify_failure)`, expect: 'not reproduced', mkfs: RMAPBT1, share: true, program: `poison /mnt/A ${faultFor(era)} /mnt/C`, timeoutSec: 120 },
      // 6.1 marks the page only on a CoW fault: a read fault leaves the page single-owner-looking.
      ...(era === '6.1' ? [{ id: 'read-fault', description: 'reflinked file, read fault only, rmapbt=0 (no CoW: no marker in 6.1)', expect: 'not reproduced' as const, mkfs: RMAPBT0, share: true, program: 'poison /mnt/A read /mnt/C', timeoutSec: 120 }] : []),
    ],
  },
  {
    id: 'gup-unshare-livelock',
    ruleId: 'fsdax/anon-test',
    title: 'read-only FOLL_PIN of a shared FS-DAX page: gup_must_unshare() takes the marker for an anon page',
    hazard: 'syscall-hang',
    eras: MARKER_ERAS,
    variants: (era) => era === '6.12'
      ? [
        { id: 'shared', description: 'O_DIRECT write to /dev/vda from a read-faulted MAP_SHARED mapping of a reflinked file', expect: 'reproduced', mkfs: RMAPBT0, share: true, program: `odirect /mnt/A /dev/vda ${HANG_SECONDS}`, disk: true, timeoutSec: 150 },
        { id: 'single-owner', description: 'the same write from a single-owner file', expect: 'not reproduced', mkfs: RMAPBT0, share: false, program: `odirect /mnt/A /dev/vda ${HANG_SECONDS}`, disk: true, timeoutSec: 150 },
        { id: 'vmreadv', description: 'process_vm_readv (FOLL_PIN from another process) of the read-faulted reflinked mapping', expect: 'reproduced', mkfs: RMAPBT0, share: true, program: `vmreadv /mnt/A read ${HANG_SECONDS}`, timeoutSec: 150 },
      ]
      : [
        // 6.1's block O_DIRECT takes FOLL_GET, not FOLL_PIN; process_vm_readv pins.
        { id: 'shared', description: 'process_vm_readv of a CoW-written, then mprotect(PROT_READ) mapping of a reflinked file', expect: 'reproduced', mkfs: RMAPBT0, share: true, program: `vmreadv /mnt/A cow ${HANG_SECONDS}`, timeoutSec: 150 },
        { id: 'single-owner', description: 'the same read of a single-owner file', expect: 'not reproduced', mkfs: RMAPBT0, share: false, program: `vmreadv /mnt/A cow ${HANG_SECONDS}`, timeoutSec: 150 },
        // 6.1 marks the page only on a CoW fault: read faults on the shared extent leave it unmarked.
        { id: 'read-fault', description: 'process_vm_readv of a read-faulted mapping of the reflinked file (no CoW: no marker in 6.1)', expect: 'not reproduced', mkfs: RMAPBT0, share: true, program: `vmreadv /mnt/A read ${HANG_SECONDS}`, timeoutSec: 150 },
      ],
  },
  {
    id: 'pagemap-shared-pmd',
    ruleId: 'fsdax/anon-test',
    title: '/proc/<pid>/pagemap of a shared FS-DAX PMD mapping: folio_test_anon() is true for the marker, so PM_FILE is missing',
    hazard: 'pagemap-flags',
    eras: MARKER_ERAS,
    variants: (era) => {
      const fault = era === '6.1' ? 'write' : 'read';
      const pmd = { mkfs: `${RMAPBT0} -d su=2m,sw=1`, size: '2m', extsize: '2m', timeoutSec: 120 };
      return [
        { id: 'shared', description: `2 MiB reflinked file, PMD ${fault} fault: pagemap flags of the mapping`, expect: 'reproduced', share: true, program: `pagemap /mnt/A ${fault}`, ...pmd },
        { id: 'single-owner', description: `2 MiB single-owner file, PMD ${fault} fault`, expect: 'not reproduced', share: false, program: `pagemap /mnt/A ${fault}`, ...pmd },
        ...(era === '6.1' ? [{ id: 'read-fault', description: '2 MiB reflinked file, PMD read fault only (no CoW: no marker in 6.1)', expect: 'not reproduced' as const, share: true, program: 'pagemap /mnt/A read', ...pmd }] : []),
      ];
    },
  },
  {
    id: 'which-page-pmd-tail',
    ruleId: 'fsdax/which-page',
    title: 'memory failure on a PTE-mapped tail page of a compound FS-DAX folio: mf_generic_kill_procs() signals and unmaps the folio\'s head page instead',
    hazard: 'which-page',
    eras: ['7.x'],
    variants: () => {
      // A 2 MiB extent that can be PMD-mapped: ext4 with 2 MiB stripe-aligned allocations, XFS with a
      // 2 MiB stripe unit and extent size hint; the program finds it with FIEMAP.
      const ext4 = { fs: 'ext4' as const, mkfs: '-b 4096 -E stride=512,stripe_width=512', share: false, size: '8m', timeoutSec: 120 };
      const xfs = (mkfs: string) => ({ mkfs: `${mkfs} -d su=2m,sw=1`, share: false, size: '4m', extsize: '2m', timeoutSec: 120 });
      return [
        { id: 'tail-ext4', description: 'ext4 -o dax: PMD fault of a 2 MiB extent, munmap, then a 4 KiB window at page 37 poisoned', expect: 'reproduced', program: 'whichpage /mnt/A tail pmd', ...ext4 },
        { id: 'tail-xfs', description: 'XFS rmapbt=0 (generic fallback): the same', expect: 'reproduced', program: 'whichpage /mnt/A tail pmd', ...xfs(RMAPBT0) },
        { id: 'head-and-tail', description: 'ext4: windows at page 0 and page 37 after the PMD fault, page 37 poisoned (SIGBUS names the head)', expect: 'reproduced', program: 'whichpage /mnt/A head-and-tail pmd', ...ext4 },
        { id: 'head', description: 'ext4: a window at page 0 (the head) after the PMD fault, poisoned', expect: 'not reproduced', program: 'whichpage /mnt/A head pmd', ...ext4 },
        { id: 'no-pmd', description: 'ext4: the page-37 window without a PMD fault first (an order-0 folio)', expect: 'not reproduced', program: 'whichpage /mnt/A tail nopmd', ...ext4 },
        { id: 'rmapbt', description: 'XFS rmapbt=1 (XFS notify_failure, mf_dax_kill_procs): the tail window after the PMD fault', expect: 'not reproduced', program: 'whichpage /mnt/A tail pmd', ...xfs(RMAPBT1) },
      ];
    },
  },
];

export function findScenario(id: string): ReproScenario | undefined {
  return SCENARIOS.find((s) => s.id === id);
}

export function isReproEra(value: string): value is ReproEra {
  return (REPRO_ERAS as readonly string[]).includes(value);
}
