// fsdax/anon-vma: anon_vma lookups (folio_anon_vma, folio_lock_anon_vma_read
// ...) on a maybe-FS-DAX page. For the 0x1 sentinel the anon_vma computes to
// NULL (fsdax-model.md S6): safe only by accident, and an error when the result
// is dereferenced before a NULL test.
import { defineRule } from '../src/analysis/rule-api';

export default defineRule({
  meta: {
    id: 'fsdax/anon-vma',
    severity: 'warning',
    description: 'anon_vma lookup on a page a shared FS-DAX page can reach',
    explanation: 'anon-vma',
    advice: 'Rule out FS-DAX before looking up an anon_vma: a shared FS-DAX page has none.',
    messages: {
      nullAnonVma: '{{expr}} treats a shared FS-DAX page as anonymous ({{era}}): its anon_vma is 0x1 - PAGE_MAPPING_ANON = NULL; page from {{source}}',
      nullDeref: '{{expr}} is NULL for a shared FS-DAX page ({{era}}: 0x1 - PAGE_MAPPING_ANON) and is dereferenced ({{deref}}) with no NULL test first: an oops; page from {{source}}',
    },
    headlines: {
      nullAnonVma: '{{expr}} is NULL: a shared FS-DAX page taken for anon ({{era}})',
      nullDeref: '{{expr}} is NULL for a shared FS-DAX page and is dereferenced: an oops ({{era}})',
    },
    fixes: {
      nullAnonVma: '{{ruleOut}}; a shared FS-DAX page has no anon_vma',
      nullDeref: '{{ruleOut}}, or test the result for NULL before {{deref}}',
    },
  },
  check(ctx) {
    if (!ctx.hasSentinel) return;
    for (const site of ctx.sites('anon-vma')) {
      if (!site.exposure.mayBeShared) continue;
      // fsdax-model.md §7: an error when the result is dereferenced without a NULL check.
      if (site.derefBy) ctx.report(site, 'nullDeref', { severity: 'error', use: 'deref', data: { deref: `\`${site.derefBy}\`` } });
      // NULL-tested (or unused) the marker decodes to "no anon_vma": harmless unless the result escapes.
      else ctx.report(site, 'nullAnonVma', { use: site.uses?.includes('escape') ? 'escape' : 'decode' });
    }
  },
});
