import * as assert from 'assert';
import { parseSource, reparseSource, collectSyntaxErrors } from '../../server/src/parse/parser';
import { createSourceView } from '../../server/src/parse/source-view';
import { preprocessIncremental, preprocessKernelC, preprocessWhole } from '../../server/src/parse/preprocess';
import { functionName } from '../../server/src/parse/nodes';

const functionsOf = (text: string) => parseSource('t.c', text).tree.rootNode.descendantsOfType('function_definition').map((d) => functionName(d));

describe('parse layer', () => {
  it('maps offsets to lines across LF, CRLF and lone CR', () => {
    const v = createSourceView('a\r\nbb\rccc\nd');
    assert.deepStrictEqual(v.positionAt(3), { line: 1, character: 0 });
    assert.deepStrictEqual(v.positionAt(6), { line: 2, character: 0 });
    assert.deepStrictEqual(v.positionAt(10), { line: 3, character: 0 });
    assert.strictEqual(v.lineText(1), 'bb');
    assert.strictEqual(v.offsetAt({ line: 2, character: 1 }), 7);
  });

  it('keeps a column per byte for non-UTF-8 input and says so', () => {
    const bytes = Buffer.from([0x69, 0x6e, 0x74, 0x20, 0xff, 0x3b, 0x0a, 0x69, 0x6e, 0x74, 0x20, 0x78, 0x3b]);
    const p = parseSource('latin.c', bytes);
    assert.strictEqual(p.view.isUtf8, false);
    assert.ok(p.problems.some((x) => x.kind === 'non-utf8'));
    assert.strictEqual(p.view.text.length, bytes.length);
  });

  it('parses files over 32 KiB completely', () => {
    const body = Array.from({ length: 3000 }, (_, i) => `static int f${i}(void) { return ${i}; }`).join('\n');
    assert.ok(body.length > 32 * 1024);
    assert.strictEqual(functionsOf(body).length, 3000);
  });

  it('reports binary input instead of parsing it', () => {
    const p = parseSource('x.o', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1]));
    assert.deepStrictEqual(p.problems.map((x) => x.kind), ['binary']);
  });

  it('preprocessing keeps every offset and line break', () => {
    const src = '#ifdef CONFIG_X\nint a;\n#else\nint b;\n#endif\nvoid f(void) __must_hold(&l)\n{\n\tlist_for_each_entry(p, h, m) {\n\t\tg(p);\n\t}\n}\n';
    const out = preprocessKernelC(src);
    assert.strictEqual(out.text.length, src.length);
    assert.deepStrictEqual([...out.text].map((c, i) => (c === '\n') === (src[i] === '\n')).every(Boolean), true);
    assert.ok(!out.text.includes('int b'), 'the #else branch is blanked');
    assert.ok(out.text.includes('while'), 'the iterator macro became a loop');
    assert.deepStrictEqual(out.rewrites.map((r) => r.name), ['list_for_each_entry']);
  });

  it('recovers functions written with kernel idioms', () => {
    const src = [
      'SYSCALL_DEFINE2(truncate, const char __user *, path, long, length)\n{\n\treturn do_sys_truncate(path, length);\n}',
      'static void walk(struct list_head *h) __must_hold(&lock)\n{\n\tstruct foo *p;\n\tlist_for_each_entry(p, h, list) {\n\t\tif (p->x) break;\n\t}\n}',
      'static struct foo *of(struct list_head *n)\n{\n\treturn container_of(n, struct foo, list);\n}',
      // No parameters: the list is opened and closed (a `(` over the `)` ran the recovery into `after`).
      'SYSCALL_DEFINE0(flushall)\n{\n\treturn flush(0);\n}',
      'COMPAT_SYSCALL_DEFINE0( spaced )\n{\n\treturn 0;\n}',
      'static int after(void)\n{\n\treturn 1;\n}',
    ].join('\n');
    const p = parseSource('k.c', src);
    assert.deepStrictEqual(collectSyntaxErrors(p.tree), []);
    assert.deepStrictEqual(functionsOf(src), ['truncate', 'walk', 'of', 'flushall', 'spaced', 'after']);
  });

  it('blanks a file-scope macro left without its `;`, and only one', () => {
    const text = [
      '\nfirst_initcall(a)', // the text's first line break, then the macro (the look back stopped at 1 and looped)
      'static int f(void)\n{\n\treturn 0;\n}',
      '/* registered */\npostcore_initcall(f)\n\n/* the next one */',
      'static int g(void)\n{\n\treturn 1;\n}',
      'DECLARE_CALLBACKS(static, cb,\n\tstruct v, rb)\n#define X 1',
      'int flags;\nFLAG_OPS(dirty, PF_ANY)\nFLAG_OPS(clean, PF_ANY)\n/* after a blanked one, another */',
      'SYSCALL_DEFINE1(h, int, a)\n{\n\treturn a;\n}', // heads a body
      'static long\nk(int a)\n{\n\treturn a;\n}', // a declarator after its type
      'int x = 1 + /* c */\nkept_in_expression(x)\n;',
      'int z;\n',
    ].join('\n');
    const out = preprocessKernelC(text).text;
    assert.strictEqual(out.length, text.length);
    for (const gone of ['first_initcall', 'postcore_initcall', 'DECLARE_CALLBACKS', 'struct v', 'FLAG_OPS']) assert.ok(!out.includes(gone), gone);
    for (const kept of ['h( int  a)', 'k(int a)', 'kept_in_expression(x)']) assert.ok(out.includes(kept), kept);
    assert.deepStrictEqual(functionsOf(text), ['f', 'g', 'h', 'k']);
    const p = parseSource('init.c', text.slice(0, text.indexOf('int x;')));
    assert.deepStrictEqual(collectSyntaxErrors(p.tree), []);
    for (const segmentSize of [1, 16, 2048]) assert.strictEqual(preprocessKernelC(text, { segmentSize }).text, preprocessWhole(text).text, `segments of ${segmentSize}`);
  });

  it('blanks the block comments of a directive continued over lines, where tree-sitter ended the macro', () => {
    const macro = '#define for_each_live(z) \\\n\tfor (z = first(); z; z = next(z)) \\\n\t\tif (!live(z)) \\\n\t\t\t; /* skip */ \\\n\t\telse\n';
    const after = '\nstatic inline int h(void)\n{\n\treturn 0;\n}\n#define ONE 1 /* one line: kept */\n';
    const out = preprocessKernelC(macro + after).text;
    assert.strictEqual(out.length, macro.length + after.length);
    assert.ok(!out.includes('skip') && out.includes('one line: kept'), out);
    assert.deepStrictEqual(collectSyntaxErrors(parseSource('m.h', macro + after).tree), []);
    assert.deepStrictEqual(functionsOf(macro + after), ['h']);
  });

  it('reports an unterminated #if and still parses', () => {
    const p = parseSource('u.c', '#ifdef A\nint f(void) { return 0; }\n');
    assert.ok(p.problems.some((x) => x.kind === 'unbalanced-preprocessor'));
    assert.strictEqual(functionsOf('#ifdef A\nint f(void) { return 0; }\n').length, 1);
  });

  it('an edit the conditional pass need not run again for (no directive, comment, literal or continuation) keeps or blanks its lines as before', () => {
    const text = 'int a(void)\n{\n\treturn 1;\n}\n#ifdef CONFIG_A\nint b(void)\n{\n\treturn 2;\n}\n#else\nint b(void)\n{\n\treturn 0;\n}\n#endif\n' +
      '#if X && \\\n    Y\nint c;\n#endif /* X */\n#ifdef B\n';
    const edits: Array<[string, string]> = [
      ['return 1;', 'return 11;\n\tx = 1;'], // active lines, a line added
      ['return 2;', 'return 22;'], // the kept branch
      ['return 0;', 'return 10;\n\ty = 0;'], // the blanked branch: its new lines blanked too
      ['    Y', '    Z\nint d;'], // a directive's continued line: the pass runs again (the added line is kept)
      ['int c;', 'int *c, e = 2 * 3 / 1;'], // pointers and arithmetic: no comment delimiter
      ['return 11;', 'return /* a comment */ 11;'],
    ];
    let state = preprocessKernelC(text, { keepState: true }).state!;
    let now = text;
    for (const [from, to] of edits) {
      assert.ok(now.includes(from), from);
      now = now.replace(from, to);
      const r = preprocessIncremental(state, now, { keepState: true });
      const whole = preprocessWhole(now);
      assert.strictEqual(r.text, whole.text, `${from} -> ${to}`);
      assert.deepStrictEqual(r.problems, whole.problems, `${from} -> ${to}`);
      state = r.state!;
    }
    assert.match(preprocessWhole(now).text, /int d;/, 'the continued directive\'s added line is kept');
    assert.doesNotMatch(preprocessWhole(now).text, /return 10/, 'the blanked branch stays blank');
  });

  it('incremental reparse gives the same tree as a fresh parse', () => {
    const before = 'int f(struct page *p)\n{\n\treturn p->index;\n}\n';
    const after = before.replace('index', 'mapping != 0');
    const incremental = reparseSource(parseSource('a.c', before), after);
    assert.strictEqual(incremental.tree.rootNode.toString(), parseSource('a.c', after).tree.rootNode.toString());
  });
});

describe('queries', () => {
  it('finds every mapping/index/share field access, and nothing else', async () => {
    const { findFieldAccesses } = await import('../../server/src/parse/queries');
    const src = 'void f(struct folio *folio, struct file *file)\n{\n\tx = folio->mapping;\n\ty = folio->page.index;\n\tz = file->f_mapping;\n\tfolio->share = 0;\n}\n';
    const found = findFieldAccesses(parseSource('q.c', src).tree).map((a) => `${a.receiver.text}:${a.field}`);
    assert.deepStrictEqual(found, ['folio:mapping', 'folio->page:index', 'folio:share']);
  });
});
