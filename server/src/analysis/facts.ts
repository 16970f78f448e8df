// analysis layer: the abstract values of the FS-DAX dataflow and how they
// join and compose. A Fact says "this value may be (or be derived from) an
// FS-DAX page", where it came from, and what is known about it on this path.

/** `anon_vma`: what an anon_vma helper returned for the page (NULL for the shared marker, fsdax-model.md S6). */
export type ValueKind = 'page' | 'pfn' | 'mapping' | 'index' | 'anon_vma';

/** A place in a file, by UTF-16 offsets (the core's only position type). */
export interface SourceSpan {
  file: string;
  start: number;
  end: number;
}

/** One step of a path: a source, a call on the way, or the read itself. */
export interface PathStep extends SourceSpan {
  function: string;
  /** What happens here, in words: "pfn_folio(pfn) yields a maybe-FS-DAX folio". */
  label: string;
  /** For page-table source steps: the level of the entry ('pte', 'pmd', 'pud'). */
  level?: string;
}

/** How a call step's label joins caller and callee (finding-text.ts reads the callee back). */
export const CALL_ARROW = ' → ';

/** The label of a path step where `caller` hands the page on to `callee`: `caller() → callee()`. */
export function callStepLabel(caller: string, callee: string, via: readonly string[] = []): string {
  return [caller, ...via, callee].map((n) => `${n}()`).join(CALL_ARROW);
}

/** A concrete origin: the page entered the analysed code here, without a filesystem guarantee. */
export interface ConcreteOrigin {
  sourceId: string;
  /** Steps from the outermost entry to the source call, the source call last. */
  steps: PathStep[];
}

export type Origin = { param: number } | { concrete: ConcreteOrigin };

export interface Fact {
  kind: ValueKind;
  /** Sorted by originKey, at most MAX_ORIGINS. */
  origins: Origin[];
  /** The page may be shared (reflink): mapping/index hold the shared encoding. */
  mayBeShared: boolean;
  /** The page may be a single-owner FS-DAX page ({address_space, offset} in its fields). */
  mayBeSingleOwner: boolean;
  /**
   * On every path here an anon test answered false. For a page already known
   * not to be single-owner that proves it is not FS-DAX any more; for a param,
   * callers decide (see composeFacts).
   */
  anonTestFalse?: boolean;
  /** A lifetime guarantee (a DAX entry lock) holds on every path here. */
  guaranteed: boolean;
  /**
   * The page can be shared here only through a concurrent event: on every path where it may
   * be shared, code before this point would have dereferenced the shared marker (a DAX lock
   * of 5.19-6.14 does), so it was single-owner then and another reflinked file's fault must
   * have made it shared since. Findings on it have confidence `race`.
   */
  sharedNeedsRace?: boolean;
  /** An anon test already chose this page's path on every path here: a later anon test repeats that decision. */
  anonTested?: boolean;
  /** For anon_vma values: the lookup is NULL for every FS-DAX page, so a non-NULL result proves the page is not FS-DAX. */
  nullForFsdax?: boolean;
  /** For mapping/index values: offsets of the reads (in this function) they came from, so a later deref or sink use is charged to the read; for head pages, where the head was taken. */
  readAt?: number[];
  /**
   * Which page of a folio the value names, where FS-DAX folios can be large (PageOf). Absent: one
   * particular page (or not known).
   */
  pageOf?: PageOf;
}

/**
 * `containing`: the folio that contains one particular page (`pfn_folio(pfn)`): its index and
 * `&folio->page` are the head's, not that page's. `head`: the head page, pfn or offset of such a
 * folio, standing where the code meant that page. `whole`: a folio (or its head page) taken as a
 * whole (from a PMD entry): the head is the page meant.
 */
export type PageOf = 'containing' | 'head' | 'whole';

/** May-join: a value that may be the head (or a containing folio) on one path may be on the join. */
function joinPageOf(a: PageOf | undefined, b: PageOf | undefined): PageOf | undefined {
  if (a === b) return a;
  if (a === 'head' || b === 'head') return 'head';
  if (a === 'containing' || b === 'containing') return 'containing';
  return undefined;
}

const MAX_ORIGINS = 4;

export function originKey(o: Origin): string {
  if ('param' in o) return `p${o.param}`;
  const s = o.concrete.steps;
  return `s${s.length}:${s.map((x) => `${x.file}:${x.start}`).join('>')}`;
}

export function mergeOrigins(a: readonly Origin[], b: readonly Origin[]): Origin[] {
  // Both are sorted and deduplicated already (the invariant of Fact.origins): one that adds nothing to the other is the merge.
  if (a === b || b.length === 0) return a as Origin[];
  if (a.length === 0) return b as Origin[];
  const byKey = new Map<string, Origin>();
  for (const o of [...a, ...b]) byKey.set(originKey(o), o);
  return [...byKey.entries()].sort((x, y) => compareKeys(x[0], y[0])).slice(0, MAX_ORIGINS).map(([, o]) => o);
}

/** Params first, then shorter paths, then by text: deterministic and favours short explanations. */
function compareKeys(a: string, b: string): number {
  const rank = (k: string) => (k[0] === 'p' ? 0 : 1);
  if (rank(a) !== rank(b)) return rank(a) - rank(b);
  const len = (k: string) => Number(/^s(\d+)/.exec(k)?.[1] ?? 0);
  return len(a) - len(b) || (a < b ? -1 : a > b ? 1 : 0);
}

export function joinFacts(a: Fact | undefined, b: Fact | undefined): Fact | undefined {
  if (!a) return b;
  if (!b) return a;
  if (a === b) return a;
  return {
    kind: a.kind,
    origins: mergeOrigins(a.origins, b.origins),
    mayBeShared: a.mayBeShared || b.mayBeShared,
    mayBeSingleOwner: a.mayBeSingleOwner || b.mayBeSingleOwner,
    anonTestFalse: (a.anonTestFalse && b.anonTestFalse) || undefined,
    guaranteed: a.guaranteed && b.guaranteed,
    sharedNeedsRace: joinRace(a, b),
    anonTested: (a.anonTested && b.anonTested) || undefined,
    nullForFsdax: (a.nullForFsdax && b.nullForFsdax) || undefined,
    readAt: a.readAt || b.readAt ? [...new Set([...(a.readAt ?? []), ...(b.readAt ?? [])])].sort((x, y) => x - y).slice(0, 8) : undefined,
    pageOf: joinPageOf(a.pageOf, b.pageOf),
  };
}

/** Shared only by a race on the join: every side that may be shared is so only by a race. */
function joinRace(a: FactFlags, b: FactFlags): true | undefined {
  if (!a.mayBeShared && !b.mayBeShared) return undefined;
  return ((!a.mayBeShared || a.sharedNeedsRace) && (!b.mayBeShared || b.sharedNeedsRace)) || undefined;
}

export function factsEqual(a: Fact | undefined, b: Fact | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  return a.kind === b.kind && a.mayBeShared === b.mayBeShared && a.guaranteed === b.guaranteed && sameOrigins(a, b) &&
    a.mayBeSingleOwner === b.mayBeSingleOwner && !!a.anonTestFalse === !!b.anonTestFalse &&
    !!a.sharedNeedsRace === !!b.sharedNeedsRace && !!a.anonTested === !!b.anonTested && !!a.nullForFsdax === !!b.nullForFsdax &&
    (a.readAt ?? []).join() === (b.readAt ?? []).join() && a.pageOf === b.pageOf;
}

export function withKind(f: Fact, kind: ValueKind): Fact {
  return f.kind === kind ? f : { ...f, kind, readAt: undefined };
}

export function sameOrigins(a: Fact, b: Fact): boolean {
  return a.origins.length === b.origins.length && a.origins.every((o, i) => originKey(o) === originKey(b.origins[i]));
}

/** What a callee learned about its param (`local`), applied to what a caller passes (`arg`). */
export function composeFlags(local: FactFlags, arg: FactFlags): FactFlags {
  const mayBeShared = local.mayBeShared && arg.mayBeShared && (!local.anonTestFalse || arg.mayBeSingleOwner);
  return {
    mayBeShared,
    mayBeSingleOwner: local.mayBeSingleOwner && arg.mayBeSingleOwner,
    guaranteed: local.guaranteed || arg.guaranteed,
    anonTestFalse: arg.anonTestFalse,
    sharedNeedsRace: (mayBeShared && (local.sharedNeedsRace || arg.sharedNeedsRace)) || undefined,
    anonTested: (local.anonTested || arg.anonTested) || undefined,
  };
}

export type FactFlags = Pick<Fact, 'mayBeShared' | 'mayBeSingleOwner' | 'guaranteed' | 'anonTestFalse' | 'sharedNeedsRace' | 'anonTested'>;

/** No FS-DAX page is left: neither a shared nor a single-owner one. */
export function isExcluded(f: FactFlags): boolean {
  return !f.mayBeShared && !f.mayBeSingleOwner;
}
