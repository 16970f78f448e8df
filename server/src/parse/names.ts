// parse layer: identifiers that outlive the text they were read from. A substring of 13 or more
// characters is, in V8, a slice that keeps the whole string it came from alive: a function's
// name or a callee's kept in facts kept the file's entire text (and in the editor each edited
// version's) after its tree was released. Interned names are flat copies, one per distinct name.
const interned = new Map<string, string>();

/** V8 copies shorter substrings (SlicedString::kMinLength). */
const SLICE_MIN = 13;

/** The one flat copy of this identifier. */
export function internName(name: string): string {
  if (name.length < SLICE_MIN) return name;
  let flat = interned.get(name);
  if (flat === undefined) {
    // Through bytes: a new sequential string, sharing nothing with the text the name was read from.
    flat = Buffer.from(name, 'utf8').toString('utf8');
    interned.set(flat, flat);
  }
  return flat;
}
