// fsdax/null-mapping: a maybe-FS-DAX folio's ->mapping tested for NULL where NULL is how a
// shared folio is encoded (6.15+: mapping NULL, owners counted in folio->share). Code written
// for the page cache reads `!folio->mapping` as "truncated, skip it"; for a shared FS-DAX folio
// that skips every owner (no process signalled by memory failure, no writeback or rmap work).
// Which eras encode sharing as NULL is model data (fsdax-model.json sharedEncoding).
import { defineRule } from '../src/analysis/rule-api';

export default defineRule({
  meta: {
    id: 'fsdax/null-mapping',
    severity: 'warning',
    description: 'a NULL ->mapping of a maybe-FS-DAX folio taken as truncated, where NULL means shared (6.15+)',
    explanation: 'null-mapping-skip',
    advice: 'Do not read a NULL mapping as "truncated" for a folio that may be FS-DAX: tell the cases apart with the share count under the DAX entry lock (as `dax_folio_is_shared()` does), or exclude FS-DAX first (`folio_is_fsdax()`), or let the filesystem name the owners (`dax_holder_notify_failure()` → `mf_dax_kill_procs()`).',
    messages: {
      sharedIsNull: '{{expr}} is tested for NULL, but NULL is how a shared FS-DAX folio is encoded ({{era}}: the owners are counted in folio->share), not a truncated one: the path that treats it as gone skips every owner; page from {{source}}',
    },
    headlines: {
      sharedIsNull: '{{expr}} NULL-tested: NULL means a shared FS-DAX folio, not a truncated one ({{era}})',
    },
    fixes: {
      sharedIsNull: 'tell shared from truncated under the DAX entry lock (`dax_folio_is_shared()`), or {{ruleOut}}',
    },
  },
  check(ctx) {
    // Only where the shared encoding is a NULL mapping: the 0x1 marker of 5.19-6.14 passes a NULL test.
    // The NULL test is the hazard here: a branch that drops the owners (not the benign early return it is elsewhere).
    if (!ctx.hasSharedPages || ctx.hasSentinel) return;
    for (const site of ctx.sites('mapping-read')) {
      // A NULL handed back to the caller as a failure (the lock that refuses a shared folio) is declining, which is right.
      if (site.exposure.mayBeShared && (site.uses ?? []).includes('null-test') && !site.nullDeclines) ctx.report(site, 'sharedIsNull', { use: 'branch' });
    }
  },
});
