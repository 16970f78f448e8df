// The simulator's scenarios, per era: which steps happen, where the unguarded
// read goes wrong, and the fields at the end (fsdax-model.md §8, the seed thread).
import * as assert from 'assert';
import { allRules } from '../../server/rules/index';
import { ERAS, type Era } from '../../server/src/model/types';
import { explainText, renderMarkdown, renderText, runEvents, runScenario, scenarioForRule, scenarioIds, type Trace } from '../../server/src/explain/index';

function mappingOf(t: Trace, step: number): string {
  const m = t.steps[step - 1].state.mapping;
  return m.kind === 'null' ? 'NULL' : m.kind === 'sentinel' ? '0x1' : `fm(${m.file})`;
}

function outcomes(t: Trace): string {
  return t.steps.map((s) => s.outcome[0]).join('');
}

/** [step outcomes (applied/refused/blocked), first hazard step or 0, final mapping, final index word]. */
type Expect = [string, number, string, number];
const EXPECTED: Record<string, Record<Era, Expect>> = {
  'single-owner-fault': { '<=5.18': ['aaa', 0, 'fm(A)', 16], '5.19-6.1': ['aaa', 0, 'fm(A)', 16], '6.2-6.14': ['aaa', 0, 'fm(A)', 16], '6.15+': ['aaa', 0, 'fm(A)', 16] },
  'reflink-share': { '<=5.18': ['rra', 0, 'NULL', 0], '5.19-6.1': ['aaa', 3, '0x1', 2], '6.2-6.14': ['aaa', 3, '0x1', 2], '6.15+': ['aaa', 3, 'NULL', 2] },
  'unshare-cow': { '<=5.18': ['arraa', 0, 'NULL', 0], '5.19-6.1': ['aaaaa', 5, '0x1', 0], '6.2-6.14': ['aaaaa', 0, 'NULL', 0], '6.15+': ['aaaaa', 0, 'NULL', 0] },
  'truncate-race': { '<=5.18': ['aaaaaaa', 3, 'fm(C)', 7], '5.19-6.1': ['aaaaaaa', 3, 'fm(C)', 7], '6.2-6.14': ['aaaaaaa', 3, 'fm(C)', 7], '6.15+': ['aaaaaaa', 3, 'fm(C)', 7] },
  'dax-lock-reader': { '<=5.18': ['aabaaa', 0, 'NULL', 0], '5.19-6.1': ['aabaaa', 0, 'NULL', 0], '6.2-6.14': ['aabaaa', 0, 'NULL', 0], '6.15+': ['aabaaa', 0, 'NULL', 0] },
  'memory-failure-notify': { '<=5.18': ['arr', 0, 'fm(A)', 16], '5.19-6.1': ['aaa', 0, '0x1', 2], '6.2-6.14': ['aaa', 0, '0x1', 2], '6.15+': ['aaa', 0, 'NULL', 2] },
  'memory-failure-fallback': { '<=5.18': ['ara', 0, 'fm(A)', 16], '5.19-6.1': ['aaa', 3, '0x1', 2], '6.2-6.14': ['aaa', 3, '0x1', 2], '6.15+': ['aaa', 0, 'NULL', 2] },
  'memory-failure-single': { '<=5.18': ['aa', 0, 'fm(A)', 16], '5.19-6.1': ['aa', 0, 'fm(A)', 16], '6.2-6.14': ['aa', 0, 'fm(A)', 16], '6.15+': ['aa', 0, 'fm(A)', 16] },
  'page-address-in-vma': { '<=5.18': ['ara', 0, 'fm(A)', 16], '5.19-6.1': ['aaa', 3, '0x1', 2], '6.2-6.14': ['aaa', 3, '0x1', 2], '6.15+': ['aaa', 3, 'NULL', 2] },
  'shared-mapping': { '<=5.18': ['araa', 0, 'fm(A)', 16], '5.19-6.1': ['aaaa', 3, '0x1', 2], '6.2-6.14': ['aaaa', 3, '0x1', 2], '6.15+': ['aaaa', 3, 'NULL', 2] },
  'shared-index': { '<=5.18': ['araa', 0, 'fm(A)', 16], '5.19-6.1': ['aaaa', 3, '0x1', 2], '6.2-6.14': ['aaaa', 3, '0x1', 2], '6.15+': ['aaaa', 3, 'NULL', 2] },
  'anon-test': { '<=5.18': ['ara', 0, 'fm(A)', 16], '5.19-6.1': ['aaa', 3, '0x1', 2], '6.2-6.14': ['aaa', 3, '0x1', 2], '6.15+': ['aaa', 3, 'NULL', 2] },
  'anon-vma': { '<=5.18': ['araa', 0, 'fm(A)', 16], '5.19-6.1': ['aaaa', 3, '0x1', 2], '6.2-6.14': ['aaaa', 3, '0x1', 2], '6.15+': ['aaaa', 3, 'NULL', 2] },
  'null-mapping-skip': { '<=5.18': ['araa', 0, 'fm(A)', 16], '5.19-6.1': ['aaaa', 3, '0x1', 2], '6.2-6.14': ['aaaa', 3, '0x1', 2], '6.15+': ['aaaa', 3, 'NULL', 2] },
  'which-page': { '<=5.18': ['aaa', 0, 'fm(A)', 512], '5.19-6.1': ['aaa', 0, 'fm(A)', 512], '6.2-6.14': ['aaa', 0, 'fm(A)', 512], '6.15+': ['aaa', 3, 'fm(A)', 512] },
  'gup-unshare-livelock': { '<=5.18': ['ara', 0, 'fm(A)', 16], '5.19-6.1': ['aaa', 3, '0x1', 2], '6.2-6.14': ['aaa', 3, '0x1', 2], '6.15+': ['aaa', 0, 'NULL', 2] },
  'suppressions': { '<=5.18': ['aaaaa', 5, 'NULL', 0], '5.19-6.1': ['aaaaa', 5, 'NULL', 0], '6.2-6.14': ['aaaaa', 5, 'NULL', 0], '6.15+': ['aaaaa', 5, 'NULL', 0] },
};

describe('explain: scenario traces per era', () => {
  it('every scenario has expectations, and every expectation a scenario', () => {
    assert.deepStrictEqual([...scenarioIds()].sort(), Object.keys(EXPECTED).sort());
  });

  for (const id of Object.keys(EXPECTED)) {
    for (const era of ERAS) {
      it(`${id} in ${era}`, () => {
        const t = runScenario(id, era);
        const [steps, hazard, mapping, index] = EXPECTED[id][era];
        const last = t.steps.length;
        assert.deepStrictEqual([outcomes(t), t.hazardStep ?? 0, mappingOf(t, last), t.steps[last - 1].state.indexWord], [steps, hazard, mapping, index], renderText(t));
        for (const s of t.steps) assert.match(s.sentence, /\S.*[.)]$/, `step ${s.n} needs one sentence`);
        assert.ok(t.verdict.startsWith(hazard ? `Goes wrong at step ${hazard}` : 'Nothing goes wrong'), t.verdict);
        assert.deepStrictEqual(runScenario(id, era), t, 'deterministic');
      });
    }
  }
});

describe('explain: the cases the issue and the seed thread name', () => {
  it('two reflink shares: 6.2-6.14 index reads 2 under the sentinel; 6.15+ mapping NULL, count in folio->share; <=5.18 refuses', () => {
    const e2 = runScenario('reflink-share', '6.2-6.14').steps[1];
    assert.deepStrictEqual([e2.state.mapping.kind, e2.state.indexWord, e2.state.owners.length], ['sentinel', 2, 2]);
    assert.match(renderText(runScenario('reflink-share', '6.2-6.14')), /page->index\/share=2/);
    const e3 = runScenario('reflink-share', '6.15+');
    assert.deepStrictEqual([e3.steps[0].state.mapping, e3.steps[1].state.mapping.kind, e3.steps[1].state.indexWord], [{ kind: 'file', file: 'A' }, 'null', 2]);
    assert.match(renderText(e3), /folio->index\/share=2/);
    const e0 = runScenario('reflink-share', '<=5.18').steps[0];
    assert.strictEqual(e0.outcome, 'refused');
    assert.match(e0.sentence, /^No shared FS-DAX pages in this era/);
  });

  it('memory failure through the filesystem finds every owner from its reverse map and reads no page field', () => {
    for (const era of ['5.19-6.1', '6.2-6.14', '6.15+'] as const) {
      const st = runScenario('memory-failure-notify', era).steps[2];
      assert.match(st.sentence, /rmap query finds every owner \(A@16, B@40\)/);
      assert.match(st.sentence, /never read/);
      assert.strictEqual(st.hazard, undefined);
      assert.ok(st.state.poisoned);
    }
  });

  it('the generic fallback on a shared page oopses on 0x1 (5.19-6.14) and signals nobody in 6.15+', () => {
    const e2 = runScenario('memory-failure-fallback', '6.2-6.14').steps[2];
    assert.deepStrictEqual([e2.hazard?.severity, e2.state.oopsAt], ['crash', 3]);
    // 6.15+: the lock refuses the shared folio and the fallback declines (MF_FAILED): right, not a hazard.
    const e3 = runScenario('memory-failure-fallback', '6.15+').steps[2];
    assert.deepStrictEqual([e3.hazard?.severity, e3.state.oopsAt], [undefined, null]);
    assert.match(e3.sentence, /-EBUSY.*declines/);
  });

  it('6.15+: a NULL mapping is the shared encoding, so "!mapping: truncated, skip" drops every owner; the folio holds a reference per mapping', () => {
    const t = runScenario('null-mapping-skip', '6.15+');
    const skip = t.steps[2];
    assert.deepStrictEqual([skip.state.mapping.kind, skip.state.indexWord, skip.state.refcount, skip.state.owners.length, skip.hazard?.severity], ['null', 2, 2, 2, 'wrong']);
    assert.match(skip.hazard!.text, /NULL here means shared, not gone: A@16, B@40 .*share count 2/);
    assert.match(t.steps[3].sentence, /cookie is 0: -EBUSY/);
    // Up to 6.14 the NULL test passes the 0x1 marker instead; the page holds no reference for its mappings.
    const e2 = runScenario('null-mapping-skip', '6.2-6.14').steps[2];
    assert.deepStrictEqual([e2.state.mapping.kind, e2.state.refcount], ['sentinel', 1]);
    assert.match(e2.sentence, /0x1 is not NULL/);
    // A single owner passes the test, a truncated folio is skipped rightly.
    const single = runEvents([{ type: 'map', file: 'A', offset: 16 }, { type: 'null-skip', reader: 'R' }, { type: 'truncate', file: 'A' }, { type: 'null-skip', reader: 'Q' }], '6.15+').steps;
    assert.deepStrictEqual(single.map((st) => st.hazard?.severity ?? 'none'), ['none', 'none', 'wrong', 'none']);
    assert.match(single[3].sentence, /skipping it is right/);
  });

  it('a read-only pin of a shared page livelocks while the marker looks anon (5.19-6.14), and succeeds on a single owner or from 6.15', () => {
    for (const era of ['5.19-6.1', '6.2-6.14'] as const) {
      const pin = runScenario('gup-unshare-livelock', era).steps[2];
      assert.strictEqual(pin.hazard?.severity, 'crash');
      assert.match(pin.hazard!.text, /retries the unshare fault forever/);
      assert.match(pin.sentence, era === '5.19-6.1' ? /do_wp_page\(\) returns 0/ : /sanitize_fault_flags\(\) drops FAULT_FLAG_UNSHARE/);
    }
    assert.strictEqual(runScenario('gup-unshare-livelock', '6.15+').steps[2].hazard, undefined);
    const single = runEvents([{ type: 'map', file: 'A', offset: 16 }, { type: 'pin-read', reader: 'R' }], '6.2-6.14').steps[1];
    assert.deepStrictEqual([single.hazard, /the pin succeeds/.test(single.sentence)], [undefined, true]);
  });

  it('page_address_in_vma on a shared page: no anon_vma, -EFAULT, no crash', () => {
    for (const era of ['5.19-6.1', '6.2-6.14'] as const) {
      const st = runScenario('page-address-in-vma', era).steps[2];
      assert.match(st.sentence, /folio_anon_vma gives 0x1 - 0x1 = NULL, so it returns -EFAULT/);
      assert.deepStrictEqual([st.hazard?.severity, st.state.oopsAt], ['benign', null]);
    }
  });

  it('a share count read as an index', () => {
    const t = runScenario('shared-index', '6.2-6.14');
    assert.match(t.steps[2].hazard!.text, /^2 is a share count, not a file offset/);
    assert.match(t.steps[3].sentence, /passes 2 to vma_address/);
  });

  it('5.19-6.1 leaves {0x1, 0} on a page nobody owns (the index-- > 0 post-decrement)', () => {
    const st = runScenario('unshare-cow', '5.19-6.1').steps[3];
    assert.deepStrictEqual([st.state.mapping.kind, st.state.indexWord, st.state.owners], ['sentinel', 0, []]);
  });

  it('a truncate under an unguarded reader is the hazard; under the DAX lock it waits instead', () => {
    const race = runScenario('truncate-race', '6.2-6.14');
    assert.strictEqual(race.hazardStep, 3);
    assert.strictEqual(race.steps[6].hazard?.severity, 'crash', 'using fm(A) after eviction is a use-after-free');
    const locked = runScenario('dax-lock-reader', '6.2-6.14');
    assert.deepStrictEqual([locked.steps[2].outcome, locked.steps[2].state.owners.length], ['blocked', 1]);
  });
});

describe('explain: rule → scenario, and the text front-end', () => {
  it('every rule\'s meta.explanation is its scenarioForRule and names a scenario', () => {
    assert.ok(allRules.length >= 7);
    for (const rule of allRules) {
      assert.strictEqual(scenarioForRule(rule.meta.id), rule.meta.explanation, rule.meta.id);
      assert.ok(scenarioIds().includes(rule.meta.explanation), `${rule.meta.id}: no scenario ${rule.meta.explanation}`);
    }
    assert.strictEqual(scenarioForRule('fsdax/suppression'), 'suppressions');
    assert.strictEqual(scenarioForRule('fsdax/not-a-rule'), 'truncate-race');
  });

  it('explainText takes a rule id or a scenario id, and nothing else', () => {
    assert.match(explainText('fsdax/index-read', '6.2-6.14')!, /^shared-index \(6\.2-6\.14\)[^]*2 is a share count/);
    assert.match(explainText('truncate-race', '<=5.18')!, /^truncate-race \(<=5\.18\)/);
    assert.strictEqual(explainText('fsdax/no-such-rule', '6.2-6.14'), undefined);
    assert.throws(() => runScenario('no-such-scenario', '6.2-6.14'), /no scenario "no-such-scenario"/);
  });

  it('markdown is short and names the wrong step, or says why nothing goes wrong', () => {
    for (const id of scenarioIds()) {
      for (const era of ERAS) {
        const t = runScenario(id, era);
        const md = renderMarkdown(t);
        assert.ok(md.length < 1400, `${id} ${era}: ${md.length} characters is too long for a hover`);
        assert.ok(t.hazardStep ? md.includes(`Step ${t.hazardStep} of`) && md.includes('**Goes wrong:**') : md.includes('Nothing goes wrong'), md);
      }
    }
  });
});

describe('explain: which page of a compound folio (6.15+)', () => {
  it('memory failure on a tail page: the fallback acts on the head, and the mapper of the tail is not signalled; up to 6.14 the page is its own folio', () => {
    const t = runScenario('which-page', '6.15+');
    assert.deepStrictEqual(t.steps[0].state.extent, { pages: 512, compound: true });
    assert.match(t.steps[0].sentence, /prep_compound_page/);
    assert.match(t.steps[2].sentence, /head's offset 512/);
    assert.match(t.steps[2].hazard!.text, /P maps the poisoned page 7 \(offset 519\) and gets no SIGBUS/);
    const old = runScenario('which-page', '6.2-6.14');
    assert.deepStrictEqual(old.steps[0].state.extent, { pages: 512, compound: false });
    assert.match(old.steps[2].sentence, /P gets SIGBUS at the address of A@519/);
    // The head page itself, or no window on the failing page: nothing goes wrong in 6.15+ either.
    const head = runEvents([{ type: 'map-pmd', file: 'A', offset: 512 }, { type: 'map-window', process: 'P', page: 0 }, { type: 'mf-generic', page: 0 }], '6.15+').steps;
    assert.strictEqual(head[2].hazard, undefined);
    const elsewhere = runEvents([{ type: 'map-pmd', file: 'A', offset: 512 }, { type: 'map-window', process: 'P', page: 3 }, { type: 'mf-generic', page: 7 }], '6.15+').steps;
    assert.strictEqual(elsewhere[2].hazard, undefined);
    assert.strictEqual(runEvents([{ type: 'map-window', process: 'P', page: 3 }], '6.15+').steps[0].outcome, 'refused');
  });
});
