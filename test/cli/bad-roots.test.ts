// A folder that is not one kernel tree (several trees below it, a home directory, `/`): the CLI
// says so at once, with one line naming the trees it found, and exits 2, instead of reading
// every C file below it (a folder of three trees and two clones ran out of memory after 62 s).
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { surveyTrees } from '../../server/src/host/tree-files';
import { REPO, runBin, scratchDir } from './helpers';

const TWO_TREES = path.join(REPO, 'test', 'fixtures', 'bad-roots', 'two-trees');

function assertRefused(args: string[], re: RegExp): void {
  const started = Date.now();
  const r = runBin(args);
  const seconds = (Date.now() - started) / 1000;
  assert.strictEqual(r.code, 2, `${args.join(' ')}: exit ${r.code}\n${r.stderr}`);
  assert.strictEqual(r.stdout, '');
  assert.strictEqual(r.stderr.split('\n').filter(Boolean).length, 1, `one line:\n${r.stderr}`);
  assert.match(r.stderr, re);
  assert.ok(seconds < 10, `${seconds} s`);
}

describe('cli bad roots', () => {
  it('a folder holding two trees: exit 2, one line naming both', () => {
    assertRefused([TWO_TREES], /^fsdax-audit: .*two-trees is not a kernel tree; it holds 2: linux-a, linux-b \(audit one: --root .*two-trees\/linux-a\)\n$/);
    assertRefused(['--root', TWO_TREES], /it holds 2: linux-a, linux-b/);
    assertRefused(['--format', 'sarif', TWO_TREES], /it holds 2: linux-a, linux-b/);
  });

  it('each of the two trees is audited as usual', () => {
    for (const tree of ['linux-a', 'linux-b']) {
      const r = runBin(['--fail-on', 'never', path.join(TWO_TREES, tree)]);
      assert.strictEqual(r.code, 0, r.stderr);
      assert.match(r.stdout, /mm\/memory-failure\.c:6:9: warning: .*\[fsdax\/mapping-read\]/);
    }
  });

  it('a folder holding trees deeper down (a home directory with a cache) names them by their path below it', () => {
    const home = scratchDir();
    fs.cpSync(path.join(TWO_TREES, 'linux-a'), path.join(home, '.cache', 'k', 'linux-6.12'), { recursive: true });
    fs.mkdirSync(path.join(home, 'notes'));
    fs.writeFileSync(path.join(home, 'notes', 'x.c'), 'int x;\n');
    assertRefused([home], /is not a kernel tree; it holds one: \.cache\/k\/linux-6\.12 \(audit one: --root .*\/\.cache\/k\/linux-6\.12\)\n$/);
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('a folder too big to be loose C files and holding no tree: exit 2 at once', () => {
    const big = scratchDir();
    for (let i = 0; i < 80; i++) for (let j = 0; j < 70; j++) fs.mkdirSync(path.join(big, `d${i}`, `e${j}`), { recursive: true });
    assertRefused([big], /is not a kernel tree \(no mm\/ and include\/linux\/ in it or above it\) and too big to audit as loose C files; give --root <kernel tree>, or the files to audit\n$/);
    fs.rmSync(big, { recursive: true, force: true });
  });

  it('a small folder of loose C files is still audited file by file', () => {
    const r = runBin(['--fail-on', 'never', path.join(REPO, 'test', 'fixtures', 'rules', 'anon-test')]);
    assert.strictEqual(r.code, 0, r.stderr);
    assert.match(r.stdout, /files only: \d+ files/);
  });

  it('the survey stops at its budget, does not follow symlinked folders and does not look inside a tree', () => {
    const dir = scratchDir();
    fs.cpSync(TWO_TREES, path.join(dir, 'x'), { recursive: true });
    fs.symlinkSync(dir, path.join(dir, 'x', 'loop'));
    fs.symlinkSync(path.join(dir, 'x', 'linux-a'), path.join(dir, 'linked-tree'));
    const all = surveyTrees(dir);
    assert.deepStrictEqual(all.trees.map((t) => path.relative(dir, t)), ['x/linux-a', 'x/linux-b']);
    assert.ok(all.complete);
    assert.strictEqual(all.sourceFiles, 0, 'files inside the trees are not counted');
    const cut = surveyTrees(dir, { folders: 1, ms: 1000 });
    assert.strictEqual(cut.complete, false);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
