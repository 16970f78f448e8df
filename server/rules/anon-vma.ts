// fsdax/anon-vma: anon_vma lookups (folio_anon_vma, folio_lock_anon_vma_read
// ...) on a maybe-FS-DAX page. For the 0x1 sentinel the anon_vma computes to
// NULL (fsdax-model.md S6): safe only by accident, wrong if dereferenced.
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
    },
  },
  check(ctx) {
    if (!ctx.hasSentinel) return;
    for (const site of ctx.sites('anon-vma')) {
      if (site.exposure.mayBeShared) ctx.report(site, 'nullAnonVma');
    }
  },
});
