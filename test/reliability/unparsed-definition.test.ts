// A fuzz regression (seed 1381101776, case 459): a stray `/*` inside a function's body. The
// skeleton still takes the function's braces for a definition, but neither the definition parsed
// alone nor the whole file's parse has a function definition there. The function is said not
// analysed, as an `unparsed` problem (the input's syntax error, not a fault of the analysis), and
// the rest of the file is analysed as before.
import * as assert from 'assert';
import { auditFiles } from '../../server/src/analysis/audit';
import { allRules } from '../../server/rules/index';

const era = { era: '6.2-6.14', known: true, evidence: 'test' } as const;

const SOURCE = `static void broken(struct folio *folio, int flags)
{
	switch (flags) {
	case A_/*B:
		g(folio);
		break;
	default:
		h(folio);	/* end */
		break;
	}
}

static void after(struct page *page)
{
	pr_info("%p\\n", page->mapping);
}

int memory_failure(unsigned long pfn, int flags)
{
	struct folio *folio = pfn_folio(pfn);

	broken(folio, flags);
	after(&folio->page);
	return 0;
}
`;

describe('a definition no parse makes (fuzz regression)', () => {
  it('is an unparsed problem naming the function, not an internal one, and the rest is analysed', () => {
    const result = auditFiles([{ path: 'mm/x.c', content: SOURCE }], { era, rules: allRules });
    assert.deepStrictEqual(result.problems.map((p) => [p.kind, p.line, p.message]), [
      ['unparsed', 0, 'broken(): not analysed: tree-sitter parses no function definition here (a syntax error in it); its findings are missing'],
    ]);
    assert.deepStrictEqual(result.findings.map((f) => `${f.function}:${f.ruleId}`), ['after:fsdax/mapping-read']);
  });
});
