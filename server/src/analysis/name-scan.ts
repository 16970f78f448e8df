// analysis layer: the pre-scan's reading of a file, on its bytes, never decoded. It finds
// what the demand-driven search asks of files it has not parsed: the names the file calls
// (every identifier followed by `(`, in code, comments or strings alike) and the names a line
// starting at column 0 may define. Exactly what the regexes the search used to run over the
// decoded text matched (`\bNAME\s*\(` and DEFINITION_RE below), checked against them by
// test/unit/name-scan.test.ts. Pure, no tree-sitter: the CLI's reader threads run it.

/** What a file's bytes say about its names; plain data (posted from worker threads). */
export interface NameScan {
  /** The distinct call names, ASCII, concatenated in order of first appearance: name i is `blob[ends[i - 1] ?? 0, ends[i])`. */
  blob: Uint8Array;
  ends: Uint32Array;
  /** Indexes into the names above of those a line may define (non-static, at column 0), in order of first appearance. */
  defined: Uint32Array;
  /** The text has `fsdax-audit:` (a suppression comment, perhaps). */
  hasSuppressions: boolean;
}

/**
 * The reference the scanner reproduces: names that start a line followed by `(` (kernel-style
 * function definitions and declarations), `static` ones left out (a static definition is only
 * ever bound from its own file, which is parsed already).
 */
export const DEFINITION_RE = /^[A-Za-z_][^\n;=(){}]*?\b([A-Za-z_]\w*)\s*\(/gm;

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
const SUPPRESSION = Buffer.from('fsdax-audit:');

/** Bytes of the whitespace character (JavaScript's `\s`) at `i`, 0 when there is none. */
function whitespaceAt(b: Uint8Array, i: number, n: number, utf8: boolean): number {
  const c = b[i];
  if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) return 1;
  if (c < 0x80) return 0;
  if (!utf8) return c === 0xa0 ? 1 : 0;
  // U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000, U+FEFF.
  const c1 = i + 1 < n ? b[i + 1] : -1;
  if (c === 0xc2) return c1 === 0xa0 ? 2 : 0;
  if (i + 2 >= n) return 0;
  const c2 = b[i + 2];
  if (c === 0xe2) {
    if (c1 === 0x80) return (c2 >= 0x80 && c2 <= 0x8a) || c2 === 0xa8 || c2 === 0xa9 || c2 === 0xaf ? 3 : 0;
    return c1 === 0x81 && c2 === 0x9f ? 3 : 0;
  }
  if (c === 0xe1) return c1 === 0x9a && c2 === 0x80 ? 3 : 0;
  if (c === 0xe3) return c1 === 0x80 && c2 === 0x80 ? 3 : 0;
  if (c === 0xef) return c1 === 0xbb && c2 === 0xbf ? 3 : 0;
  return 0;
}

/** Past the whitespace from `i`. */
function skipWhitespace(b: Uint8Array, i: number, n: number, utf8: boolean): number {
  for (let w = i < n ? whitespaceAt(b, i, n, utf8) : 0; w > 0; w = i < n ? whitespaceAt(b, i, n, utf8) : 0) i += w;
  return i;
}

/** Scratch space reused across files (one scan at a time per thread). */
let blob = new Uint8Array(1 << 16);
let ends = new Uint32Array(1 << 12);
let hashes = new Uint32Array(1 << 12);
let slots = new Int32Array(1 << 13);
let defined = new Uint32Array(1 << 8);

/**
 * Scans a file's bytes from `start` (past a UTF-8 byte order mark, which decoding drops).
 * `encoding`: how decodeSource reads these bytes; it decides which bytes are whitespace and
 * line breaks the way JavaScript's regexes see the decoded characters.
 */
export function scanNames(b: Uint8Array, encoding: ScanEncoding, start = 0): NameScan {
  const n = b.length;
  const utf8 = encoding === 'utf8';
  let count = 0;
  let used = 0;
  let definedCount = 0;
  slots.fill(-1);
  const capacityFor = (names: number) => {
    if (names * 2 < slots.length) return;
    slots = new Int32Array(slots.length * 2).fill(-1);
    for (let id = 0; id < count; id++) place(id, hashes[id]);
  };
  const place = (id: number, h: number) => {
    const mask = slots.length - 1;
    let s = h & mask;
    while (slots[s] !== -1) s = (s + 1) & mask;
    slots[s] = id;
  };
  /** The index of name b[from, to), added when new. */
  const intern = (from: number, to: number): number => {
    let h = 0x811c9dc5;
    for (let i = from; i < to; i++) h = Math.imul(h ^ b[i], 0x01000193);
    h >>>= 0;
    const mask = slots.length - 1;
    const len = to - from;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const id = slots[s];
      if (id === -1) break;
      if (hashes[id] !== h) continue;
      const at = id === 0 ? 0 : ends[id - 1];
      if (ends[id] - at !== len) continue;
      let same = true;
      for (let k = 0; k < len; k++) if (blob[at + k] !== b[from + k]) { same = false; break; }
      if (same) return id;
    }
    if (count === ends.length) { ends = grow(ends); hashes = grow(hashes); }
    if (used + len > blob.length) { const bigger = new Uint8Array(Math.max(blob.length * 2, used + len)); bigger.set(blob.subarray(0, used)); blob = bigger; }
    blob.set(b.subarray(from, to), used);
    used += len;
    ends[count] = used;
    hashes[count] = h;
    capacityFor(count + 1);
    place(count, h);
    return count++;
  };
  const definedSeen = new Set<number>();
  /** Where DEFINITION_RE's next match may start: after the last one (whose prefix may span a \r or U+2028). */
  let resume = 0;
  /** A line starting at `p` with [A-Za-z_]: the name DEFINITION_RE takes from it, unless the line starts with `static`. */
  const definitionAt = (p: number) => {
    if (p < resume) return;
    let j = p + 1;
    while (j < n && WORD[b[j]]) j++;
    while (j < n) {
      const c = b[j];
      // The lazy prefix [^\n;=(){}]*? stops at these; `(` is where a name would have matched.
      if (c === 0x0a || c === 0x3b || c === 0x3d || c === 0x28 || c === 0x29 || c === 0x7b || c === 0x7d) return;
      if (!WORD[c]) { j++; continue; }
      const from = j;
      while (j < n && WORD[b[j]]) j++;
      if (!IDENT_START[b[from]]) continue;
      const k = skipWhitespace(b, j, n, utf8);
      if (k < n && b[k] === OPEN_PAREN) {
        resume = k + 1;
        if (isStatic(b, p, n)) return;
        const id = intern(from, j);
        if (!definedSeen.has(id)) {
          definedSeen.add(id);
          if (definedCount === defined.length) defined = grow(defined);
          defined[definedCount++] = id;
        }
        return;
      }
    }
  };
  if (start < n && IDENT_START[b[start]]) definitionAt(start);
  for (let i = start; i < n;) {
    const c = b[i];
    if (WORD[c]) {
      const from = i;
      do i++; while (i < n && WORD[b[i]]);
      if (IDENT_START[c]) {
        const k = skipWhitespace(b, i, n, utf8);
        if (k < n && b[k] === OPEN_PAREN) intern(from, i);
      }
      continue;
    }
    // Line terminators, where a multiline `^` matches: \n, \r, and in UTF-8 U+2028 and U+2029.
    if (c === 0x0a || c === 0x0d) i++;
    else if (utf8 && c === 0xe2 && i + 2 < n && b[i + 1] === 0x80 && (b[i + 2] === 0xa8 || b[i + 2] === 0xa9)) i += 3;
    else { i++; continue; }
    if (i < n && IDENT_START[b[i]]) definitionAt(i);
  }
  const hasSuppressions = Buffer.from(b.buffer, b.byteOffset, b.byteLength).indexOf(SUPPRESSION, start) >= 0;
  return { blob: blob.slice(0, used), ends: ends.slice(0, count), defined: defined.slice(0, definedCount), hasSuppressions };
}

function isStatic(b: Uint8Array, p: number, n: number): boolean {
  const word = 'static';
  if (p + word.length > n) return false;
  for (let k = 0; k < word.length; k++) if (b[p + k] !== word.charCodeAt(k)) return false;
  return true;
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
export function scanText(text: string): NameScan {
  return scanNames(Buffer.from(text, 'utf8'), 'utf8');
}
