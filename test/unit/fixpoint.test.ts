// The demand-driven fixpoint (program.ts) runs a caller again when a callee's summary arrives.
// A first summary that says nothing is what the caller assumed without one, unless the caller
// let a value escape into that callee for want of a summary: these tests pin both halves, on
// invented names. (Findings do not show the difference: a read with no use is reported as an
// escape anyway; the site's recorded uses and the number of analyses do.)
import * as assert from 'assert';
import { ProgramAnalyzer } from '../../server/src/analysis/program';
import { programFilesFromParsed } from '../../server/src/analysis/program-files';
import { defaultModel, indexModel } from '../../server/src/model/model';
import { parseSource } from '../../server/src/parse/parser';

const model = indexModel(defaultModel(), '6.2-6.14');

function analyse(text: string): ProgramAnalyzer {
  const analyzer = new ProgramAnalyzer(programFilesFromParsed([parseSource('mm/fixpoint.c', text)]), model);
  analyzer.run(analyzer.seeds());
  return analyzer;
}

describe('fixpoint: what a callee\'s first summary brings back', () => {
  it('a caller that let a value escape into a callee with no summary yet is analysed again, and the escape goes', () => {
    const analyzer = analyse(`
static void note_owner(struct address_space *mapping)
{
	nr_noted++;
}

int memory_failure(unsigned long pfn, int flags)
{
	struct folio *folio = pfn_folio(pfn);

	note_owner(folio->mapping);
	return 0;
}
`);
    const site = analyzer.result().sites.find((s) => s.function === 'memory_failure' && s.kind === 'mapping-read');
    assert.ok(site, 'the mapping read is a site');
    // Before note_owner() was analysed the value escaped into it; its summary says it does nothing with it.
    assert.deepStrictEqual(site.uses ?? [], []);
    assert.strictEqual(analyzer.analyses, 3, 'memory_failure, note_owner, memory_failure again');
  });

  it('a caller that handed a callee nothing that could escape is not analysed again for a summary that says nothing', () => {
    const analyzer = analyse(`
static void note_folio(struct folio *folio)
{
	nr_noted++;
}

int memory_failure(unsigned long pfn, int flags)
{
	struct folio *folio = pfn_folio(pfn);

	note_folio(folio);
	pr_info("%p\\n", folio->mapping);
	return 0;
}
`);
    assert.ok(analyzer.result().sites.some((s) => s.function === 'memory_failure' && s.kind === 'mapping-read'));
    assert.strictEqual(analyzer.analyses, 2, 'memory_failure, then note_folio; nothing in memory_failure depended on its absence');
  });

  it('a callee whose summary says something brings its caller back', () => {
    const analyzer = analyse(`
static void drop_range(struct address_space *mapping)
{
	unmap_mapping_range(mapping, 0, 1, 0);
}

int memory_failure(unsigned long pfn, int flags)
{
	struct folio *folio = pfn_folio(pfn);

	drop_range(folio->mapping);
	return 0;
}
`);
    const site = analyzer.result().sites.find((s) => s.function === 'memory_failure' && s.kind === 'mapping-read');
    assert.ok(site?.uses?.includes('deref'), `uses: ${site?.uses}`);
    assert.strictEqual(analyzer.analyses, 3);
  });
});

describe('fixpoint: what is not analysed again', () => {
  // memory_failure() hands its folio to both; lookup_other() returns a page of its own (from a
  // source), so the files calling it are opened for callers, and it is a starting point itself (it
  // calls a source). Analyses: memory_failure, lookup_other, check_other (which reads
  // lookup_other's new summary), memory_failure again (that summary changed under it). Neither the
  // callers found in the opened file, analysed since that summary (lookup_other itself among them:
  // its name is in its text), nor lookup_other as a starting point, analysed already as a callee,
  // is analysed again: that would read nothing new (before: 8 analyses).
  const text = `
int memory_failure(unsigned long pfn, int flags)
{
	struct folio *folio = pfn_folio(pfn);

	lookup_other(folio);
	check_other(folio);
	return 0;
}

struct page *lookup_other(struct folio *folio)
{
	return follow_page(folio_vma(folio), 0, 0);
}

void check_other(struct folio *folio)
{
	struct page *other = lookup_other(folio);

	pr_info("%p\\n", other->mapping);
}
`;

  it('callers analysed since a callee\'s summary changed, and starting points analysed as callees, are not analysed again', () => {
    const analyzer = analyse(text);
    const sites = analyzer.result().sites.filter((s) => s.kind === 'mapping-read').map((s) => s.function);
    assert.deepStrictEqual(sites, ['check_other']);
    assert.strictEqual(analyzer.analyses, 4, 'memory_failure, lookup_other, check_other, memory_failure again');
  });
});

describe('fixpoint: a name defined twice', () => {
  // foo() is defined in two files; a caller binds to both and takes what they agree on. (Which one
  // is analysed first depends on the queue; program.ts also brings the caller back when the one
  // analysed last says nothing, a case this small program does not reach.)
  const files = {
    // NULL for every FS-DAX folio (past an LRU test).
    'mm/a.c': `
struct owner *foo(struct folio *folio)
{
	if (!folio_test_lru(folio))
		return NULL;
	return lookup_owner(folio);
}
`,
    // Says nothing, so the two do not agree on NULL.
    'mm/b.c': `
struct owner *foo(struct folio *folio)
{
	return lookup_owner(folio);
}
`,
    'mm/u.c': `
int memory_failure(unsigned long pfn, int flags)
{
	struct folio *folio = pfn_folio(pfn);

	if (!foo(folio))
		return 0;
	pr_info("%lu\\n", folio->index);
	return 0;
}
`,
  };

  it('a caller bound to both takes what both say: the NULL test proves nothing when one says nothing', () => {
    const analyzer = new ProgramAnalyzer(programFilesFromParsed(Object.entries(files).map(([p, t]) => parseSource(p, t))), model);
    analyzer.run(analyzer.seeds());
    const read = analyzer.result().sites.find((s) => s.function === 'memory_failure' && s.kind === 'index-read');
    assert.ok(read, 'with b.c\'s foo() the NULL test proves nothing: the read is a site');
  });

  it('with one definition the same caller holds no FS-DAX folio past the test (the test above can fail)', () => {
    const one = { 'mm/a.c': files['mm/a.c'], 'mm/u.c': files['mm/u.c'] };
    const analyzer = new ProgramAnalyzer(programFilesFromParsed(Object.entries(one).map(([p, t]) => parseSource(p, t))), model);
    analyzer.run(analyzer.seeds());
    assert.ok(!analyzer.result().sites.some((s) => s.function === 'memory_failure' && s.kind === 'index-read'));
  });
});
