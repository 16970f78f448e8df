// analysis layer: what the dataflow records at each place a maybe-FS-DAX value
// is used in a way a rule may care about.
import type { Fact } from './facts';
import type { SiteKind } from '../model/types';

export type RawSiteKind = SiteKind | 'mapping-read' | 'index-read';

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
  /** The index sink this read's value reaches (vma_address, xas_set ..., or a callee that passes it to one). */
  sink?: string;
  /** For mapping reads: the first place the value is used as an address_space pointer; for anon_vma lookups: where the result is dereferenced with no NULL test before. */
  derefBy?: string;
  /** The read value is masked with PAGE_MAPPING_FLAGS (or similar): the code decodes the shared marker itself. */
  decoded?: boolean;
  /**
   * Params (never assigned in the function) that every path to the site tested, and how:
   * `if (locked) folio_anon_vma(folio)` is reached only when `locked` is true, so a caller
   * passing the literal `false` there cannot reach it (exposure.ts).
   */
  paramTruths?: Array<{ param: number; truthy: boolean }>;
}
