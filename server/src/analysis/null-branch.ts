// analysis layer: what a function does on the side of a NULL test where the value is NULL.
// "Declining is correct" (issue 22): code that cannot name a shared FS-DAX folio's owners and
// gives up, telling its caller (an errno, NULL, false, 0 that the other side does not return),
// does what the seed asks; code that treats the NULL as "gone" and goes on (returns nothing,
// returns what success returns, carries on in a loop) acts on a wrong conclusion. Pure: reads
// the CFG and the tree, and asks the dataflow which edges the FS-DAX page can take.
import type { SyntaxNode } from '../parse/parser';
import { declaratorName, unwrap } from '../parse/nodes';
import type { Cfg } from './cfg';

/** A returned value as far as the text shows it: a failure constant, or anything else. */
export type Returned = 'errno' | 'null' | 'false' | 'zero' | 'void' | 'other';
const FAILURES: ReadonlySet<Returned> = new Set<Returned>(['errno', 'null', 'false', 'zero']);

/** How far the walks look: a NULL branch that declines does so within a few statements. */
const MAX_NODES = 400;

/**
 * Whether the NULL side of condition node `cond` (its edge taken when the condition is `nullWhen`)
 * hands a failure back: every way out of the function from there is a `return` of a failure
 * constant (directly, or through a variable last set to one on that side), and the other side
 * can return something else.
 */
export function nullBranchDeclines(cfg: Cfg, cond: number, nullWhen: boolean, preds: number[][] = predecessors(cfg), fsdaxTakes: EdgeFilter = () => true): boolean {
  const nullEdge = cfg.nodes[cond].succ.find((e) => e.when === nullWhen);
  const otherEdge = cfg.nodes[cond].succ.find((e) => e.when === !nullWhen);
  if (!nullEdge || !otherEdge) return false;
  const nullSide = exits(cfg, preds, cond, nullEdge.to, fsdaxTakes);
  if (nullSide.size === 0 || [...nullSide].some((r) => !FAILURES.has(r))) return false;
  const otherSide = exits(cfg, preds, cond, otherEdge.to);
  return [...otherSide].some((r) => !nullSide.has(r));
}

/**
 * Whether the FS-DAX page whose mapping was tested can take the edge of condition node `from`
 * where it is `when` (the dataflow's answer: `if (!folio->mapping && !folio_test_anon(folio))`
 * has a way on for anonymous folios only, which an FS-DAX one never takes where anon tests are
 * false for it). The walks of the NULL side skip the edges it cannot take.
 */
export type EdgeFilter = (from: number, when: boolean) => boolean;

export function predecessors(cfg: Cfg): number[][] {
  const preds: number[][] = cfg.nodes.map(() => []);
  for (const n of cfg.nodes) for (const e of n.succ) preds[e.to].push(n.id);
  return preds;
}

/** What the function can return after taking the edge from `cond` to `start`. */
function exits(cfg: Cfg, preds: number[][], cond: number, start: number, takes: EdgeFilter = () => true): Set<Returned> {
  const side = reachable(cfg, start, takes);
  const out = new Set<Returned>();
  for (const id of side) {
    const node = cfg.nodes[id];
    const ret = node.ast?.type === 'return_statement' ? node.ast : undefined;
    if (ret) { out.add(classify(ret, id, cfg, preds, side, cond, start)); continue; }
    // Falling off the end: a void function that returns nothing to tell.
    if (node.succ.some((e) => e.to === cfg.exit)) out.add('void');
  }
  if (side.size >= MAX_NODES) out.add('other');
  return out;
}

function reachable(cfg: Cfg, start: number, takes: EdgeFilter): Set<number> {
  const seen = new Set<number>([start]);
  const work = [start];
  while (work.length > 0 && seen.size < MAX_NODES) {
    const id = work.pop()!;
    const node = cfg.nodes[id];
    // A return leaves: what follows it in the graph is the exit, not more of this side.
    if (node.ast?.type === 'return_statement') continue;
    for (const e of node.succ) {
      if (e.to === cfg.exit || seen.has(e.to) || (e.when !== undefined && !takes(id, e.when))) continue;
      seen.add(e.to);
      work.push(e.to);
    }
  }
  return seen;
}

function classify(ret: SyntaxNode, at: number, cfg: Cfg, preds: number[][], side: Set<number>, cond: number, start: number): Returned {
  const value = ret.namedChildren.find((c) => c.type !== 'comment');
  if (!value) return 'void';
  const v = stripCasts(value);
  const constant = constantOf(v);
  if (constant) return constant;
  if (v.type !== 'identifier') return 'other';
  // A variable: what it was last set to on the way here, on this side of the test (or before it).
  const defs = reachingDefinitions(v.text, at, cfg, preds, { side, cond, start });
  if (defs.length === 0) return 'other';
  const kinds = new Set(defs.map((d) => (d.value ? constantOf(stripCasts(d.value)) ?? 'other' : 'other')));
  return kinds.size === 1 ? [...kinds][0] : 'other';
}

export function stripCasts(n: SyntaxNode): SyntaxNode {
  let v = unwrap(n);
  while (v.type === 'cast_expression' && v.childForFieldName('value')) v = unwrap(v.childForFieldName('value')!);
  return v;
}

export function constantOf(v: SyntaxNode): Returned | undefined {
  const t = v.text.replace(/\s+/g, '');
  if (/^-E[A-Z0-9]+$/.test(t) || /^ERR_PTR\(-E[A-Z0-9]+\)$/.test(t)) return 'errno';
  if (t === 'NULL') return 'null';
  if (t === 'false') return 'false';
  if (/^0[uUlL]*$/.test(t)) return 'zero';
  return undefined;
}

/** Where a variable got the value it holds at a node: the assigning node and the value (undefined: not set there, or a param). */
export interface Definition { node: number; value: SyntaxNode | undefined }

/**
 * The definitions of `name` that reach node `at`: a backward search where each path stops at its
 * nearest assignment or initialised declaration; a path reaching the entry gives the entry with no
 * value. With `region`, the search stays on one side of a test (nodes of `side`) until it reaches
 * the side's first node, then goes on before the test.
 */
export function reachingDefinitions(name: string, at: number, cfg: Cfg, preds: number[][], region?: { side: Set<number>; cond: number; start: number }): Definition[] {
  const out: Definition[] = [];
  const seen = new Set<string>();
  const work: Array<{ id: number; onSide: boolean }> = [{ id: at, onSide: !!region }];
  while (work.length > 0 && seen.size < MAX_NODES) {
    const { id, onSide } = work.pop()!;
    const key = `${id}:${onSide}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (id !== at) {
      const def = assignmentsOf(cfg, id).get(name);
      if (def !== NOT_SET) { out.push({ node: id, value: def }); continue; }
    }
    if (id === cfg.entry) { out.push({ node: id, value: undefined }); continue; }
    const leaving = !!region && onSide && id === region.start;
    const from = leaving ? [region!.cond] : preds[id];
    for (const p of from) {
      if (region && onSide && !leaving && !region.side.has(p)) continue;
      work.push({ id: p, onSide: onSide && !leaving });
    }
  }
  return out;
}

const NOT_SET = Symbol('not set');

/**
 * Per CFG node, the names its statement sets and to what (undefined: declared without a value, or a
 * compound assignment). Read once per function: the searches above visit the same nodes for every
 * variable, and tree-sitter's node accessors are the expensive part.
 */
const ASSIGNMENTS = new WeakMap<Cfg, Array<Map<string, SyntaxNode | undefined>>>();
const NONE = new Map<string, SyntaxNode | undefined>();

function assignmentsOf(cfg: Cfg, id: number): { get(name: string): SyntaxNode | undefined | typeof NOT_SET } {
  let all = ASSIGNMENTS.get(cfg);
  if (!all) ASSIGNMENTS.set(cfg, all = cfg.nodes.map((n) => assignmentsIn(n.ast)));
  const m = all[id];
  return { get: (name) => (m.has(name) ? m.get(name) : NOT_SET) };
}

function assignmentsIn(ast: SyntaxNode | undefined): Map<string, SyntaxNode | undefined> {
  if (!ast) return NONE;
  if (ast.type === 'declaration') {
    const out = new Map<string, SyntaxNode | undefined>();
    for (const d of ast.namedChildren) {
      const name = declaratorName(d);
      if (name && !out.has(name)) out.set(name, d.type === 'init_declarator' ? d.childForFieldName('value') ?? undefined : undefined);
    }
    return out;
  }
  const e = ast.type === 'expression_statement' ? ast.namedChild(0) : ast;
  if (e?.type !== 'assignment_expression') return NONE;
  return new Map([[unwrap(e.childForFieldName('left')!).text, e.child(1)?.type === '=' ? e.childForFieldName('right') ?? undefined : undefined]]);
}
