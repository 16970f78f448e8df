import * as assert from 'assert';
import { detectEra } from '../../server/src/model/era';
import { defaultModel, indexModel, mergeModel, sharedEncodingOf } from '../../server/src/model/model';
import { ERAS } from '../../server/src/model/types';

describe('model', () => {
  const era = (files: Record<string, string>) => detectEra((p) => files[p]).era;

  it('detects each era from its marker identifiers', () => {
    assert.strictEqual(era({ 'include/linux/page-flags.h': '#define PAGE_MAPPING_DAX_SHARED ((void *)0x1)', 'fs/dax.c': '' }), '6.2-6.14');
    assert.strictEqual(era({ 'include/linux/page-flags.h': '#define PAGE_MAPPING_DAX_COW 0x1', 'fs/dax.c': '' }), '5.19-6.1');
    assert.strictEqual(era({ 'include/linux/page-flags.h': '', 'fs/dax.c': 'static bool dax_folio_is_shared(struct folio *f)' }), '6.15+');
    assert.strictEqual(era({ 'include/linux/page-flags.h': '', 'fs/dax.c': 'static void dax_associate_entry(void)' }), '<=5.18');
    assert.strictEqual(detectEra(() => undefined).known, false);
  });

  it('detects 6.15+ from struct folio\'s share word when fs/dax.c names no shared helper (mainline layout)', () => {
    const mmTypes = 'struct folio {\n\tunsigned long flags;\n\tunion {\n\t\tpgoff_t index;\n\t\tunsigned long share;\n\t};\n};';
    assert.strictEqual(era({ 'include/linux/page-flags.h': '#define FOLIO_MAPPING_ANON 0x1', 'fs/dax.c': 'dax_entry_t dax_lock_folio(struct folio *folio)', 'include/linux/mm_types.h': mmTypes }), '6.15+');
    // A struct page share word is 6.2-6.14's, and the marker macro decides first.
    assert.strictEqual(era({ 'include/linux/page-flags.h': '#define PAGE_MAPPING_DAX_SHARED ((void *)0x1)', 'fs/dax.c': '', 'include/linux/mm_types.h': mmTypes }), '6.2-6.14');
  });

  it('the shared encoding of each era is data with a citation: none, the 0x1 marker, or NULL + folio->share', () => {
    const model = defaultModel();
    assert.deepStrictEqual(ERAS.map((e) => sharedEncodingOf(model, e)), ['none', 'marker', 'marker', 'null']);
    for (const e of ERAS) {
      const index = indexModel(model, e);
      assert.deepStrictEqual([index.hasSharedPages, index.hasSentinel, index.sharedMappingIsNull], [e !== '<=5.18', e === '5.19-6.1' || e === '6.2-6.14', e === '6.15+'], e);
    }
    for (const spec of model.sharedEncoding ?? []) if ('mapping' in spec) assert.ok(spec.cite?.length && spec.why, `${spec.eras}: why and cite`);
  });

  it('6.15+: normal-page lookups are sources, devmap tests are no guards, mapcount tests exclude nothing', () => {
    const e2 = indexModel(defaultModel(), '6.2-6.14');
    const e3 = indexModel(defaultModel(), '6.15+');
    for (const call of ['vm_normal_page', 'vm_normal_folio', 'vm_normal_page_pmd', 'vm_normal_folio_pmd']) {
      assert.strictEqual(e3.sourceByCall.get(call)?.id, 'normal-page', call);
      assert.ok(!e2.sourceByCall.has(call), `${call} returns no FS-DAX page up to 6.14`);
    }
    for (const call of ['pte_devmap', 'pmd_devmap', 'pud_devmap']) {
      assert.ok(e2.guards.has(call) && !e3.guards.has(call), call);
    }
    for (const call of ['folio_mapped', 'page_mapped']) assert.ok(e2.guards.has(call) && !e3.guards.has(call), call);
    for (const call of ['folio_is_fsdax', 'is_fsdax_page', 'is_zone_device_page', 'folio_is_zone_device']) assert.ok(e3.guards.has(call), call);
    for (const call of ['vma_is_dax', 'vma_is_fsdax', 'IS_DAX']) assert.ok(e3.contextGuards.has(call), call);
    assert.strictEqual(e3.sourceByCall.get('pte_page')?.id, 'page-table', 'a present PTE of a DAX VMA still maps FS-DAX folios');
    assert.ok(e3.sourceByCall.get('vm_normal_page')?.cite?.some((c) => c.includes('(7.2.13)')));
    // A non-NULL raw mapping means one owner once sharing is encoded as NULL; before, the marker is non-NULL too.
    for (const call of ['folio_raw_mapping', 'folio_mapping']) {
      assert.strictEqual(e3.singleOwnerTests.get(call)?.singleOwnerWhen, true, call);
      assert.ok(!e2.singleOwnerTests.has(call), call);
    }
    assert.ok(e3.sourceByCall.get('pmd_page')?.referenced && !e2.sourceByCall.get('pmd_page')?.referenced, 'a 6.15+ entry holds a folio reference');
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
