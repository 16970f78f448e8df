// analysis layer: the dataflow state of one function and what a condition
// proves on each edge: guards exclude FS-DAX, lock cookies give guarantees,
// single-owner and anon tests change what is known of sharing. Pure.
import type { SyntaxNode } from '../parse/parser';
import { callArguments, calleeName, fieldName, fieldReceiver, isNot, lvalueKey, stripNot, unwrap, binaryOperator } from '../parse/nodes';
import type { ModelIndex } from '../model/model';
import type { GuaranteeSpec } from '../model/types';
import { Fact, factsEqual, isExcluded, joinFacts, sameOrigins } from './facts';
import { flagCompare, flagTest } from './flags';
import { compatible, joinValueTruths, learn, valueTest, ValueTruths, valueTruthsEqual } from './value-tests';

export interface State {
  vars: Map<string, Fact>;
  excluded: Set<string>;
  noFsdaxContext: boolean;
  /** Page-table levels ('pte', 'pmd', 'pud') whose devmap entries this path has ruled out. */
  excludedLevels: Set<string>;
  locks: Map<string, { subject: string; spec: GuaranteeSpec }>;
  nonNullProves: Map<string, string>;
  /** A variable (or a condition's call key) whose value 0 says the page under this key was seen with one owner (CalleeSummary.oneOwnerOnSuccess). */
  zeroProvesOneOwner: Map<string, string>;
  /** Plain identifiers a condition on this path tested, with the outcome (`if (locked)`: locked -> true on its branch). */
  truths: Map<string, boolean>;
  /** Flag bits of identifiers this path tested (`flags & FOLL_WRITE` true: FOLL_WRITE set). */
  flagTruths: Map<string, { set: Set<string>; clear: Set<string> }>;
  /** Identifiers holding a result a return fact knows ('0': an arch stub's constant). */
  consts: Map<string, string>;
  /** Values this path compared with named constants (`f->type == KIND_A`, a switch case), by lvalue. */
  valueTruths: ValueTruths;
  /** Every path here runs only on a debug kernel or behind a debugfs test knob. */
  debugOnly: boolean;
  /**
   * The collections this state shares with another (cloneState), one bit each (PART): read them
   * freely, but write through own() (or forget()), which copies a shared one first. Copy-on-write:
   * most states are cloned to be read, or written in one or two collections of the eleven.
   */
  shared: number;
}

/** A collection of a State. */
export type StatePart = 'vars' | 'excluded' | 'excludedLevels' | 'locks' | 'nonNullProves' | 'zeroProvesOneOwner' | 'truths' | 'flagTruths' | 'consts' | 'valueTruths';

const PART: Readonly<Record<StatePart, number>> = {
  vars: 1, excluded: 2, excludedLevels: 4, locks: 8, nonNullProves: 16, zeroProvesOneOwner: 32, truths: 64, flagTruths: 128, consts: 256, valueTruths: 512,
};
const ALL_PARTS = 1023;

export function emptyState(vars: Map<string, Fact>, noFsdaxContext: boolean): State {
  return { vars, excluded: new Set(), noFsdaxContext, excludedLevels: new Set(), locks: new Map(), nonNullProves: new Map(), zeroProvesOneOwner: new Map(), truths: new Map(), flagTruths: new Map(), consts: new Map(), valueTruths: new Map(), debugOnly: false, shared: 0 };
}

/** A state to change independently of `s`: both share every collection until one of them writes to it (own()). */
export function cloneState(s: State): State {
  s.shared = ALL_PARTS;
  return { vars: s.vars, excluded: s.excluded, noFsdaxContext: s.noFsdaxContext, excludedLevels: s.excludedLevels, locks: s.locks, nonNullProves: s.nonNullProves, zeroProvesOneOwner: s.zeroProvesOneOwner, truths: s.truths,
    flagTruths: s.flagTruths, consts: s.consts, valueTruths: s.valueTruths, debugOnly: s.debugOnly, shared: ALL_PARTS };
}

/** `state`'s own `part`, to write to: copied first while another state shares it (flag truths with their sets, which refine() adds to). */
export function own<K extends StatePart>(state: State, part: K): State[K] {
  const bit = PART[part];
  if (state.shared & bit) {
    const value = state[part] as Map<string, unknown> | Set<string>;
    const copy = part === 'flagTruths'
      ? new Map([...state.flagTruths].map(([k, v]) => [k, { set: new Set(v.set), clear: new Set(v.clear) }] as const))
      : value instanceof Set ? new Set(value) : new Map(value);
    (state as unknown as Record<StatePart, unknown>)[part] = copy;
    state.shared &= ~bit;
  }
  return state[part];
}

/** Deletes `key` from a map or set of `state`, copying it only when the key is there. */
export function dropFrom(state: State, part: StatePart, key: string): void {
  if (state[part].has(key)) (own(state, part) as Map<string, unknown> | Set<string>).delete(key);
}

export function joinStates(a: State, b: State): State {
  // A collection both states share (clones of one state that neither wrote to) joins to itself:
  // kept, shared by all three, instead of copied. Most joins in a loop-free stretch are of such states.
  let shared = 0;
  const same = <K extends StatePart>(part: K): boolean => {
    if (a[part] !== b[part]) return false;
    const bit = PART[part];
    shared |= bit;
    a.shared |= bit;
    b.shared |= bit;
    return true;
  };
  let vars = a.vars;
  if (!same('vars')) {
    vars = new Map(a.vars);
    for (const [k, f] of b.vars) vars.set(k, joinFacts(vars.get(k), f)!);
  }
  return {
    vars,
    excluded: same('excluded') ? a.excluded : new Set([...a.excluded].filter((k) => b.excluded.has(k))),
    noFsdaxContext: a.noFsdaxContext && b.noFsdaxContext,
    excludedLevels: same('excludedLevels') ? a.excludedLevels : new Set([...a.excludedLevels].filter((l) => b.excludedLevels.has(l))),
    locks: same('locks') ? a.locks : unionFirst(a.locks, b.locks),
    nonNullProves: same('nonNullProves') ? a.nonNullProves : unionFirst(a.nonNullProves, b.nonNullProves),
    zeroProvesOneOwner: same('zeroProvesOneOwner') ? a.zeroProvesOneOwner : unionFirst(a.zeroProvesOneOwner, b.zeroProvesOneOwner),
    truths: same('truths') ? a.truths : a.truths.size === 0 || b.truths.size === 0 ? new Map() : new Map([...a.truths].filter(([k, v]) => b.truths.get(k) === v)),
    flagTruths: same('flagTruths') ? a.flagTruths : joinFlagTruths(a.flagTruths, b.flagTruths),
    consts: same('consts') ? a.consts : new Map([...a.consts].filter(([k, v]) => b.consts.get(k) === v)),
    // Joined with itself a value truth is not always itself (an equality drops what it rules out): shared only when empty.
    valueTruths: a.valueTruths.size === 0 && same('valueTruths') ? a.valueTruths : joinValueTruths(a.valueTruths, b.valueTruths),
    debugOnly: a.debugOnly && b.debugOnly,
    shared,
  };
}

/** Both maps' entries, `a`'s where both have a key (the join keeps what either path knows). */
function unionFirst<V>(a: ReadonlyMap<string, V>, b: ReadonlyMap<string, V>): Map<string, V> {
  const out = new Map(a);
  for (const [k, v] of b) if (!out.has(k)) out.set(k, v);
  return out;
}

function joinFlagTruths(a: State['flagTruths'], b: State['flagTruths']): State['flagTruths'] {
  const out: State['flagTruths'] = new Map();
  for (const [k, x] of a) {
    const y = b.get(k);
    if (!y) continue;
    const set = new Set([...x.set].filter((f) => y.set.has(f)));
    const clear = new Set([...x.clear].filter((f) => y.clear.has(f)));
    if (set.size || clear.size) out.set(k, { set, clear });
  }
  return out;
}

export function statesEqual(a: State, b: State): boolean {
  if (a === b) return true;
  if (a.vars.size !== b.vars.size || a.excluded.size !== b.excluded.size || a.noFsdaxContext !== b.noFsdaxContext || a.excludedLevels.size !== b.excludedLevels.size) return false;
  if (a.locks.size !== b.locks.size || a.nonNullProves.size !== b.nonNullProves.size || a.zeroProvesOneOwner.size !== b.zeroProvesOneOwner.size || a.truths.size !== b.truths.size) return false;
  if (a.debugOnly !== b.debugOnly || a.consts.size !== b.consts.size || a.flagTruths.size !== b.flagTruths.size) return false;
  for (const [k, v] of a.truths) if (b.truths.get(k) !== v) return false;
  for (const [k, v] of a.consts) if (b.consts.get(k) !== v) return false;
  if (!valueTruthsEqual(a.valueTruths, b.valueTruths)) return false;
  for (const [k, v] of a.flagTruths) {
    const w = b.flagTruths.get(k);
    if (!w || w.set.size !== v.set.size || w.clear.size !== v.clear.size || [...v.set].some((f) => !w.set.has(f)) || [...v.clear].some((f) => !w.clear.has(f))) return false;
  }
  for (const [k, f] of a.vars) if (!factsEqual(f, b.vars.get(k))) return false;
  for (const k of a.excluded) if (!b.excluded.has(k)) return false;
  return true;
}

/** The tracked value a page argument stands for: `&folio->page`, `page_folio(p)` and casts reduce to their base. */
export function subjectKey(node: SyntaxNode, model: ModelIndex): string | undefined {
  let n = unwrap(node);
  for (;;) {
    if (n.type === 'pointer_expression' && n.child(0)?.type === '&') {
      n = unwrap(n.childForFieldName('argument')!);
      // &folio->page is the folio's own page; a pointer member named page (vmf->page) is a value of its own.
      if (n.type === 'field_expression' && fieldName(n) === 'page') n = unwrap(fieldReceiver(n)!);
      continue;
    }
    if (n.type === 'call_expression') {
      const idx = model.conversions.get(calleeName(n) ?? '');
      const args = callArguments(n);
      if (idx !== undefined && idx >= 0 && args[idx]) { n = unwrap(args[idx]); continue; }
    }
    return lvalueKey(n);
  }
}

/**
 * The keys holding the same page as `key`: a page and its folio (folio = page_folio(page),
 * &folio->page) carry the same origins, so a guard on one covers the other.
 */
function samePageKeys(state: State, key: string, anyKind = false): string[] {
  const f = state.vars.get(key);
  if (!f || (f.kind !== 'page' && !anyKind)) return [key];
  const out = [key];
  for (const [k, g] of state.vars) if (k !== key && (anyKind || g.kind === 'page') && sameOrigins(f, g)) out.push(k);
  return out;
}

/** Proves a value is not FS-DAX; pages taken from an excluded pfn (same origins) go with it. */
export function exclude(state: State, key: string | undefined): void {
  if (!key) return;
  for (const k of samePageKeys(state, key, true)) {
    dropFrom(state, 'vars', k);
    if (!state.excluded.has(k)) own(state, 'excluded').add(k);
  }
}

export function updateFact(state: State, key: string | undefined, change: Partial<Fact>): void {
  updateWith(state, key, (f) => ({ ...f, ...change }));
}

export function updateWith(state: State, key: string | undefined, change: (f: Fact) => Fact): void {
  if (!key) return;
  for (const k of samePageKeys(state, key)) {
    const f = state.vars.get(k);
    if (f) own(state, 'vars').set(k, change(f));
  }
}

/**
 * Applies what a condition's truth value proves on one edge; undefined when a kernel fact
 * decides the condition the other way (the edge is never taken: `ret` from an arch stub
 * that returns 0 is never true).
 */
export function refine(state: State, cond: SyntaxNode, value: boolean, model: ModelIndex): State | undefined {
  const { test: c, negated } = stripNot(cond);
  const truth = negated ? !value : value;
  if (decidedFalse(state, c, model) && truth) return undefined;
  if (model.debugOnlyConditions.get(c.text.replace(/\s+/g, '')) === truth) state.debugOnly = true;
  if (c.type === 'identifier') own(state, 'truths').set(c.text, truth);
  const tested = flagTest(c);
  if (tested) {
    const flagTruths = own(state, 'flagTruths');
    const known = flagTruths.get(tested.subject) ?? { set: new Set<string>(), clear: new Set<string>() };
    // `flags & (A | B)` true says one of them is set, which is not a fact about either.
    if (truth && tested.flags.length === 1) known.set.add(tested.flags[0]);
    if (!truth) for (const f of tested.flags) known.clear.add(f);
    flagTruths.set(tested.subject, known);
  }
  // `(flags & (A | B)) == A` true: A set, B clear (the helper-style test `!= A` on its false edge).
  const masked = flagCompare(c);
  if (masked && (binaryOperator(c) === '==') === truth) {
    const flagTruths = own(state, 'flagTruths');
    const known = flagTruths.get(masked.subject) ?? { set: new Set<string>(), clear: new Set<string>() };
    for (const f of masked.mask) (masked.value.includes(f) ? known.set : known.clear).add(f);
    flagTruths.set(masked.subject, known);
  }
  const op = binaryOperator(c);
  if (op === '&' && truth && model.excludingFlag?.test(c.text)) {
    enterNoFsdaxContext(state);
    return state;
  }
  const compared = valueTest(c);
  if (compared) {
    const equal = compared.equal === truth;
    const known = state.valueTruths.get(compared.subject);
    // `mode == A` on a path that knows mode is B (or is not A): this edge is never taken.
    if (known && !compatible(equal ? { eq: compared.value, ne: [] } : { ne: [compared.value] }, known)) return undefined;
    learn(own(state, 'valueTruths'), compared.subject, compared.value, equal);
  }
  if (op === '==' || op === '!=') {
    const left = unwrap(c.childForFieldName('left')!);
    const right = unwrap(c.childForFieldName('right')!);
    maskGuard(state, left, right, op === '==' ? truth : !truth, model);
    const isNull = (n: SyntaxNode) => n.text === 'NULL' || n.text === '0';
    const subject = isNull(right) ? left : isNull(left) ? right : undefined;
    if (subject && decidedFalse(state, subject, model) && (op === '!=' ? truth : !truth)) return undefined;
    if (subject) nonNullTest(state, subject, op === '!=' ? truth : !truth, model);
    return state;
  }
  if (c.type === 'call_expression') {
    refineByCall(state, c, truth, model);
    return state;
  }
  if (c.type === 'identifier' || c.type === 'field_expression') nonNullTest(state, c, truth, model);
  if (c.type === 'assignment_expression') nonNullTest(state, c.childForFieldName('left')!, truth, model);
  return state;
}

/** The edge of a switch taken for `case value:` (or for the default, none of the cases); undefined when the path knows otherwise. */
export function refineCase(state: State, subject: SyntaxNode | undefined, edge: { caseValue?: string; notCases?: string[] }): State | undefined {
  const key = subject ? lvalueKey(unwrap(subject)) : undefined;
  if (!key) return state;
  const known = state.valueTruths.get(key);
  if (edge.caseValue !== undefined) {
    if (known && !compatible({ eq: edge.caseValue, ne: [] }, known)) return undefined;
    learn(own(state, 'valueTruths'), key, edge.caseValue, true);
  } else {
    if (known?.eq !== undefined && (edge.notCases ?? []).includes(known.eq)) return undefined;
    for (const v of edge.notCases ?? []) learn(own(state, 'valueTruths'), key, v, false);
  }
  return state;
}

/** The key under which a condition that is a call remembers what its being true proves (State.nonNullProves). */
export function callProofKey(call: SyntaxNode): string {
  return `@${call.startIndex}`;
}

/** A condition a return fact decides: a variable holding an arch stub's 0, or the call itself. */
function decidedFalse(state: State, c: SyntaxNode, model: ModelIndex): boolean {
  const n = unwrap(c);
  if (n.type === 'identifier') return state.consts.has(n.text);
  if (n.type === 'assignment_expression') return decidedFalse(state, n.childForFieldName('right')!, model);
  if (n.type !== 'call_expression') return false;
  return model.returnFacts.get(calleeName(n) ?? '')?.value !== undefined;
}

function refineByCall(state: State, call: SyntaxNode, truth: boolean, model: ModelIndex): void {
  const name = calleeName(call) ?? '';
  const args = callArguments(call);
  // A lookup that answers NULL/false for every FS-DAX page answered true: the page is not FS-DAX
  // (what the callee's body shows, or the model's fact; the evaluator left it under the call's key).
  const proved = state.nonNullProves.get(callProofKey(call));
  if (proved && truth) exclude(state, proved);
  const oneOwner = state.zeroProvesOneOwner.get(callProofKey(call));
  if (oneOwner && !truth) updateWith(state, oneOwner, (f) => ({ ...f, ...sharedOnlyByRace(f) }));
  const guard = model.guards.get(name);
  if (guard && args[guard.arg] && guard.excludesWhen === truth) {
    exclude(state, subjectKey(args[guard.arg], model));
    // Past `if (pmd_devmap(pmdval)) return ...;` this path walks non-devmap PMDs: callees it hands the walk to inherit that.
    const level = entryLevel(name);
    if (guard.subject === 'entry' && level && !state.excludedLevels.has(level)) own(state, 'excludedLevels').add(level);
  }
  const ctx = model.contextGuards.get(name);
  if (ctx && ctx.excludesWhen === truth) enterNoFsdaxContext(state);
  const owner = model.singleOwnerTests.get(name);
  if (owner && args[owner.arg]) {
    const key = subjectKey(args[owner.arg], model);
    // A non-NULL mapping lookup where NULL means shared: one owner when it looked; a later read can see another file's share.
    if (owner.singleOwnerWhen === truth && truth && model.sharedMappingIsNull) updateWith(state, key, (f) => ({ ...f, ...sharedOnlyByRace(f) }));
    else updateFact(state, key, owner.singleOwnerWhen === truth ? { mayBeShared: false } : { mayBeSingleOwner: false });
  }
  const marker = model.sharedMarkerTests.get(name);
  if (marker !== undefined && args[marker]) {
    const key = subjectKey(args[marker], model);
    if (truth) updateFact(state, key, { mayBeSingleOwner: false, anonTested: true });
    else {
      updateWith(state, key, (f) => ({ ...f, mayBeShared: f.mayBeShared && f.mayBeSingleOwner, anonTestFalse: true, anonTested: true }));
      // A mapping read from the page before the test was not the marker: the marker would have made the test true.
      const page = key ? state.vars.get(key) : undefined;
      if (page) for (const [k, f] of state.vars) if (f.kind === 'mapping' && sameOrigins(f, page)) own(state, 'vars').set(k, { ...f, mayBeShared: false });
    }
    for (const k of key ? samePageKeys(state, key) : []) { const f = state.vars.get(k); if (f && isExcluded(f)) exclude(state, k); }
  }
  const lock = model.guaranteeByAcquire.get(name);
  if (lock && truth && args[lock.subjectArg]) acquire(state, subjectKey(args[lock.subjectArg], model), lock, model);
  const producer = model.cleanProducers.get(name);
  if (producer?.guardsArg !== undefined && truth && args[producer.guardsArg]) exclude(state, subjectKey(args[producer.guardsArg], model));
}

/**
 * `(mapping & MASK) == VALUE` true (or false) on this edge: where the model says no FS-DAX mapping
 * has VALUE, the page the mapping was read from is not FS-DAX on the branch where it matches.
 */
function maskGuard(state: State, left: SyntaxNode, right: SyntaxNode, equal: boolean, model: ModelIndex): void {
  for (const [masked, value] of [[left, right], [right, left]]) {
    if (binaryOperator(masked) !== '&') continue;
    const operand = unwrap(masked.childForFieldName('left')!);
    const mask = unwrap(masked.childForFieldName('right')!).text;
    const guard = model.maskGuards.find((g) => g.mask === mask && g.equals === value.text && g.excludesWhen === equal);
    const key = guard ? lvalueKey(operand) : undefined;
    const mapping = key ? state.vars.get(key) : undefined;
    if (mapping?.kind !== 'mapping') continue;
    for (const [k, f] of [...state.vars]) if (f.kind === 'page' && sameOrigins(f, mapping)) exclude(state, k);
  }
}

/** pte_devmap -> 'pte', pmd_page -> 'pmd', pud_folio -> 'pud'. */
export function entryLevel(call: string): string | undefined {
  return /^(pte|pmd|pud)_/.exec(call)?.[1];
}

/** The context a call runs in, for its callee's page-table sources: 'all' or the excluded levels. */
export function callContext(state: { noFsdaxContext: boolean; excludedLevels: Set<string> }): Set<string> {
  return state.noFsdaxContext ? new Set(['all']) : new Set(state.excludedLevels);
}

/** Past a context guard no page this path takes from page tables or GUP is FS-DAX, including those taken already. */
export function enterNoFsdaxContext(state: State): void {
  state.noFsdaxContext = true;
  for (const [k, f] of state.vars) {
    if (f.origins.every((o) => 'concrete' in o && o.concrete.sourceId !== 'entry-point')) own(state, 'vars').delete(k);
  }
}

function acquire(state: State, subject: string | undefined, spec: GuaranteeSpec, model: ModelIndex): void {
  if (spec.shareSafeEras.includes(model.era)) updateFact(state, subject, { guaranteed: true, mayBeShared: false });
  // The lock refused a shared folio, but it is one file's lock: another file's fault can share the folio after it.
  else if (model.refusesShared.has(spec.acquire)) updateWith(state, subject, (f) => ({ ...f, guaranteed: true, ...sharedOnlyByRace(f) }));
  else updateFact(state, subject, { guaranteed: true });
}

/** Shared here only if something made it shared since a test that saw one owner. */
function sharedOnlyByRace(f: Fact): Partial<Fact> {
  return f.mayBeShared ? { sharedNeedsRace: true } : {};
}

function nonNullTest(state: State, subject: SyntaxNode, nonNull: boolean, model: ModelIndex): void {
  const key = lvalueKey(subject);
  // `ret = check(folio); if (ret) goto out;`: past it, check() returned 0, which it does only for a folio it saw with one owner.
  const oneOwner = key && !nonNull ? state.zeroProvesOneOwner.get(key) : undefined;
  if (oneOwner) updateWith(state, oneOwner, (f) => ({ ...f, ...sharedOnlyByRace(f) }));
  if (!key || !nonNull) return;
  const lock = state.locks.get(key);
  if (lock) acquire(state, lock.subject, lock.spec, model);
  const proves = state.nonNullProves.get(key);
  if (proves) exclude(state, proves);
  // A non-NULL anon_vma is a real one: dereferencing it past the test is fine. From a lookup
  // that is NULL for every FS-DAX page, it also proves the page is not FS-DAX.
  const value = state.vars.get(key);
  if (value?.kind === 'anon_vma') {
    if (value.nullForFsdax) exclude(state, key);
    dropFrom(state, 'vars', key);
  }
  // 6.15+: a shared folio has mapping == NULL, so a non-NULL mapping was one owner's when it was read. The value
  // tested stays non-NULL; a fresh read of the folio's mapping later sees NULL only if another file's fault
  // shared the folio in between (check, then re-read: a race).
  if (!model.sharedMappingIsNull) return;
  if (subject.type === 'field_expression' && fieldName(subject) === 'mapping') {
    updateWith(state, subjectKey(fieldReceiver(subject)!, model), (f) => ({ ...f, ...sharedOnlyByRace(f) }));
  } else if (value?.kind === 'mapping') {
    own(state, 'vars').set(key, { ...value, mayBeShared: false });
    for (const [k, f] of state.vars) if (f.kind === 'page' && sameOrigins(f, value)) own(state, 'vars').set(k, { ...f, ...sharedOnlyByRace(f) });
  }
}
