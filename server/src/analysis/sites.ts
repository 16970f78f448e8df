// analysis layer: what the dataflow records at each place a maybe-FS-DAX value
// is used in a way a rule may care about.
import type { Fact } from './facts';
import type { SiteKind } from '../model/types';
import type { ParamValueTest } from './value-tests';

/** `head-page`: a large folio's head page or pfn taken where the code started from one page of it (PageOf `head`). */
export type RawSiteKind = SiteKind | 'mapping-read' | 'index-read' | 'head-page';

/**
 * What a read (or lookup) is used for, which decides whether it can hurt (issue 13):
 * `deref` (as an address_space / anon_vma pointer), `offset` (as a file offset driving a
 * lookup, an unmap or a kill), `escape` (stored, returned or passed to code we cannot see:
 * assumed to hurt), `identity` (a page passed where one particular page is meant: its flag set,
 * its offset or address computed), `branch` (a decision that sends the page down another path); benign:
 * `compare` (equality with a known mapping), `recheck` (compared with an earlier read of
 * the same field: a retry), `null-test`, `decode` (masked, or a lookup that maps the marker
 * to NULL which is then tested), `call` (the page passed to a helper whose body is in the
 * tree and reported on its own), `unused` (put in a local that none of the local's uses on the
 * page's paths reads: dataflow.ts markUnusedReads).
 */
export type UseKind = 'deref' | 'offset' | 'identity' | 'escape' | 'branch' | 'restrict' | 'compare' | 'recheck' | 'null-test' | 'decode' | 'call' | 'unused';

/**
 * `restrict`: a guard clause that only lets anon pages on (`if (!folio_test_anon(f)) return;`): a
 * shared FS-DAX page gets through, and what the code after it does with the page is reported there;
 * no other path is skipped for it.
 */
export const BENIGN_USES: ReadonlySet<UseKind> = new Set<UseKind>(['restrict', 'compare', 'recheck', 'null-test', 'decode', 'call', 'unused']);

/** The use that decides, worst first. */
export const USE_ORDER: readonly UseKind[] = ['deref', 'offset', 'identity', 'escape', 'branch', 'restrict', 'compare', 'recheck', 'null-test', 'decode', 'call', 'unused'];

/** A flag requirement on a param: every path to the site tested it so (or the site's helper needs it so). */
export interface ParamFlags { param: number; set: string[]; clear: string[] }

export interface RawSite {
  kind: RawSiteKind;
  file: string;
  function: string;
  start: number;
  end: number;
  /** Source text of the read or call, shortened. */
  expr: string;
  /** The fact of the page (or mapping) at this site, in terms of this function's params and sources. */
  fact: Fact;
  /** The helper called, for call sites. */
  helper?: string;
  /** For tests: the test is a guard clause whose failing side only leaves (see UseKind `restrict`). */
  guardClause?: boolean;
  /** What the helper's hazard does when it fires (model data), for the message, and the scenario that shows it. */
  consequence?: string;
  scenario?: string;
  /** The index sink this read's value reaches (vma_address, xas_set ..., or a callee that passes it to one). */
  sink?: string;
  /** For mapping reads: the first place the value is used as an address_space pointer; for anon_vma lookups: where the result is dereferenced with no NULL test before. */
  derefBy?: string;
  /** For mapping reads: a dereference of the value only where a test proved it is not the shared encoding (a stale mapping at worst). */
  derefNotShared?: string;
  /** The read value is masked with PAGE_MAPPING_FLAGS (or similar): the code decodes the shared marker itself. */
  decoded?: boolean;
  /**
   * Params (never assigned in the function) that every path to the site tested, and how:
   * `if (locked) folio_anon_vma(folio)` is reached only when `locked` is true, so a caller
   * passing the literal `false` there cannot reach it (exposure.ts).
   */
  paramTruths?: Array<{ param: number; truthy: boolean }>;
  /**
   * Page params proven not FS-DAX on every path here (`if (!folio_lock_anon_vma_read(folio)) return;`).
   * A caller that passes the same page as another of these params (folio and its page) cannot reach the site with it.
   */
  excludedParams?: number[];
  /** Params (and fields below them) compared with named constants on every path to the site (`switch (f->type) case A:`). */
  paramConds?: ParamValueTest[];
  /** Flag bits of params known on every path to the site, or needed by its helper (`gup_must_unshare` needs FOLL_PIN without FOLL_WRITE). */
  paramFlags?: ParamFlags[];
  /** Uses of the value read here, as far as this function (and its callees' summaries) show them. */
  uses?: UseKind[];
  /** Every path here runs only on debug kernels or behind a debugfs test knob. */
  debugOnly?: boolean;
  /** For head pages: the first call that needed one particular page there. */
  identityBy?: string;
  /** For index reads and helpers: the offset is a large folio's head's, where the code started from one page of it. */
  headOffset?: boolean;
  /**
   * For NULL-tested mapping reads: every NULL test of it hands the NULL back to the caller as a
   * failure (the branch only returns an errno, NULL, false or 0 that the other branch does not):
   * the code declines rather than acting on "gone". Also set where the model says the NULL branch does for an
   * FS-DAX folio what the other one does (nullMappingHarmless).
   */
  nullDeclines?: boolean;
}
