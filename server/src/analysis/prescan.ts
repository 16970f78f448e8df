// analysis layer: what a file's bytes give without decoding or parsing them: what makes the
// file unreadable as C, the names the demand-driven search asks about (name-scan.ts), and the
// size and checksum a later re-read of the file must match. Plain data and no tree-sitter, so
// the CLI computes it in worker threads (--jobs) and posts it to the session
// (AuditSession.setPrescanned); no decoded text is kept for a file the analysis never parses.
import { isUtf8 } from 'buffer';
import { createHash } from 'crypto';
import * as zlib from 'zlib';
import { MAX_FILE_BYTES } from '../parse/source-bytes';
import type { FileProblem } from './audit-types';
import { scanNames, scanText, type NameScan } from './name-scan';
import { isHeaderPath } from './link-scope';

export interface Prescan {
  /** What makes the file unreadable as C (binary, too large, not UTF-8). */
  problems: FileProblem[];
  /** The names the search asks about; absent: the session scans the file itself if it is analysable. */
  names?: NameScan;
  /** Byte length and CRC-32 of the content: what the file must still be when it is read again to be parsed. */
  size: number;
  checksum: number;
}

const EMPTY_SCAN: NameScan = { blob: new Uint8Array(0), ends: new Uint32Array(0), hashes: new Uint32Array(0), defined: new Uint32Array(0), macros: new Uint32Array(0), hasSuppressions: false };

/** Scans a file's content and, with `withNames`, its names. Pure. */
export function prescanSource(path: string, content: Uint8Array | string, withNames = true): Prescan {
  if (typeof content === 'string') {
    const bytes = Buffer.from(content, 'utf8');
    return { problems: [], names: withNames ? scanText(content, { staticToo: isHeaderPath(path) }) : undefined, size: bytes.length, checksum: checksumOf(bytes) };
  }
  const size = content.byteLength;
  const checksum = checksumOf(content);
  const problem = (kind: FileProblem['kind'], message: string): Prescan => ({ problems: [{ file: path, kind, message, line: 0 }], names: withNames ? EMPTY_SCAN : undefined, size, checksum });
  // The checks and messages of parse/source-bytes.ts readSourceBytes, on the bytes.
  if (size > MAX_FILE_BYTES) return problem('too-large', `file is ${size} bytes, over the ${MAX_FILE_BYTES}-byte limit; not analysed`);
  if (hasNulByte(content)) return problem('binary', 'file contains NUL bytes; not C source, not analysed');
  const utf8 = isUtf8(content);
  // TextDecoder drops a leading byte order mark; Latin-1 keeps every byte.
  const start = utf8 && content[0] === 0xef && content[1] === 0xbb && content[2] === 0xbf ? 3 : 0;
  const names = withNames ? scanNames(content, utf8 ? 'utf8' : 'latin1', start, { staticToo: isHeaderPath(path) }) : undefined;
  const problems: FileProblem[] = utf8 ? [] : [{ file: path, kind: 'non-utf8', message: 'file is not valid UTF-8; decoded as Latin-1 (columns count bytes)', line: 0 }];
  return { problems, names, size, checksum };
}

/** sha1 of a file's bytes (a string is hashed as its UTF-8 encoding): the key kept results are stored under (result-cache.ts). */
export function contentHash(content: Uint8Array | string): string {
  return createHash('sha1').update(content).digest('hex');
}

/** A whole file's checksum (the re-read check; not a content hash for caches). */
export function checksumOf(bytes: Uint8Array): number {
  return typeof zlib.crc32 === 'function' ? zlib.crc32(bytes) : crc32(bytes);
}

function hasNulByte(bytes: Uint8Array): boolean {
  // Buffer's indexOf is memchr: a loop here was 7% of a reader thread's time on 6.12 mm/+fs/.
  return Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 8192)).indexOf(0) >= 0;
}

/** NOTE: zlib.crc32 came with Node 20.15; this is for older Node 20 releases. */
let table: Uint32Array | undefined;
function crc32(bytes: Uint8Array): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = table[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
