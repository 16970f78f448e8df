// model layer: the shape of the FS-DAX model file (sources, guards, guarantees,
// site helpers) and the eras. Pure data types; no IO.

export const ERAS = ['<=5.18', '5.19-6.1', '6.2-6.14', '6.15+'] as const;
export type Era = (typeof ERAS)[number];

export type SiteKind = 'anon-test' | 'anon-vma' | 'mapping-helper' | 'index-helper' | 'dax-lock';

export interface SourceSpec {
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
  description: string;
}

export interface EntryPointSpec {
  function: string;
  param: number;
  kind: 'pfn' | 'page';
  description: string;
}

export interface CleanProducerSpec {
  name: string;
  eras?: Era[];
  /** A non-NULL result proves this argument (a pfn or page) is not FS-DAX. */
  guardsArg?: number;
  /** The page written through this out-argument is the filesystem's own, locked. */
  pageOutArg?: number;
  description?: string;
}

export interface GuardSpec {
  call: string;
  arg: number;
  /** The branch on which the test's truth value equals this excludes FS-DAX. */
  excludesWhen: boolean;
  /** "entry": the argument is a page-table entry; pages later taken from it are covered. */
  subject?: 'page' | 'entry';
  eras?: Era[];
}

export interface ContextGuardSpec {
  call: string;
  excludesWhen: boolean;
  eras?: Era[];
}

export interface SingleOwnerTestSpec {
  call: string;
  $comment?: string;
  arg: number;
  singleOwnerWhen: boolean;
  eras?: Era[];
}

export interface GuaranteeSpec {
  acquire: string;
  subjectArg: number;
  release: string;
  /** Eras in which a successful acquire also proves the page is single-owner. */
  shareSafeEras: Era[];
}

export interface FsdaxModel {
  version: number;
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
}
