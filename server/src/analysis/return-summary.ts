// analysis layer: what a function returns for an FS-DAX page, computed from its body (issue 23,
// derive, don't enumerate). A page param is "NULL for FS-DAX" when every way the function can
// return something other than NULL / 0 / false passes a point where the dataflow had already
// proven that param not FS-DAX (a guard, a clean producer, a derived fact of a callee). A caller
// then reads a non-NULL result as that proof, as it does for the model's name-keyed return facts,
// without a model entry naming the function. Pure.
import type { SyntaxNode } from '../parse/parser';
import type { Cfg } from './cfg';
import type { FunctionUnit } from './functions';
import type { State } from './flow-state';
import { constantOf, reachingDefinitions, stripCasts } from './null-branch';
import type { ParamFlags, RawSite, RawSiteKind } from './sites';

const FALSY = new Set(['null', 'zero', 'false']);

/**
 * The page params for which the function returns NULL / 0 / false whenever the param is an FS-DAX
 * page. `inStates`: the dataflow's state before each CFG node. Empty for a void function, or one
 * that never returns anything else (its result proves nothing).
 */
export function nullForFsdaxParams(unit: FunctionUnit, cfg: Cfg, inStates: ReadonlyArray<State | undefined>, predsOf: () => number[][], reassigned: (name: string) => boolean): number[] {
  // A void function proves nothing by its result; neither does one whose page params it assigns.
  if (/\bvoid\s+\w+\s*$/.test(unit.node.text.slice(0, unit.node.text.indexOf('(')))) return [];
  let candidates = unit.params.flatMap((p, i) => (p.kind === 'page' && p.name && !reassigned(p.name) ? [i] : []));
  if (candidates.length === 0) return [];
  let truthyPoints = 0;
  const keepExcludedAt = (node: number) => {
    const state = inStates[node];
    truthyPoints++;
    candidates = state ? candidates.filter((i) => state.excluded.has(unit.params[i].name)) : [];
  };
  for (const node of cfg.nodes) {
    if (node.ast?.type !== 'return_statement' || !inStates[node.id]) continue;
    const value = returnedValue(node.ast);
    if (!value) return []; // a void function
    if (FALSY.has(constantOf(value) ?? '')) continue;
    if (value.type !== 'identifier') { keepExcludedAt(node.id); continue; }
    // `return anon_vma;`: where each value it may hold was set, and whether the param was excluded there.
    for (const def of reachingDefinitions(value.text, node.id, cfg, predsOf())) {
      if (def.value && FALSY.has(constantOf(stripCasts(def.value)) ?? '')) continue;
      if (def.node === cfg.entry || !def.value) return []; // a param, or a value we cannot see
      keepExcludedAt(def.node);
    }
    if (candidates.length === 0) return [];
  }
  return truthyPoints > 0 ? candidates : [];
}

/**
 * Page params the function returns 0 for only where the dataflow had seen them with one owner: every
 * `return` is a constant, some return an error (non-zero), and at each `return 0` the param is not
 * FS-DAX or may be shared only by a race since a test (a non-NULL mapping where NULL means shared:
 * `if (!folio->mapping && !folio_test_anon(folio)) return -EBUSY; ... return 0;`). A caller that
 * goes on only on 0 has had that test done for it: a later fresh read of the mapping is NULL only if
 * another file's fault shared the folio in between (check, then re-read).
 */
export function oneOwnerOnSuccessParams(unit: FunctionUnit, cfg: Cfg, inStates: ReadonlyArray<State | undefined>, reassigned: (name: string) => boolean): number[] {
  let candidates = unit.params.flatMap((p, i) => (p.kind === 'page' && p.name && !reassigned(p.name) ? [i] : []));
  if (candidates.length === 0) return [];
  let successes = 0;
  let failures = 0;
  for (const node of cfg.nodes) {
    if (node.ast?.type !== 'return_statement' || !inStates[node.id]) continue;
    const value = returnedValue(node.ast);
    const constant = value && errnoOrNumber(value);
    if (constant === undefined) return [];
    if (constant !== 0) { failures++; continue; }
    successes++;
    const state = inStates[node.id]!;
    candidates = candidates.filter((i) => {
      const f = state.vars.get(unit.params[i].name);
      return !f || !f.mayBeShared || !!f.sharedNeedsRace;
    });
    if (candidates.length === 0) return [];
  }
  return successes > 0 && failures > 0 ? candidates : [];
}

/** A returned constant as a number: `0`, `-EBUSY` (any negated upper-case name counts as non-zero), or undefined. */
function errnoOrNumber(value: SyntaxNode): number | undefined {
  const t = stripCasts(value).text.replace(/\s+/g, '');
  if (/^-?\d+[uUlL]*$/.test(t)) return Number.parseInt(t, 10);
  if (/^-[A-Z][A-Z0-9_]*$/.test(t)) return -1;
  return undefined;
}

/**
 * Per site kind, the param flags every site of that kind in the body needs: a caller that calls the
 * function as a site helper needs them too for the hazard to fire (the flags part of a derived fact).
 */
export function siteFlagNeeds(sites: readonly RawSite[]): Partial<Record<RawSiteKind, ParamFlags[]>> {
  const out: Partial<Record<RawSiteKind, ParamFlags[]>> = {};
  const kinds = [...new Set(sites.map((s) => s.kind))].sort();
  for (const kind of kinds) {
    const of = sites.filter((s) => s.kind === kind).map((s) => s.paramFlags ?? []);
    // Needed by every site: a param's bits tested the same way on all of them.
    const common = of[0].flatMap((f) => {
      const all = of.map((list) => list.find((g) => g.param === f.param));
      if (all.some((g) => !g)) return [];
      const set = f.set.filter((x) => all.every((g) => g!.set.includes(x)));
      const clear = f.clear.filter((x) => all.every((g) => g!.clear.includes(x)));
      return set.length + clear.length > 0 ? [{ param: f.param, set, clear }] : [];
    });
    if (common.length > 0) out[kind] = common;
  }
  return out;
}

function returnedValue(ret: SyntaxNode): SyntaxNode | undefined {
  const v = ret.namedChildren.find((c) => c.type !== 'comment');
  return v ? stripCasts(v) : undefined;
}
