// parse layer: where two versions of a text differ, as one span (common prefix
// and suffix). The one place the incremental steps (preprocess segments, tree
// edit, moving analysis results and findings) find what an edit changed.

/** Text [start, oldEnd) of `before` became [start, newEnd) of `after`; equal texts give start = oldEnd = newEnd = length. */
export interface ChangedSpan {
  start: number;
  oldEnd: number;
  newEnd: number;
}

export function changedSpan(before: string, after: string): ChangedSpan {
  const max = Math.min(before.length, after.length);
  let start = 0;
  while (start < max && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let suffix = 0;
  while (suffix < max - start && before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)) suffix++;
  return { start, oldEnd: before.length - suffix, newEnd: after.length - suffix };
}
