// nullMappingHarmless (model data): in a function where a NULL mapping does for an FS-DAX folio
// what a mapping would, its NULL tests are no fsdax/null-mapping hazard: a branch, and an answer
// kept as a value (`mapping && ...`, `!mapping`), which declines nothing by itself. Invented names;
// the model entry is added the way a user's model file would add it.
import * as assert from 'assert';
import { ProgramAnalyzer } from '../../server/src/analysis/program';
import { programFilesFromParsed } from '../../server/src/analysis/program-files';
import { defaultModel, indexModel, mergeModel } from '../../server/src/model/model';
import { parseSource } from '../../server/src/parse/parser';

const TEXT = `
static bool needs_cleanup(struct folio *folio)
{
	struct address_space *mapping = folio_mapping(folio);

	return folio_test_private(folio) || (mapping && mapping_cleanup_always(mapping));
}

static bool owner_gone(struct folio *folio)
{
	struct address_space *mapping = folio_mapping(folio);

	return !mapping;
}

static void note_owner(struct folio *folio)
{
	if (!folio->mapping)
		return;
	pr_info("owned\\n");
}

int memory_failure(unsigned long pfn, int flags)
{
	struct folio *folio = pfn_folio(pfn);

	note_owner(folio);
	if (needs_cleanup(folio))
		return 1;
	return owner_gone(folio) ? 2 : 0;
}
`;

/** The functions with a NULL-tested mapping read that does not decline, as the rule would report them. */
function nullHazardsIn(harmless: string[]): string[] {
  const extension = { nullMappingHarmless: { functions: harmless.map((f) => ({ function: f, why: 'test' })) } };
  const model = harmless.length > 0 ? mergeModel(defaultModel(), extension, 'test-model.json').model : defaultModel();
  const analyzer = new ProgramAnalyzer(programFilesFromParsed([parseSource('mm/owners.c', TEXT)]), indexModel(model, '6.15+'));
  analyzer.run(analyzer.seeds());
  return analyzer.result().sites
    .filter((s) => s.kind === 'mapping-read' && !!s.exposure && (s.uses ?? []).includes('null-test') && !s.nullDeclines)
    .map((s) => s.function).sort();
}

describe('nullMappingHarmless', () => {
  it('covers the NULL tests of the functions it names, a kept answer as well as a branch; the others stay', () => {
    assert.deepStrictEqual(nullHazardsIn([]), ['needs_cleanup', 'note_owner', 'owner_gone']);
    assert.deepStrictEqual(nullHazardsIn(['needs_cleanup', 'note_owner']), ['owner_gone']);
  });
});
