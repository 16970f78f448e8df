// fsdax/which-page: from 6.15 a PMD/PUD entry maps one compound FS-DAX folio. Code that starts
// from one page of it (a failing pfn, a faulting address) and then uses the folio's head page
// (`&folio->page`, `folio_pfn()`) or head offset (`folio->index`, `folio_pgoff()`) where that page
// is meant acts on the head: it marks, unmaps and signals for the wrong page. Which eras have large
// FS-DAX folios, and which calls name one particular page, is model data (pageIdentity).
import { defineRule } from '../src/analysis/rule-api';

export default defineRule({
  meta: {
    id: 'fsdax/which-page',
    severity: 'warning',
    description: 'a large folio\'s head page or head offset used where the code meant one particular page of it',
    explanation: 'which-page',
    advice: 'Keep the page you started from: `page = pfn_to_page(pfn)` and `folio = page_folio(page)`, then pass `page` where one page is meant and use `page_pgoff(folio, page)`, not `folio->index`, for its offset. From an entry lookup, step from its first page to the one at the index (`folio_page(page_folio(page), index - folio->index)`).',
    messages: {
      headPage: '{{expr}} is the head page of a possibly large FS-DAX folio ({{era}}), used where one page of it is meant ({{how}}); page from {{source}}',
      entryHead: '{{expr}} gives the first page of the DAX entry (a PMD entry\'s first page), used where the page at that index is meant ({{how}})',
      headOffset: '{{expr}} is the head\'s offset of a possibly large FS-DAX folio ({{era}}), used as the offset of one page of it; page from {{source}}',
    },
    headlines: {
      headPage: '{{expr}} is a large folio\'s head page, not the page this code started from ({{era}})',
      entryHead: '{{expr}} gives the entry\'s first page, not the page at the index ({{era}})',
      headOffset: '{{expr}} is a large folio\'s head offset, not the offset of the page meant ({{era}})',
    },
    fixes: {
      headPage: 'pass the page the code started from (`pfn_to_page(pfn)`), and `page_folio()` of it for the folio',
      entryHead: 'step to the page at the index: `folio_page(page_folio(page), index - page_folio(page)->index)`',
      headOffset: 'use that page\'s own offset, `page_pgoff(folio, page)`, not the folio\'s index',
    },
  },
  check(ctx) {
    // Which page is meant does not depend on sharing: a race elsewhere on the path does not make this one.
    for (const site of ctx.sites('head-page')) {
      const uses = site.uses ?? [];
      if (uses.includes('identity')) ctx.report(site, site.helper ? 'entryHead' : 'headPage', { use: 'identity', confidence: 'high', data: { how: site.identityBy ?? 'as that page' } });
    }
    for (const site of ctx.sites('index-read', 'index-helper')) {
      if (site.headOffset && (site.uses ?? []).includes('offset')) ctx.report(site, 'headOffset', { use: 'offset', confidence: 'high' });
    }
  },
});
