// parse layer: where two versions of a text differ, as one span (common prefix
// and suffix). The one place the incremental steps (preprocess segments, tree
// edit, moving analysis results and findings) find what an edit changed.

/** Text [start, oldEnd) of `before` became [start, newEnd) of `after`; equal texts give start = oldEnd = newEnd = length. */
export interface ChangedSpan {
  start: number;
  oldEnd: number;
  newEnd: number;
}

/** Compared in blocks first: substring equality runs natively, ~40x faster than a charCodeAt loop over a 300 KB file. */
export function changedSpan(before: string, after: string): ChangedSpan {
  const max = Math.min(before.length, after.length);
  let start = 0;
  for (const step of BLOCKS) while (start + step <= max && before.substr(start, step) === after.substr(start, step)) start += step;
  while (start < max && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  const room = max - start;
  let suffix = 0;
  for (const step of BLOCKS) while (suffix + step <= room && before.substr(before.length - suffix - step, step) === after.substr(after.length - suffix - step, step)) suffix += step;
  while (suffix < room && before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)) suffix++;
  return { start, oldEnd: before.length - suffix, newEnd: after.length - suffix };
}

const BLOCKS = [4096, 256, 16];
