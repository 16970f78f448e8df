// The whole-tree triage (docs/triage/linux-<version>.json) against a fresh scan of the
// real kernel trees: every finding shown by default has a verdict, and no finding judged
// true is lost. Needs the trees `npm run fetch-kernel` caches; CI fetches them, so there a
// missing tree fails, while a local run without them says so and skips only these cases.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { Finding } from '../../server/src/analysis/audit-types';
import { kernelCacheDir } from '../../scripts/kernel-tree';
import { requirePrerequisite } from '../prerequisites';
import { matchTriage, TriageFile } from '../../scripts/triage-lib';
import { scanForTriage, scanWholeForTriage, triageFileFor, triagePath } from '../../scripts/triage-report';

const finding = (fingerprint: string, line: number, use: Finding['use']): Finding => ({
  ruleId: fingerprint.split('|')[0], messageId: 'm', severity: 'warning', message: 'm', file: fingerprint.split('|')[1], function: fingerprint.split('|')[2],
  range: { start: { line: line - 1, character: 0 }, end: { line: line - 1, character: 1 } }, expr: 'e', era: '6.2-6.14', explanation: 'x', path: [], fingerprint, use, confidence: 'high',
});

const fetchCommand = (version: string) => (version === 'mainline' ? 'npm run fetch-mainline' : `npm run fetch-kernel -- ${version}`);

describe('whole-tree triage', () => {
  it('matches findings by fingerprint and line; reports unjudged shown findings and lost verdicts', () => {
    const file: TriageFile = {
      tree: 't', era: '6.2-6.14', command: 'c',
      entries: [
        { fingerprint: 'fsdax/a|f.c|fn|x', line: 10, verdict: 'true', confidence: 'high', debugOnly: false, use: 'deref', reason: 'r' },
        { fingerprint: 'fsdax/a|f.c|fn|x', line: 20, verdict: 'true', confidence: 'race', debugOnly: false, use: 'deref', reason: 'r' },
      ],
    };
    const r = matchTriage([finding('fsdax/a|f.c|fn|x', 10, 'deref'), finding('fsdax/a|f.c|fn|y', 12, 'escape'), finding('fsdax/a|f.c|fn|z', 14, 'null-test')], file);
    assert.deepStrictEqual(r.unjudged.map((f) => f.fingerprint), ['fsdax/a|f.c|fn|y'], 'the shown finding with no verdict; the hidden one needs none');
    assert.deepStrictEqual(r.stale.map((e) => e.line), [20], 'the verdict at line 20 matches nothing');
    assert.strictEqual(r.counts.shown, 2);
    assert.strictEqual(r.counts.shownTrue, 1);
    assert.strictEqual(r.counts.hidden, 1);
  });

  for (const version of ['6.12', '6.1', 'mainline']) {
    it(`linux-${version}: every shown finding is judged, and no finding judged true is lost`, function () {
      this.timeout(300_000);
      const root = path.join(kernelCacheDir(), `linux-${version}`);
      requirePrerequisite(this, fs.existsSync(path.join(root, '.complete')) ? undefined : `linux-${version} not cached at ${root}`, fetchCommand(version));
      const file: TriageFile = JSON.parse(fs.readFileSync(triagePath(version, 'json'), 'utf8'));
      const r = matchTriage(scanForTriage(root).findings, file);
      assert.deepStrictEqual(r.unjudged.map((f) => `${f.file}:${f.range.start.line + 1} ${f.fingerprint}`), [], 'findings with no verdict in the triage file');
      assert.deepStrictEqual(r.stale.filter((e) => e.verdict === 'true').map((e) => `${e.line} ${e.fingerprint}`), [], 'findings judged true that the scan no longer reports');
    });

    it(`linux-${version}, the whole tree: every shown finding is judged, and no finding judged true is lost`, function () {
      this.timeout(600_000);
      const root = path.join(kernelCacheDir(), `linux-${version}`);
      requirePrerequisite(this, fs.existsSync(path.join(root, '.complete')) ? undefined : `linux-${version} not cached at ${root}`, fetchCommand(version));
      const { file, own } = triageFileFor(version, true);
      const r = matchTriage(scanWholeForTriage(root), file);
      assert.deepStrictEqual(r.unjudged.map((f) => `${f.file}:${f.range.start.line + 1} ${f.fingerprint}`), [], 'whole-tree findings with no verdict');
      assert.deepStrictEqual(r.stale.filter((e) => e.verdict === 'true' && own.entries.includes(e)).map((e) => `${e.line} ${e.fingerprint}`), [], 'whole-tree findings judged true that the scan no longer reports');
    });
  }
});
