// analysis layer: keeping analysis results valid across an edit. When text is
// inserted or deleted in a file, every offset after the edit moves by the same
// amount; results of functions whose text did not change can be moved instead
// of recomputed. Offsets live in sites, calls, path steps and read positions.
import type { FunctionFacts } from './function-facts';
import type { Fact } from './facts';
import { changedSpan } from '../parse/changed-span';

/** Offsets in `file` at or after `from` move by `delta`. */
export interface TextShift {
  file: string;
  from: number;
  delta: number;
}

/** The edited span of a file: common prefix and suffix of the old and new text. */
export function textShift(file: string, oldText: string, newText: string): TextShift & { prefix: number } {
  const span = changedSpan(oldText, newText);
  return { file, prefix: span.start, from: span.oldEnd, delta: newText.length - oldText.length };
}

/** Moves, in place and once per object, every offset of `shift.file` in these results. */
export function shiftFacts(all: Iterable<FunctionFacts>, shift: TextShift): void {
  if (shift.delta === 0) return;
  const seen = new WeakSet<object>();
  const move = (o: number) => (o >= shift.from ? o + shift.delta : o);
  const span = (x: { file?: string; start: number; end: number }, file: string) => {
    if (seen.has(x) || file !== shift.file) return;
    seen.add(x);
    x.start = move(x.start);
    x.end = move(x.end);
  };
  const fact = (f: Fact | undefined, ownerFile: string) => {
    if (!f || seen.has(f)) return;
    seen.add(f);
    for (const o of f.origins) if ('concrete' in o) for (const step of o.concrete.steps) span(step, step.file);
    if (f.readAt && ownerFile === shift.file) f.readAt = f.readAt.map(move);
  };
  for (const facts of all) {
    const file = facts.unit.file;
    if (file !== shift.file && !filesIn(facts).has(shift.file)) continue;
    for (const site of facts.sites) { span(site, site.file); fact(site.fact, file); }
    for (const call of facts.calls) { span(call, file); call.argFacts.forEach((a) => fact(a, file)); }
    fact(facts.returnFact, file);
  }
}

/** The files a function's results hold offsets of (its own, and those of the paths in its facts); fixed once analysed. */
const mentioned = new WeakMap<FunctionFacts, Set<string>>();

export function filesIn(facts: FunctionFacts): Set<string> {
  let files = mentioned.get(facts);
  if (files) return files;
  const found = new Set<string>([facts.unit.file]);
  const fact = (f: Fact | undefined) => { for (const o of f?.origins ?? []) if ('concrete' in o) for (const step of o.concrete.steps) found.add(step.file); };
  for (const site of facts.sites) { found.add(site.file); fact(site.fact); }
  for (const call of facts.calls) call.argFacts.forEach(fact);
  fact(facts.returnFact);
  files = found;
  mentioned.set(facts, files);
  return files;
}
