// fsdax/anon-test: folio_test_anon / PageAnon (and KSM/movable tests that
// decode mapping bits) choosing a path for a maybe-FS-DAX page. In 5.19-6.14 a
// shared FS-DAX page passes the anon test (0x1 == PAGE_MAPPING_ANON).
import { defineRule } from '../src/analysis/rule-api';

/** A consequence's outcome, for the headline: its last clause ("...: the pinning task livelocks"). */
function outcomeOf(consequence: string): string {
  return consequence.slice(consequence.lastIndexOf(': ') + 1).trim();
}

export default defineRule({
  meta: {
    id: 'fsdax/anon-test',
    severity: 'warning',
    description: 'anon test on a page an FS-DAX page can reach: shared FS-DAX pages pass it in 5.19-6.14',
    explanation: 'anon-test',
    advice: 'Rule out FS-DAX before testing anon-ness: a shared FS-DAX page looks anonymous while its mapping is the 0x1 marker.',
    messages: {
      sentinelIsAnon: '{{expr}} is true for a shared FS-DAX page ({{era}}: mapping is the 0x1 sentinel, equal to PAGE_MAPPING_ANON), so an anon-only path runs; page from {{source}}',
      sentinelConsequence: '{{expr}} takes a shared FS-DAX page for anon ({{era}}: mapping is the 0x1 sentinel, equal to PAGE_MAPPING_ANON): {{consequence}}; page from {{source}}',
    },
    headlines: {
      sentinelIsAnon: '{{expr}} takes a shared FS-DAX page (mapping 0x1) for anon ({{era}})',
      sentinelConsequence: '{{expr}} on a shared FS-DAX page: {{outcome}} ({{era}})',
    },
    fixes: {
      sentinelIsAnon: '{{ruleOut}}',
      sentinelConsequence: '{{ruleOut}}',
    },
  },
  check(ctx) {
    // Only the 0x1 marker makes an FS-DAX page look anonymous. Where a shared folio's mapping is
    // NULL (6.15+) the test answers false, which is right: the folio is a file folio, and what the
    // file path then reads from it is reported by the mapping/index rules.
    if (!ctx.hasSentinel) return;
    for (const site of ctx.sites('anon-test')) {
      if (!site.exposure.mayBeShared) continue;
      // An earlier anon test on every path already chose this page's path; that one is reported.
      if (site.exposure.anonTested) continue;
      // A guard clause (`if (!anon) return;`) only lets the page on: the code after it reports its own reads.
      const use = site.guardClause ? 'restrict' : 'branch';
      if (site.consequence) ctx.report(site, 'sentinelConsequence', { use, explanation: site.scenario, data: { consequence: site.consequence, outcome: outcomeOf(site.consequence) } });
      else ctx.report(site, 'sentinelIsAnon', { use });
    }
  },
});
