// fsdax/dax-lock-shared: dax_lock_folio()/dax_lock_page() on a page not known
// to be single-owner. In 5.19-6.14 it reads mapping 0x1 of a shared page and
// dax_mapping(0x1) dereferences ->host: an oops (fsdax-model.md 3b, S5).
import { defineRule } from '../src/analysis/rule-api';

export default defineRule({
  meta: {
    id: 'fsdax/dax-lock-shared',
    severity: 'error',
    description: 'dax_lock_folio/dax_lock_page on a page that may be a shared FS-DAX page',
    explanation: 'memory-failure-fallback',
    advice: 'A shared page has no single owner to lock; handle shared pages through the filesystem (`mf_dax_kill_procs`) instead.',
    messages: {
      sentinelLock: '{{expr}} on a possibly shared FS-DAX page ({{era}}) reads mapping 0x1 and dereferences it in dax_mapping(); get {mapping, index} from the filesystem instead; page from {{source}}',
      sentinelUnlock: '{{expr}} on a possibly shared FS-DAX page ({{era}}) reads mapping 0x1 and index (a share count) to find the entry to unlock; page from {{source}}',
    },
    headlines: {
      sentinelLock: '{{expr}} on a maybe-shared FS-DAX page dereferences mapping 0x1 ({{era}})',
      sentinelUnlock: '{{expr}} reads mapping 0x1 of a maybe-shared FS-DAX page ({{era}})',
    },
    fixes: {
      sentinelLock: 'leave shared pages to the filesystem (`dax_holder_notify_failure()` → `mf_dax_kill_procs()`); do not lock them here',
      sentinelUnlock: 'unlock what was locked: keep {mapping, index} from `dax_lock_folio()`, or leave shared pages to the filesystem (`mf_dax_kill_procs()`)',
    },
  },
  check(ctx) {
    if (!ctx.hasSentinel) return;
    for (const site of ctx.sites('dax-lock')) {
      // The lock dereferences the marker itself (the model's dereferencesSharedMarker): a deref.
      if (site.exposure.mayBeShared) ctx.report(site, /unlock/.test(site.helper ?? '') ? 'sentinelUnlock' : 'sentinelLock', { use: 'deref' });
    }
  },
});
