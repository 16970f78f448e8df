// parse layer: node-type predicates and small accessors over tree-sitter-c
// nodes, so no other layer spells out grammar details.
import type { SyntaxNode } from './parser';
import { internName } from './names';

/** Calls that only wrap their argument for the compiler: unlikely(x) is x. */
const TRANSPARENT_CALLS = new Set(['likely', 'unlikely', 'WARN_ON', 'WARN_ON_ONCE', 'VM_WARN_ON', 'VM_WARN_ON_ONCE',
  'VM_BUG_ON', 'WARN_ONCE', 'data_race', 'RCU_INITIALIZER', 'rcu_dereference', 'rcu_access_pointer', 'rcu_dereference_protected']);

export function unwrap(node: SyntaxNode): SyntaxNode {
  let n = node;
  for (;;) {
    if (n.type === 'parenthesized_expression' && n.namedChildCount === 1) { n = n.namedChild(0)!; continue; }
    if (n.type === 'cast_expression') { const v = n.childForFieldName('value'); if (v) { n = v; continue; } }
    if (n.type === 'call_expression') {
      const name = calleeName(n);
      const args = name && TRANSPARENT_CALLS.has(name) ? callArguments(n) : NO_NODES;
      if (args.length >= 1) { n = args[0]; continue; }
    }
    return n;
  }
}

export function calleeName(call: SyntaxNode): string | undefined {
  const fn = call.childForFieldName('function');
  if (!fn) return undefined;
  if (fn.type === 'identifier') return internName(fn.text);
  if (fn.type === 'parenthesized_expression' && fn.namedChild(0)?.type === 'identifier') return internName(fn.namedChild(0)!.text);
  return undefined;
}

export function callArguments(call: SyntaxNode): readonly SyntaxNode[] {
  const list = call.childForFieldName('arguments');
  if (!list) return NO_NODES;
  // The list itself where no comment is in it (nearly always): namedChildren is kept per node during an analysis.
  const named = list.namedChildren;
  return named.some((c) => c.type === 'comment') ? named.filter((c) => c.type !== 'comment') : named;
}

const NO_NODES: readonly SyntaxNode[] = Object.freeze([]);

/** `&x->f`: the expression's address is taken; nothing is loaded through it there. */
export function isAddressTaken(node: SyntaxNode): boolean {
  let n = node;
  while (n.parent?.type === 'parenthesized_expression') n = n.parent;
  return n.parent?.type === 'pointer_expression' && n.parent.child(0)?.type === '&';
}

/** A fingerprint of a node's structure (node types and fields, not text): FNV-1a of its S-expression. */
export function treeShape(node: SyntaxNode): number {
  const s = node.toString();
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export function isNot(node: SyntaxNode): boolean {
  return node.type === 'unary_expression' && node.child(0)?.type === '!';
}

/** `!!(x)` → `x` and whether an odd number of `!` wrapped it (parentheses removed on the way). */
export function stripNot(node: SyntaxNode): { test: SyntaxNode; negated: boolean } {
  let test = unwrap(node);
  let negated = false;
  while (isNot(test)) { test = unwrap(test.childForFieldName('argument')!); negated = !negated; }
  return { test, negated };
}

export function binaryOperator(node: SyntaxNode): string | undefined {
  if (node.type !== 'binary_expression') return undefined;
  return node.childForFieldName('operator')?.type ?? node.child(1)?.type;
}

/** `a->b` / `a.b`: the field name, or undefined. */
export function fieldName(node: SyntaxNode): string | undefined {
  if (node.type !== 'field_expression') return undefined;
  return node.childForFieldName('field')?.text;
}

export function fieldReceiver(node: SyntaxNode): SyntaxNode | null {
  return node.childForFieldName('argument');
}

/**
 * A stable key for an lvalue the dataflow can track: `x`, `x->f`, `x.f.g`, `*x`.
 * Whitespace and parentheses are dropped so `(x)->f` and `x -> f` agree.
 * Iterative, not recursive: a 10,000-deep `p->a->a...` or `****p` chain in a
 * hostile file overflowed the stack here (found by npm run fuzz).
 */
export function lvalueKey(node: SyntaxNode): string | undefined {
  // Walk down to the base identifier, remembering each level's prefix/suffix;
  // each level strips at most one pair of parentheses, as before.
  const prefixes: string[] = [];
  const suffixes: string[] = [];
  let cur: SyntaxNode | null = node;
  for (;;) {
    if (!cur) return undefined;
    const n: SyntaxNode = cur.type === 'parenthesized_expression' && cur.namedChildCount === 1 ? cur.namedChild(0)! : cur;
    if (n.type === 'identifier') {
      return prefixes.join('') + n.text + suffixes.reverse().join('');
    }
    if (n.type === 'field_expression') {
      const field = fieldName(n);
      if (!field) return undefined;
      suffixes.push(`${n.child(1)?.type === '.' ? '.' : '->'}${field}`);
      cur = fieldReceiver(n);
      continue;
    }
    if (n.type === 'pointer_expression' && n.child(0)?.type === '*') {
      prefixes.push('*');
      cur = n.childForFieldName('argument');
      continue;
    }
    return undefined;
  }
}

/** Name and declarator of a function definition; undefined for macro-shaped oddities. */
export function functionDeclarator(def: SyntaxNode): SyntaxNode | undefined {
  let d = def.childForFieldName('declarator');
  while (d && d.type !== 'function_declarator') {
    d = d.childForFieldName('declarator');
  }
  return d ?? undefined;
}

export function functionName(def: SyntaxNode): string | undefined {
  const d = functionDeclarator(def);
  const name = d?.childForFieldName('declarator');
  return name?.type === 'identifier' ? internName(name.text) : undefined;
}

export function isStaticDefinition(def: SyntaxNode): boolean {
  return def.namedChildren.some((c) => c.type === 'storage_class_specifier' && c.text === 'static');
}

export interface ParameterInfo {
  name: string;
  /** The declared type as written, pointer stars included: "struct page *". */
  type: string;
  node: SyntaxNode;
}

export function functionParameters(def: SyntaxNode): ParameterInfo[] {
  const list = functionDeclarator(def)?.childForFieldName('parameters');
  if (!list) return [];
  const out: ParameterInfo[] = [];
  for (const p of list.namedChildren) {
    if (p.type !== 'parameter_declaration') continue;
    const typeNode = p.childForFieldName('type');
    let declarator = p.childForFieldName('declarator');
    let stars = '';
    while (declarator && (declarator.type === 'pointer_declarator' || declarator.type === 'array_declarator')) {
      stars += '*';
      declarator = declarator.childForFieldName('declarator');
    }
    if (!declarator || declarator.type !== 'identifier') { out.push({ name: '', type: typeNode?.text ?? '', node: p }); continue; }
    out.push({ name: declarator.text, type: `${typeNode?.text ?? ''} ${stars}`.trim(), node: p });
  }
  return out;
}

/** Declared type text of a declaration's declarator: `struct page *` for `struct page *p = ...`. */
export function declaredType(declaration: SyntaxNode, declarator: SyntaxNode): string {
  const typeNode = declaration.childForFieldName('type');
  let d: SyntaxNode | null = declarator.type === 'init_declarator' ? declarator.childForFieldName('declarator') : declarator;
  let stars = '';
  while (d && (d.type === 'pointer_declarator' || d.type === 'array_declarator')) { stars += '*'; d = d.childForFieldName('declarator'); }
  return `${typeNode?.text ?? ''} ${stars}`.trim();
}

export function declaratorName(declarator: SyntaxNode): string | undefined {
  let d: SyntaxNode | null = declarator.type === 'init_declarator' ? declarator.childForFieldName('declarator') : declarator;
  while (d && (d.type === 'pointer_declarator' || d.type === 'array_declarator' || d.type === 'parenthesized_declarator')) {
    d = d.childForFieldName('declarator') ?? d.namedChild(0);
  }
  return d?.type === 'identifier' ? d.text : undefined;
}

export function isPageType(type: string): 'page' | 'folio' | undefined {
  const m = /^(?:const\s+)?struct\s+(page|folio)\s*\*+$/.exec(type.replace(/\s+/g, ' ').trim());
  return m ? (m[1] as 'page' | 'folio') : undefined;
}
