// fsdax/mapping-deref: an FS-DAX page's ->mapping read whose value is then used
// as an address_space pointer (->host, ->i_pages, dax_mapping(),
// i_mmap_lock_read() ..., here or in a callee). Reported at the read. For a
// shared page in 5.19-6.14 that pointer is 0x1: an oops (fsdax-model.md 3b).
import { defineRule } from '../src/analysis/rule-api';

export default defineRule({
  meta: {
    id: 'fsdax/mapping-deref',
    severity: 'warning',
    description: 'an FS-DAX page\'s mapping dereferenced as an address_space without a filesystem guarantee',
    explanation: 'shared-mapping',
    advice: 'Do not use the value as an `address_space` unless the filesystem owns the page: take the DAX entry lock (`dax_lock_folio()`) and check for the shared marker, or let the filesystem notify (`dax_holder_notify_failure`).',
    messages: {
      sentinelDeref: '{{expr}} is used as an address_space ({{deref}}) but is the 0x1 sentinel for a shared FS-DAX page ({{era}}): a read at address 0x1; page from {{source}}',
      nullDeref: '{{expr}} is used as an address_space ({{deref}}) but is NULL for a shared FS-DAX folio ({{era}}); page from {{source}}',
      useAfterFree: '{{expr}} is used as an address_space ({{deref}}) without a filesystem guarantee: truncate may have freed the inode ({{era}}); page from {{source}}',
    },
    headlines: {
      sentinelDeref: '{{deref}} dereferences {{expr}}, 0x1 on a shared FS-DAX page ({{era}})',
      nullDeref: '{{deref}} dereferences {{expr}}, NULL on a shared FS-DAX folio ({{era}})',
      useAfterFree: '{{deref}} uses {{expr}}, which truncate may have freed ({{era}})',
    },
    fixes: {
      sentinelDeref: '{{ruleOut}}',
      nullDeref: '{{ruleOut}}',
      useAfterFree: '{{ruleOut}}, or hold the DAX entry lock (`dax_lock_folio()`) across {{deref}}',
    },
  },
  check(ctx) {
    for (const site of ctx.sites('mapping-read')) {
      if (site.decoded || !(site.derefBy || site.derefNotShared)) continue; // masked first: the deref runs on the not-marker path
      // 6.15+: a NULL-tested read is dereferenced past the test, where it is a single owner's mapping;
      // the NULL branch (the shared folio) is fsdax/null-mapping's.
      if (!ctx.hasSentinel && (site.uses ?? []).includes('null-test') && site.exposure.mayBeShared) continue;
      // Dereferenced only where a test proved the value is not the shared encoding: a stale mapping at worst.
      if (!site.derefBy) {
        if (!site.exposure.guaranteed) ctx.report(site, 'useAfterFree', { use: 'deref', needsRace: true, data: { deref: `\`${site.derefNotShared}\`` } });
        continue;
      }
      const { mayBeShared, guaranteed } = site.exposure;
      const data = { deref: `\`${site.derefBy}\`` };
      if (mayBeShared && ctx.hasSentinel) ctx.report(site, 'sentinelDeref', { severity: 'error', use: 'deref', data });
      else if (mayBeShared && ctx.hasSharedPages) ctx.report(site, 'nullDeref', { use: 'deref', data });
      else if (!guaranteed) ctx.report(site, 'useAfterFree', { use: 'deref', needsRace: true, data });
    }
  },
});
