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
import { lastAtOrBelow, logicalLineEnd } from './source-view';

/** A skeleton and the way back from its offsets to the text's. */
export interface Skeleton {
  text: string;
  /** The offset in the text of an offset in the skeleton. */
  toText(offset: number): number;
}

/** The character codes the brace count reads. */
const enum Code { Tab = 0x09, NL = 0x0a, VT = 0x0b, FF = 0x0c, CR = 0x0d, Space = 0x20, Quote = 0x22, Hash = 0x23, Apostrophe = 0x27, Star = 0x2a, Slash = 0x2f, Backslash = 0x5c, Open = 0x7b, Close = 0x7d }

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
    if (c === Code.NL) { lineStart = true; continue; }
    if (c === Code.Space || c === Code.Tab || c === Code.CR || c === Code.VT || c === Code.FF) continue;
    if (c === Code.Slash && text.charCodeAt(i + 1) === Code.Star) {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) return undefined;
      i = end + 1;
    } else if (c === Code.Slash && text.charCodeAt(i + 1) === Code.Slash) {
      i = logicalLineEnd(text, i) - 1;
      continue;
    } else if (c === Code.Quote || c === Code.Apostrophe) {
      let j = i + 1;
      for (; j < n; j++) {
        const d = text.charCodeAt(j);
        if (d === Code.Backslash) j++;
        else if (d === c) break;
        else if (d === Code.NL) return undefined;
      }
      if (j >= n) return undefined;
      i = j;
    } else if (c === Code.Hash && lineStart) {
      // A directive's braces are not the code's (`#define LOCK {`).
      i = logicalLineEnd(text, i) - 1;
      continue;
    } else if (c === Code.Open) {
      if (depth === 0) open = i;
      depth++;
    } else if (c === Code.Close) {
      if (depth === 0) return undefined;
      depth--;
      if (depth === 0) { keptTo.push(open + 1); keptFrom.push(i); } else if (i === 0 || text.charCodeAt(i - 1) === Code.NL) return undefined;
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
    const k = Math.max(0, lastAtOrBelow(skeletonFrom, offset));
    return keptFrom[k] + (offset - skeletonFrom[k]);
  };
  return { text: skeleton, toText };
}
