// Definitions read from a file's skeleton (parse/outline.ts, functions.ts collectOutlined) and
// parsed one by one (parseDefinition) are those of the whole file's parse.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { parseDefinition, parsePreprocessed, parseSource, preprocessSource, type PreprocessedFile } from '../../server/src/parse/parser';
import { skeletonOf } from '../../server/src/parse/outline';
import { collectFunctions, collectOutlined, paramsRead, type FunctionUnit } from '../../server/src/analysis/functions';
import { storedUnit, unitsOf } from '../../server/src/analysis/session-snapshot';
import { listFiles } from '../fixture-runner';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures');

const signature = (u: FunctionUnit) => ({ key: u.key, start: u.start, end: u.end, name: u.name, isStatic: u.isStatic, params: u.params, parsed: u.parsed });

/**
 * Units read from a skeleton, with the node ProgramFiles gives them (their params are read from
 * it): the definition parsed alone, or where that has an error, the whole parse's.
 */
function withNodes(units: FunctionUnit[], pre: PreprocessedFile): FunctionUnit[] {
  let whole: Map<string, FunctionUnit> | undefined;
  for (const u of units) {
    Object.defineProperty(u, 'node', {
      get: () => {
        const alone = parseDefinition(pre, u.start, u.end);
        if (alone && !alone.hasError) return alone;
        whole ??= new Map(collectFunctions(parsePreprocessed(pre)).map((w) => [w.key, w]));
        return whole.get(u.key)?.node;
      },
    });
  }
  return units;
}

/** The skeleton's definitions of `pre`, with their nodes (undefined where the file is read whole). */
function outlinedWithNodes(pre: PreprocessedFile): FunctionUnit[] | undefined {
  const units = collectOutlined(pre);
  return units && withNodes(units, pre);
}

describe('outline: definitions without parsing their bodies', () => {
  it('leaves out the inside of top-level braces, and maps skeleton offsets back to the text', () => {
    const text = 'int f(int a)\n{\n\treturn a;\n}\nstruct s { int x; };\nint g(void) { if (1) { } return 0; }\n';
    const s = skeletonOf(text)!;
    assert.strictEqual(s.text, 'int f(int a)\n{}\nstruct s {};\nint g(void) {}\n');
    // `}` of f, of struct s, and the `i` of `int g`.
    assert.strictEqual(text[s.toText(s.text.indexOf('}'))], '}');
    assert.strictEqual(s.toText(s.text.indexOf('int g')), text.indexOf('int g'));
    assert.strictEqual(s.toText(s.text.length), text.length);
  });

  it('counts no brace of a comment, a string, a character or a directive', () => {
    const text = [
      '#define LOCK() {',
      'int f(void)',
      '{',
      '\t/* } */ // }',
      '\tchar c = \'}\', *p = "}\\"}";',
      '\treturn 0;',
      '}',
      '',
    ].join('\n');
    const s = skeletonOf(text)!;
    assert.strictEqual(s.text, '#define LOCK() {\nint f(void)\n{}\n');
  });

  it('gives no skeleton where the braces cannot be trusted', () => {
    assert.strictEqual(skeletonOf('int f(void) {\n'), undefined, 'unbalanced');
    assert.strictEqual(skeletonOf('}\n'), undefined, 'a close with nothing open');
    assert.strictEqual(skeletonOf('int f(void) { char *s = "x\n"; }\n'), undefined, 'an unterminated string');
    // Both branches of an #if left in open a brace: the column-0 `}` closes the function, not the count.
    const branches = '#ifdef A\nvoid f(void) {\n\tif (a) {\n#else\n\tif (b) {\n#endif\n\t\tg();\n\t}\n}\nvoid h(void) { }\n';
    assert.strictEqual(skeletonOf(branches), undefined, 'a column-0 } that closes no top-level block');
  });

  it('reads a file whole when a syntax error of its skeleton touches a definition, or when it defines field macros', () => {
    // A missing `;` right before a definition: its recovery reads the tokens that follow.
    const glued = 'int a\nint f(struct page *p) {\n\treturn 0;\n}\n';
    assert.strictEqual(collectOutlined(preprocessSource('glued.c', glued)), undefined);
    assert.deepStrictEqual(collectFunctions(parseSource('glued.c', glued)).map((u) => u.name), ['f']);
    const macros = '#define OWNER(p) ((p)->mapping)\nint f(void) { return 0; }\n';
    assert.strictEqual(collectOutlined(preprocessSource('macros.c', macros)), undefined);
    // An error that ends with its `;` (an initializer's braces are no body) is read from the skeleton, next to a definition too.
    const apart = 'static DEFINE_PER_CPU(       counts, c) = {{0}};\nint f(void) { return 0; }\n';
    assert.ok(parseSource('apart.c', apart).tree.rootNode.hasError);
    assert.deepStrictEqual(outlinedWithNodes(preprocessSource('apart.c', apart))?.map(signature), collectFunctions(parseSource('apart.c', apart)).map(signature));
  });

  it('reads from the skeleton a file whose definitions use a subsystem\'s attribute names or SYSCALL_DEFINE0', () => {
    // Each left a syntax error in a definition (mm/slub.c, fs/xfs, mm/mlock.c were parsed whole for it).
    const text = [
      'static __fastpath_inline\nbool a(struct page *p)\n{\n\treturn p->index;\n}',
      'STATIC void\nb(\n\tint x)\n{\n\tg(x);\n}',
      'static pad_check_attributes int\nc(void)\n{\n\treturn 0;\n}',
      'SYSCALL_DEFINE0(d)\n{\n\treturn 0;\n}',
      'static int e(void)\n{\n\treturn 1;\n}',
      '',
    ].join('\n');
    const pre = preprocessSource('attrs.c', text);
    const whole = collectFunctions(parsePreprocessed(pre));
    assert.ok(!parsePreprocessed(pre).tree.rootNode.hasError);
    assert.deepStrictEqual(whole.map((u) => [u.name, u.isStatic]), [['a', true], ['b', false], ['c', true], ['d', false], ['e', true]]);
    assert.deepStrictEqual(outlinedWithNodes(pre)?.map(signature), whole.map(signature));
  });

  it('every fixture: the skeleton gives the whole parse\'s definitions, and each parsed alone is the whole parse\'s node', () => {
    let outlined = 0;
    let definitions = 0;
    for (const file of listFiles(FIXTURES).filter((f) => /\.[ch]$/.test(f))) {
      const rel = path.relative(FIXTURES, file);
      const pre = preprocessSource(rel, fs.readFileSync(file));
      const whole = collectFunctions(parsePreprocessed(pre));
      const fromSkeleton = outlinedWithNodes(pre);
      if (!fromSkeleton) continue;
      outlined++;
      assert.deepStrictEqual(fromSkeleton.map(signature), whole.map(signature), rel);
      for (const u of whole) {
        const alone = parseDefinition(pre, u.start, u.end);
        if (u.node.hasError) continue;
        definitions++;
        assert.ok(alone, `${u.key}: not one definition when parsed alone`);
        assert.strictEqual(alone.toString(), u.node.toString(), u.key);
        assert.deepStrictEqual([alone.startPosition, alone.endPosition, alone.lastChild?.startPosition], [u.node.startPosition, u.node.endPosition, u.node.lastChild?.startPosition], u.key);
      }
    }
    assert.ok(outlined > 50 && definitions > 200, `only ${outlined} fixture files outlined, ${definitions} definitions compared`);
  });

  it('reads a skeleton definition\'s params from its own node, only when they are asked for', () => {
    const text = 'int f(struct page *p, pgoff_t i) { return 0; }\nstatic void g(void) { }\n';
    const pre = preprocessSource('p.c', text);
    const units = collectOutlined(pre)!;
    assert.deepStrictEqual(units.map(paramsRead), [undefined, undefined]);
    withNodes(units, pre);
    assert.deepStrictEqual(units[0].params.map((p) => [p.name, p.kind, text.slice(p.start, p.end)]), [['p', 'page', 'struct page *p'], ['i', 'index', 'pgoff_t i']]);
    assert.ok(paramsRead(units[0]));
    assert.strictEqual(paramsRead(units[1]), undefined);
    // A snapshot keeps the params that were read; a unit restored without them reads them from its node.
    const stored = units.map(storedUnit);
    assert.deepStrictEqual([stored[0].params?.length, 'params' in stored[1]], [2, false]);
    const restored = withNodes(unitsOf({ path: 'p.c', text, units: stored, defined: [], problems: [] }), pre);
    assert.deepStrictEqual(restored.map(paramsRead), [units[0].params, undefined]);
    assert.deepStrictEqual(restored[1].params.map((p) => p.type), ['void']);
  });

  it('a range that is not one whole definition parses to nothing', () => {
    const pre = preprocessSource('t.c', 'int f(void) { return 0; }\nint g(void) { return 1; }\n');
    assert.ok(parseDefinition(pre, 0, pre.parsedText.indexOf('}') + 1));
    assert.strictEqual(parseDefinition(pre, 0, pre.parsedText.length - 1), undefined, 'two definitions');
    assert.strictEqual(parseDefinition(pre, 0, 20), undefined, 'half of one');
  });
});
