// explain layer: the simulator's vocabulary. One FS-DAX page, the files that own
// it as the filesystem knows them, and the events that change either. Pure
// types and per-era facts (fsdax-model.md §2, §8); no IO, no editor code.
import type { Era } from '../model/types';

export type { Era };

/** What the page's mapping word holds. `sentinel` is 0x1 (PAGE_MAPPING_DAX_COW / _SHARED). */
export type MappingWord = { kind: 'null' } | { kind: 'file'; file: string } | { kind: 'sentinel' };

/** One owner as the filesystem's reverse map knows it: file and page offset in that file. */
export interface Owner { file: string; offset: number }

/** What a reader took from the page's fields, and which association it belonged to. */
export interface ReaderView {
  name: string;
  /** Holds the DAX entry lock (dax_lock_folio succeeded); otherwise no guarantee at all. */
  locked: boolean;
  mapping?: { word: MappingWord; epoch: number };
  index?: { value: number; epoch: number };
}

export interface PageState {
  mapping: MappingWord;
  /** page->index up to 6.1; the index/share union from 6.2 (struct page) and 6.15 (struct folio). */
  indexWord: number;
  refcount: number;
  /** Files whose DAX entry points at this block, sorted by file. */
  owners: Owner[];
  /** Who holds the DAX entry lock of the (single) owner's entry. */
  entryLock: string | null;
  /** The block is allocated to the owners' files (false once the last owner lets go). */
  allocated: boolean;
  /** Files whose inode, and so whose address_space, has been evicted and freed. */
  evicted: string[];
  poisoned: boolean;
  /** Step at which the kernel oopsed; later events are refused. */
  oopsAt: number | null;
  /** Readers outside the filesystem that took something from this page. */
  readers: ReaderView[];
  /** Bumped on each association change, so a pair read across two associations is seen as torn. */
  epoch: number;
  /**
   * The block is a PMD-sized extent faulted as one PMD entry (`map-pmd`): how many pages it has, and
   * whether they make one compound folio (6.15+: its head holds {mapping, index}) or order-0 pages
   * that each hold their own offset (up to 6.14).
   */
  extent?: { pages: number; compound: boolean };
  /** Processes that map one page of the extent through a 4 KiB window (`map-window`): process, page number. */
  windows?: Array<{ process: string; page: number }>;
}

export type ReadField = 'mapping' | 'index' | 'both';

export type SimEvent =
  | { type: 'map'; file: string; offset: number }
  | { type: 'share'; file: string; offset: number }
  | { type: 'unshare'; file: string }
  | { type: 'truncate'; file: string }
  | { type: 'evict'; file: string }
  | { type: 'mf-notify' }
  /** Memory failure on the block through the generic fallback; `page`: on that page of a PMD extent (0: the head). */
  | { type: 'mf-generic'; page?: number }
  /** The file faults a PMD-sized extent with one PMD entry (then unmaps it). */
  | { type: 'map-pmd'; file: string; offset: number }
  /** A process maps only page `page` of the file's extent (a 4 KiB window, one PTE) and touches it. */
  | { type: 'map-window'; process: string; page: number }
  | { type: 'read'; reader: string; field: ReadField }
  | { type: 'use'; reader: string }
  | { type: 'anon-test'; reader: string }
  | { type: 'anon-vma'; reader: string }
  | { type: 'address-in-vma'; reader: string }
  /** Page-cache idiom: `if (!folio->mapping) skip;` taken as "truncated, nothing to do". */
  | { type: 'null-skip'; reader: string }
  /** A read-only FOLL_PIN (O_DIRECT write from the buffer, process_vm_readv) of the page in a MAP_SHARED mapping. */
  | { type: 'pin-read'; reader: string }
  | { type: 'lock-read'; reader: string }
  | { type: 'unlock'; reader: string };

export type EventType = SimEvent['type'];

/** crash: an oops or a use-after-free; wrong: a wrong value acted on; benign: wrong but harmless by accident. */
export type HazardSeverity = 'crash' | 'wrong' | 'benign';

export interface Hazard { severity: HazardSeverity; text: string }

export type Outcome = 'applied' | 'refused' | 'blocked';

export interface Step {
  /** 1-based. */
  n: number;
  event: SimEvent;
  outcome: Outcome;
  /** One sentence: what the kernel does at this step, or why it cannot. */
  sentence: string;
  /** State after the step (unchanged when refused or blocked). */
  state: PageState;
  hazard?: Hazard;
}

export interface Trace {
  scenario: string;
  title: string;
  /** fsdax-model.md §8 scenario (S1-S6) this follows, if any. */
  modelRef?: string;
  summary: string;
  era: Era;
  initial: PageState;
  steps: Step[];
  /** First step marked with a hazard: where the unguarded read goes wrong. */
  hazardStep?: number;
  /** Why it goes wrong there, or why it does not in this era. */
  verdict: string;
}

export interface EraTraits {
  /** Shared pages exist. Before them XFS refused DAX with reflink (fsdax-model.md §2 dates E1 from 6.0; the Era type's boundary is 5.19). */
  canShare: boolean;
  /** The shared marker is the 0x1 sentinel in mapping (5.19-6.14); 6.15+ uses NULL plus folio->share. */
  hasSentinel: boolean;
  sentinelName: string;
  indexName: string;
  /** ZONE_DEVICE pages idle at refcount 1 up to 6.14; 6.15 made it 0-based and mapping-accounted. */
  idleRefcount: number;
  lockName: string;
  /** The filesystem's notify_failure path with its own reverse map (xfs_dax_notify_failure). */
  hasNotify: boolean;
  /** A PMD entry maps one compound folio (6.15+); before, every page of it is an order-0 page of its own. */
  compoundFolios: boolean;
}

export const ERA_TRAITS: Record<Era, EraTraits> = {
  '<=5.18': { canShare: false, hasSentinel: false, sentinelName: '', indexName: 'page->index', idleRefcount: 1, lockName: 'dax_lock_page', hasNotify: false, compoundFolios: false },
  '5.19-6.1': { canShare: true, hasSentinel: true, sentinelName: 'PAGE_MAPPING_DAX_COW', indexName: 'page->index', idleRefcount: 1, lockName: 'dax_lock_page', hasNotify: true, compoundFolios: false },
  '6.2-6.14': { canShare: true, hasSentinel: true, sentinelName: 'PAGE_MAPPING_DAX_SHARED', indexName: 'page->index/share', idleRefcount: 1, lockName: 'dax_lock_folio', hasNotify: true, compoundFolios: false },
  '6.15+': { canShare: true, hasSentinel: false, sentinelName: '', indexName: 'folio->index/share', idleRefcount: 0, lockName: 'dax_lock_folio', hasNotify: true, compoundFolios: true },
};
