// explain layer: named event sequences. Each rule's meta.explanation names
// one of these; S1-S6 follow fsdax-model.md §8. A scenario is data: the
// simulator decides per era what happens, where it goes wrong, and why not.
import { runEvents } from './simulate';
import type { Era, SimEvent, Trace } from './types';

export interface Scenario {
  id: string;
  title: string;
  modelRef?: string;
  summary: string;
  events: SimEvent[];
}

// A, B, C are files; offsets are page offsets in each file. R and Q are code outside the filesystem.
const mapA: SimEvent = { type: 'map', file: 'A', offset: 16 };
const shareB: SimEvent = { type: 'share', file: 'B', offset: 40 };

export const SCENARIOS: readonly Scenario[] = [
  {
    id: 'single-owner-fault', modelRef: 'S1', title: 'Single-owner fault',
    summary: 'One file faults the block; a reader that takes the DAX entry lock sees a stable, meaningful {mapping, index}.',
    events: [mapA, { type: 'lock-read', reader: 'R' }, { type: 'unlock', reader: 'R' }],
  },
  {
    id: 'reflink-share', modelRef: 'S2', title: 'Reflink share',
    summary: 'Two files share the block by reflink and fault it through IOMAP_F_SHARED iomaps: the fields turn into a marker and a share count.',
    events: [{ type: 'share', file: 'A', offset: 16 }, shareB, { type: 'read', reader: 'R', field: 'both' }],
  },
  {
    id: 'unshare-cow', modelRef: 'S3', title: 'Unshare by copy-on-write, then hole punch',
    summary: 'B writes and moves to a new block, A punches a hole: how each era walks the shared page back to unowned.',
    events: [mapA, shareB, { type: 'unshare', file: 'B' }, { type: 'truncate', file: 'A' }, { type: 'read', reader: 'R', field: 'both' }],
  },
  {
    id: 'truncate-race', modelRef: 'S4', title: 'Truncate under an unguarded reader',
    summary: 'A reader holding no reference and no entry lock reads the fields; truncate frees the block and the inode, another file takes the block.',
    events: [mapA, { type: 'read', reader: 'R', field: 'mapping' }, { type: 'truncate', file: 'A' }, { type: 'evict', file: 'A' },
      { type: 'map', file: 'C', offset: 7 }, { type: 'read', reader: 'R', field: 'index' }, { type: 'use', reader: 'R' }],
  },
  {
    id: 'dax-lock-reader', modelRef: 'S4', title: 'A reader that takes the DAX lock first',
    summary: 'The same truncate, but the reader holds the DAX entry lock: truncate waits until it is done.',
    events: [mapA, { type: 'lock-read', reader: 'R' }, { type: 'truncate', file: 'A' }, { type: 'use', reader: 'R' }, { type: 'unlock', reader: 'R' }, { type: 'truncate', file: 'A' }],
  },
  {
    id: 'memory-failure-notify', modelRef: 'S5', title: 'Memory failure through the filesystem',
    summary: 'A poisoned shared block is handled by the filesystem: its reverse map names every owner, the page fields are not used.',
    events: [mapA, shareB, { type: 'mf-notify' }],
  },
  {
    id: 'memory-failure-fallback', modelRef: 'S5', title: 'Memory failure, generic fallback on a shared page',
    summary: 'The filesystem cannot claim the failure (no rmapbt, no holder): mf_generic_kill_procs takes the DAX lock from the page fields.',
    events: [mapA, shareB, { type: 'mf-generic' }],
  },
  {
    id: 'memory-failure-single', modelRef: 'S5', title: 'Memory failure, generic fallback on a single-owner page',
    summary: 'The fallback is sound for a single owner: the lock is taken and the fields are the owner\'s.',
    events: [mapA, { type: 'mf-generic' }],
  },
  {
    id: 'page-address-in-vma', modelRef: 'S6', title: 'page_address_in_vma on a shared page',
    summary: 'The seed thread\'s worry: __add_to_kill → page_address_in_vma on a shared page. No anon_vma, -EFAULT, no crash.',
    events: [mapA, shareB, { type: 'address-in-vma', reader: 'R' }],
  },
  {
    id: 'shared-mapping', title: 'A shared page\'s mapping used as an address_space',
    summary: 'A reader without a guarantee takes page->mapping of a shared page and dereferences it.',
    events: [mapA, shareB, { type: 'read', reader: 'R', field: 'mapping' }, { type: 'use', reader: 'R' }],
  },
  {
    id: 'shared-index', title: 'A share count read as an index',
    summary: 'A reader without a guarantee takes page->index of a shared page as a file offset and computes an address from it.',
    events: [mapA, shareB, { type: 'read', reader: 'R', field: 'index' }, { type: 'use', reader: 'R' }],
  },
  {
    id: 'anon-test', title: 'Anon test on a shared page',
    summary: 'folio_test_anon on a shared FS-DAX page decides between the anon and the file path.',
    events: [mapA, shareB, { type: 'anon-test', reader: 'R' }],
  },
  {
    id: 'anon-vma', title: 'anon_vma lookup on a shared page',
    summary: 'folio_lock_anon_vma_read on a shared FS-DAX page, as collect_procs_anon does after the anon test passes.',
    events: [mapA, shareB, { type: 'anon-test', reader: 'R' }, { type: 'anon-vma', reader: 'R' }],
  },
  {
    id: 'null-mapping-skip', modelRef: 'S5', title: 'A NULL mapping taken as truncated',
    summary: 'Page-cache code reads `!folio->mapping` as "truncated, skip it". From 6.15 a shared FS-DAX folio has mapping NULL and its owners in folio->share: the skip drops every owner, as the generic memory-failure fallback does.',
    events: [mapA, shareB, { type: 'null-skip', reader: 'R' }, { type: 'mf-generic' }],
  },
  {
    id: 'which-page', title: 'Memory failure on a tail page of a PMD-mapped folio',
    summary: 'From 6.15 a PMD entry maps one compound FS-DAX folio. A process maps only one tail page of it; that page fails. The generic fallback starts from the failing pfn but takes the folio\'s head page and head offset: it marks, looks up and unmaps the head.',
    events: [{ type: 'map-pmd', file: 'A', offset: 512 }, { type: 'map-window', process: 'P', page: 7 }, { type: 'mf-generic', page: 7 }],
  },
  {
    id: 'gup-unshare-livelock', title: 'A read-only pin of a shared page',
    summary: 'pin_user_pages() without FOLL_WRITE on a shared FS-DAX page in a MAP_SHARED mapping (an O_DIRECT write from the buffer, process_vm_readv): the unshare check takes the marker for a non-exclusive anon page, and the unshare fault never unshares a shared mapping.',
    events: [mapA, shareB, { type: 'pin-read', reader: 'R' }],
  },
  {
    id: 'suppressions', title: 'What a suppression claims',
    summary: 'A suppression says a read is safe; its reason should name the guarantee that makes it like Q (entry lock) and not like R (nothing).',
    events: [mapA, { type: 'lock-read', reader: 'Q' }, { type: 'unlock', reader: 'Q' }, { type: 'read', reader: 'R', field: 'both' }, { type: 'truncate', file: 'A' }],
  },
];

/** Rule id → scenario id. Each rule's meta.explanation must agree (a unit test checks it). */
const RULE_SCENARIOS: Readonly<Record<string, string>> = {
  'fsdax/mapping-read': 'shared-mapping',
  'fsdax/mapping-deref': 'shared-mapping',
  'fsdax/index-read': 'shared-index',
  'fsdax/anon-test': 'anon-test',
  'fsdax/anon-vma': 'anon-vma',
  'fsdax/mapping-helper': 'page-address-in-vma',
  'fsdax/dax-lock-shared': 'memory-failure-fallback',
  'fsdax/null-mapping': 'null-mapping-skip',
  'fsdax/which-page': 'which-page',
  'fsdax/suppression': 'suppressions',
  'fsdax/no-lifetime': 'truncate-race',
};

export function findScenario(id: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.id === id);
}

/** A known rule's scenario, a scenario id itself, or undefined. */
export function lookupScenarioId(idOrRuleId: string): string | undefined {
  return RULE_SCENARIOS[idOrRuleId] ?? findScenario(idOrRuleId)?.id;
}

/**
 * The scenario that explains a rule. An unknown rule gets the truncate race:
 * every field read without a guarantee has at least that hazard, in every era.
 */
export function scenarioForRule(ruleId: string): string {
  return lookupScenarioId(ruleId) ?? 'truncate-race';
}

export function runScenario(id: string, era: Era): Trace {
  const sc = findScenario(id);
  if (!sc) throw new Error(`explain: no scenario "${id}"; known: ${SCENARIOS.map((s) => s.id).join(', ')}`);
  const { initial, steps } = runEvents(sc.events, era);
  const first = steps.find((st) => st.hazard);
  return {
    scenario: sc.id, title: sc.title, ...(sc.modelRef ? { modelRef: sc.modelRef } : {}), summary: sc.summary, era, initial, steps,
    ...(first ? { hazardStep: first.n } : {}),
    verdict: verdictOf(steps, first?.n),
  };
}

function verdictOf(steps: Trace['steps'], hazardStep: number | undefined): string {
  if (hazardStep !== undefined) return `Goes wrong at step ${hazardStep}: ${steps[hazardStep - 1].hazard!.text}`;
  const last = steps.length ? steps[steps.length - 1].state : undefined;
  const unguarded = last?.readers.filter((r) => !r.locked).map((r) => r.name) ?? [];
  // No hazard yet is not a guarantee: an unguarded reader still races truncate (truncate-race).
  const still = unguarded.length ? ` ${unguarded.join(', ')} still holds values with no guarantee, so a later truncate would make them stale (truncate-race).` : '';
  const refusedStep = steps.find((s) => s.outcome === 'refused');
  if (refusedStep) return `Nothing goes wrong in this era, because step ${refusedStep.n} cannot happen: ${lowerFirst(refusedStep.sentence)}${still}`;
  return `Nothing goes wrong: every read is under the entry lock, or of a single-owner page before anything changes it, or the owners come from the filesystem.${still}`;
}

function lowerFirst(s: string): string {
  return /^[A-Z][a-z]/.test(s) ? s[0].toLowerCase() + s.slice(1) : s;
}
