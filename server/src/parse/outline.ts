// parse layer: the skeleton of a preprocessed file, for reading its definitions without parsing
// their bodies. A whole-tree audit needs the signatures of every function of a file it opens
// (names, linkage, parameters: what binding a call asks) but the bodies of only the few it
// analyses (on 6.12 mm/+fs/, 945 of 5,440); parsing whole files was most of its parse time.
//
// The skeleton is the text with the inside of every top-level brace pair left out (function
// bodies, struct bodies, initializers): `int f(int a) {}`. Offsets into it map back to the text
// (toText). Braces are counted past comments, string and character literals and preprocessor
// lines; where the count cannot be trusted (an unbalanced pair, a `}` in column 0 that does not
// close a top-level block, as `#if` branches that each open a brace leave it) there is no
// skeleton and the caller parses the whole file. Pure.

/** A skeleton and the way back from its offsets to the text's. */
export interface Skeleton {
  text: string;
  /** The offset in the text of an offset in the skeleton. */
  toText(offset: number): number;
}

const NL = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
const SLASH = 0x2f;
const STAR = 0x2a;
const HASH = 0x23;
const QUOTE = 0x22;
const APOSTROPHE = 0x27;
const BACKSLASH = 0x5c;
const OPEN = 0x7b;
const CLOSE = 0x7d;

export function skeletonOf(text: string): Skeleton | undefined {
  const n = text.length;
  // Kept pieces of the text: [keptFrom[k], keptTo[k]); the skeleton is their concatenation.
  const keptFrom: number[] = [0];
  const keptTo: number[] = [];
  let depth = 0;
  let open = -1;
  let lineStart = true;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === NL) { lineStart = true; continue; }
    if (c === SPACE || c === TAB || c === CR || c === 0x0b || c === 0x0c) continue;
    if (c === SLASH && text.charCodeAt(i + 1) === STAR) {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) return undefined;
      i = end + 1;
    } else if (c === SLASH && text.charCodeAt(i + 1) === SLASH) {
      i = logicalLineEnd(text, i) - 1;
      continue;
    } else if (c === QUOTE || c === APOSTROPHE) {
      let j = i + 1;
      for (; j < n; j++) {
        const d = text.charCodeAt(j);
        if (d === BACKSLASH) j++;
        else if (d === c) break;
        else if (d === NL) return undefined;
      }
      if (j >= n) return undefined;
      i = j;
    } else if (c === HASH && lineStart) {
      // A directive's braces are not the code's (`#define LOCK {`).
      i = logicalLineEnd(text, i) - 1;
      continue;
    } else if (c === OPEN) {
      if (depth === 0) open = i;
      depth++;
    } else if (c === CLOSE) {
      if (depth === 0) return undefined;
      depth--;
      if (depth === 0) { keptTo.push(open + 1); keptFrom.push(i); } else if (i === 0 || text.charCodeAt(i - 1) === NL) return undefined;
    }
    lineStart = false;
  }
  if (depth !== 0) return undefined;
  keptTo.push(n);
  let skeleton = '';
  const skeletonFrom = new Int32Array(keptFrom.length);
  for (let k = 0; k < keptFrom.length; k++) {
    skeletonFrom[k] = skeleton.length;
    skeleton += text.slice(keptFrom[k], keptTo[k]);
  }
  const toText = (offset: number): number => {
    let lo = 0;
    let hi = skeletonFrom.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (skeletonFrom[mid] <= offset) lo = mid; else hi = mid - 1;
    }
    return keptFrom[lo] + (offset - skeletonFrom[lo]);
  };
  return { text: skeleton, toText };
}

/** Where the line starting at or before `i` ends, past backslash-continued lines (the offset of its line break, or the end). */
function logicalLineEnd(text: string, i: number): number {
  for (;;) {
    const end = text.indexOf('\n', i);
    if (end < 0) return text.length;
    let k = end - 1;
    if (text.charCodeAt(k) === CR) k--;
    if (text.charCodeAt(k) !== BACKSLASH) return end;
    i = end + 1;
  }
}
