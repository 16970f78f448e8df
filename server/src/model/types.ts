// model layer: the shape of the FS-DAX model file (sources, guards, guarantees,
// site helpers) and the eras. Pure data types; no IO.

export const ERAS = ['<=5.18', '5.19-6.1', '6.2-6.14', '6.15+'] as const;
export type Era = (typeof ERAS)[number];

export type SiteKind = 'anon-test' | 'anon-vma' | 'mapping-helper' | 'index-helper' | 'dax-lock';

/**
 * Where a kernel fact holds and why we believe it: every fact the analysis relies on carries
 * its era range (absent: all eras), its architectures (absent: all) and file:line citations
 * from a real tree, so a reviewer can check it and a wrong fact is a one-line data change.
 */
export interface FactScope {
  eras?: Era[];
  /** Architectures (arch/ directory names) the fact holds on; absent: all. */
  arch?: string[];
  /** Architectures it does not hold on. */
  exceptArch?: string[];
  /** One sentence: what the kernel does that makes this true. */
  why?: string;
  /** file:line (tree), e.g. "mm/rmap.c:563 (6.12)". */
  cite?: string[];
}

/**
 * What a call returns, known without running it. `forFsdax`: the result for an FS-DAX page in
 * argument `arg` ("null"/"false": so a non-NULL/true result proves the argument is not FS-DAX).
 * `value`: the result whatever the arguments (an arch stub returning 0). The dataflow does not
 * take a branch a fact decides.
 */
export interface ReturnFactSpec extends FactScope {
  call: string;
  /**
   * Eras in which the analysis derives this fact from the function's body (return-summary.ts). The
   * derivation decides where the body is in the analysed tree; the name-keyed fact is the fallback
   * where it is not (a partial tree), and a test checks that the two agree on the cached trees.
   */
  derivedIn?: FactScope;
  arg?: number;
  forFsdax?: 'null' | 'false';
  value?: '0' | 'false' | 'null';
}

/** A site helper whose hazard needs flags: `gup_must_unshare()` is false unless FOLL_PIN is set and FOLL_WRITE clear. */
export interface FlagRequirementSpec extends FactScope {
  call: string;
  /** Eras in which the body shows the requirement (derived; this entry is the fallback, see ReturnFactSpec.derivedIn). */
  derivedIn?: FactScope;
  /** The argument holding the flags: the first whose text matches. */
  flagsArgMatches: string;
  set: string[];
  clear: string[];
  /** What happens when the hazard fires, in words, for the finding's message. */
  consequence?: string;
  /** The simulator scenario that shows it (else the rule's own). */
  scenario?: string;
}

/** What a finding of confidence `race` needs to happen, in this era. */
export interface RaceMechanismSpec extends FactScope {
  text: string;
}

/** Code that runs only on debug kernels or behind a debugfs test knob: what it misreads is info, not a warning. */
export interface DebugOnlySpec {
  /** Macros whose arguments are evaluated only with CONFIG_DEBUG_VM (VM_BUG_ON_PAGE ...). */
  calls: string[];
  /** Conditions (text, spaces ignored) whose `when` branch is debug-only. */
  conditions: Array<{ test: string; when: boolean } & FactScope>;
  cite?: string[];
}

/** A source holds in the eras listed (absent: all): normal-page lookups return FS-DAX folios only from 6.15. */
export interface SourceSpec extends FactScope {
  id: string;
  calls: string[];
  /** The page comes from the page-table entry passed as this argument. */
  entryArg?: number;
  /** GUP style: the pages land in the argument with this parameter name (or the last pointer-to-pointer). */
  pagesArg?: string;
  /** The call returns the page. */
  returns?: boolean;
  /** The page comes with a reference (GUP): the filesystem's layout break waits for it, so truncate cannot free it while held (fsdax-model.md §5). */
  referenced?: boolean;
  /** Eras in which the page comes with a reference although `referenced` is not set (6.15+: a present page-table entry holds one), with why and where. */
  referencedIn?: FactScope;
  description: string;
  /** How code that gets its page from here keeps FS-DAX pages out (a finding's fix line), e.g. "rule out DAX mappings first (`vma_is_dax()`)". */
  ruleOut?: string;
}

export interface EntryPointSpec {
  function: string;
  param: number;
  kind: 'pfn' | 'page';
  /** The path step's phrase, `function(param): what it may be`. */
  description: string;
  why?: string;
  /** As SourceSpec.ruleOut. */
  ruleOut?: string;
}

export interface CleanProducerSpec {
  name: string;
  eras?: Era[];
  /** A non-NULL result proves this argument (a pfn or page) is not FS-DAX. */
  guardsArg?: number;
  /** The page written through this out-argument is the filesystem's own, locked. */
  pageOutArg?: number;
  /** Where the page written through `pageOutArg` is the first page of a (possibly PMD-sized) entry, not the page at the index asked for. */
  pageOutHead?: FactScope;
  description?: string;
}

export interface GuardSpec extends FactScope {
  call: string;
  arg: number;
  /** The branch on which the test's truth value equals this excludes FS-DAX. */
  excludesWhen: boolean;
  /** "entry": the argument is a page-table entry; pages later taken from it are covered. */
  subject?: 'page' | 'entry';
}

/** `(mapping & mask) == equals` (or !=): the branch where it equals `excludesWhen` has no FS-DAX page. */
export interface MaskGuardSpec extends FactScope {
  mask: string;
  equals: string;
  excludesWhen: boolean;
}

export interface ContextGuardSpec extends FactScope {
  call: string;
  excludesWhen: boolean;
  eras?: Era[];
}

export interface SingleOwnerTestSpec extends FactScope {
  call: string;
  $comment?: string;
  arg: number;
  singleOwnerWhen: boolean;
}

export interface GuaranteeSpec {
  acquire: string;
  subjectArg: number;
  release: string;
  /** Eras in which a successful acquire also proves the page is single-owner. */
  shareSafeEras: Era[];
  /**
   * Eras in which the acquire dereferences a shared page's marker (an oops): past the call,
   * the page was not shared when it was called, and is shared only if a concurrent
   * association made it so (fsdax-model.md 3b).
   */
  dereferencesSharedMarker?: FactScope;
  /**
   * Eras in which the acquire refuses a shared folio, so past it the folio had one owner; the lock
   * covers only this file's entry, so another reflinked file's fault can still make it shared
   * (findings on it need that race).
   */
  refusesShared?: FactScope;
}

/**
 * How a page shared by reflink encodes its owners in an era (fsdax-model.md 2): no shared pages,
 * the 0x1 marker (equal to PAGE_MAPPING_ANON) in `mapping`, or a NULL `mapping` with the owners
 * counted in `folio->share` (6.15+).
 */
export interface SharedEncodingSpec extends FactScope {
  mapping: 'none' | 'marker' | 'null';
  /** The marker macro, for `marker`. */
  marker?: string;
  /** The field counting owners. */
  count?: string;
}

/**
 * Which page of a folio a value names (issue 22, "which page"). Where FS-DAX folios can be large
 * (a PMD/PUD entry maps one compound folio), the folio of a page is its head's: code that starts
 * from one page and then uses the folio's head page or head offset acts on another page.
 */
export interface PageIdentitySpec {
  /** Eras (and why) in which an FS-DAX folio can be larger than one page. */
  largeFolios: FactScope[];
  /** Calls returning the folio that contains their page/pfn argument (its head, for a large folio). */
  containingFolio: string[];
  /** Lookups that return a page or folio meant as a whole (PMD/PUD level): its head is the page they mean. */
  wholeFolio: string[];
  /** Calls on a folio that return its head page or pfn; `nthArg`: only when that argument is the literal 0. */
  headOfFolio: Array<{ call: string; nthArg?: number }>;
  /** Calls whose argument `arg` must be one particular page (its flags, its offset, its address). */
  namesPage: Array<{ call: string; arg: number } & FactScope>;
  $comment?: string;
}

export interface FsdaxModel {
  version: number;
  sharedEncoding?: Array<SharedEncodingSpec | { $comment: string }>;
  conversions: { calls: Record<string, number> };
  pfnToPage: string[];
  pageToPfn: string[];
  pfnConversions: string[];
  sources: SourceSpec[];
  entryPoints: EntryPointSpec[];
  cleanProducers: { calls: CleanProducerSpec[] };
  guards: GuardSpec[];
  contextGuards: ContextGuardSpec[];
  singleOwnerTests: SingleOwnerTestSpec[];
  guarantees: GuaranteeSpec[];
  sharedMarkerTests: Array<{ call?: string; arg?: number; eras?: Era[]; $comment?: string }>;
  ownerContexts: { functions: string[] };
  /** Functions whose sources cannot yield an FS-DAX page, each for a reason the model states. */
  noFsdaxFunctions: { functions: string[] };
  references: { returnsReferenced: Record<string, number>; referencesArg: Record<string, number> };
  sentinelMasks: { names: string[] };
  flagGuards: { setExcludes: string[] };
  encodingAwareHelpers: { functions: string[] };
  sites: Record<SiteKind, string[]>;
  mappingDerefs: { fields: string[]; calls: string[] };
  /** Calls that dereference the anon_vma they are given (any field access counts too). */
  anonVmaDerefs: { calls: string[] };
  indexSinks: string[];
  pageTableContext: { requires: string; excludeFiles: string[]; excludeFunctionsMatching: string };
  returnFacts: { calls: ReturnFactSpec[] };
  flagRequirements: FlagRequirementSpec[];
  debugOnly: DebugOnlySpec;
  raceMechanisms: RaceMechanismSpec[];
  pageIdentity?: PageIdentitySpec;
  /** Functions whose NULL-mapping branch does for an FS-DAX folio what the other branch does. */
  nullMappingHarmless?: { functions: Array<{ function: string } & FactScope> };
  /** Params an FS-DAX page, or a value read from one, never reaches (or only through a caller's bug of another kind, said in `why`). */
  noFsdaxParams?: { functions: Array<{ function: string; params: number[] } & FactScope> };
  maskGuards?: Array<MaskGuardSpec | { $comment: string }>;
}
