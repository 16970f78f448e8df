// noFsdaxParams (model data): a param an FS-DAX page never reaches starts with no maybe-FS-DAX
// value, so what the function reads of it is no site, and what it passes on carries nothing.
// Invented names; the model entry is added the way a user's model file would add it.
import * as assert from 'assert';
import { ProgramAnalyzer } from '../../server/src/analysis/program';
import { programFilesFromParsed } from '../../server/src/analysis/program-files';
import { defaultModel, indexModel, mergeModel } from '../../server/src/model/model';
import { parseSource } from '../../server/src/parse/parser';

const TEXT = `
static void check_pool_page(struct page *page)
{
	pr_info("%p\\n", page->mapping);
}

void release_to_pool(struct page *page, unsigned int order)
{
	pr_info("%lu %u\\n", page->index, order);
	check_pool_page(page);
}

int memory_failure(unsigned long pfn, int flags)
{
	struct page *page = pfn_to_page(pfn);

	pr_info("%p\\n", page->mapping);
	release_to_pool(page, 0);
	return 0;
}
`;

function sitesIn(extension?: unknown): string[] {
  const model = extension ? mergeModel(defaultModel(), extension, 'test-model.json').model : defaultModel();
  const analyzer = new ProgramAnalyzer(programFilesFromParsed([parseSource('mm/pool.c', TEXT)]), indexModel(model, '6.2-6.14'));
  analyzer.run(analyzer.seeds());
  return analyzer.result().sites.filter((s) => !!s.exposure).map((s) => `${s.function}:${s.kind}`).sort();
}

describe('noFsdaxParams', () => {
  it('a param listed as never FS-DAX takes no page in, nor passes one on; the caller\'s own read stays', () => {
    const all = sitesIn();
    assert.deepStrictEqual(all, ['check_pool_page:mapping-read', 'memory_failure:mapping-read', 'release_to_pool:index-read']);
    const pruned = sitesIn({ noFsdaxParams: { functions: [{ function: 'release_to_pool', params: [0], why: 'test' }] } });
    assert.deepStrictEqual(pruned, ['memory_failure:mapping-read']);
  });
});
