// analysis layer: what the dataflow records of one function (sites, calls, summaries), the
// types the evaluator, the program step, exposure and relocation share. Types only.
import type { CallAlias } from './call-alias';
import type { Fact } from './facts';
import type { FunctionUnit } from './functions';
import type { ParamFlags, RawSite, RawSiteKind } from './sites';
import type { ParamValueTest, ValueKnowledge } from './value-tests';

/** A flags argument of a call, as far as the caller knows it; `param`: it is the caller's own (unassigned) param. */
export interface ArgFlags {
  set: string[];
  clear: string[];
  exact: boolean;
  param?: number;
}

export interface CallFact {
  callee: string;
  /** The forwarding macros the call was written as, outermost first (call-alias.ts): `callee` is what they expand to. */
  via?: string[];
  start: number;
  end: number;
  argFacts: Array<Fact | undefined>;
  /** Arguments that are literals (`true`, `false`, `0`, `1`, `NULL`), as their truth value. */
  argLiterals?: Array<boolean | undefined>;
  /** Flags arguments: constant expressions, or the caller's params with the bits its path tested. */
  argFlags?: Array<ArgFlags | undefined>;
  /** The caller's page params proven not FS-DAX where it makes this call (see RawSite.excludedParams). */
  excludedParams?: number[];
  /** What the caller's path knows of its own params at the call (see RawSite.paramConds). */
  paramConds?: ParamValueTest[];
  /** Per argument: what the caller knows of its value and the fields below it (a constant argument: its value). */
  argConds?: Array<Array<ValueKnowledge & { path: string }> | undefined>;
  /** Per argument: the caller's param it is, when it is one the caller never assigns. */
  argParams?: Array<number | undefined>;
  /** The call runs only on debug kernels or behind a debugfs knob (its callee's findings are info through it). */
  debugOnly?: boolean;
  text: string;
}

export interface FunctionFacts {
  unit: FunctionUnit;
  sites: RawSite[];
  calls: CallFact[];
  returnFact?: Fact;
  /** Params (mapping kind) this function or its callees dereference as an address_space. */
  derefParams: Map<number, string>;
  /** Params (index kind) this function or its callees feed to an index sink. */
  sinkParams: Map<number, string>;
  /** Params (page kind) this function or its callees use as one particular page (model `namesPage`). */
  identityParams: Map<number, string>;
  /** Page params for which the body returns NULL / 0 / false whenever they are FS-DAX (return-summary.ts). */
  nullForFsdax?: number[];
  /** Page params the body returns 0 (success) for only past a test that saw one owner (a non-NULL mapping where NULL means shared; return-summary.ts). */
  oneOwnerOnSuccess?: number[];
  /**
   * Per site kind, the flags of params every site of that kind in the body needs (its path tested them):
   * what a call of this function as a site helper needs (gup_must_unshare: FOLL_PIN without FOLL_WRITE).
   */
  siteFlagNeeds?: Partial<Record<RawSiteKind, ParamFlags[]>>;
  /** Per callee name: what every call to it here has ruled out ('all' by a context guard, or page-table levels by devmap checks). */
  callContexts: Map<string, Set<string>>;
  /** Page-table levels this function takes pages from itself (so its callers' context matters). */
  pageTableLevels: Set<string>;
  /** Params whose flags decide whether a site here or in a callee can be reached (so its callers' flags matter); set by the program. */
  flagParams?: ReadonlySet<number>;
  /** treeShape() of the definition analysed, for one of a document the front-end parses whole (an editor's): set by the program. */
  shape?: number;
}

/** What a caller needs to know of a callee, in terms of the callee's params. */
export interface CalleeSummary {
  returnFact?: Fact;
  derefParams: ReadonlyMap<number, string>;
  sinkParams: ReadonlyMap<number, string>;
  identityParams: ReadonlyMap<number, string>;
  nullForFsdax?: readonly number[];
  oneOwnerOnSuccess?: readonly number[];
  siteFlagNeeds?: Partial<Record<RawSiteKind, ParamFlags[]>>;
}

/**
 * A callee's summary as bound from `fromFile`. `onlyIfAnalysed`: the caller passes the callee no
 * FS-DAX value, so only a summary that exists already can matter (a source in its return); the
 * definitions are not looked up (parsed) unless some function of that name was analysed. A callee
 * analysed later with a source in its return brings its callers in by name (program.ts).
 */
export interface ReturnSummaryLookup {
  (callee: string, fromFile: string, onlyIfAnalysed?: boolean): CalleeSummary | undefined;
  /**
   * The caller let a value escape into `callee` because it had no summary (not analysed yet, or
   * not in the tree): the first summary of that callee changes the caller's result even when it
   * says nothing, where otherwise a summary that says nothing is no news (program.ts).
   */
  escapedWithout?(callee: string, fromFile: string): void;
  /** The forwarding macro a call of `callee` (no function of that name binds) expands to (call-alias.ts); the program records the use. */
  alias?(callee: string, fromFile: string): CallAlias | undefined;
}
