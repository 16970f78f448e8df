import * as assert from 'assert';
import * as path from 'path';
import { spawnSync } from 'child_process';

// The language server's mode (node objects unregistered, nothing kept on them) is process-wide and
// the unit tests' process is in the CLI's (test/unit/cfg.test.ts turns keepNodeStructure() on), so
// this runs in a fresh node process.
const PARSER = path.join(__dirname, '..', '..', 'server', 'src', 'parse', 'parser.js');

function inServerMode(script: string): Record<string, unknown> {
  const r = spawnSync(process.execPath, ['-e', `
    const { parseSource, dropNodeRegistration, withNodeMemo } = require(${JSON.stringify(PARSER)});
    dropNodeRegistration();
    const parsed = parseSource('t.c', 'int f(int a)\\n{\\n\\tif (a)\\n\\t\\treturn g(a);\\n\\treturn 0;\\n}\\n');
    const def = parsed.tree.rootNode.namedChildren.find((n) => n.type === 'function_definition');
    const kept = (n) => ['__c', '__nc', '__p', '__f', '__s', '__e'].filter((k) => n[k] !== undefined);
    const out = {};
    ${script}
    process.stdout.write(JSON.stringify(out));
  `], { encoding: 'utf8' });
  assert.strictEqual(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

describe('withNodeMemo (parser.ts): node structure remembered for one piece of work, then forgotten', () => {
  it('inside, a node answers from what it remembers; after, it keeps nothing and asks the tree again', () => {
    const out = inServerMode(`
      const body = def.childForFieldName('body');
      out.outsideSame = body.namedChildren === body.namedChildren;
      withNodeMemo(() => {
        out.insideSame = body.namedChildren === body.namedChildren;
        out.insideField = def.childForFieldName('body') === def.childForFieldName('body');
        out.insideStart = body.startIndex;
        out.insideKept = kept(body);
      });
      out.afterKept = kept(body).concat(kept(def));
      out.afterSame = body.namedChildren === body.namedChildren;
      out.afterStart = body.startIndex;
    `);
    assert.strictEqual(out.outsideSame, false, 'outside a memo the binding hands out new arrays (the test would prove nothing otherwise)');
    assert.strictEqual(out.insideSame, true);
    assert.strictEqual(out.insideField, true);
    assert.deepStrictEqual(out.insideKept, ['__nc', '__s']);
    assert.deepStrictEqual(out.afterKept, [], 'nothing kept past the memo');
    assert.strictEqual(out.afterSame, false);
    assert.strictEqual(out.afterStart, out.insideStart);
  });

  it('a nested call joins the outer one, and a throw still forgets', () => {
    const out = inServerMode(`
      withNodeMemo(() => {
        withNodeMemo(() => { void def.namedChildren; });
        out.keptAfterInner = kept(def);
      });
      try { withNodeMemo(() => { void def.children; throw new Error('x'); }); } catch {}
      out.keptAfterThrow = kept(def);
    `);
    assert.deepStrictEqual(out.keptAfterInner, ['__nc'], 'the inner call did not end the outer memo');
    assert.deepStrictEqual(out.keptAfterThrow, []);
  });
});
