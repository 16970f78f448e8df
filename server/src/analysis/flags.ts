// analysis layer: flag sets known at a point (`flags & FOLL_WRITE` tested true,
// a caller passing `FOLL_GET | FOLL_DUMP`), and whether a requirement on them
// (a helper that needs FOLL_PIN without FOLL_WRITE) can hold. Flags are named
// constants: ALL_CAPS identifiers, nothing kernel-specific. Pure.
import type { SyntaxNode } from '../parse/parser';
import { binaryOperator, unwrap } from '../parse/nodes';

const FLAG_NAME = /^[A-Z][A-Z0-9_]*$/;

/** What is known of a flags value: bits surely set, bits surely clear, and whether `set` is all of it. */
export interface FlagKnowledge {
  set: ReadonlySet<string>;
  clear: ReadonlySet<string>;
  /** The value is exactly `set` (a constant expression): every other bit is clear. */
  exact: boolean;
}

/** Knowledge from its serialisable form (sorted name lists, as CallFact.argFlags and RawSite.paramFlags keep it). */
export function knowledgeOf(f: { set: readonly string[]; clear: readonly string[]; exact: boolean }): FlagKnowledge {
  return { set: new Set(f.set), clear: new Set(f.clear), exact: f.exact };
}

/** A requirement on a flags value. */
export interface FlagRequirement {
  set: readonly string[];
  clear: readonly string[];
}

/** The flag names of a constant expression (`FOLL_GET | FOLL_DUMP`, `0`), or undefined if it is not one. */
export function constantFlags(node: SyntaxNode): string[] | undefined {
  const n = unwrap(node);
  if (n.type === 'identifier') return FLAG_NAME.test(n.text) ? [n.text] : undefined;
  if (n.type === 'number_literal') return n.text === '0' ? [] : undefined;
  if (n.type === 'binary_expression' && binaryOperator(n) === '|') {
    const l = constantFlags(n.childForFieldName('left')!);
    const r = l && constantFlags(n.childForFieldName('right')!);
    return l && r ? [...l, ...r] : undefined;
  }
  return undefined;
}

/** `x & FLAG` / `x & (A | B)`: the tested identifier and the flags, or undefined. */
export function flagTest(node: SyntaxNode): { subject: string; flags: string[] } | undefined {
  const n = unwrap(node);
  if (n.type !== 'binary_expression' || binaryOperator(n) !== '&') return undefined;
  const left = unwrap(n.childForFieldName('left')!);
  const right = n.childForFieldName('right')!;
  const flags = constantFlags(right);
  if (left.type !== 'identifier' || !flags || flags.length === 0) return undefined;
  return { subject: left.text, flags };
}

/**
 * `(x & (A | B)) == A` (either side): the tested identifier, the mask's flags and the value's. When the
 * comparison holds, the value's flags are set and the rest of the mask's are clear.
 */
export function flagCompare(node: SyntaxNode): { subject: string; mask: string[]; value: string[] } | undefined {
  const n = unwrap(node);
  const op = binaryOperator(n);
  if (op !== '==' && op !== '!=') return undefined;
  for (const [masked, other] of [[n.childForFieldName('left')!, n.childForFieldName('right')!], [n.childForFieldName('right')!, n.childForFieldName('left')!]]) {
    const t = flagTest(masked);
    const value = constantFlags(other);
    if (t && value && value.every((f) => t.flags.includes(f))) return { subject: t.subject, mask: t.flags, value };
  }
  return undefined;
}

/** Whether a value with this knowledge can meet the requirement. */
export function canMeet(known: FlagKnowledge, req: FlagRequirement): boolean {
  if (req.clear.some((f) => known.set.has(f))) return false;
  if (req.set.some((f) => known.clear.has(f))) return false;
  if (known.exact && req.set.some((f) => !known.set.has(f))) return false;
  return true;
}

/** What of the requirement is still open once this knowledge is taken into account. */
export function remaining(known: FlagKnowledge, req: FlagRequirement): FlagRequirement {
  return { set: req.set.filter((f) => !known.set.has(f)), clear: req.clear.filter((f) => !known.clear.has(f)) };
}

export function mergeRequirements(a: FlagRequirement | undefined, b: FlagRequirement): FlagRequirement {
  if (!a) return b;
  return { set: [...new Set([...a.set, ...b.set])].sort(), clear: [...new Set([...a.clear, ...b.clear])].sort() };
}

export function isEmptyRequirement(r: FlagRequirement): boolean {
  return r.set.length === 0 && r.clear.length === 0;
}
