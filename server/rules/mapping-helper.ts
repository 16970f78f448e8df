// fsdax/mapping-helper: helpers that read page->mapping/index inside
// (folio_mapping, page_address_in_vma, rmap_walk ...) called on a maybe-FS-DAX
// page without a filesystem guarantee. folio_mapping masks the sentinel to NULL.
import { defineRule } from '../src/analysis/rule-api';

/** These return NULL for the shared marker, so sharing alone is no hazard; a truncate race still is. */
const MASKING_HELPERS = new Set(['folio_mapping', 'page_mapping', 'folio_file_mapping', 'page_file_mapping', 'page_mapping_file', 'folio_flush_mapping']);

export default defineRule({
  meta: {
    id: 'fsdax/mapping-helper',
    severity: 'warning',
    description: 'mapping/rmap helper called on an FS-DAX page without a filesystem guarantee',
    explanation: 'page-address-in-vma',
    advice: 'Call the helper only under a filesystem guarantee (`dax_lock_folio()`), or route through the filesystem\'s notify_failure path.',
    messages: {
      shared: '{{expr}} derives ownership from page fields of a possibly shared FS-DAX page ({{era}}): only the filesystem knows its owners; page from {{source}}',
      truncateRace: '{{expr}} reads page ownership with nothing stopping truncate from freeing this FS-DAX page ({{era}}); page from {{source}}',
    },
    headlines: {
      shared: '{{expr}} looks up the owners of a maybe-shared FS-DAX page ({{era}})',
      truncateRace: '{{expr}} reads page ownership with no lock holding off truncate ({{era}})',
    },
    fixes: {
      shared: '{{ruleOut}}',
      truncateRace: '{{ruleOut}}, or call it under the DAX entry lock (`dax_lock_folio()`)',
    },
  },
  check(ctx) {
    for (const site of ctx.sites('mapping-helper')) {
      const { mayBeShared, guaranteed } = site.exposure;
      const masks = MASKING_HELPERS.has(site.helper ?? '');
      // A helper whose body the analysis read reports its own reads, on the path through this call.
      const use = site.helperAnalysed ? 'call' : 'escape';
      if (mayBeShared && ctx.hasSharedPages && !masks) ctx.report(site, 'shared', { use });
      // fsdax-model.md §7: the masking helpers are info; they cannot return the marker, only a stale mapping.
      else if (!guaranteed) ctx.report(site, 'truncateRace', masks ? { severity: 'info', use, needsRace: true } : { use, needsRace: true });
    }
  },
});
