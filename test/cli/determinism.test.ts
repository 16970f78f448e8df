// Same input, same bytes: across runs, across --jobs values, across processes.
// With --jobs 2 the files are read by worker threads (read-tree.ts); the threshold
// is lowered here so the small test trees take that path too.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { copyTree, FIXTURE_TREES, runBin, runCli, SAMPLE_TREE } from './helpers';

const TREES = [SAMPLE_TREE, path.join(FIXTURE_TREES, 'cross-file'), path.join(FIXTURE_TREES, 'same-name-static')];
const PARALLEL = { FSDAX_AUDIT_PARALLEL_MIN_FILES: '1' };

describe('cli determinism', () => {
  before(() => { process.env.FSDAX_AUDIT_PARALLEL_MIN_FILES = '1'; });
  after(() => { delete process.env.FSDAX_AUDIT_PARALLEL_MIN_FILES; });

  for (const format of ['text', 'json', 'sarif']) {
    it(`${format}: byte-identical across two runs and across --jobs 1 and 2 (reader threads)`, async () => {
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

  it('separate processes with different --jobs print the same bytes, and --jobs 2 really reads with threads', () => {
    const a = runBin(['--format', 'sarif', '--jobs', '1', SAMPLE_TREE], undefined, { ...PARALLEL, FSDAX_AUDIT_DEBUG: '1' });
    const b = runBin(['--format', 'sarif', '--jobs', '2', SAMPLE_TREE], undefined, { ...PARALLEL, FSDAX_AUDIT_DEBUG: '1' });
    assert.strictEqual(a.code, 1);
    assert.strictEqual(b.stdout, a.stdout);
    assert.doesNotMatch(a.stderr, /with \d+ workers/);
    assert.match(b.stderr, /reading \d+ files with 2 workers/);
  });

  it('bad files (binary, not UTF-8, too many to fit one chunk) give the same report from threads as from one reader', () => {
    const tree = copyTree(SAMPLE_TREE);
    fs.writeFileSync(path.join(tree, 'mm', 'blob.c'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 0]));
    fs.writeFileSync(path.join(tree, 'mm', 'latin1.c'), Buffer.from('/* caf\xe9 */\nvoid f(struct page *page) { pr_info("%p", page->mapping); }\n', 'latin1'));
    fs.mkdirSync(path.join(tree, 'fs', 'many'));
    for (let i = 0; i < 300; i++) fs.writeFileSync(path.join(tree, 'fs', 'many', `f${i}.c`), `int f${i}(void) { return ${i}; }\n`);
    const a = runBin(['--format', 'json', '--jobs', '1', tree], undefined, PARALLEL);
    const b = runBin(['--format', 'json', '--jobs', '3', tree], undefined, { ...PARALLEL, FSDAX_AUDIT_DEBUG: '1' });
    assert.match(b.stderr, /with 3 workers/);
    assert.strictEqual(b.stdout, a.stdout);
    const doc = JSON.parse(a.stdout);
    const kinds = doc.problems.map((p: { file: string; kind: string }) => `${p.file} ${p.kind}`);
    assert.ok(kinds.includes('mm/blob.c binary') && kinds.includes('mm/latin1.c non-utf8'), kinds.join('\n'));
    assert.strictEqual(doc.stats.files, 300 + JSON.parse(runBin(['--format', 'json', SAMPLE_TREE]).stdout).stats.files + 2);
  });
});
