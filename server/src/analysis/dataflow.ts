// analysis layer: intraprocedural FS-DAX dataflow over a function's CFG.
// Tracks which values may be FS-DAX pages (or pfns, mappings, indexes read
// from them), refines them on guard edges and guarantee regions, and records
// every site (field read, helper call) together with the fact that reaches it.
// Pure: no IO; callee return summaries come in through `summaries`.
import type { SyntaxNode } from '../parse/parser';
import { callArguments, calleeName, declaratorName, fieldName, fieldReceiver, isNot, lvalueKey, unwrap, binaryOperator } from '../parse/nodes';
import type { ModelIndex } from '../model/model';
import type { GuaranteeSpec } from '../model/types';
import { buildCfg, Cfg } from './cfg';
import { composeFlags, ConcreteOrigin, Fact, factsEqual, isExcluded, joinFacts, Origin, PathStep, ValueKind, withKind, mergeOrigins, sameOrigins } from './facts';
import type { FieldMacro, FunctionUnit } from './functions';
import type { RawSite, RawSiteKind } from './sites';

export interface CallFact {
  callee: string;
  start: number;
  end: number;
  argFacts: Array<Fact | undefined>;
  text: string;
}

export interface FunctionFacts {
  unit: FunctionUnit;
  sites: RawSite[];
  calls: CallFact[];
  returnFact?: Fact;
  /** Params (mapping kind) this function or its callees dereference as an address_space. */
  derefParams: Map<number, string>;
  /** Params (index kind) this function or its callees feed to an index sink. */
  sinkParams: Map<number, string>;
  /** Per callee name: what every call to it here has ruled out ('all' by a context guard, or page-table levels by devmap checks). */
  callContexts: Map<string, Set<string>>;
  /** Page-table levels this function takes pages from itself (so its callers' context matters). */
  pageTableLevels: Set<string>;
}

/** What a caller needs to know of a callee, in terms of the callee's params. */
export interface CalleeSummary {
  returnFact?: Fact;
  derefParams: ReadonlyMap<number, string>;
  sinkParams: ReadonlyMap<number, string>;
}

export type ReturnSummaryLookup = (callee: string, fromFile: string) => CalleeSummary | undefined;

interface State {
  vars: Map<string, Fact>;
  excluded: Set<string>;
  noFsdaxContext: boolean;
  /** Page-table levels ('pte', 'pmd', 'pud') whose devmap entries this path has ruled out. */
  excludedLevels: Set<string>;
  locks: Map<string, { subject: string; spec: GuaranteeSpec }>;
  nonNullProves: Map<string, string>;
}

const ARITHMETIC = new Set(['+', '-', '&', '|', '>>', '<<', '^']);
const MAPPING_FIELDS = new Set(['mapping']);
const INDEX_FIELDS = new Set(['index', 'share']);

/** What analysing a function again can reuse: its CFG and facts about its text. */
export interface PreparedFunction {
  body: SyntaxNode;
  cfg: Cfg;
  /** Page-table sources count only where a user mapping is walked (kernel page tables never map FS-DAX). */
  walksUserMapping: boolean;
}

export function prepareFunction(unit: FunctionUnit, model: ModelIndex): PreparedFunction | undefined {
  const body = unit.node.childForFieldName('body');
  if (!body || model.ownerContexts.has(unit.name)) return undefined;
  return { body, cfg: buildCfg(body), walksUserMapping: model.userMappingContext.test(body.text) };
}

export function analyzeFunction(unit: FunctionUnit, model: ModelIndex, summaries: ReturnSummaryLookup,
  prepared: PreparedFunction | undefined = prepareFunction(unit, model)): FunctionFacts {
  const facts: FunctionFacts = { unit, sites: [], calls: [], derefParams: new Map(), sinkParams: new Map(), callContexts: new Map(), pageTableLevels: new Set() };
  if (!prepared) return facts;
  const { body, cfg, walksUserMapping } = prepared;
  const inStates = solve(cfg, initialState(unit, model, body), unit, model, summaries, walksUserMapping);
  const recorder: Recorder = { facts, unit, model };
  // Record in source order, so a read is recorded before the deref that is charged to it.
  const ordered = cfg.nodes.filter((n) => n.ast).sort((a, b) => a.ast!.startIndex - b.ast!.startIndex || a.id - b.id);
  for (const node of ordered) {
    const state = inStates[node.id];
    if (!state || !node.ast) continue;
    transfer(node.ast, cloneState(state), unit, model, summaries, recorder, node.kind === 'condition', walksUserMapping);
  }
  facts.sites.sort((a, b) => a.start - b.start || a.kind.localeCompare(b.kind));
  return facts;
}

interface Recorder {
  facts: FunctionFacts;
  unit: FunctionUnit;
  model: ModelIndex;
}

function initialState(unit: FunctionUnit, model: ModelIndex, body: SyntaxNode): State {
  const vars = new Map<string, Fact>();
  const entries = model.entryPoints.get(unit.name) ?? [];
  unit.params.forEach((p, i) => {
    if (!p.name) return;
    const entry = entries.find((e) => e.param === i);
    const kind: ValueKind = entry?.kind ?? p.kind;
    const origin: Origin = entry
      ? { concrete: { sourceId: 'entry-point', steps: [{ file: unit.file, function: unit.name, start: p.start, end: p.end, label: `${unit.name}() receives ${p.name}: ${entry.description}` }] } }
      : { param: i };
    vars.set(p.name, { kind, origins: [origin], mayBeShared: model.hasSharedPages, mayBeSingleOwner: true, guaranteed: false });
  });
  // Hugetlb mappings are never DAX: a context that holds for the callees too.
  const noFsdaxContext = model.isHugetlbContext(unit.file, unit.name);
  return { vars, excluded: new Set(), noFsdaxContext, excludedLevels: new Set(), locks: new Map(), nonNullProves: new Map() };
}

function step(unit: FunctionUnit, node: SyntaxNode, label: string): PathStep {
  return { file: unit.file, function: unit.name, start: node.startIndex, end: node.endIndex, label };
}

function solve(cfg: Cfg, init: State, unit: FunctionUnit, model: ModelIndex, summaries: ReturnSummaryLookup, walksUserMapping: boolean): Array<State | undefined> {
  const inStates: Array<State | undefined> = new Array(cfg.nodes.length);
  const visits = new Array<number>(cfg.nodes.length).fill(0);
  inStates[cfg.entry] = init;
  const work: number[] = [cfg.entry];
  const queued = new Set<number>(work);
  while (work.length > 0) {
    const id = work.shift()!;
    queued.delete(id);
    const node = cfg.nodes[id];
    const state = cloneState(inStates[id]!);
    if (node.ast) transfer(node.ast, state, unit, model, summaries, undefined, node.kind === 'condition', walksUserMapping);
    for (const edge of node.succ) {
      const out = edge.when === undefined ? state : refine(cloneState(state), node.ast!, edge.when, model);
      const prev = inStates[edge.to];
      const next = prev ? joinStates(prev, out) : out;
      if (prev && statesEqual(prev, next)) continue;
      // NOTE: a bound on revisits keeps pathological loops finite; facts only grow, so this is rarely reached.
      if (++visits[edge.to] > 24) continue;
      inStates[edge.to] = next;
      if (!queued.has(edge.to)) { work.push(edge.to); queued.add(edge.to); }
    }
  }
  return inStates;
}

function cloneState(s: State): State {
  return { vars: new Map(s.vars), excluded: new Set(s.excluded), noFsdaxContext: s.noFsdaxContext, excludedLevels: new Set(s.excludedLevels), locks: new Map(s.locks), nonNullProves: new Map(s.nonNullProves) };
}

function joinStates(a: State, b: State): State {
  const vars = new Map(a.vars);
  for (const [k, f] of b.vars) vars.set(k, joinFacts(vars.get(k), f)!);
  const locks = new Map(a.locks);
  for (const [k, v] of b.locks) if (!locks.has(k)) locks.set(k, v);
  const nonNullProves = new Map(a.nonNullProves);
  for (const [k, v] of b.nonNullProves) if (!nonNullProves.has(k)) nonNullProves.set(k, v);
  return {
    vars,
    excluded: new Set([...a.excluded].filter((k) => b.excluded.has(k))),
    noFsdaxContext: a.noFsdaxContext && b.noFsdaxContext,
    excludedLevels: new Set([...a.excludedLevels].filter((l) => b.excludedLevels.has(l))),
    locks,
    nonNullProves,
  };
}

function statesEqual(a: State, b: State): boolean {
  if (a.vars.size !== b.vars.size || a.excluded.size !== b.excluded.size || a.noFsdaxContext !== b.noFsdaxContext || a.excludedLevels.size !== b.excludedLevels.size) return false;
  if (a.locks.size !== b.locks.size || a.nonNullProves.size !== b.nonNullProves.size) return false;
  for (const [k, f] of a.vars) if (!factsEqual(f, b.vars.get(k))) return false;
  for (const k of a.excluded) if (!b.excluded.has(k)) return false;
  return true;
}

/** The tracked value a page argument stands for: `&folio->page`, `page_folio(p)` and casts reduce to their base. */
function subjectKey(node: SyntaxNode, model: ModelIndex): string | undefined {
  let n = unwrap(node);
  for (;;) {
    if (n.type === 'pointer_expression' && n.child(0)?.type === '&') { n = unwrap(n.childForFieldName('argument')!); continue; }
    if (n.type === 'field_expression' && fieldName(n) === 'page') { n = unwrap(fieldReceiver(n)!); continue; }
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
function exclude(state: State, key: string | undefined): void {
  if (!key) return;
  for (const k of samePageKeys(state, key, true)) {
    state.vars.delete(k);
    state.excluded.add(k);
  }
}

function updateFact(state: State, key: string | undefined, change: Partial<Fact>): void {
  updateWith(state, key, (f) => ({ ...f, ...change }));
}

function updateWith(state: State, key: string | undefined, change: (f: Fact) => Fact): void {
  if (!key) return;
  for (const k of samePageKeys(state, key)) {
    const f = state.vars.get(k);
    if (f) state.vars.set(k, change(f));
  }
}

/** Applies what a condition's truth value proves on one edge. */
function refine(state: State, cond: SyntaxNode, value: boolean, model: ModelIndex): State {
  let c = unwrap(cond);
  let truth = value;
  while (isNot(c)) { c = unwrap(c.childForFieldName('argument')!); truth = !truth; }
  const op = binaryOperator(c);
  if (op === '&' && truth && model.excludingFlag?.test(c.text)) {
    enterNoFsdaxContext(state);
    return state;
  }
  if (op === '==' || op === '!=') {
    const left = unwrap(c.childForFieldName('left')!);
    const right = unwrap(c.childForFieldName('right')!);
    const isNull = (n: SyntaxNode) => n.text === 'NULL' || n.text === '0';
    const subject = isNull(right) ? left : isNull(left) ? right : undefined;
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

function refineByCall(state: State, call: SyntaxNode, truth: boolean, model: ModelIndex): void {
  const name = calleeName(call) ?? '';
  const args = callArguments(call);
  const guard = model.guards.get(name);
  if (guard && args[guard.arg] && guard.excludesWhen === truth) {
    exclude(state, subjectKey(args[guard.arg], model));
    // Past `if (pmd_devmap(pmdval)) return ...;` this path walks non-devmap PMDs: callees it hands the walk to inherit that.
    const level = entryLevel(name);
    if (guard.subject === 'entry' && level) state.excludedLevels.add(level);
  }
  const ctx = model.contextGuards.get(name);
  if (ctx && ctx.excludesWhen === truth) enterNoFsdaxContext(state);
  const owner = model.singleOwnerTests.get(name);
  if (owner && args[owner.arg]) updateFact(state, subjectKey(args[owner.arg], model), owner.singleOwnerWhen === truth ? { mayBeShared: false } : { mayBeSingleOwner: false });
  const marker = model.sharedMarkerTests.get(name);
  if (marker !== undefined && args[marker]) {
    const key = subjectKey(args[marker], model);
    if (truth) updateFact(state, key, { mayBeSingleOwner: false });
    else updateWith(state, key, (f) => ({ ...f, mayBeShared: f.mayBeShared && f.mayBeSingleOwner, anonTestFalse: true }));
    for (const k of key ? samePageKeys(state, key) : []) { const f = state.vars.get(k); if (f && isExcluded(f)) exclude(state, k); }
  }
  const lock = model.guaranteeByAcquire.get(name);
  if (lock && truth && args[lock.subjectArg]) acquire(state, subjectKey(args[lock.subjectArg], model), lock, model);
  const producer = model.cleanProducers.get(name);
  if (producer?.guardsArg !== undefined && truth && args[producer.guardsArg]) exclude(state, subjectKey(args[producer.guardsArg], model));
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
function enterNoFsdaxContext(state: State): void {
  state.noFsdaxContext = true;
  for (const [k, f] of state.vars) {
    if (f.origins.every((o) => 'concrete' in o && o.concrete.sourceId !== 'entry-point')) state.vars.delete(k);
  }
}

function acquire(state: State, subject: string | undefined, spec: GuaranteeSpec, model: ModelIndex): void {
  const shareSafe = spec.shareSafeEras.includes(model.era);
  updateFact(state, subject, shareSafe ? { guaranteed: true, mayBeShared: false } : { guaranteed: true });
}

function nonNullTest(state: State, subject: SyntaxNode, nonNull: boolean, model: ModelIndex): void {
  const key = lvalueKey(subject);
  if (!key || !nonNull) return;
  const lock = state.locks.get(key);
  if (lock) acquire(state, lock.subject, lock.spec, model);
  const proves = state.nonNullProves.get(key);
  if (proves) exclude(state, proves);
  // 6.15+: a shared folio has mapping == NULL, so a non-NULL mapping proves a single owner.
  if (!model.hasSentinel && model.hasSharedPages && subject.type === 'field_expression' && fieldName(subject) === 'mapping') {
    updateFact(state, subjectKey(fieldReceiver(subject)!, model), { mayBeShared: false });
  }
}

function transfer(ast: SyntaxNode, state: State, unit: FunctionUnit, model: ModelIndex, summaries: ReturnSummaryLookup, rec: Recorder | undefined,
  isCondition: boolean, walksUserMapping: boolean): void {
  const ev = new Evaluator(state, unit, model, summaries, rec, walksUserMapping);
  if (isCondition) { ev.eval(ast); return; }
  switch (ast.type) {
    case 'declaration':
      for (const d of ast.namedChildren) {
        if (d.type === 'init_declarator') {
          const name = declaratorName(d);
          const value = d.childForFieldName('value');
          if (name) ev.assign(name, value);
        } else {
          const name = declaratorName(d);
          if (name) ev.forget(name);
        }
      }
      return;
    case 'return_statement': {
      const value = ast.namedChildren.find((c) => c.type !== 'comment');
      const f = value ? ev.eval(value) : undefined;
      if (rec && f) rec.facts.returnFact = joinFacts(rec.facts.returnFact, f);
      return;
    }
    default:
      ev.eval(ast);
  }
}

class Evaluator {
  constructor(
    private readonly state: State,
    private readonly unit: FunctionUnit,
    private readonly model: ModelIndex,
    private readonly summaries: ReturnSummaryLookup,
    private readonly rec: Recorder | undefined,
    private readonly walksUserMapping: boolean,
  ) {}

  forget(key: string): void {
    this.state.vars.delete(key);
    this.state.locks.delete(key);
    this.state.nonNullProves.delete(key);
  }

  assign(key: string, value: SyntaxNode | null): void {
    const f = value ? this.eval(value) : undefined;
    this.forget(key);
    this.state.excluded.delete(key);
    if (f) this.state.vars.set(key, f);
    if (!value) return;
    const v = unwrap(value);
    const copied = lvalueKey(v);
    if (copied && this.state.excluded.has(copied)) this.state.excluded.add(key); // orig_pmd = *pmd keeps *pmd's guard
    if (v.type !== 'call_expression') return;
    const name = calleeName(v) ?? '';
    const args = callArguments(v);
    const lock = this.model.guaranteeByAcquire.get(name);
    if (lock && args[lock.subjectArg]) {
      const subject = subjectKey(args[lock.subjectArg], this.model);
      if (subject) this.state.locks.set(key, { subject, spec: lock });
    }
    const producer = this.model.cleanProducers.get(name);
    if (producer?.guardsArg !== undefined && args[producer.guardsArg]) {
      const proved = subjectKey(args[producer.guardsArg], this.model);
      if (proved) this.state.nonNullProves.set(key, proved);
    }
  }

  eval(node: SyntaxNode): Fact | undefined {
    switch (node.type) {
      case 'identifier':
        return this.state.vars.get(node.text);
      case 'parenthesized_expression':
      case 'expression_statement': {
        let last: Fact | undefined;
        for (const c of node.namedChildren) last = this.eval(c);
        return last;
      }
      case 'cast_expression': {
        const v = node.childForFieldName('value');
        return v ? this.eval(v) : undefined;
      }
      case 'field_expression':
        return this.evalField(node);
      case 'pointer_expression': {
        const arg = node.childForFieldName('argument');
        return arg ? this.eval(arg) : undefined;
      }
      case 'subscript_expression': {
        const index = node.childForFieldName('index');
        if (index) this.eval(index);
        const arr = node.childForFieldName('argument');
        return arr ? this.eval(arr) : undefined;
      }
      case 'call_expression':
        return this.evalCall(node);
      case 'assignment_expression':
        return this.evalAssignment(node);
      case 'binary_expression': {
        const l = this.eval(node.childForFieldName('left')!);
        const r = this.eval(node.childForFieldName('right')!);
        const op = binaryOperator(node) ?? '';
        const mapping = l?.kind === 'mapping' ? l : r?.kind === 'mapping' ? r : undefined;
        if (op === '&' && mapping && this.model.sentinelMask.test(node.text)) this.useValue(mapping, 'decode', node.text);
        return ARITHMETIC.has(op) ? l ?? r : undefined;
      }
      case 'conditional_expression': {
        const cond = node.childForFieldName('condition');
        if (cond) this.eval(cond);
        const a = node.childForFieldName('consequence');
        const b = node.childForFieldName('alternative');
        return joinFacts(a ? this.eval(a) : undefined, b ? this.eval(b) : undefined);
      }
      case 'comma_expression': {
        this.eval(node.childForFieldName('left')!);
        return this.eval(node.childForFieldName('right')!);
      }
      case 'update_expression':
      case 'unary_expression': {
        const arg = node.childForFieldName('argument');
        const f = arg ? this.eval(arg) : undefined;
        return node.child(0)?.type === '!' ? undefined : f;
      }
      case 'sizeof_expression':
      case 'string_literal':
      case 'number_literal':
      case 'char_literal':
        return undefined;
      default:
        for (const c of node.namedChildren) this.eval(c);
        return undefined;
    }
  }

  private evalAssignment(node: SyntaxNode): Fact | undefined {
    const left = node.childForFieldName('left')!;
    const right = node.childForFieldName('right')!;
    const op = node.childForFieldName('operator')?.type ?? node.child(1)?.type;
    // The left side is a write; only its receiver is read (page->mapping = x reads nothing of interest).
    if (left.type === 'field_expression') {
      const recv = fieldReceiver(left);
      const recvFact = recv ? this.eval(recv) : undefined;
      // page->mapping->host = x writes through the mapping pointer: a deref.
      if (recvFact?.kind === 'mapping' && this.model.mappingDerefFields.has(fieldName(left) ?? '')) this.useValue(recvFact, 'deref', left.text);
    }
    else if (left.type === 'subscript_expression' || left.type === 'pointer_expression') this.eval(left);
    const key = lvalueKey(left);
    if (op === '=' && key) {
      this.assign(key, right);
      return this.state.vars.get(key);
    }
    return this.eval(right);
  }

  private evalField(node: SyntaxNode): Fact | undefined {
    const recv = fieldReceiver(node);
    const field = fieldName(node) ?? '';
    const receiverFact = recv ? this.eval(recv) : undefined;
    const key = lvalueKey(node);
    if (key && this.state.vars.has(key)) return this.state.vars.get(key);
    if (!receiverFact) return undefined;
    if (receiverFact.kind === 'page') {
      if (MAPPING_FIELDS.has(field)) { this.site('mapping-read', node, receiverFact); return { ...withKind(receiverFact, 'mapping'), readAt: [node.startIndex] }; }
      if (INDEX_FIELDS.has(field)) { this.site('index-read', node, receiverFact); return { ...withKind(receiverFact, 'index'), readAt: [node.startIndex] }; }
      if (field === 'page') return receiverFact;
      return undefined;
    }
    if (receiverFact.kind === 'mapping' && this.model.mappingDerefFields.has(field)) this.useValue(receiverFact, 'deref', node.text);
    return undefined;
  }

  private evalCall(node: SyntaxNode): Fact | undefined {
    const name = calleeName(node);
    const args = callArguments(node);
    const argFacts = args.map((a) => this.eval(a));
    if (!name) return undefined;
    const m = this.model;
    const conv = m.conversions.get(name);
    if (conv !== undefined) return conv >= 0 ? argFacts[conv] : undefined;
    if (m.pfnToPage.has(name)) return argFacts[0] && withKind(argFacts[0], 'page');
    if (m.pageToPfn.has(name) || m.pfnConversions.has(name)) return argFacts[0] && withKind(argFacts[0], 'pfn');
    const source = m.sourceByCall.get(name);
    if (source) return this.evalSource(node, name, args, source.id, source.entryArg, source.pagesArg, source.returns);
    const producer = m.cleanProducers.get(name);
    if (producer) {
      if (producer.pageOutArg !== undefined && args[producer.pageOutArg]) exclude(this.state, subjectKey(args[producer.pageOutArg], m));
      return undefined;
    }
    const referenced = m.returnsReferenced.get(name);
    if (referenced !== undefined) return argFacts[referenced] && { ...argFacts[referenced]!, guaranteed: true };
    const refArg = m.referencesArg.get(name);
    if (refArg !== undefined && args[refArg]) updateFact(this.state, subjectKey(args[refArg], m), { guaranteed: true });
    const release = m.guaranteeByRelease.get(name);
    if (release && args[release.subjectArg]) updateFact(this.state, subjectKey(args[release.subjectArg], m), { guaranteed: false });
    const macro = this.unit.fieldMacros?.get(name);
    if (macro && argFacts[macro.arg]?.kind === 'page') return this.macroFieldRead(node, argFacts[macro.arg]!, macro);
    const siteKind = m.siteKindByCall.get(name);
    let helperResult: Fact | undefined;
    if (siteKind) {
      const i = argFacts.findIndex((f) => f?.kind === 'page');
      if (i >= 0) {
        this.site(siteKind, node, argFacts[i]!, name);
        if (siteKind === 'index-helper') helperResult = { ...withKind(argFacts[i]!, 'index'), readAt: [node.startIndex] };
        // folio_mapping() and friends mask the shared marker: the result is NULL, not 0x1.
        if (siteKind === 'mapping-helper' && /mapping$/.test(name)) helperResult = { ...withKind(argFacts[i]!, 'mapping'), mayBeShared: false };
      }
    }
    if (m.mappingDerefCalls.has(name) || name.startsWith('mapping_')) {
      for (const f of argFacts) if (f?.kind === 'mapping') this.useValue(f, 'deref', node.text);
      return undefined;
    }
    if (m.indexSinks.has(name)) for (const f of argFacts) if (f?.kind === 'index') this.useValue(f, 'sink', name);
    if (m.guards.has(name) || m.contextGuards.has(name) || m.singleOwnerTests.has(name)) return undefined;
    const summary = this.summaries(name, this.unit.file);
    argFacts.forEach((f, i) => {
      if (!f || !summary) return;
      const deref = summary.derefParams.get(i);
      if (deref && f.kind === 'mapping') this.useValue(f, 'deref', `${name}() -> ${deref}`);
      const sink = summary.sinkParams.get(i);
      if (sink && f.kind === 'index') this.useValue(f, 'sink', `${name}() -> ${sink}`);
    });
    if (this.rec) {
      const here = callContext(this.state);
      const prev = this.rec.facts.callContexts.get(name);
      this.rec.facts.callContexts.set(name, prev ? new Set([...prev].filter((c) => here.has(c))) : here);
    }
    if (argFacts.some((f) => f) && this.rec) {
      this.rec.facts.calls.push({ callee: name, start: node.startIndex, end: node.endIndex, argFacts, text: node.text.length > 80 ? `${name}(...)` : node.text });
    }
    return helperResult ?? this.returnOf(name, node, summary?.returnFact, argFacts);
  }

  /** A local `#define OWNER(p) ((p)->mapping)` used as OWNER(page): the read happens at the use. */
  private macroFieldRead(node: SyntaxNode, page: Fact, macro: FieldMacro): Fact | undefined {
    const kind = macro.field === 'mapping' ? 'mapping-read' : 'index-read';
    this.site(kind, node, page);
    const value: Fact = { ...withKind(page, macro.field === 'mapping' ? 'mapping' : 'index'), readAt: [node.startIndex] };
    if (macro.derefField && this.model.mappingDerefFields.has(macro.derefField)) { this.useValue(value, 'deref', node.text); return undefined; }
    return value;
  }

  /** Charges a deref or sink use of a mapping/index value to the reads it came from (or to this function's params). */
  private useValue(f: Fact, use: 'deref' | 'sink' | 'decode', how: string): void {
    if (!this.rec) return;
    for (const at of f.readAt ?? []) {
      const site = this.rec.facts.sites.find((s) => s.start === at && (s.kind === 'mapping-read' || s.kind === 'index-read' || s.kind === 'index-helper'));
      if (!site) continue;
      if (use === 'deref' && !site.derefBy) site.derefBy = how;
      if (use === 'sink' && !site.sink) site.sink = how;
      if (use === 'decode') site.decoded = true;
    }
    if (use === 'decode') return;
    for (const o of f.origins) {
      if (!('param' in o) || this.unit.params[o.param]?.kind !== f.kind) continue;
      const map = use === 'deref' ? this.rec.facts.derefParams : this.rec.facts.sinkParams;
      if (!map.has(o.param)) map.set(o.param, how);
    }
  }

  private evalSource(node: SyntaxNode, name: string, args: SyntaxNode[], sourceId: string, entryArg?: number, pagesArg?: string, returns?: boolean): Fact | undefined {
    if (this.state.noFsdaxContext) return undefined;
    if (entryArg !== undefined) {
      const entryKey = args[entryArg] ? subjectKey(args[entryArg], this.model) : undefined;
      const level = entryLevel(name);
      if (!this.walksUserMapping || this.state.noFsdaxContext || (level && this.state.excludedLevels.has(level)) || (entryKey && (this.state.excluded.has(entryKey) || this.state.excluded.has(entryKey.replace(/^\*/, ''))))) return undefined;
    }
    const level = entryLevel(name);
    if (this.rec && entryArg !== undefined && level) this.rec.facts.pageTableLevels.add(level);
    const fact = this.concrete(node, sourceId, `${node.text.length > 60 ? `${name}(...)` : node.text} may yield an FS-DAX page`, entryArg !== undefined ? entryLevel(name) : undefined);
    if (pagesArg) {
      const target = args.find((a) => a.text === pagesArg) ??
        args.find((a) => new RegExp(`(^|[^\\w])${pagesArg}$`).test(a.text) && !/\bn(r_)?pages$/.test(a.text)) ??
        args.find((a) => /^&\s*\w+$/.test(a.text)); // get_user_pages(addr, 1, flags, &page)
      const key = target ? subjectKey(target, this.model) : undefined;
      if (key) this.state.vars.set(key, fact);
      return undefined;
    }
    return entryArg !== undefined || returns ? fact : undefined;
  }

  private concrete(node: SyntaxNode, sourceId: string, label: string, level?: string): Fact {
    const origin: ConcreteOrigin = { sourceId, steps: [{ ...step(this.unit, node, label), ...(level ? { level } : {}) }] };
    return { kind: 'page', origins: [{ concrete: origin }], mayBeShared: this.model.hasSharedPages, mayBeSingleOwner: true, guaranteed: false };
  }

  /** The caller-side fact of `callee(args)`, from the callee's return summary with its params replaced by the arguments. */
  private returnOf(callee: string, node: SyntaxNode, summary: Fact | undefined, argFacts: Array<Fact | undefined>): Fact | undefined {
    if (!summary) return undefined;
    let result: Fact | undefined;
    for (const o of summary.origins) {
      if ('param' in o) {
        const a = argFacts[o.param];
        if (a) result = joinFacts(result, { kind: summary.kind, origins: a.origins, ...composeFlags(summary, a) });
      } else {
        const callStep = step(this.unit, node, `${callee}() returns a maybe-FS-DAX ${summary.kind}`);
        const origin: ConcreteOrigin = { sourceId: o.concrete.sourceId, steps: [callStep, ...o.concrete.steps] };
        result = joinFacts(result, { kind: summary.kind, origins: mergeOrigins([], [{ concrete: origin }]), mayBeShared: summary.mayBeShared, mayBeSingleOwner: summary.mayBeSingleOwner, guaranteed: summary.guaranteed });
      }
    }
    return result;
  }

  private site(kind: RawSiteKind, node: SyntaxNode, fact: Fact, helper?: string): void {
    if (!this.rec) return;
    if (this.rec.facts.sites.some((s) => s.start === node.startIndex && s.kind === kind)) return;
    this.rec.facts.sites.push({
      kind, file: this.unit.file, function: this.unit.name, start: node.startIndex, end: node.endIndex,
      expr: node.text.length > 80 ? `${node.text.slice(0, 77)}...` : node.text, fact, helper,
    });
  }
}
