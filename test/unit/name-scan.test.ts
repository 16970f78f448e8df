// The pre-scan reads names off bytes (name-scan.ts) where the search used to run regexes
// over the decoded text. It must say exactly what those regexes said, for any text: which
// names `\bNAME\s*\(` finds, and which DEFINITION_RE takes (non-static), whatever the
// whitespace (Unicode \s included), line breaks (\r, U+2028), byte order mark or encoding
// (invalid UTF-8 is read as Latin-1). Checked on random texts and bytes, the fixtures and,
// when cached, every file of a kernel's mm/.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import fc from 'fast-check';
import { DEFINITION_RE, MACRO_DEFINITION_RE, hashBytes, scanNameList, scanText } from '../../server/src/analysis/name-scan';
import { prescanSource } from '../../server/src/analysis/prescan';
import { NameIndex } from '../../server/src/analysis/name-index';
import { decodeSource } from '../../server/src/parse/source-view';
import { requirePrerequisite } from '../prerequisites';

/** What the regexes say of a text: every name `\bNAME\s*\(` finds, and the defined ones (static ones too with `staticToo`). */
function reference(text: string, staticToo = false): { calls: Set<string>; defined: string[]; macros: string[] } {
  const calls = new Set([...text.matchAll(/\b([A-Za-z_]\w*)\s*\(/g)].map((m) => m[1]));
  const defined = new Set<string>();
  for (const m of text.matchAll(DEFINITION_RE)) if (staticToo || !m[0].startsWith('static')) defined.add(m[1]);
  const macros = new Set([...text.matchAll(MACRO_DEFINITION_RE)].map((m) => m[1]));
  return { calls, defined: [...defined], macros: [...macros] };
}

/** The scan, as the reference's shape, with every name checked by its own regex both ways. */
function check(text: string, scan: ReturnType<typeof scanText>, staticToo = false): void {
  const names = scanNameList(scan);
  const ref = reference(text, staticToo);
  assert.deepStrictEqual(new Set(names), ref.calls, 'call names');
  assert.strictEqual(names.length, ref.calls.size, 'each name once');
  assert.deepStrictEqual(Array.from(scan.defined, (i) => names[i]), ref.defined, 'defined names, in order');
  assert.deepStrictEqual(Array.from(scan.macros, (i) => names[i]), ref.macros, 'macro names, in order');
  assert.strictEqual(scan.hasSuppressions, text.includes('fsdax-audit:'));
  // The index trusts these instead of hashing the names again.
  assert.deepStrictEqual(Array.from(scan.hashes), names.map((n) => { const b = Buffer.from(n, 'latin1'); return hashBytes(b, 0, b.length); }), 'hashes');
  for (const name of [...names, ...ref.defined].slice(0, 20)) assert.ok(new RegExp(`\\b${name}\\s*\\(`).test(text), name);
}

const PIECES = [
  'a', 'b', 'f', 'foo', '_x', 'x1', '1x', '9', 'static', 'static int f', 'int', ' ', '  ', '\t', '\n', '\r', '\r\n', '\v', '\f',
  '(', ')', ';', '=', '{', '}', ',', '*', '/*', '*/', '"', '->', '#define ', '#', 'define', '# define\t', '#define f(x) g(x, 0)\n', 'fsdax-audit:',
  '\u00a0', '\u1680', '\u2000', '\u200a', '\u200b', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000', '\ufeff', '\u180e', '\u0085',
  'é', '\u00ff', '\u4e2d', '\ud83d\ude00', '\ud800',
];

const BREAKS = ['\n', '\r', '\r\n', '\u2028', '\u2029', '\u0085'];
const WORDS = ['int', 'f', 'g1', 'static', 'staticx', '_t', '2x', 'struct page *', '#define', '#', 'define', '# define'];
const SPACES = [' ', '\t', '', '\v', '\f', '\u00a0', '\u1680', '\u2000', '\u2005', '\u200a', '\u202f', '\u205f', '\u3000', '\ufeff', '\u200b', '\u180e', '\n'];
/** Line-shaped texts: a word at column 0 (or not), words, spaces, and what stops a definition, between random line breaks. */
const lines = fc.array(fc.tuple(
  fc.constantFrom(...BREAKS),
  fc.array(fc.oneof(fc.constantFrom(...WORDS), fc.constantFrom(...SPACES), fc.constantFrom('(', ';', '=', '{', ')', '*', 'é', '"')), { maxLength: 8 }),
), { maxLength: 8 }).map((ls) => ls.map(([brk, parts]) => parts.join('') + brk).join(''));

describe('name scan (the pre-scan on bytes)', () => {
  it('says what the regexes say of random texts', () => {
    fc.assert(fc.property(fc.array(fc.constantFrom(...PIECES), { maxLength: 60 }), (pieces) => {
      const text = pieces.join('');
      check(text, scanText(text));
    }), { numRuns: 3000 });
  });

  it('says what the regexes say of random line-shaped texts', () => {
    fc.assert(fc.property(lines, (text) => check(text, scanText(text))), { numRuns: 5000 });
  });

  it('takes static definitions too when asked (a header\'s static inlines), as the unfiltered regex', () => {
    fc.assert(fc.property(lines, (text) => check(text, scanText(text, { staticToo: true }), true)), { numRuns: 2000 });
    assert.deepStrictEqual(scanNameList(scanText('static int f(void);\n')).length, 1);
    assert.deepStrictEqual(Array.from(scanText('static int f(void);\n').defined), []);
    assert.deepStrictEqual(Array.from(scanText('static int f(void);\n', { staticToo: true }).defined), [0]);
  });

  it('says what the regexes say of random bytes, as decoded (UTF-8, a byte order mark, Latin-1)', () => {
    const bytePieces = [...PIECES.map((p) => [...Buffer.from(p, 'utf8')]), [0xef, 0xbb, 0xbf], [0xa0], [0x85], [0xc2], [0xe2, 0x80], [0xff], [0x80]];
    const latin1Lines = lines.map((t) => [...Buffer.from(t, 'latin1')]);
    const text = fc.oneof(fc.array(fc.constantFrom(...bytePieces), { maxLength: 60 }).map((p) => p.flat()), lines.map((t) => [...Buffer.from(t, 'utf8')]), latin1Lines);
    fc.assert(fc.property(text, fc.boolean(), (content, bom) => {
      const bytes = Uint8Array.from([...(bom ? [0xef, 0xbb, 0xbf] : []), ...content]);
      if (bytes.includes(0)) return;
      const scan = prescanSource('x.c', bytes);
      check(decodeSource(bytes).text, scan.names!);
    }), { numRuns: 5000 });
  });

  it('says what the regexes say of the fixtures', () => {
    const root = path.join(__dirname, '..', '..', '..', 'test', 'fixtures');
    const walk = (d: string): string[] => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : /\.[ch]$/.test(e.name) ? [path.join(d, e.name)] : []));
    const files = walk(root);
    assert.ok(files.length > 50, `${files.length} fixture files`);
    for (const f of files) {
      const bytes = fs.readFileSync(f);
      // The pre-scan takes a header's static inlines as definitions too (they bind from every includer).
      check(decodeSource(bytes).text, prescanSource(f, bytes).names!, f.endsWith('.h'));
    }
  });

  it('says what the regexes say of every file of a kernel mm/ (when cached)', function () {
    const mm = path.join(os.homedir(), '.cache', 'fsdax-audit', 'linux-6.12', 'mm');
    requirePrerequisite(this, fs.existsSync(mm) ? undefined : 'no cached linux-6.12', 'npm run fetch-kernel -- 6.12');
    this.timeout(120000);
    const files = fs.readdirSync(mm).filter((f) => /\.[ch]$/.test(f));
    for (const f of files) {
      const bytes = fs.readFileSync(path.join(mm, f));
      // The pre-scan takes a header's static inlines as definitions too (they bind from every includer).
      check(decodeSource(bytes).text, prescanSource(f, bytes).names!, f.endsWith('.h'));
    }
  });

  it('the comparison can fail: a name the regex finds is missing from a scan of other text', () => {
    assert.throws(() => check('int f(void);\nvoid g(void) { h (1); }', scanText('int f(void);\nvoid g(void) { h + (1); }')));
  });
});

describe('name index', () => {
  const index = new NameIndex();
  index.set('a.c', scanText('void f(void)\n{\n\tg(1);\n\tcommon(2);\n}\n'));
  index.set('b.c', scanText('int h(void) { return common (3); }\n'));

  it('finds the files calling a name, in path order, and nothing for an unknown name', () => {
    assert.deepStrictEqual(index.filesCalling(['common']), ['a.c', 'b.c']);
    assert.deepStrictEqual(index.filesCalling(['g', 'h']), ['a.c', 'b.c']);
    assert.deepStrictEqual(index.filesCalling(['g']), ['a.c']);
    assert.deepStrictEqual(index.filesCalling(['nowhere']), []);
  });

  it('follows files that change, are added and removed after the lists were built', () => {
    const i = new NameIndex();
    for (let n = 0; n < 300; n++) i.set(`f${String(n).padStart(3, '0')}.c`, scanText(n % 2 ? 'x(1);' : 'y(2);'));
    assert.strictEqual(i.filesCalling(['x']).length, 150);
    i.set('f001.c', scanText('y(1);'));
    i.set('new.c', scanText('x(1); z (2);'));
    i.remove('f003.c');
    assert.strictEqual(i.filesCalling(['x']).length, 149);
    assert.ok(i.filesCalling(['x']).includes('new.c') && !i.filesCalling(['x']).includes('f001.c'));
    assert.deepStrictEqual(i.filesCalling(['z']), ['new.c']);
    // Past the rebuild threshold, the lists are built again and say the same.
    for (let n = 0; n < 300; n++) i.set(`g${n}.c`, scanText('z(1);'));
    assert.strictEqual(i.filesCalling(['z']).length, 301);
    assert.strictEqual(i.filesCalling(['x']).length, 149);
  });

  it('finds the files that may define a name, as a function or a function-like macro, as they change', () => {
    const i = new NameIndex();
    const defines = (n: number) => `int d${n % 3}(void)\n{\n\treturn 0;\n}\n#define m${n % 2}(x) d0(x)\nstatic int s(void);\n`;
    for (let n = 0; n < 300; n++) i.set(`f${String(n).padStart(3, '0')}.c`, scanText(defines(n)));
    assert.strictEqual(i.filesDefining('d1').length, 100);
    assert.deepStrictEqual(i.filesDefining('d1').slice(0, 2), ['f001.c', 'f004.c'], 'in path order');
    assert.strictEqual(i.filesDefiningMacro('m0').length, 150);
    assert.deepStrictEqual(i.filesDefining('s'), [], 'a static definition of a .c file is its own');
    assert.deepStrictEqual(i.filesDefining('m0'), [], 'a macro is no function definition');
    assert.deepStrictEqual(i.definedIn('f004.c'), ['d1', 'm0']);
    assert.strictEqual(i.hasMacros('f004.c'), true);
    // A file that stops defining d1 and its macro, one removed, one added.
    i.set('f004.c', scanText('void user(void)\n{\n\td1();\n}\n'));
    i.remove('f001.c');
    i.set('new.c', scanText(defines(1)));
    assert.deepStrictEqual(i.definedIn('f004.c'), ['user']);
    assert.strictEqual(i.hasMacros('f004.c'), false);
    assert.deepStrictEqual(i.definedIn('f001.c'), []);
    assert.deepStrictEqual(i.filesDefining('d1').slice(0, 2), ['f007.c', 'f010.c']);
    assert.ok(i.filesDefining('d1').includes('new.c'));
    assert.strictEqual(i.filesDefining('d1').length, 99);
    assert.strictEqual(i.filesDefiningMacro('m0').length, 149);
    assert.strictEqual(i.filesDefiningMacro('m1').length, 150, 'f001.c gone, new.c come');
  });
});
