// host: garbage collection on demand, for both front-ends. node tree-sitter frees a tree only
// when V8 collects its wrapper, and V8 does not count trees (native memory, ~25x their text):
// without a collection now and then, trees released since the last one add to those held.
import * as v8 from 'v8';
import * as vm from 'vm';

let gc: (() => void) | null | undefined;

/** A full collection, when V8 lets us (it does once --expose-gc is set, as here); false otherwise. */
export function collectGarbage(): boolean {
  if (gc === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc');
      gc = vm.runInNewContext('gc') as () => void;
    } catch {
      gc = null;
    }
  }
  if (!gc) return false;
  gc();
  return true;
}

/** A hook that runs a full collection each time `every` more files have been parsed (counted from its first call: an audit's files parsed before it do not count). */
export function collectEvery(every: number): (parsedFiles: number) => void {
  let last: number | undefined;
  return (parsed) => {
    last ??= parsed;
    if (parsed - last < every) return;
    last = parsed;
    collectGarbage();
  };
}
