// analysis layer: what a path knows of a value compared with named constants (issue 23,
// constants into callees): `filter->type == KIND_YOUNG` true on one edge, a `switch` case, a
// caller passing `MODE_FAST`. Sites and calls record what their path knows of their own
// params this way; the exposure walk carries it up the call graph and drops a caller whose
// arguments contradict it (`if (f->type == A) a(); else b(f);` never reaches b's `case A:`).
// Constants are ALL_CAPS names and number literals: nothing kernel-specific. Pure.
import type { SyntaxNode } from '../parse/parser';
import { binaryOperator, lvalueKey, unwrap } from '../parse/nodes';

const CONSTANT = /^(?:[A-Z][A-Z0-9_]*|-?\d+[uUlL]*|true|false)$/;

/** What is known of one value: it equals `eq`, and/or it equals none of `ne`. */
export interface ValueKnowledge { eq?: string; ne: string[] }

/** Knowledge of a param's value or of a field below it (`path` '' for the param itself, '->type' for a field). */
export interface ParamValueTest extends ValueKnowledge { param: number; path: string }

export type ValueTruths = Map<string, ValueKnowledge>;

/** The text of a constant expression, or undefined. */
export function constantText(node: SyntaxNode): string | undefined {
  const t = unwrap(node).text.replace(/\s+/g, '');
  return CONSTANT.test(t) ? t : undefined;
}

/** `x == C`, `C != x->f`: the tested lvalue and the constant, or undefined. */
export function valueTest(node: SyntaxNode): { subject: string; value: string; equal: boolean } | undefined {
  const n = unwrap(node);
  const op = binaryOperator(n);
  if (op !== '==' && op !== '!=') return undefined;
  const left = n.childForFieldName('left')!;
  const right = n.childForFieldName('right')!;
  const [subject, value] = constantText(right) ? [left, constantText(right)] : constantText(left) ? [right, constantText(left)] : [undefined, undefined];
  const key = subject && !constantText(subject) ? lvalueKey(unwrap(subject)) : undefined;
  return key && value ? { subject: key, value, equal: op === '==' } : undefined;
}

/** Records that `subject` equals (or not) `value` on this edge. */
export function learn(truths: ValueTruths, subject: string, value: string, equal: boolean): void {
  const known = truths.get(subject) ?? { ne: [] };
  if (equal) truths.set(subject, { eq: value, ne: [] });
  else if (known.eq === undefined && !known.ne.includes(value)) truths.set(subject, { ne: [...known.ne, value].sort() });
}

export function joinValueTruths(a: ValueTruths, b: ValueTruths): ValueTruths {
  const out: ValueTruths = new Map();
  for (const [k, x] of a) {
    const y = b.get(k);
    if (!y) continue;
    if (x.eq !== undefined && x.eq === y.eq) { out.set(k, { eq: x.eq, ne: [] }); continue; }
    // What both sides rule out: an equality on one side rules out everything else only as far as the other's list goes.
    const ruledOut = (v: ValueKnowledge, c: string) => v.ne.includes(c) || (v.eq !== undefined && v.eq !== c);
    const ne = [...new Set([...x.ne, ...y.ne])].filter((c) => ruledOut(x, c) && ruledOut(y, c)).sort();
    if (ne.length > 0) out.set(k, { ne });
  }
  return out;
}

export function valueTruthsEqual(a: ValueTruths, b: ValueTruths): boolean {
  if (a.size !== b.size) return false;
  for (const [k, x] of a) {
    const y = b.get(k);
    if (!y || x.eq !== y.eq || x.ne.join() !== y.ne.join()) return false;
  }
  return true;
}

/** `key` is `name` or a field below it (`name->f`, `name.f`). */
function isAtOrBelow(key: string, name: string): boolean {
  return key === name || key.startsWith(`${name}->`) || key.startsWith(`${name}.`);
}

/** Whether forgetValue(truths, name) would forget anything. */
export function hasValueKnowledge(truths: ValueTruths, name: string): boolean {
  for (const k of truths.keys()) if (isAtOrBelow(k, name)) return true;
  return false;
}

/** Drops what was known of `name` and of every field below it (it was assigned). */
export function forgetValue(truths: ValueTruths, name: string): void {
  for (const k of [...truths.keys()]) if (isAtOrBelow(k, name)) truths.delete(k);
}

/** What is known of `base` and the fields below it, as paths relative to it ('' for itself). */
export function knowledgeBelow(truths: ValueTruths, base: string): Array<ValueKnowledge & { path: string }> {
  const out: Array<ValueKnowledge & { path: string }> = [];
  for (const [k, v] of truths) {
    if (k === base) out.push({ path: '', ...v });
    else if (k.startsWith(`${base}->`) || k.startsWith(`${base}.`)) out.push({ path: k.slice(base.length), ...v });
  }
  return out.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}

/** Whether a value known as `known` can meet `req` (both about the same value). */
export function compatible(req: ValueKnowledge, known: ValueKnowledge): boolean {
  if (req.eq !== undefined && known.eq !== undefined) return req.eq === known.eq;
  if (req.eq !== undefined) return !known.ne.includes(req.eq);
  if (known.eq !== undefined) return !req.ne.includes(known.eq);
  return true;
}

/** Both requirements on one value at once, or null when they contradict. */
export function meet(a: ValueKnowledge, b: ValueKnowledge): ValueKnowledge | null {
  if (!compatible(a, b)) return null;
  const eq = a.eq ?? b.eq;
  return eq !== undefined ? { eq, ne: [] } : { ne: [...new Set([...a.ne, ...b.ne])].sort() };
}
