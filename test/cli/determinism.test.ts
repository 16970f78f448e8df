// Same input, same bytes: across runs, across --jobs values, across processes.
import * as assert from 'assert';
import * as path from 'path';
import { FIXTURE_TREES, runBin, runCli, SAMPLE_TREE } from './helpers';

const TREES = [SAMPLE_TREE, path.join(FIXTURE_TREES, 'cross-file'), path.join(FIXTURE_TREES, 'same-name-static')];

describe('cli determinism', () => {
  for (const format of ['text', 'json', 'sarif']) {
    it(`${format}: byte-identical across two runs and across --jobs 1 and 2`, async () => {
      for (const tree of TREES) {
        const a = await runCli(['--format', format, '--jobs', '1', tree]);
        const b = await runCli(['--format', format, '--jobs', '1', tree]);
        const c = await runCli(['--format', format, '--jobs', '2', tree]);
        assert.ok(a.stdout.length > 0);
        assert.strictEqual(b.stdout, a.stdout, `${tree}: run 2 differs`);
        assert.strictEqual(c.stdout, a.stdout, `${tree}: --jobs 2 differs`);
      }
    });
  }

  it('separate processes with different --jobs print the same bytes', () => {
    const a = runBin(['--format', 'sarif', '--jobs', '1', SAMPLE_TREE]);
    const b = runBin(['--format', 'sarif', '--jobs', '2', SAMPLE_TREE]);
    assert.strictEqual(a.code, 1);
    assert.strictEqual(b.stdout, a.stdout);
  });
});
