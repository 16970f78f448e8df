// --baseline and --update-baseline: accepted findings are hidden, matching
// survives line shifts, new findings still fail, stale entries are counted.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { copyTree, runCli, SAMPLE_TREE, SAMPLE_TREE_FINDINGS, scratchDir } from './helpers';

describe('cli baseline', () => {
  it('--update-baseline writes every finding, sorted, and exits 0', async () => {
    const file = path.join(scratchDir(), 'baseline.json');
    const r = await runCli(['--baseline', file, '--update-baseline', SAMPLE_TREE]);
    assert.strictEqual(r.code, 0);
    assert.match(r.stdout, new RegExp(`0 findings .*; baseline .*: ${SAMPLE_TREE_FINDINGS} accepted, 0 entries matched nothing\\n$`));
    const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
    assert.strictEqual(doc.tool, 'fsdax-audit');
    assert.strictEqual(doc.version, 1);
    assert.strictEqual(doc.findings.length, SAMPLE_TREE_FINDINGS);
    const fps = doc.findings.map((e: { fingerprint: string }) => e.fingerprint);
    assert.deepStrictEqual(fps, [...fps].sort());
    for (const e of doc.findings) assert.deepStrictEqual(Object.keys(e), ['fingerprint', 'ruleId', 'file', 'function', 'message']);
    const again = await runCli(['--baseline', file, '--update-baseline', SAMPLE_TREE]);
    assert.strictEqual(again.code, 0);
    assert.strictEqual(fs.readFileSync(file, 'utf8'), JSON.stringify(doc, null, 2) + '\n', 'updating twice gives the same bytes');
  });

  it('survives line shifts; a new finding is still reported; fixed ones count as unmatched', async () => {
    const tree = copyTree(SAMPLE_TREE);
    const file = path.join(scratchDir(), 'baseline.json');
    await runCli(['--baseline', file, '--update-baseline', tree]);
    const b = path.join(tree, 'fs', 'b.c');
    fs.writeFileSync(b, '/* moved */\n\n\n' + fs.readFileSync(b, 'utf8'));
    const shifted = await runCli(['--format', 'json', '--baseline', file, tree]);
    assert.strictEqual(shifted.code, 0, shifted.stdout);
    assert.deepStrictEqual(JSON.parse(shifted.stdout).baseline, { file, matched: SAMPLE_TREE_FINDINGS, unmatched: 0 });

    // A second read of the same field in the same function is new: one entry accepts one finding.
    const text = fs.readFileSync(b, 'utf8');
    const m = /^(.*page->index.*)$/m.exec(text);
    assert.ok(m, 'fs/b.c reads page->index');
    fs.writeFileSync(b, text.replace(m[1], `${m[1]}\n${m[1].replace(/\/\*.*\*\//, '')}`));
    const added = await runCli(['--format', 'json', '--baseline', file, tree]);
    assert.strictEqual(added.code, 1);
    const doc = JSON.parse(added.stdout);
    assert.strictEqual(doc.findings.length, 1);
    assert.strictEqual(doc.findings[0].ruleId, 'fsdax/index-read');
    assert.strictEqual(doc.findings[0].file, 'fs/b.c');

    fs.rmSync(path.join(tree, 'mm', 'memory-failure.c'));
    const fixed = JSON.parse((await runCli(['--format', 'json', '--baseline', file, tree])).stdout);
    assert.ok(fixed.baseline.unmatched > 0, JSON.stringify(fixed.baseline));
    assert.strictEqual(fixed.baseline.matched + fixed.baseline.unmatched, SAMPLE_TREE_FINDINGS);
  });

  it('without --baseline nothing is hidden', async () => {
    const doc = JSON.parse((await runCli(['--format', 'json', SAMPLE_TREE])).stdout);
    assert.strictEqual(doc.baseline, null);
    assert.strictEqual(doc.findings.length, SAMPLE_TREE_FINDINGS);
  });
});
