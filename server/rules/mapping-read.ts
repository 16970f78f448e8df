// fsdax/mapping-read: page/folio ->mapping read where an FS-DAX page arrives
// without a filesystem guarantee. From 5.19 a shared page's mapping is the
// 0x1 sentinel (6.15+: NULL); without an entry lock truncate can free the inode.
import { defineRule } from '../src/analysis/rule-api';

export default defineRule({
  meta: {
    id: 'fsdax/mapping-read',
    severity: 'warning',
    description: 'page/folio ->mapping read reachable by an FS-DAX page without a filesystem guarantee',
    explanation: 'shared-mapping',
    advice: 'Prove the page is not FS-DAX first (`is_zone_device_page()`, `pfn_to_online_page()`, `pte_devmap()`), or read it inside `dax_lock_folio()` … `dax_unlock_folio()`.',
    messages: {
      sentinel: '{{expr}} may read the shared-page marker 0x1 (PAGE_MAPPING_DAX_*), not an address_space, for a shared FS-DAX page ({{era}}); page from {{source}}',
      sharedNull: '{{expr}} reads NULL for a shared FS-DAX folio ({{era}}: the owners are known only to the filesystem); page from {{source}}',
      truncateRace: '{{expr}} may read a stale or freed address_space: nothing stops truncate from freeing this FS-DAX page ({{era}}); page from {{source}}',
    },
    headlines: {
      sentinel: '{{expr}} is 0x1 for a shared FS-DAX page, not an address_space ({{era}})',
      sharedNull: '{{expr}} is NULL for a shared FS-DAX folio, which names no owner ({{era}})',
      truncateRace: '{{expr}} may be stale or freed: no lock holds this FS-DAX page ({{era}})',
    },
    fixes: {
      sentinel: '{{ruleOut}}',
      sharedNull: '{{ruleOut}}',
      truncateRace: '{{ruleOut}}, or hold the DAX entry lock (`dax_lock_folio()`) while using it',
    },
  },
  check(ctx) {
    for (const site of ctx.sites('mapping-read')) {
      // A dereferenced read is fsdax/mapping-deref's, unless the code masked the value with
      // PAGE_MAPPING_FLAGS first (it then decodes the marker, often as "anon": still a read to report).
      if ((site.derefBy || site.derefNotShared) && !site.decoded) continue;
      // A lookup's answer (folio_mapping() where NULL means shared) is read for its NULL, which is fsdax/null-mapping's.
      if (site.helper) continue;
      const { mayBeShared, guaranteed } = site.exposure;
      const uses = site.uses ?? [];
      // 6.15+: a NULL test of a maybe-shared folio's mapping is fsdax/null-mapping's; a re-read that only
      // rechecks an earlier read (a retry loop) sees NULL, retries and gives up at the NULL test.
      if (mayBeShared && ctx.hasSharedPages && !ctx.hasSentinel && (uses.includes('null-test') || (uses.length > 0 && uses.every((u) => u === 'recheck')))) continue;
      // Masked with the mapping flag bits, the code decodes the marker itself: whatever it does next runs on what it decoded.
      const use = site.decoded ? 'decode' : undefined;
      if (mayBeShared && ctx.hasSharedPages) ctx.report(site, ctx.hasSentinel ? 'sentinel' : 'sharedNull', { use });
      else if (!guaranteed) ctx.report(site, 'truncateRace', { needsRace: true, use });
    }
  },
});
