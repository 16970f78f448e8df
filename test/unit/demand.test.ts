// The analysis is demand-driven: it parses only the files whose functions can see
// a maybe-FS-DAX value. These tests pin down what it must not open, since a
// whole-kernel scan finishes in minutes only because of it (docs/reliability.md).
import * as assert from 'assert';
import { AuditSession } from '../../server/src/analysis/audit';
import type { AuditOptions } from '../../server/src/analysis/audit-types';
import { allRules } from '../../server/rules/index';

const options: AuditOptions = { era: { era: '6.2-6.14', known: true, evidence: 'test' }, rules: allRules };

const seed = `#include <linux/mm.h>
struct page *pass_page(struct page *page);

void reader(unsigned long start)
{
	struct page *pages[1];
	struct page *p;

	if (get_user_pages(start, 1, 0, pages) != 1)
		return;
	p = pass_page(pages[0]);
	pr_info("%p\\n", p->mapping);
}
`;

const passThrough = `struct page *pass_page(struct page *page)
{
	return page;
}
`;

/** Callers that pass nothing FS-DAX: a return built from the param gives them nothing. */
const unrelatedCaller = (i: number) => `void unrelated_${i}(void)
{
	pass_page(NULL);
}
`;

/** A function returning a page from a source (GUP). */
const pageSource = (name: string) => `struct page *${name}(unsigned long start)
{
	struct page *pages[1];

	if (get_user_pages(start, 1, 0, pages) != 1)
		return NULL;
	return pages[0];
}
`;

function audit(extra: Record<string, string>) {
  const session = new AuditSession(options);
  session.setFile('mm/seed.c', seed);
  session.setFile('lib/pass.c', passThrough);
  for (const [p, t] of Object.entries(extra)) session.setFile(p, t);
  return session.audit();
}

describe('demand-driven analysis', () => {
  it('does not open the callers of a function whose return is built from its params', () => {
    const callers = Object.fromEntries([1, 2, 3, 4].map((i) => [`drivers/d${i}.c`, unrelatedCaller(i)]));
    const result = audit(callers);
    const reads = result.findings.filter((f) => f.function === 'reader').map((f) => f.expr);
    assert.deepStrictEqual(reads, ['p->mapping'], 'the read through pass_page() is found');
    assert.strictEqual(result.stats.parsedFiles, 2, 'only mm/seed.c and lib/pass.c are parsed');
  });

  it('still opens the callers of a function that returns a page from a source', () => {
    const source = pageSource('lookup_page');
    const caller = `struct page *lookup_page(unsigned long start);

void user(unsigned long start)
{
	struct page *p = lookup_page(start);

	pr_info("%p\\n", p->mapping);
}
`;
    const result = audit({ 'lib/lookup.c': source, 'drivers/user.c': caller });
    assert.ok(result.findings.some((f) => f.function === 'user' && f.expr === 'p->mapping'), JSON.stringify(result.findings.map((f) => [f.function, f.expr])));
  });

  it('does not open a header for a call that passes it no FS-DAX value, and still sees a page returned by a function analysed later', () => {
    // A static inline in a header binds from every file; tally() passes it nothing FS-DAX.
    const counter = `static inline int count_things(int n)
{
	return n + 1;
}
`;
    const source = pageSource('first_user_page');
    // A seed itself, and first in path order: analysed before first_user_page(), whose summary
    // does not exist yet then; the read is found because that function, once analysed, brings
    // its callers in again.
    const caller = `struct page *first_user_page(unsigned long start);

void tally(unsigned long start)
{
	struct page *pages[1];
	int n = count_things(3);
	struct page *p = first_user_page(start);

	if (get_user_pages(start, 1, 0, pages) != 1)
		return;
	pr_info("%d %p %p\\n", n, p->mapping, pages[0]);
}
`;
    const session = new AuditSession(options);
    session.setFile('include/linux/counter.h', counter);
    session.setFile('lib/first.c', source);
    session.setFile('drivers/a/tally.c', caller);
    const result = session.audit();
    assert.ok(result.findings.some((f) => f.function === 'tally' && f.expr === 'p->mapping'), JSON.stringify(result.findings.map((f) => [f.function, f.expr])));
    assert.strictEqual(result.stats.parsedFiles, 2, 'tally.c and first.c; counter.h is not opened');
  });

  it('binds generic code to the static inlines of the build architecture\'s headers only', () => {
    const header = (arch: string) => `static inline void note_${'page'}(struct page *page)
{
	pr_info("${arch} %lu\\n", page->index);
}
`;
    const caller = `void walker(unsigned long start)
{
	struct page *pages[1];

	if (get_user_pages(start, 1, 0, pages) != 1)
		return;
	note_page(pages[0]);
}
`;
    const files = (arch?: string) => {
      const session = new AuditSession({ ...options, arch });
      session.setFile('arch/x86/include/asm/note.h', header('x86'));
      session.setFile('arch/arm64/include/asm/note.h', header('arm64'));
      session.setFile('mm/walker.c', caller);
      return session.audit().findings.map((f) => f.file).sort();
    };
    assert.deepStrictEqual(files(), ['arch/x86/include/asm/note.h'], 'x86 by default');
    assert.deepStrictEqual(files('arm64'), ['arch/arm64/include/asm/note.h']);
  });
});

