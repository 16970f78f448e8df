import * as assert from 'assert';
import { parseSource } from '../../server/src/parse/parser';
import { TypeIndex } from '../../server/src/analysis/types';
import { pageFieldAccesses } from '../../server/src/analysis/field-access';

describe('type awareness', () => {
  const header = parseSource('include/linux/mm_types.h', [
    'struct vm_fault { struct vm_area_struct *vma; struct page *page; unsigned long address; };',
    'struct tracker { struct folio *folio; unsigned long index; };',
    'struct page *lookup_page(unsigned long key);',
  ].join('\n'));
  const code = parseSource('mm/t.c', [
    'static struct folio *cached;',
    'static struct folio *grab(void) { return cached; }',
    'void f(struct page *page, struct vm_fault *vmf, struct tracker *t, void *p, struct file *file)',
    '{',
    '\tstruct folio *folio = page_folio(page);',
    '\tunsigned long a = page->index;',        // param
    '\tunsigned long b = folio->index;',       // local
    '\tunsigned long c = vmf->page->index;',   // struct member from the header
    '\tunsigned long d = t->folio->index;',    // nested member
    '\tunsigned long e = ((struct page *)p)->index;', // cast
    '\tunsigned long g = pfn_to_page(1)->index;',     // model helper
    '\tunsigned long h = lookup_page(2)->index;',     // prototype
    '\tunsigned long i = grab()->mapping ? 1 : 0;',   // definition\'s return type
    '\tunsigned long j = cached->index;',             // global
    '\tunsigned long k = folio->page.index;',         // folio->page
    '\tunsigned long l = t->index;',                  // not a page
    '\tunsigned long m = file->f_mapping ? 0 : 1;',   // not page->mapping
    '\tpage->mapping = NULL;',                        // a write
    '}',
  ].join('\n'));
  const types = new TypeIndex([header, code]);
  const accesses = pageFieldAccesses(code, types);

  it('confirms page/folio receivers through params, locals, members, casts, helpers, prototypes and globals', () => {
    const seen = accesses.filter((a) => !a.isWrite).map((a) => `${a.node.text}:${a.pageType}`);
    assert.deepStrictEqual(seen, [
      'page->index:page', 'folio->index:folio', 'vmf->page->index:page', 't->folio->index:folio',
      '((struct page *)p)->index:page', 'pfn_to_page(1)->index:page', 'lookup_page(2)->index:page',
      'grab()->mapping:folio', 'cached->index:folio', 'folio->page.index:page',
    ]);
  });

  it('tells writes from reads', () => {
    assert.deepStrictEqual(accesses.filter((a) => a.isWrite).map((a) => a.node.text), ['page->mapping']);
  });
});
