// Forwarding macros (call-alias.ts): which #define bodies are a call the analysis can follow, and
// which definition a call binds to when several headers define the macro.
import * as assert from 'assert';
import { callAliasIn, macroBodyCalls } from '../../server/src/analysis/call-alias';
import { programFilesFromParsed } from '../../server/src/analysis/program-files';
import { parseSource } from '../../server/src/parse/parser';

const HEADER = [
  '#define plain(f) target(f, NULL)',
  '#define swapped(a, b) target((b), a)',
  '#define flags(p) target(p, FLAG_A | FLAG_B)',
  '#define continued(p) \\',
  '\ttarget(p, 0)',
  '#define computes(p) target((p) + 1, 0)',
  '#define reads(p) target(p, current->mm)',
  '#define calls(p) target(p, other(0))',
  '#define variadic(p, ...) target(p, __VA_ARGS__)',
  '#define statement(p) do { target(p, 0); } while (0)',
  '#define itself(p) itself(p)',
  '#define OBJECT target(0, 0)',
].join('\n');

describe('forwarding macros', () => {
  const shape = (name: string, text = HEADER) => {
    const a = callAliasIn('include/linux/x.h', text, name);
    return a && { target: a.target, args: a.args.map((x) => ('param' in x ? x.param : x.expression.text)) };
  };

  it('takes a body that is one call whose arguments are parameters or constants', () => {
    assert.deepStrictEqual(shape('plain'), { target: 'target', args: [0, 'NULL'] });
    assert.deepStrictEqual(shape('swapped'), { target: 'target', args: [1, 0] });
    assert.deepStrictEqual(shape('flags'), { target: 'target', args: [0, 'FLAG_A | FLAG_B'] });
    assert.deepStrictEqual(shape('continued'), { target: 'target', args: [0, '0'] });
  });

  it('leaves out bodies that compute, read memory, call, take varargs, are statements or name themselves', () => {
    for (const name of ['computes', 'reads', 'calls', 'variadic', 'statement', 'itself', 'OBJECT', 'absent']) assert.strictEqual(shape(name), undefined, name);
  });

  it('reads every #if branch: a forward only where all definitions agree', () => {
    const branches = (other: string) => `#ifdef CONFIG_A\n#define plain(f) target(f, NULL)\n#else\n  # define plain(f) ${other}\n#endif\n`;
    assert.deepStrictEqual(shape('plain', branches('target(f, NULL)')), { target: 'target', args: [0, 'NULL'] });
    assert.strictEqual(shape('plain', branches('target(f, 0)')), undefined);
    assert.strictEqual(callAliasIn('x.h', branches('target(f, NULL)'), 'plain')?.start, '#ifdef CONFIG_A\n'.length);
  });

  it('finds the macros whose definition mentions a function, continued lines included, and not other mentions', () => {
    const text = [
      '#define a(x) target(x, 0)',
      '#define b(x) \\',
      '\ttarget((x), 1)',
      'static inline int c(int x) { return target(x, 2); }',
      '/* target(comment) */',
      '#define d(x) other(x)',
      '#  define e(x) target(x, 3)',
    ].join('\n');
    const calls = macroBodyCalls(text);
    assert.deepStrictEqual(calls.get('target'), ['a', 'b', 'e']);
    assert.deepStrictEqual(calls.get('other'), ['d']);
    assert.strictEqual(calls.get('c'), undefined, 'a function is no macro');
  });

  it('binds a call to the headers\' macro only where every definition it can see agrees, and a function of the name wins', () => {
    const files = (second: string, extra = '') => programFilesFromParsed([
      parseSource('mm/a.c', `void caller(struct page *p)\n{\n\tplain(p);\n}\n${extra}`),
      parseSource('include/linux/x.h', '#define plain(f) target(f, NULL)\n'),
      parseSource('include/linux/y.h', second),
    ]);
    assert.strictEqual(files('#define plain(f) target(f, NULL)\n').callAlias('plain', 'mm/a.c')?.target, 'target');
    assert.strictEqual(files('#define plain(f) elsewhere(f, NULL)\n').callAlias('plain', 'mm/a.c'), undefined);
    assert.strictEqual(files('', 'void plain(struct page *p)\n{\n}\n').callAlias('plain', 'mm/a.c'), undefined);
    // The calling file's own definition comes first.
    assert.strictEqual(files('#define plain(f) elsewhere(f, NULL)\n', '#define plain(f) mine(f)\n').callAlias('plain', 'mm/a.c')?.target, 'mine');
  });
});
