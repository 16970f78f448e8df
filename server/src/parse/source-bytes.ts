// parse layer: bytes -> text, with no tree-sitter in sight, so a worker thread
// (the CLI's pre-scan with --jobs) can load it without the native parser.
import { decodeSource } from './source-view';
import type { ParseProblem } from './preprocess';

export const MAX_FILE_BYTES = 16 * 1024 * 1024;

/**
 * Bytes -> text, without losing any: too large and binary files become '' with
 * a problem, invalid UTF-8 is read as Latin-1 with a problem. The one place these
 * checks live; parseSource and the analysis pre-scan both use it.
 */
export function readSourceBytes(input: Uint8Array, maxBytes = MAX_FILE_BYTES): { text: string; isUtf8: boolean; problems: ParseProblem[] } {
  if (input.byteLength > maxBytes) {
    return { text: '', isUtf8: true, problems: [{ kind: 'too-large', message: `file is ${input.byteLength} bytes, over the ${maxBytes}-byte limit; not analysed`, offset: 0 }] };
  }
  if (looksBinary(input)) return { text: '', isUtf8: true, problems: [{ kind: 'binary', message: 'file contains NUL bytes; not C source, not analysed', offset: 0 }] };
  const { text, isUtf8 } = decodeSource(input);
  return { text, isUtf8, problems: isUtf8 ? [] : [{ kind: 'non-utf8', message: 'file is not valid UTF-8; decoded as Latin-1 (columns count bytes)', offset: 0 }] };
}

function looksBinary(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.byteLength, 8192);
  for (let i = 0; i < n; i++) if (bytes[i] === 0) return true;
  return false;
}
