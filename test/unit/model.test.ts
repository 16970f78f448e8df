import * as assert from 'assert';
import { detectEra } from '../../server/src/model/era';
import { defaultModel, indexModel, mergeModel } from '../../server/src/model/model';

describe('model', () => {
  const era = (files: Record<string, string>) => detectEra((p) => files[p]).era;

  it('detects each era from its marker identifiers', () => {
    assert.strictEqual(era({ 'include/linux/page-flags.h': '#define PAGE_MAPPING_DAX_SHARED ((void *)0x1)', 'fs/dax.c': '' }), '6.2-6.14');
    assert.strictEqual(era({ 'include/linux/page-flags.h': '#define PAGE_MAPPING_DAX_COW 0x1', 'fs/dax.c': '' }), '5.19-6.1');
    assert.strictEqual(era({ 'include/linux/page-flags.h': '', 'fs/dax.c': 'static bool dax_folio_is_shared(struct folio *f)' }), '6.15+');
    assert.strictEqual(era({ 'include/linux/page-flags.h': '', 'fs/dax.c': 'static void dax_associate_entry(void)' }), '<=5.18');
    assert.strictEqual(detectEra(() => undefined).known, false);
  });

  it('merges a user model: lists appended, keyed entries replaced, bad keys reported', () => {
    const { model, problems } = mergeModel(defaultModel(), {
      guards: [{ call: 'my_is_not_dax', arg: 0, excludesWhen: true }],
      entryPoints: [{ function: 'memory_failure', param: 0, kind: 'pfn', description: 'replaced' }],
      bogus: 1,
      pfnToPage: 'not a list',
    }, 'my-model.json');
    const index = indexModel(model, '6.2-6.14');
    assert.ok(index.guards.has('my_is_not_dax'));
    assert.ok(index.guards.has('is_zone_device_page'), 'defaults are kept');
    assert.strictEqual(index.entryPoints.get('memory_failure')?.[0].description, 'replaced');
    assert.deepStrictEqual(problems.map((p) => p.message.split(':')[1].trim().split(' ')[0]), ['"bogus"', '"pfnToPage"']);
    assert.ok(mergeModel(defaultModel(), [1, 2], 'x').problems.length === 1);
  });

  it('indexes era-specific entries only for their eras', () => {
    assert.ok(indexModel(defaultModel(), '6.2-6.14').cleanProducers.has('vm_normal_page'));
    assert.ok(!indexModel(defaultModel(), '6.15+').cleanProducers.has('vm_normal_page'), 'FS-DAX pages are normal pages from 6.15');
  });
});
