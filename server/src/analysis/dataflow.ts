// analysis layer: intraprocedural FS-DAX dataflow over a function's CFG.
// Tracks which values may be FS-DAX pages (or pfns, mappings, indexes read
// from them), refines them on guard edges and guarantee regions, and records
// every site (field read, helper call) together with the fact that reaches it.
// Pure: no IO; callee return summaries come in through `summaries`.
import type { SyntaxNode } from '../parse/parser';
import { declaratorName } from '../parse/nodes';
import type { ModelIndex } from '../model/model';
import { buildCfg, Cfg, type CfgNode } from './cfg';
import { nullBranchDeclines, predecessors, type EdgeFilter } from './null-branch';
import { nullForFsdaxParams, oneOwnerOnSuccessParams, siteFlagNeeds } from './return-summary';
import { Fact, joinFacts, Origin, sameOrigins, ValueKind } from './facts';
import { cloneState, emptyState, joinStates, refine, refineCase, State, statesEqual } from './flow-state';
import { Evaluator, reassignedIn, Recorder } from './evaluate';
import type { FunctionFacts, ReturnSummaryLookup } from './function-facts';
import type { FunctionUnit } from './functions';
import type { RawSite } from './sites';

export { callContext, entryLevel } from './flow-state';

/** What analysing a function again can reuse: its CFG and facts about its text. */
export interface PreparedFunction {
  body: SyntaxNode;
  cfg: Cfg;
  /** Page-table sources count only where a user mapping is walked (kernel page tables never map FS-DAX). */
  walksUserMapping: boolean;
  /** Filesystem-owned code: its params and sources carry no maybe-FS-DAX value; only entry lookups' pages are followed. */
  ownerContext?: boolean;
}

export function prepareFunction(unit: FunctionUnit, model: ModelIndex): PreparedFunction | undefined {
  const body = unit.node.childForFieldName('body');
  if (!body) return undefined;
  // Filesystem-owned code reads its pages under the filesystem's guarantee: nothing in it is analysed,
  // except which page an entry lookup hands back (that is not a matter of guarantees).
  const ownerContext = model.ownerContexts.has(unit.name);
  if (ownerContext && ![...model.headOutProducers].some((p) => body.text.includes(`${p}(`))) return undefined;
  return { body, cfg: buildCfg(body), walksUserMapping: model.userMappingContext.test(body.text), ...(ownerContext ? { ownerContext } : {}) };
}

export function analyzeFunction(unit: FunctionUnit, model: ModelIndex, summaries: ReturnSummaryLookup,
  prepared: PreparedFunction | undefined = prepareFunction(unit, model)): FunctionFacts {
  const facts: FunctionFacts = { unit, sites: [], calls: [], derefParams: new Map(), sinkParams: new Map(), identityParams: new Map(), callContexts: new Map(), pageTableLevels: new Set() };
  if (!prepared) return facts;
  const { body, cfg, walksUserMapping } = prepared;
  const init = prepared.ownerContext ? emptyState(new Map(), true) : initialState(unit, model, body);
  const inStates = solve(cfg, init, unit, model, summaries, walksUserMapping);
  const recorder: Recorder = { facts, unit, model };
  let preds: number[][] | undefined;
  const predsOf = () => (preds ??= predecessors(cfg));
  // Record in source order, so a read is recorded before the deref that is charged to it.
  const ordered = cfg.nodes.filter((n) => n.ast).sort((a, b) => a.ast!.startIndex - b.ast!.startIndex || a.id - b.id);
  for (const node of ordered) {
    const state = inStates[node.id];
    if (!state || !node.ast) continue;
    const ev = transfer(node.ast, cloneState(state), unit, model, summaries, recorder, node.kind === 'condition', walksUserMapping);
    // Declined (the NULL goes back to the caller as a failure), or a function where NULL changes nothing for FS-DAX.
    const harmless = model.nullMappingHarmless.has(unit.name);
    for (const t of ev.nullTests) {
      if (harmless) { noteNullBranch(facts, t.readAt, true); continue; }
      const takes = fsdaxTakes(cfg, inStates, t.fact, (ast, s) => transfer(ast, s, unit, model, summaries, undefined, true, walksUserMapping), model);
      noteNullBranch(facts, t.readAt, nullBranchDeclines(cfg, node.id, t.nullWhen, predsOf(), takes));
    }
  }
  markUnusedReads(facts.sites, cfg, inStates);
  const nullForFsdax = nullForFsdaxParams(unit, cfg, inStates, predsOf, (name) => reassignedIn(unit, name));
  if (nullForFsdax.length > 0) facts.nullForFsdax = nullForFsdax;
  const oneOwner = oneOwnerOnSuccessParams(unit, cfg, inStates, (name) => reassignedIn(unit, name));
  if (oneOwner.length > 0) facts.oneOwnerOnSuccess = oneOwner;
  const needs = siteFlagNeeds(facts.sites);
  if (Object.keys(needs).length > 0) facts.siteFlagNeeds = needs;
  facts.sites.sort((a, b) => a.start - b.start || a.kind.localeCompare(b.kind));
  return facts;
}

function initialState(unit: FunctionUnit, model: ModelIndex, body: SyntaxNode): State {
  const vars = new Map<string, Fact>();
  const entries = model.entryPoints.get(unit.name) ?? [];
  const never = model.noFsdaxParams.get(unit.name);
  unit.params.forEach((p, i) => {
    if (!p.name || never?.has(i)) return;
    const entry = entries.find((e) => e.param === i);
    const kind: ValueKind = entry?.kind ?? p.kind;
    const origin: Origin = entry
      ? { concrete: { sourceId: 'entry-point', steps: [{ file: unit.file, function: unit.name, start: p.start, end: p.end, label: entry.description }] } }
      : { param: i };
    vars.set(p.name, { kind, origins: [origin], mayBeShared: model.hasSharedPages, mayBeSingleOwner: true, guaranteed: false });
  });
  // Hugetlb mappings are never DAX: a context that holds for the callees too.
  const noFsdaxContext = model.isHugetlbContext(unit.file, unit.name);
  return emptyState(vars, noFsdaxContext);
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
      const out = edge.when !== undefined ? refine(cloneState(state), node.ast!, edge.when, model)
        : edge.caseValue !== undefined || edge.notCases ? refineCase(cloneState(state), node.ast, edge) : state;
      if (!out) continue; // a kernel fact decides this condition the other way
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

/**
 * The edges of condition nodes the page behind `tested` (a mapping read from it) can take: all but
 * those whose refinement drops the page that was there (a guard, or a call whose result rules
 * FS-DAX out: `folio_test_anon()` where it is false for FS-DAX) or that a kernel fact decides the
 * other way.
 */
function fsdaxTakes(cfg: Cfg, inStates: ReadonlyArray<State | undefined>, tested: Fact, evalCondition: (ast: SyntaxNode, state: State) => void, model: ModelIndex): EdgeFilter {
  const holdsPage = (s: State) => [...s.vars.values()].some((f) => f.kind === 'page' && sameOrigins(f, tested));
  return (from, when) => {
    const node = cfg.nodes[from];
    const before = inStates[from];
    if (!before || !node.ast || node.kind !== 'condition' || !holdsPage(before)) return true;
    const state = cloneState(before);
    evalCondition(node.ast, state);
    const after = refine(state, node.ast, when, model);
    return !!after && holdsPage(after);
  };
}

/** A mapping read is declined on NULL only if every NULL test of it hands the NULL back as a failure. */
function noteNullBranch(facts: FunctionFacts, readAt: readonly number[], declines: boolean): void {
  for (const site of facts.sites) {
    if (site.kind === 'mapping-read' && readAt.includes(site.start)) site.nullDeclines = (site.nullDeclines ?? true) && declines;
  }
}

function transfer(ast: SyntaxNode, state: State, unit: FunctionUnit, model: ModelIndex, summaries: ReturnSummaryLookup, rec: Recorder | undefined,
  isCondition: boolean, walksUserMapping: boolean): Evaluator {
  const ev = new Evaluator(state, unit, model, summaries, rec, walksUserMapping);
  if (isCondition) { ev.evalCondition(ast); return ev; }
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
      return ev;
    case 'return_statement': {
      const value = ast.namedChildren.find((c) => c.type !== 'comment');
      const f = value ? ev.eval(value) : undefined;
      ev.escapes(f, 'return');
      if (rec && f) rec.facts.returnFact = joinFacts(rec.facts.returnFact, f);
      return ev;
    }
    default:
      ev.eval(ast);
      return ev;
  }
}

/**
 * A read whose value is put in a local and reaches none of that local's uses: `mapping =
 * folio->mapping;` where every later mention of `mapping` is on a path an FS-DAX page does not take
 * (a kernel fact decides a condition first) or comes after `mapping` was given another value. It
 * gets the use `unused` (benign). Only where the dataflow shows the local holding the read right
 * after it: a value it does not follow (arithmetic on it) may be used unseen, and stays an escape.
 */
function markUnusedReads(sites: RawSite[], cfg: Cfg, inStates: ReadonlyArray<State | undefined>): void {
  for (const site of sites) {
    if ((site.kind !== 'mapping-read' && site.kind !== 'index-read') || (site.uses?.length ?? 0) > 0) continue;
    const node = innermostNode(cfg, inStates, site.start, site.end);
    const target = node && assignedLocal(node.ast!, site.start, site.end);
    if (!node || !target) continue;
    const holds = (id: number) => !!inStates[id]?.vars.get(target.name)?.readAt?.includes(site.start);
    // The local holds the read after its statement, on some path.
    if (!node.succ.some((e) => holds(e.to))) continue;
    const mentions = new RegExp(`\\b${target.name}\\b`);
    const text = node.ast!.text;
    const rest = text.slice(0, target.holder.startIndex - node.ast!.startIndex) + text.slice(target.holder.endIndex - node.ast!.startIndex);
    // Mentioned again in its own statement (`m = f->mapping, h = m->host`): not decided here.
    if (mentions.test(rest)) continue;
    const used = cfg.nodes.some((n) => n !== node && n.ast && holds(n.id) && mentions.test(n.ast.text) && readsLocal(n.ast, target.name));
    if (!used) site.uses = ['unused'];
  }
}

/** Whether `ast` mentions `name` other than as the target of a plain assignment (`name = other;` gives it a value, it reads none). */
function readsLocal(ast: SyntaxNode, name: string): boolean {
  const visit = (n: SyntaxNode): boolean => {
    if (n.type === 'identifier') return n.text === name;
    if (n.type === 'assignment_expression' && n.childForFieldName('operator')?.text === '=' && n.childForFieldName('left')?.type === 'identifier') {
      const right = n.childForFieldName('right');
      return !!right && visit(right);
    }
    return n.namedChildren.some(visit);
  };
  return visit(ast);
}

/** The reachable CFG node with the smallest span holding [start, end). */
function innermostNode(cfg: Cfg, inStates: ReadonlyArray<State | undefined>, start: number, end: number): CfgNode | undefined {
  let best: CfgNode | undefined;
  for (const n of cfg.nodes) {
    if (!n.ast || !inStates[n.id] || n.ast.startIndex > start || n.ast.endIndex < end) continue;
    if (!best || n.ast.endIndex - n.ast.startIndex < best.ast!.endIndex - best.ast!.startIndex) best = n;
  }
  return best;
}

/** The local whose declaration or assignment (`holder`) takes the value at [start, end), up from it within `within`. */
function assignedLocal(within: SyntaxNode, start: number, end: number): { name: string; holder: SyntaxNode } | undefined {
  for (let n: SyntaxNode | null = within.descendantForIndex(start, end); n && n.startIndex >= within.startIndex; n = n.parent) {
    if (n.type === 'init_declarator') {
      const name = declaratorName(n);
      return name ? { name, holder: n } : undefined;
    }
    if (n.type === 'assignment_expression') {
      const left = n.childForFieldName('left');
      return left?.type === 'identifier' && n.childForFieldName('operator')?.text === '=' ? { name: left.text, holder: n } : undefined;
    }
    if (n === within) break;
  }
  return undefined;
}
