// Regression tests for robustness bugs the fuzzer found in server/src/parse/.
// Each test names the input shape that broke and the invariant it broke.
import * as assert from 'assert';
import { parseSource, reparseSource } from '../../server/src/parse/parser';
import { functionName, lvalueKey } from '../../server/src/parse/nodes';
import { preprocessKernelC } from '../../server/src/parse/preprocess';
import { treeSignature } from './fuzz-lib';

const functionsOf = (text: string) =>
  parseSource('t.c', text).tree.rootNode.descendantsOfType('function_definition').map((d) => functionName(d));

describe('parse layer robustness (fuzz regressions)', () => {
  it('lone-CR line breaks end preprocessor lines (a CR-only file is not one #ifdef line)', () => {
    const src = '#ifdef A\rint f(void) { return 1; }\r#endif\rint g(void) { return 2; }\r';
    assert.deepStrictEqual(functionsOf(src), ['f', 'g']);
    const out = preprocessKernelC(src);
    assert.strictEqual(out.text.length, src.length);
    assert.ok(!out.text.includes('#'), 'directives are blanked');
    // A backslash continuation before a lone CR still continues the directive.
    assert.deepStrictEqual(functionsOf('#if A && \\\rB\rint h(void) { return 0; }\r#endif\r'), ['h']);
  });

  it('CRLF continuations and mixed line ends keep working', () => {
    const src = '#if A && \\\r\n  B\r\nint f(void) { return 1; }\r\n#else\rint f(void) { return 2; }\n#endif\n';
    assert.deepStrictEqual(functionsOf(src), ['f']);
    assert.ok(!preprocessKernelC(src).text.includes('return 2'), 'the #else branch after a lone CR is blanked');
  });

  it('a second reparse from the same previous file gives the tree of a fresh parse', () => {
    const t0 = 'int f(struct page *p)\n{\n\treturn p->index;\n}\nint g(void) { return 1; }\n';
    const prev = parseSource('d.c', t0);
    const t1 = t0.replace('index', 'mapping != 0');
    const t2 = t0.replace('return 1', 'return 12345 + 7');
    const r1 = reparseSource(prev, t1);
    const r2 = reparseSource(prev, t2);
    assert.strictEqual(treeSignature(r1.tree), treeSignature(parseSource('d.c', t1).tree));
    assert.strictEqual(treeSignature(r2.tree), treeSignature(parseSource('d.c', t2).tree));
  });

  it('lvalueKey handles 10,000-deep field and pointer chains without overflowing the stack', () => {
    const n = 10000;
    const src = `void f(void) { x = p${'->a'.repeat(n)}; y = ${'*'.repeat(n)}q; z = (*(s))->b.c; }\n`;
    const rights = parseSource('x.c', src).tree.rootNode.descendantsOfType('assignment_expression').map((a) => a.childForFieldName('right')!);
    const keys = rights.map((r) => lvalueKey(r));
    assert.strictEqual(keys[0], `p${'->a'.repeat(n)}`);
    assert.strictEqual(keys[1], `${'*'.repeat(n)}q`);
    assert.strictEqual(keys[2], '*s->b.c');
  });
});

describe('preprocessor rewrites keep line breaks (fuzz regressions)', () => {
  const keepsBreaks = (src: string) => {
    const out = preprocessKernelC(src).text;
    assert.strictEqual(out.length, src.length);
    for (let i = 0; i < src.length; i++) {
      if (src[i] === '\n' || src[i] === '\r' || out[i] === '\n' || out[i] === '\r') assert.strictEqual(out[i], src[i], `line break at ${i}`);
    }
    return out;
  };

  it('a type argument split over lines (min_t, container_of) keeps its line breaks', () => {
    const out = keepsBreaks('int f(void)\n{\n\treturn max_t(uns\nigned int, a, b) + max_t(\n\tlong, c, d);\n}\nstruct foo *g(void *p) { return container_of(p, struct foo\n, m); }\n');
    assert.match(out, /max_t\(0\s+, a, b\)/);
    assert.match(out, /max_t\(\n\t0\s*, c, d\)/);
    assert.deepStrictEqual(functionsOf('int f(void)\n{\n\treturn max_t(\n\tlong, c, d);\n}\nint g(void) { return 0; }\n'), ['f', 'g']);
  });

  it('SYSCALL_DEFINE and iterator names followed by a line break keep it', () => {
    keepsBreaks('SYSCALL_DEFINE1\n(close, unsigned int, fd)\n{\n\treturn 0;\n}\n');
    keepsBreaks('void f(void)\n{\n\tlist_for_each_entry\n\t\t(p, h, m) {\n\t\tg(p);\n\t}\n}\n');
  });
});
