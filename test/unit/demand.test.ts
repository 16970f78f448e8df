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
    const source = `struct page *lookup_page(unsigned long start)
{
	struct page *pages[1];

	if (get_user_pages(start, 1, 0, pages) != 1)
		return NULL;
	return pages[0];
}
`;
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
});
