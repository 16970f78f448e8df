// fsdax/index-read: page/folio ->index (->share) and index helpers
// (folio_index, page_to_pgoff, folio_pos ...) on an FS-DAX page without a
// filesystem guarantee. From 5.19 a shared page's index is a share count.
import { defineRule } from '../src/analysis/rule-api';

export default defineRule({
  meta: {
    id: 'fsdax/index-read',
    severity: 'warning',
    description: 'page/folio index read reachable by an FS-DAX page without a filesystem guarantee',
    explanation: 'shared-index',
    advice: 'Get the file offset from the filesystem (the DAX entry / `dax_lock_mapping_entry()`), not from `page->index`; for a shared page every owner has its own offset.',
    messages: {
      shareCount: '{{expr}} reads a share count, not a file offset, for a shared FS-DAX page ({{era}}); page from {{source}}',
      truncateRace: '{{expr}} may read a stale offset: nothing stops truncate from freeing this FS-DAX page ({{era}}); page from {{source}}',
    },
    headlines: {
      shareCount: '{{expr}} is a share count, not an offset, on shared FS-DAX pages ({{era}})',
      truncateRace: '{{expr}} may be a stale offset: no lock holds this FS-DAX page ({{era}})',
    },
    fixes: {
      shareCount: '{{ruleOut}}; each owner of a shared page has its own offset',
      truncateRace: '{{ruleOut}}, or read the offset under the DAX entry lock (`dax_lock_folio()`)',
    },
  },
  check(ctx) {
    for (const site of ctx.sites('index-read', 'index-helper')) {
      const { mayBeShared, guaranteed } = site.exposure;
      // An offset fed straight to vma_address/xas_set/unmap_mapping_range acts on the wrong place.
      const severity = site.sink ? 'error' : undefined;
      if (mayBeShared && ctx.hasSharedPages) ctx.report(site, 'shareCount', { severity });
      else if (!guaranteed) ctx.report(site, 'truncateRace', { severity, needsRace: true });
    }
  },
});
