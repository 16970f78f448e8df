// analysis layer: what a file's content gives without parsing it: the decoded
// text, what makes it unreadable as C, and the index the analysis seeds and binds
// calls with. Plain data and no tree-sitter, so the CLI can compute it in worker
// threads (--jobs) and post it to the session (AuditSession.setPrescanned).
import { MAX_FILE_BYTES, readSourceBytes } from '../parse/source-bytes';
import type { FileProblem } from './audit-types';
import { indexText, isHeaderPath, type TextIndex } from './program-files';

export interface Prescan {
  /** The decoded text. */
  text: string;
  /** What makes the file unreadable as C (binary, too large, not UTF-8). */
  problems: FileProblem[];
  /** indexText(text); absent: the session computes it if the file is analysable. */
  index?: TextIndex;
}

/** Decodes a file and, with `withIndex`, indexes its text. Pure. */
export function prescanSource(path: string, content: Uint8Array | string, withIndex = true): Prescan {
  const read = typeof content === 'string' ? { text: content, problems: [] } : readSourceBytes(content, MAX_FILE_BYTES);
  const problems: FileProblem[] = read.problems.map((p) => ({ file: path, kind: p.kind, message: p.message, line: 0 }));
  return { text: read.text, problems, index: withIndex ? indexText(read.text, isHeaderPath(path)) : undefined };
}
