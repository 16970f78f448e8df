// Fuzzing library: a seeded PRNG, the corpus (our fixtures, cached kernel
// files), mutators and case generation. Every case is a pure function of
// (seed, case index, corpus), so `npm run fuzz -- --seed S --case I` rebuilds
// exactly the input that failed. The oracles live in fuzz-checks.ts.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { Tree } from '../../server/src/parse/parser';

/** mulberry32: tiny, fast, good enough for test inputs (not for crypto). */
export class Rng {
  private state: number;
  constructor(seed: number) { this.state = seed >>> 0; }
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number { return Math.floor(this.next() * n); }
  pick<T>(items: readonly T[]): T { return items[this.int(items.length)]; }
}

/** One independent stream per case, so case I does not depend on cases before it. */
export function caseRng(seed: number, index: number): Rng {
  const h = crypto.createHash('sha256').update(`${seed}:${index}`).digest();
  return new Rng(h.readUInt32LE(0));
}

export interface CorpusFile { name: string; bytes: Buffer }

/** test/fixtures/**.c, sorted, read from the source tree (not out/). */
export function fixtureCorpus(repoRoot: string): CorpusFile[] {
  const out: CorpusFile[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.c')) out.push({ name: path.relative(repoRoot, p).split(path.sep).join('/'), bytes: fs.readFileSync(p) });
    }
  };
  walk(path.join(repoRoot, 'test', 'fixtures'));
  return out;
}

export interface FuzzCase {
  index: number;
  /** What was done, e.g. "truncate+crlf of test/fixtures/rules/index-read/basic.c". */
  label: string;
  content: Buffer;
  /** Texts applied one after another through reparseSource (incremental edits). */
  edits: string[];
  /** Deep-nesting cases: the analysis recursion they probe is a known, reported bug. */
  deep?: boolean;
}

const DEEP = 10000;
/** A function the analysis always walks (an entry point with a pfn source), with `body` inside. */
const entry = (body: string) => `int memory_failure(unsigned long pfn, int flags)\n{\n\tstruct page *p = pfn_to_page(pfn);\n${body}\n\treturn 0;\n}\n`;

/** Fixed hostile inputs; case indices 0..SPECIAL_CASES.length-1 in every run. */
export const SPECIAL_CASES: ReadonlyArray<{ label: string; deep?: boolean; make: () => string | Buffer }> = [
  { label: 'deep-parens', deep: true, make: () => entry(`\tx = ${'('.repeat(DEEP)}p->index${')'.repeat(DEEP)};`) },
  { label: 'deep-braces', deep: true, make: () => entry(`${'{'.repeat(DEEP)} x = p->index; ${'}'.repeat(DEEP)}`) },
  { label: 'deep-if-directives', make: () => `${'#if A\n'.repeat(DEEP)}${entry('\tx = p->index;')}${'#endif\n'.repeat(DEEP)}` },
  { label: 'deep-calls', deep: true, make: () => entry(`\tx = ${'g('.repeat(DEEP)}p->index${')'.repeat(DEEP)};`) },
  { label: 'deep-else-if', deep: true, make: () => entry(`\t${'if (a) x(); else '.repeat(DEEP)} y = p->index;`) },
  { label: 'deep-binary', deep: true, make: () => entry(`\tx = ${'a + '.repeat(DEEP)}p->index;`) },
  { label: 'deep-field-chain', deep: true, make: () => entry(`\tx = p${'->a'.repeat(DEEP)}->mapping;`) },
  { label: 'unbalanced-if-only-opens', make: () => `${'#ifdef X\n'.repeat(DEEP)}${entry('\tx = p->mapping->host;')}` },
  { label: 'unbalanced-endif-only', make: () => `${'#endif\n#else\n'.repeat(DEEP)}${entry('\tx = p->mapping->host;')}` },
  { label: 'unterminated-comment', make: () => `${entry('\tx = p->index;')}/* never closed\n${entry('\ty = p->mapping;')}` },
  { label: 'unterminated-string', make: () => entry('\tchar *s = "never closed;\n\tx = p->index;') },
  // One 4 MB line of few tokens (long nesting is the deep-* cases' job).
  { label: 'huge-line-4MB', make: () => entry(`\tx = p->index; /* ${'c'.repeat(1 << 21)} */ s = "${'s'.repeat(1 << 21)}"; y = p->mapping;`) },
  { label: 'nul-bytes', make: () => Buffer.concat([Buffer.from(entry('\tx = p->index;')), Buffer.from([0, 0, 0]), Buffer.from(entry(''))]) },
  { label: 'nul-after-8KiB', make: () => `/*${'x'.repeat(9000)}*/\n${entry('\tx = p->index;')}\0${entry('')}` },
  { label: 'invalid-utf8', make: () => Buffer.concat([Buffer.from(entry('\tx = p->index; /* ')), Buffer.from([0xff, 0xc3, 0x28, 0xe2, 0x82]), Buffer.from(' */\n')]) },
  { label: 'lone-surrogates', make: () => entry('\t/* \ud800 \udfff */ x = p->index;') },
  { label: 'empty', make: () => '' },
  { label: 'only-newlines-crlf', make: () => '\r\n'.repeat(100000) },
  { label: 'lone-cr-file', make: () => `#ifdef CONFIG_FS_DAX\r${entry('\tx = p->mapping->host;').replace(/\n/g, '\r')}#endif\r` },
  { label: 'big-50MB', make: () => Buffer.alloc(50 * 1024 * 1024, 'int x;\n') },
];

/** A mutation of a file's bytes; mutators stack (one to three per case). */
type Mutator = (rng: Rng, b: Buffer) => Buffer;

const SNIPPETS = ['{', '}', '(', ')', ';', '"', "'", '/*', '*/', '//', '\\\n', '#if 0\n', '#ifdef CONFIG_X\n', '#else\n', '#endif\n',
  '#elif B\n', 'p->mapping', 'page->index', 'folio->mapping->host', 'pfn_to_page(pfn)', 'struct page *', 'return ', 'goto out;',
  'out:', 'else ', 'if (', 'while (', 'list_for_each_entry(p, h, m) ', 'SYSCALL_DEFINE2(', '__must_hold(', 'container_of(p, struct x, m)',
  '\r\n', '\r', '\t', '😀', 'é', '\u2028', '\0'];

const BENIGN = [' ', '\n', '\t', '\r\n', '/* c */', '// c\n'];

const insertAt = (b: Buffer, at: number, ins: Buffer | string) => Buffer.concat([b.subarray(0, at), Buffer.from(ins as string), b.subarray(at)]);

export const MUTATORS: Record<string, Mutator> = {
  truncate: (rng, b) => b.subarray(0, rng.int(b.length + 1)),
  'random-bytes': (rng, b) => { const c = Buffer.from(b); for (let k = 1 + rng.int(8); k > 0 && c.length; k--) c[rng.int(c.length)] = rng.int(256); return c; },
  'nul-bytes': (rng, b) => insertAt(b, rng.int(b.length + 1), Buffer.alloc(1 + rng.int(3))),
  'invalid-utf8': (rng, b) => insertAt(b, rng.int(b.length + 1), Buffer.from(rng.pick([[0xff], [0xc3], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xf8, 0x88, 0x80, 0x80, 0x80]]))),
  crlf: (_rng, b) => Buffer.from(b.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1'),
  'lone-cr': (_rng, b) => Buffer.from(b.toString('latin1').replace(/\r?\n/g, '\r'), 'latin1'),
  'mixed-eol': (rng, b) => Buffer.from(b.toString('latin1').replace(/\n/g, () => rng.pick(['\n', '\r\n', '\r'])), 'latin1'),
  'unterminated-comment': (rng, b) => insertAt(b, rng.int(b.length + 1), '/*'),
  'unterminated-string': (rng, b) => insertAt(b, rng.int(b.length + 1), rng.pick(['"', "'", '"\\'])),
  'unbalanced-if': (rng, b) => insertAt(b, lineStart(b, rng.int(b.length + 1)), rng.pick(['#if A\n', '#ifdef B\n', '#else\n', '#elif C\n', '#endif\n', '#if 0\n'])),
  'huge-line': (rng, b) => insertAt(b, lineStart(b, rng.int(b.length + 1)), `x = ${'a'.repeat(1 << (16 + rng.int(5)))};\n`),
  snippet: (rng, b) => { let c = b; for (let k = 1 + rng.int(6); k > 0; k--) c = insertAt(c, rng.int(c.length + 1), rng.pick(SNIPPETS)); return c; },
  'delete-span': (rng, b) => { const at = rng.int(b.length + 1); return Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + rng.int(200)))]); },
  'duplicate-span': (rng, b) => { const at = rng.int(b.length + 1); const len = rng.int(2000); return insertAt(b, rng.int(b.length + 1), b.subarray(at, at + len)); },
  'delete-brackets': (rng, b) => Buffer.from(b.toString('latin1').replace(/[{}()]/g, (m) => (rng.int(4) === 0 ? ' ' : m)), 'latin1'),
};

function lineStart(b: Buffer, at: number): number {
  const i = b.lastIndexOf(10, at - 1);
  return i < 0 ? 0 : i + 1;
}

/** Random edits for the incremental reparse: each edit is the whole next text. */
function editSequence(rng: Rng, text: string): string[] {
  const out: string[] = [];
  let t = text;
  for (let k = 1 + rng.int(4); k > 0; k--) {
    const at = rng.int(t.length + 1);
    const del = rng.int(4) === 0 ? rng.int(Math.min(64, t.length - at) + 1) : 0;
    // Half the edits are benign (whitespace, a comment, a longer identifier) so
    // that error-free text stays error-free and the tree comparison is exact.
    const insert = rng.int(2) === 0 ? rng.pick(BENIGN) : rng.int(5) === 0 ? '' : rng.pick(SNIPPETS);
    t = t.slice(0, at) + insert + t.slice(at + (insert && BENIGN.includes(insert) ? 0 : del));
    out.push(t);
  }
  return out;
}

/** Builds case `index`: a special case, or one to three mutators over a corpus file. */
export function makeCase(seed: number, index: number, corpus: readonly CorpusFile[]): FuzzCase {
  const rng = caseRng(seed, index);
  if (index < SPECIAL_CASES.length) {
    const s = SPECIAL_CASES[index];
    const made = s.make();
    const content = typeof made === 'string' ? Buffer.from(made) : made;
    // Incremental edits on multi-megabyte inputs would dominate the run; one edit on the others.
    const edits = content.length <= 256 * 1024 ? editSequence(rng, content.toString('utf8')).slice(0, 1) : [];
    return { index, label: s.label, content, edits, deep: s.deep };
  }
  const base = rng.pick(corpus);
  const names = Object.keys(MUTATORS);
  const chosen = Array.from({ length: 1 + rng.int(3) }, () => rng.pick(names));
  let content = base.bytes;
  for (const m of chosen) content = MUTATORS[m](rng, content);
  const edits = content.length <= 256 * 1024 ? editSequence(rng, content.toString('utf8')) : [];
  return { index, label: `${chosen.join('+')} of ${base.name}`, content, edits };
}

/**
 * A digest of every node's type, byte range, points and missing flag: two trees
 * agree iff digests do. Reads the cursor's own fields: marshalling a SyntaxNode
 * per node made this the slowest step of a run on deep trees.
 */
export function treeSignature(tree: Tree): string {
  const h = crypto.createHash('sha1');
  const c = tree.walk();
  const parts: string[] = [];
  for (;;) {
    const s = c.startPosition;
    const e = c.endPosition;
    parts.push(`${c.nodeTypeId}|${c.startIndex}|${c.endIndex}|${s.row}:${s.column}|${e.row}:${e.column}|${c.nodeIsMissing ? 1 : 0}`);
    if (parts.length >= 4096) h.update(parts.splice(0).join(';'));
    if (c.gotoFirstChild()) continue;
    while (!c.gotoNextSibling()) if (!c.gotoParent()) return h.update(parts.join(';')).digest('hex');
  }
}
