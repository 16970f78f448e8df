// repro: what the runs showed, as data (pure): the hover's link from a finding to its scenario's
// captured run in docs/repro.md. Kept by hand with the runs (npm run repro -- --all); a unit
// test checks every entry against SCENARIOS and the anchors against docs/repro.md.

export interface CapturedRun {
  scenario: string;
  ruleId: string;
  /** Functions whose finding the run decides (the site's function). */
  functions: readonly string[];
  /** One sentence: what happened on the stock kernels. */
  summary: string;
  /** Heading anchor in docs/repro.md. */
  anchor: string;
  /** The analysis eras (fsdax-model.md §2) whose findings the run decides. */
  eras: readonly string[];
  /** The stock kernels it ran on, for the hover. */
  kernels: string;
}

export const REPRO_DOC_URL = 'https://github.com/fsdax-audit/fsdax-audit/blob/main/docs/repro.md';

/** The runs on the 0x1-marker kernels (6.1 is 5.19-6.1, 6.12 is 6.2-6.14). */
const MARKER = { eras: ['5.19-6.1', '6.2-6.14'], kernels: 'Debian 6.12.118 and 6.1.192' } as const;
/** The runs on mainline (6.15+: compound, refcounted FS-DAX folios). */
const MAINLINE = { eras: ['6.15+'], kernels: 'Debian 7.2.13' } as const;

export const CAPTURED: readonly CapturedRun[] = [
  {
    scenario: 'dax-lock-shared',
    ruleId: 'fsdax/dax-lock-shared',
    functions: ['mf_generic_kill_procs'],
    summary: 'memory failure on a reflinked page (XFS without rmapbt) oopses with a NULL dereference at address 0x1 in dax_lock_folio/dax_lock_page, and every later memory failure blocks; single-owner and rmapbt=1 controls recover',
    anchor: 'scenario-dax-lock-shared-finding-fsdaxdax-lock-shared',
    ...MARKER,
  },
  {
    scenario: 'gup-unshare-livelock',
    ruleId: 'fsdax/anon-test',
    functions: ['follow_page_pte'],
    summary: 'a read-only FOLL_PIN (O_DIRECT write, process_vm_readv) of a reflinked MAP_SHARED DAX page never returns: GUP spins until SIGKILL; a single-owner page returns at once',
    anchor: 'scenario-gup-unshare-livelock-finding-fsdaxanon-test-at-gup_must_unshare',
    ...MARKER,
  },
  {
    scenario: 'pagemap-shared-pmd',
    ruleId: 'fsdax/anon-test',
    functions: ['pagemap_pmd_range'],
    summary: '/proc/<pid>/pagemap reports a PMD mapping of a reflinked DAX file without PM_FILE; a single-owner file has it',
    anchor: 'scenario-pagemap-shared-pmd-finding-fsdaxanon-test-at-pagemap_pmd_range',
    ...MARKER,
  },
  {
    scenario: 'which-page-pmd-tail',
    ruleId: 'fsdax/which-page',
    functions: ['mf_generic_kill_procs'],
    summary: 'memory failure on a 4 KiB window at a tail page of a 2 MiB extent first mapped as a PMD (ext4 -o dax, XFS without rmapbt) sends no SIGBUS and leaves the poisoned page mapped ("Recovered"); with the head mapped too, the SIGBUS names the head and the head is unmapped; head page, no-PMD and rmapbt=1 controls get SIGBUS at the poisoned address',
    anchor: 'scenario-which-page-pmd-tail-finding-fsdaxwhich-page-at-mf_generic_kill_procs',
    ...MAINLINE,
  },
];

/** The captured run that decides this finding, if any. */
export function capturedRunFor(f: { ruleId: string; function: string; era: string }): CapturedRun | undefined {
  return CAPTURED.find((c) => c.eras.includes(f.era) && c.ruleId === f.ruleId && c.functions.includes(f.function));
}

export function capturedRunUrl(c: CapturedRun): string {
  return `${REPRO_DOC_URL}#${c.anchor}`;
}
