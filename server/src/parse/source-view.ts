// parse layer: bytes -> text the parser can read, plus line/column mapping.
// Knows nothing of LSP, rules or the file system. Never throws on input.
// Offsets and columns are UTF-16 code units, which is what tree-sitter's node
// binding reports for string input and what LSP positions use.

export interface Position {
  line: number; // 0-based
  character: number; // 0-based, UTF-16 units
}

export interface SourceView {
  readonly text: string;
  /** false when the bytes were not valid UTF-8 and were decoded as Latin-1 (one char per byte). */
  readonly isUtf8: boolean;
  readonly lineStarts: readonly number[];
  positionAt(offset: number): Position;
  offsetAt(position: Position): number;
  lineText(line: number): string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Decodes bytes without losing any: invalid UTF-8 falls back to Latin-1 so every byte keeps a column. */
export function decodeSource(bytes: Uint8Array): { text: string; isUtf8: boolean } {
  try {
    return { text: utf8.decode(bytes), isUtf8: true };
  } catch {
    return { text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1'), isUtf8: false };
  }
}

export function createSourceView(text: string, isUtf8 = true): SourceView {
  const lineStarts = computeLineStarts(text);
  const positionAt = (offset: number): Position => {
    const clamped = Math.max(0, Math.min(offset, text.length));
    const line = Math.max(0, lastAtOrBelow(lineStarts, clamped));
    return { line, character: clamped - lineStarts[line] };
  };
  const offsetAt = (p: Position): number => {
    if (p.line >= lineStarts.length) return text.length;
    const start = lineStarts[Math.max(0, p.line)];
    const end = p.line + 1 < lineStarts.length ? lineStarts[p.line + 1] : text.length;
    return Math.min(start + Math.max(0, p.character), end);
  };
  const lineText = (line: number): string => {
    if (line < 0 || line >= lineStarts.length) return '';
    const end = line + 1 < lineStarts.length ? lineStarts[line + 1] : text.length;
    return text.slice(lineStarts[line], end).replace(/\r?\n$|\r$/, '');
  };
  return { text, isUtf8, lineStarts, positionAt, offsetAt, lineText };
}

/** Line starts after "\n", "\r\n" or a lone "\r", as LSP counts lines. */
function computeLineStarts(text: string): number[] {
  const starts = [0];
  // Most files have no CR: the engine's indexOf finds each LF far faster than a loop over every character.
  if (text.indexOf('\r') < 0) {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
    return starts;
  }
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 13 /* \r */) {
      if (text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    } else if (c === 10 /* \n */) {
      starts.push(i + 1);
    }
  }
  return starts;
}

/**
 * Where the line holding `from` ends, past backslash-continued lines (a `#define`'s body, a `//`
 * comment): the offset of its last line break, or the text's end. LF and CRLF line ends.
 */
/** The last index of ascending `sorted` whose value is at most `x`; -1 when none is. */
export function lastAtOrBelow(sorted: ArrayLike<number>, x: number): number {
  let lo = -1;
  let hi = sorted.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (sorted[mid] <= x) lo = mid; else hi = mid - 1;
  }
  return lo;
}

export function logicalLineEnd(text: string, from: number): number {
  for (let at = from; ;) {
    const nl = text.indexOf('\n', at);
    if (nl < 0) return text.length;
    if (text[nl - 1] !== '\\' && !(text[nl - 1] === '\r' && text[nl - 2] === '\\')) return nl;
    at = nl + 1;
  }
}
