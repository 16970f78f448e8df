// analysis layer: the pre-scan's reading of a file, on its bytes, never decoded. It finds
// what the demand-driven search asks of files it has not parsed: the names the file calls
// (every identifier followed by `(`, in code, comments or strings alike), the names a line
// starting at column 0 may define, and the function-like macros `#define` lines define.
// Exactly what regexes over the decoded text match (`\bNAME\s*\(`, DEFINITION_RE and
// MACRO_DEFINITION_RE below), checked against them by test/unit/name-scan.test.ts. Pure, no tree-sitter: the CLI's reader threads run it.
import { isAscii } from 'buffer';

/** What a file's bytes say about its names; plain data (posted from worker threads). */
export interface NameScan {
  /** The distinct call names, ASCII, concatenated in order of first appearance: name i is `blob[ends[i - 1] ?? 0, ends[i])`. */
  blob: Uint8Array;
  ends: Uint32Array;
  /** Each name's hashBytes (the index's table hashes names the same way, so it need not hash them again). */
  hashes: Uint32Array;
  /** Indexes into the names above of those a line may define (non-static, at column 0), in order of first appearance. */
  defined: Uint32Array;
  /** Indexes into the names above of the function-like macros a `#define NAME(` line defines (MACRO_DEFINITION_RE), in order of first appearance. */
  macros: Uint32Array;
  /** The text has `fsdax-audit:` (a suppression comment, perhaps). */
  hasSuppressions: boolean;
}

/**
 * The reference the scanner reproduces: names that start a line followed by `(` (kernel-style
 * function definitions and declarations), `static` ones left out (a static definition is only
 * ever bound from its own file, which is parsed already).
 */
export const DEFINITION_RE = /^[A-Za-z_][^\n;=(){}]*?\b([A-Za-z_]\w*)\s*\(/gm;

/** The reference for `macros`: a function-like macro's definition (no space between its name and `(`). */
export const MACRO_DEFINITION_RE = /^#[ \t]*define[ \t]+([A-Za-z_]\w*)\(/gm;

export interface ScanOptions {
  /**
   * Take the names of lines starting with `static` as definitions too (DEFINITION_RE's matches
   * unfiltered): for a file whose static functions other files can call (a header's static inlines).
   */
  staticToo?: boolean;
}

/** How the bytes decode (source-view.ts decodeSource): UTF-8, or Latin-1 for bytes that are not valid UTF-8. */
export type ScanEncoding = 'utf8' | 'latin1';

const WORD = new Uint8Array(256);
const IDENT_START = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const alpha = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
  IDENT_START[c] = alpha ? 1 : 0;
  WORD[c] = alpha || (c >= 48 && c <= 57) ? 1 : 0;
}

const OPEN_PAREN = 0x28;
const SUPPRESSION = 'fsdax-audit:';
const STATIC = 'static';

/*
 * The scanner reads the bytes as a Latin-1 string (one char per byte, which V8 copies at memory
 * speed), so the engine's own indexOf finds every `(` and line break and charCodeAt reads bytes;
 * a char code here is a byte, never a decoded character. What decodes to whitespace or a line
 * break is decided on those bytes, per encoding.
 */

/** Bytes of the whitespace character (JavaScript's `\s`) starting at `i`, 0 when there is none. */
function whitespaceAt(t: string, i: number, n: number, utf8: boolean): number {
  const c = t.charCodeAt(i);
  if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) return 1;
  if (c < 0x80) return 0;
  if (!utf8) return c === 0xa0 ? 1 : 0;
  // U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000, U+FEFF.
  const c1 = i + 1 < n ? t.charCodeAt(i + 1) : -1;
  if (c === 0xc2) return c1 === 0xa0 ? 2 : 0;
  if (i + 2 >= n) return 0;
  return threeByteSpace(c, c1, t.charCodeAt(i + 2)) ? 3 : 0;
}

/** Bytes of the whitespace character ending at `k` (exclusive), 0 when there is none. In valid UTF-8 a lead byte says where a character starts. */
function whitespaceBefore(t: string, k: number, start: number, utf8: boolean): number {
  if (k <= start) return 0;
  const c = t.charCodeAt(k - 1);
  if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) return 1;
  if (c < 0x80) return 0;
  if (!utf8) return c === 0xa0 ? 1 : 0;
  if (c === 0xa0 && k - 2 >= start && t.charCodeAt(k - 2) === 0xc2) return 2;
  if (k - 3 < start) return 0;
  return threeByteSpace(t.charCodeAt(k - 3), t.charCodeAt(k - 2), c) ? 3 : 0;
}

function threeByteSpace(a: number, b: number, c: number): boolean {
  if (a === 0xe2) {
    if (b === 0x80) return (c >= 0x80 && c <= 0x8a) || c === 0xa8 || c === 0xa9 || c === 0xaf;
    return b === 0x81 && c === 0x9f;
  }
  if (a === 0xe1) return b === 0x9a && c === 0x80;
  if (a === 0xe3) return b === 0x80 && c === 0x80;
  if (a === 0xef) return b === 0xbb && c === 0xbf;
  return false;
}

/** Past the whitespace from `i`. */
function skipWhitespace(t: string, i: number, n: number, utf8: boolean): number {
  for (let w = i < n ? whitespaceAt(t, i, n, utf8) : 0; w > 0; w = i < n ? whitespaceAt(t, i, n, utf8) : 0) i += w;
  return i;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a of b[from, to): how names are hashed here and in the identifier index. */
export function hashBytes(b: Uint8Array, from: number, to: number): number {
  let h = FNV_OFFSET;
  for (let i = from; i < to; i++) h = Math.imul(h ^ b[i], FNV_PRIME);
  return h >>> 0;
}

/** A file's distinct names while it is scanned: bytes, ends, an open-addressing hash on them. Reused across files (one scan at a time per thread). */
class Names {
  blob = new Uint8Array(1 << 16);
  used = 0;
  ends = new Uint32Array(1 << 12);
  hashes = new Uint32Array(1 << 12);
  slots = new Int32Array(1 << 13).fill(-1);
  count = 0;
  defined = new Uint32Array(1 << 8);
  definedCount = 0;
  macros = new Uint32Array(1 << 6);
  macroCount = 0;
  /** Lines starting with `static` define names too (see ScanOptions). */
  staticToo = false;

  reset(): void {
    // Slots grown for a huge file shrink back, so a small file does not pay for clearing them.
    if (this.slots.length > 1 << 13) this.slots = new Int32Array(1 << 13);
    this.slots.fill(-1);
    this.used = 0;
    this.count = 0;
    this.definedCount = 0;
    this.macroCount = 0;
  }

  /** The index of name t[from, to), added when new. */
  intern(t: string, from: number, to: number): number {
    // hashBytes, on the Latin-1 string's char codes (its bytes).
    let h = FNV_OFFSET;
    for (let i = from; i < to; i++) h = Math.imul(h ^ t.charCodeAt(i), FNV_PRIME);
    h >>>= 0;
    const mask = this.slots.length - 1;
    const len = to - from;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const id = this.slots[s];
      if (id === -1) break;
      if (this.hashes[id] !== h) continue;
      const at = id === 0 ? 0 : this.ends[id - 1];
      if (this.ends[id] - at !== len) continue;
      let k = 0;
      while (k < len && this.blob[at + k] === t.charCodeAt(from + k)) k++;
      if (k === len) return id;
    }
    const id = this.count++;
    if (id === this.ends.length) { this.ends = grow(this.ends); this.hashes = grow(this.hashes); }
    if (this.used + len > this.blob.length) {
      const bigger = new Uint8Array(Math.max(this.blob.length * 2, this.used + len));
      bigger.set(this.blob.subarray(0, this.used));
      this.blob = bigger;
    }
    for (let k = 0; k < len; k++) this.blob[this.used + k] = t.charCodeAt(from + k);
    this.used += len;
    this.ends[id] = this.used;
    this.hashes[id] = h;
    if (this.count * 2 > this.slots.length) {
      this.slots = new Int32Array(this.slots.length * 2).fill(-1);
      for (let k = 0; k < id; k++) this.place(k);
    }
    this.place(id);
    return id;
  }

  addDefined(id: number): void {
    for (let k = 0; k < this.definedCount; k++) if (this.defined[k] === id) return;
    if (this.definedCount === this.defined.length) this.defined = grow(this.defined);
    this.defined[this.definedCount++] = id;
  }

  addMacro(id: number): void {
    for (let k = 0; k < this.macroCount; k++) if (this.macros[k] === id) return;
    if (this.macroCount === this.macros.length) this.macros = grow(this.macros);
    this.macros[this.macroCount++] = id;
  }

  private place(id: number): void {
    const mask = this.slots.length - 1;
    let s = this.hashes[id] & mask;
    while (this.slots[s] !== -1) s = (s + 1) & mask;
    this.slots[s] = id;
  }

  result(hasSuppressions: boolean): NameScan {
    return {
      blob: this.blob.slice(0, this.used), ends: this.ends.slice(0, this.count), hashes: this.hashes.slice(0, this.count),
      defined: this.defined.slice(0, this.definedCount), macros: this.macros.slice(0, this.macroCount), hasSuppressions,
    };
  }
}

const scratch = new Names();

/**
 * The line starting at `p` with [A-Za-z_]: the name DEFINITION_RE takes from it (added to
 * `names` unless the line starts with `static`). Returns where its next match may start: after
 * this one, whose prefix may span a \r or U+2028, so line starts inside it are skipped.
 */
function definitionAt(t: string, p: number, n: number, utf8: boolean, names: Names, resume: number): number {
  let j = p + 1;
  while (j < n && WORD[t.charCodeAt(j)] === 1) j++;
  while (j < n) {
    const c = t.charCodeAt(j);
    // The lazy prefix [^\n;=(){}]*? stops at these; `(` is where a name would have matched.
    if (c === 0x0a || c === 0x3b || c === 0x3d || c === 0x28 || c === 0x29 || c === 0x7b || c === 0x7d) return resume;
    if (WORD[c] !== 1) { j++; continue; }
    const from = j;
    while (j < n && WORD[t.charCodeAt(j)] === 1) j++;
    if (IDENT_START[t.charCodeAt(from)] !== 1) continue;
    const k = skipWhitespace(t, j, n, utf8);
    if (k < n && t.charCodeAt(k) === OPEN_PAREN) {
      if (names.staticToo || !t.startsWith(STATIC, p)) names.addDefined(names.intern(t, from, j));
      return k + 1;
    }
  }
  return resume;
}

const HASH = 0x23;
const DEFINE = 'define';

/** The line starting at `p` with `#`: a function-like macro's name, as MACRO_DEFINITION_RE takes it, added to `names`. */
function macroAt(t: string, p: number, n: number, names: Names): void {
  let j = p + 1;
  while (j < n && (t.charCodeAt(j) === 0x20 || t.charCodeAt(j) === 0x09)) j++;
  if (!t.startsWith(DEFINE, j)) return;
  j += DEFINE.length;
  const gap = j;
  while (j < n && (t.charCodeAt(j) === 0x20 || t.charCodeAt(j) === 0x09)) j++;
  if (j === gap || j >= n || IDENT_START[t.charCodeAt(j)] !== 1) return;
  const from = j;
  while (j < n && WORD[t.charCodeAt(j)] === 1) j++;
  if (j < n && t.charCodeAt(j) === OPEN_PAREN) names.addMacro(names.intern(t, from, j));
}

/**
 * Scans a file's bytes from `start` (past a UTF-8 byte order mark, which decoding drops).
 * `encoding`: how decodeSource reads these bytes; it decides which bytes are whitespace and
 * line breaks the way JavaScript's regexes see the decoded characters.
 */
export function scanNames(b: Uint8Array, encoding: ScanEncoding, start = 0, options: ScanOptions = {}): NameScan {
  const t = Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
  const utf8 = encoding === 'utf8';
  const names = scratch;
  names.reset();
  names.staticToo = !!options.staticToo;
  // Only \n breaks lines (no \r, U+2028, U+2029), as in nearly every file: line starts and `(` are found by indexOf.
  const plain = t.indexOf('\r', start) < 0 && (!utf8 || isAscii(b) || (t.indexOf('\u00e2\u0080\u00a8', start) < 0 && t.indexOf('\u00e2\u0080\u00a9', start) < 0));
  if (plain) scanPlain(t, utf8, start, names); else scanAny(t, utf8, start, names);
  return names.result(t.indexOf(SUPPRESSION, start) >= 0);
}

/** Line starts after each \n; each call name read backwards from its `(`. */
function scanPlain(t: string, utf8: boolean, start: number, names: Names): void {
  const n = t.length;
  let resume = 0;
  if (start < n && IDENT_START[t.charCodeAt(start)] === 1) resume = definitionAt(t, start, n, utf8, names, resume);
  else if (start < n && t.charCodeAt(start) === HASH) macroAt(t, start, n, names);
  // The first `(` from the line on: a `#` line without one defines no function-like macro, and
  // is not read further (a third of a kernel's bytes are register headers of `#define` lines).
  let paren = t.indexOf('(', start);
  for (let nl = t.indexOf('\n', start), next = 0; nl >= 0 && nl + 1 < n; nl = next) {
    const p = nl + 1;
    next = t.indexOf('\n', p);
    if (p >= resume && IDENT_START[t.charCodeAt(p)] === 1) resume = definitionAt(t, p, n, utf8, names, resume);
    else if (t.charCodeAt(p) === HASH) {
      if (paren >= 0 && paren < p) paren = t.indexOf('(', p);
      if (paren >= 0 && (next < 0 || paren < next)) macroAt(t, p, n, names);
    }
  }
  for (let q = t.indexOf('(', start); q >= 0; q = t.indexOf('(', q + 1)) {
    let e = q;
    for (let w = whitespaceBefore(t, e, start, utf8); w > 0; w = whitespaceBefore(t, e, start, utf8)) e -= w;
    let s = e;
    while (s > start && WORD[t.charCodeAt(s - 1)] === 1) s--;
    if (s < e && IDENT_START[t.charCodeAt(s)] === 1) names.intern(t, s, e);
  }
}

/** Any line breaks: one pass forwards, byte by byte. */
function scanAny(t: string, utf8: boolean, start: number, names: Names): void {
  const n = t.length;
  let resume = 0;
  if (start < n && IDENT_START[t.charCodeAt(start)] === 1) resume = definitionAt(t, start, n, utf8, names, resume);
  else if (start < n && t.charCodeAt(start) === HASH) macroAt(t, start, n, names);
  let i = start;
  while (i < n) {
    const c = t.charCodeAt(i);
    if (WORD[c] === 1) {
      const from = i;
      i++;
      while (i < n && WORD[t.charCodeAt(i)] === 1) i++;
      if (IDENT_START[c] !== 1) continue;
      const k = skipWhitespace(t, i, n, utf8);
      if (k < n && t.charCodeAt(k) === OPEN_PAREN) names.intern(t, from, i);
      continue;
    }
    i++;
    // Line terminators, where a multiline `^` matches: \n, \r, and in UTF-8 U+2028 and U+2029.
    if (c === 0x0a || c === 0x0d) {
      if (i < n && i >= resume && IDENT_START[t.charCodeAt(i)] === 1) resume = definitionAt(t, i, n, utf8, names, resume);
      else if (i < n && t.charCodeAt(i) === HASH) macroAt(t, i, n, names);
    } else if (c === 0xe2 && utf8 && i + 1 < n && t.charCodeAt(i) === 0x80 && (t.charCodeAt(i + 1) === 0xa8 || t.charCodeAt(i + 1) === 0xa9)) {
      i += 2;
      if (i < n && i >= resume && IDENT_START[t.charCodeAt(i)] === 1) resume = definitionAt(t, i, n, utf8, names, resume);
      else if (i < n && t.charCodeAt(i) === HASH) macroAt(t, i, n, names);
    }
  }
}

function grow(a: Uint32Array): Uint32Array {
  const bigger = new Uint32Array(a.length * 2);
  bigger.set(a);
  return bigger;
}

/** The names of a scan, as strings (tests, and the few lookups that need them). */
export function scanNameList(scan: NameScan): string[] {
  const out: string[] = [];
  let at = 0;
  for (const end of scan.ends) { out.push(Buffer.from(scan.blob.buffer, scan.blob.byteOffset + at, end - at).toString('latin1')); at = end; }
  return out;
}

/** Scans a decoded text (an editor's document, a test's string) as the bytes it encodes to. */
export function scanText(text: string, options: ScanOptions = {}): NameScan {
  return scanNames(Buffer.from(text, 'utf8'), 'utf8', 0, options);
}

/** Many files' scans in four arrays (what a reader thread posts per chunk: a few buffers, not thousands of small ones). */
export interface PackedScans {
  blob: Uint8Array;
  ends: Uint32Array;
  hashes: Uint32Array;
  defined: Uint32Array;
  macros: Uint32Array;
  /** Per file: names, defined names, macros, and 1 when it has suppressions (or -1 names: no scan). */
  counts: Int32Array;
}

const PER_FILE = 4;

export function packScans(scans: ReadonlyArray<NameScan | undefined>): PackedScans {
  let bytes = 0;
  let names = 0;
  let defs = 0;
  let macros = 0;
  for (const s of scans) if (s) { bytes += s.blob.length; names += s.ends.length; defs += s.defined.length; macros += s.macros.length; }
  const out: PackedScans = {
    blob: new Uint8Array(bytes), ends: new Uint32Array(names), hashes: new Uint32Array(names), defined: new Uint32Array(defs), macros: new Uint32Array(macros),
    counts: new Int32Array(scans.length * PER_FILE),
  };
  bytes = names = defs = macros = 0;
  scans.forEach((s, i) => {
    if (!s) { out.counts[i * PER_FILE] = -1; return; }
    out.blob.set(s.blob, bytes);
    out.ends.set(s.ends, names);
    out.hashes.set(s.hashes, names);
    out.defined.set(s.defined, defs);
    out.macros.set(s.macros, macros);
    out.counts.set([s.ends.length, s.defined.length, s.macros.length, s.hasSuppressions ? 1 : 0], i * PER_FILE);
    bytes += s.blob.length;
    names += s.ends.length;
    defs += s.defined.length;
    macros += s.macros.length;
  });
  return out;
}

/** Whether `value` is what packScans gives for `files` files (kept data read back: never trusted blindly). */
export function isPackedScans(value: unknown, files: number): value is PackedScans {
  const p = value as Partial<PackedScans> | undefined;
  if (!p || !(p.blob instanceof Uint8Array) || !(p.ends instanceof Uint32Array) || !(p.hashes instanceof Uint32Array) || !(p.defined instanceof Uint32Array)
    || !(p.macros instanceof Uint32Array) || !(p.counts instanceof Int32Array) || p.counts.length !== files * PER_FILE || p.hashes.length !== p.ends.length) return false;
  let names = 0;
  let defs = 0;
  let macros = 0;
  let bytes = 0;
  for (let i = 0; i < p.counts.length; i += PER_FILE) {
    if (p.counts[i] < 0) continue;
    names += p.counts[i];
    defs += p.counts[i + 1];
    macros += p.counts[i + 2];
    if (names > p.ends.length) return false;
    if (p.counts[i] > 0) bytes += p.ends[names - 1];
  }
  return names === p.ends.length && defs === p.defined.length && macros === p.macros.length && bytes === p.blob.length;
}

/** The scans of packScans again, as views into its arrays (no copy). */
export function unpackScans(packed: PackedScans): Array<NameScan | undefined> {
  const out: Array<NameScan | undefined> = [];
  let bytes = 0;
  let names = 0;
  let defs = 0;
  let macros = 0;
  for (let i = 0; i < packed.counts.length; i += PER_FILE) {
    const [nameCount, defCount, macroCount, suppressions] = packed.counts.subarray(i, i + PER_FILE);
    if (nameCount < 0) { out.push(undefined); continue; }
    const ends = packed.ends.subarray(names, names + nameCount);
    const size = nameCount > 0 ? ends[nameCount - 1] : 0;
    out.push({
      blob: packed.blob.subarray(bytes, bytes + size), ends, hashes: packed.hashes.subarray(names, names + nameCount),
      defined: packed.defined.subarray(defs, defs + defCount), macros: packed.macros.subarray(macros, macros + macroCount), hasSuppressions: suppressions === 1,
    });
    bytes += size;
    names += nameCount;
    defs += defCount;
    macros += macroCount;
  }
  return out;
}
