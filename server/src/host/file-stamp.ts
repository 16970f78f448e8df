// host: a file's stat as a stamp that says "unchanged since it was read", the way git's index and
// make trust a stat instead of reading a file again. A stamp is taken before the file is read, so a
// write between the stat and the read leaves a newer mtime than the stamp holds and the next run
// reads the file again. A file modified within RACY_MS of its stat gets no stamp ("racily clean"
// in git's words: a second write in the same clock tick would leave the stat as it was), and so is
// always read again.
import type * as fs from 'fs';

/** [mtimeMs, ctimeMs, size, ino]: ctime cannot be set back by a user (`touch -d`), the inode changes when a file is replaced. */
export type FileStamp = readonly [number, number, number, number];

/** A write this close to the stat (or after it: a clock set back, a network filesystem) leaves no stamp. */
const RACY_MS = 2000;

/** The stamp of a file stat'ed at `statAt` (Date.now() then), or undefined when it was modified too recently to trust. */
export function stampOf(st: fs.Stats, statAt: number): FileStamp | undefined {
  // A write sets the mtime to its clock tick; a stat-only change (chmod, `touch -d`) sets the ctime, which the stamp compares.
  if (st.mtimeMs > statAt - RACY_MS) return undefined;
  return [st.mtimeMs, st.ctimeMs, st.size, st.ino];
}

export function sameStamp(a: FileStamp | undefined, b: FileStamp | undefined): boolean {
  return !!a && !!b && a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3];
}
