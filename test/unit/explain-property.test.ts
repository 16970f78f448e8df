// Property test of the simulator over random event sequences in every era.
// The invariants are restated here from fsdax-model.md §2/§8, not imported
// from the simulator, so a wrong simulator cannot vouch for itself.
import * as assert from 'assert';
import fc from 'fast-check';
import { ERAS, type Era } from '../../server/src/model/types';
import { renderHtml, renderMarkdown, renderText, runEvents, type PageState, type SimEvent, type Step } from '../../server/src/explain/index';
import { checkStrictHtml } from '../csp-check';

const file = fc.constantFrom('A', 'B', 'C');
const reader = fc.constantFrom('R', 'Q');
const offset = fc.integer({ min: 0, max: 64 });
const event: fc.Arbitrary<SimEvent> = fc.oneof(
  fc.record({ type: fc.constant('map' as const), file, offset }),
  fc.record({ type: fc.constant('share' as const), file, offset }),
  fc.record({ type: fc.constant('unshare' as const), file }),
  fc.record({ type: fc.constant('truncate' as const), file }),
  fc.record({ type: fc.constant('evict' as const), file }),
  fc.constant({ type: 'mf-notify' as const }),
  fc.constant({ type: 'mf-generic' as const }),
  fc.record({ type: fc.constant('read' as const), reader, field: fc.constantFrom('mapping' as const, 'index' as const, 'both' as const) }),
  fc.record({ type: fc.constantFrom('use' as const, 'anon-test' as const, 'anon-vma' as const, 'address-in-vma' as const, 'null-skip' as const, 'lock-read' as const, 'unlock' as const), reader }),
);
const run = fc.record({ era: fc.constantFrom(...ERAS), events: fc.array(event, { maxLength: 25 }) });

/** The fields agree with the owners the filesystem knows, in the era's encoding. */
function checkEncoding(s: PageState, era: Era, where: string): void {
  const m = s.mapping;
  assert.ok(Number.isInteger(s.indexWord) && s.indexWord >= 0, `${where}: index word ${s.indexWord}`);
  assert.ok(new Set(s.owners.map((o) => o.file)).size === s.owners.length, `${where}: an owner twice`);
  const sentinelEra = era === '5.19-6.1' || era === '6.2-6.14';
  if (m.kind === 'sentinel') {
    assert.ok(sentinelEra, `${where}: a sentinel in ${era}`);
    assert.strictEqual(s.indexWord, s.owners.length, `${where}: share count vs owners`);
    if (era === '6.2-6.14') assert.ok(s.owners.length >= 1, `${where}: 6.2-6.14 clears the sentinel when the count reaches 0`);
  } else if (m.kind === 'file') {
    assert.deepStrictEqual(s.owners, [{ file: m.file, offset: s.indexWord }], `${where}: single owner`);
  } else if (era === '6.15+' && s.indexWord > 0) {
    assert.strictEqual(s.indexWord, s.owners.length, `${where}: folio->share vs owners`);
    assert.ok(s.owners.length >= 1, `${where}: 6.15+ clears the share when the count reaches 0`);
  } else {
    assert.deepStrictEqual([s.indexWord, s.owners], [0, []], `${where}: unassociated`);
  }
  if (era === '<=5.18') assert.ok(s.owners.length <= 1, `${where}: sharing before 5.19`);
  assert.strictEqual(s.refcount, era === '6.15+' ? s.owners.length : 1, `${where}: refcount (idle 1 up to 6.14, one per mapping from 6.15)`);
  assert.strictEqual(s.allocated, s.owners.length > 0, `${where}: allocation`);
  if (s.entryLock) assert.strictEqual(s.owners.length, 1, `${where}: the entry lock is only ever granted on a single-owner page`);
}

/** Readers that took something from the page with no entry lock, from the steps alone. */
function unguardedAfter(steps: readonly Step[]): Set<string> {
  const out = new Set<string>();
  for (const st of steps) {
    const e = st.event;
    if (st.outcome !== 'applied' || !('reader' in e)) continue;
    if (e.type === 'unlock' || (e.type === 'lock-read' && st.state.entryLock === e.reader)) out.delete(e.reader);
    else if (e.type !== 'lock-read' && e.type !== 'use' && !st.state.readers.some((r) => r.name === e.reader && r.locked)) out.add(e.reader);
  }
  return out;
}

describe('explain: property test over random event sequences', () => {
  it('the fields always encode the owners; the share count never goes negative', () => {
    fc.assert(fc.property(run, ({ era, events }) => {
      const { initial, steps } = runEvents(events, era);
      checkEncoding(initial, era, 'initial');
      steps.forEach((st) => checkEncoding(st.state, era, `step ${st.n} ${JSON.stringify(st.event)}`));
    }), { numRuns: 600 });
  });

  it('a refused or blocked event changes nothing; after an oops everything is refused', () => {
    fc.assert(fc.property(run, ({ era, events }) => {
      const { initial, steps } = runEvents(events, era);
      steps.forEach((st, i) => {
        const before = i ? steps[i - 1].state : initial;
        if (st.outcome !== 'applied') assert.deepStrictEqual(st.state, before, `step ${st.n}`);
        if (before.oopsAt !== null) assert.strictEqual(st.outcome, 'refused', `step ${st.n} after the oops`);
        if (st.outcome === 'blocked') assert.ok(before.entryLock, `step ${st.n} blocked with no lock held`);
      });
    }), { numRuns: 600 });
  });

  it('an applied truncate is the hazard exactly when an unguarded reader is outstanding', () => {
    fc.assert(fc.property(run, ({ era, events }) => {
      const { steps } = runEvents(events, era);
      steps.forEach((st, i) => {
        if (st.event.type !== 'truncate' || st.outcome !== 'applied') return;
        const outstanding = unguardedAfter(steps.slice(0, i));
        assert.strictEqual(st.hazard !== undefined, outstanding.size > 0, `step ${st.n}: readers ${[...outstanding].join(',')}`);
        for (const r of outstanding) assert.ok(st.hazard!.text.includes(r), `step ${st.n}: hazard names ${r}`);
      });
    }), { numRuns: 600 });
  });

  it('<=5.18 refuses every share; every era refuses what it cannot do with a reason', () => {
    fc.assert(fc.property(run, ({ era, events }) => {
      const { steps } = runEvents(events, era);
      for (const st of steps) {
        if (era === '<=5.18' && (st.event.type === 'share' || st.event.type === 'mf-notify')) assert.strictEqual(st.outcome, 'refused');
        if (st.outcome !== 'applied') assert.ok(st.sentence.length > 10 && st.hazard === undefined, `step ${st.n}`);
      }
    }), { numRuns: 300 });
  });

  it('is deterministic, and every renderer accepts every trace', () => {
    fc.assert(fc.property(run, ({ era, events }) => {
      const a = runEvents(events, era);
      assert.deepStrictEqual(runEvents(events, era), a);
      const first = a.steps.find((s) => s.hazard);
      const trace = { scenario: 'random', title: 'random', summary: 'random', era, ...a, ...(first ? { hazardStep: first.n } : {}), verdict: 'v' };
      assert.ok(renderText(trace).includes(`random (${era})`));
      assert.ok(renderMarkdown(trace).length > 0);
      checkStrictHtml(renderHtml(trace, { nonce: 'cHJvcGVydHlOb25jZQ==' }), 'cHJvcGVydHlOb25jZQ==');
    }), { numRuns: 100 });
  });
});
