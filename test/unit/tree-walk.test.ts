// The CLI's reader threads start on the first files while the walk lists the rest
// (cli/read-tree.ts): the walk must then yield files in exactly the order of the sorted list
// it returns, or yield nothing. Names that sort differently as folders and as files (`a.c`,
// `a/`, `a-b/`), links, and given paths that overlap.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { walkSourceFiles, type SourcePath } from '../../server/src/host/tree-files';

function walked(paths: string[], root: string): { yielded: string[]; listed: string[] } {
  const walk = walkSourceFiles(paths, root, []);
  const yielded: SourcePath[] = [];
  for (;;) {
    const r = walk.next();
    if (r.done) return { yielded: yielded.map((f) => f.rel), listed: r.value.map((f) => f.rel) };
    yielded.push(r.value);
  }
}

describe('tree walk', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fsdax-walk-'));
  for (const f of ['a.c', 'a/x.c', 'a/sub/y.h', 'a-b/y.c', 'a_b.c', 'a.h', 'A.c', 'b.txt', 'z/q.c', 'a.c.d/w.c']) {
    fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    fs.writeFileSync(path.join(root, f), 'int x;\n');
  }
  fs.symlinkSync(path.join(root, 'a.c'), path.join(root, 'z', 'link.c'));
  fs.symlinkSync(path.join(root, 'a'), path.join(root, 'dirlink'));
  const everything = ['A.c', 'a-b/y.c', 'a.c', 'a.c.d/w.c', 'a.h', 'a/sub/y.h', 'a/x.c', 'a_b.c', 'z/link.c', 'z/q.c'];

  it('yields a folder\'s files in the order of the sorted list it returns (folders sort as `name/`)', () => {
    const { yielded, listed } = walked([root], root);
    assert.deepStrictEqual(listed, everything);
    assert.deepStrictEqual(yielded, listed);
  });

  it('leaves out a given path the walk of a given folder lists anyway, and still yields in order', () => {
    for (const paths of [[path.join(root, 'a'), root], [root, path.join(root, 'a.c')], [path.join(root, 'z'), path.join(root, 'a'), root]]) {
      const { yielded, listed } = walked(paths, root);
      assert.deepStrictEqual(listed, everything, paths.join(' '));
      assert.deepStrictEqual(yielded, listed, paths.join(' '));
    }
  });

  it('yields separate folders in order whatever order they are given in', () => {
    const { yielded, listed } = walked([path.join(root, 'z'), path.join(root, 'a-b'), path.join(root, 'a')], root);
    assert.deepStrictEqual(listed, ['a-b/y.c', 'a/sub/y.h', 'a/x.c', 'z/link.c', 'z/q.c']);
    assert.deepStrictEqual(yielded, listed);
  });

  it('yields nothing where a given path adds files the walk would not list (a linked folder, given)', () => {
    const { yielded, listed } = walked([root, path.join(root, 'dirlink')], root);
    assert.deepStrictEqual(yielded, []);
    assert.deepStrictEqual(listed, [...everything.slice(0, 5), 'a/sub/y.h', 'a/x.c', 'a_b.c', 'dirlink/sub/y.h', 'dirlink/x.c', 'z/link.c', 'z/q.c'].sort());
  });
});
