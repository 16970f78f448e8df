// host: a file's stat as a stamp that says "unchanged since it was read", the way git's index and
// make trust a stat instead of reading a file again. A stamp is taken before the file is read, so a
// write between the stat and the read leaves a newer mtime than the stamp holds and the next run
// reads the file again. A file modified within a clock tick of its stat gets no stamp ("racily
// clean" in git's words: a second write in the same tick would leave the stat as it was), and so is
// always read again. A tick is a few milliseconds where the filesystem keeps sub-second mtimes
// (Linux stamps writes with a coarse clock: one jiffy, 10 ms at HZ=100), up to 2 s where it does not (FAT).
import * as fs from 'fs';

/** [mtimeMs, ctimeMs, size, ino]: ctime cannot be set back by a user (`touch -d`), the inode changes when a file is replaced. */
export type FileStamp = readonly [number, number, number, number];

/**
 * A write this close to the stat (or after it: a clock set back, a network filesystem) leaves no
 * stamp: with an mtime of whole seconds (a filesystem that keeps no more, as far as this file tells),
 * two seconds; otherwise a tenth of a second, ten ticks of the coarsest kernel clock.
 */
const RACY_MS = 2000;
const RACY_MS_FINE = 100;

/** The stamp of a file stat'ed at `statAt` (Date.now() then), or undefined when it was modified too recently to trust. */
export function stampOf(st: fs.Stats, statAt: number): FileStamp | undefined {
  // A write sets the mtime to its clock tick; a stat-only change (chmod, `touch -d`) sets the ctime, which the stamp compares.
  if (st.mtimeMs > statAt - (st.mtimeMs % 1000 === 0 ? RACY_MS : RACY_MS_FINE)) return undefined;
  return [st.mtimeMs, st.ctimeMs, st.size, st.ino];
}

export function sameStamp(a: FileStamp | undefined, b: FileStamp | undefined): boolean {
  return !!a && !!b && a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3];
}

/** The stamp of the file at `abs` now (take it before reading the file), or undefined: too recent to trust, or gone. */
export function stampNow(abs: string): FileStamp | undefined {
  const statAt = Date.now();
  try { return stampOf(fs.statSync(abs), statAt); } catch { return undefined; }
}
