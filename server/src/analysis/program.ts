// analysis layer: the whole-program step. Orders functions callees-first so
// return summaries are ready for their callers, runs the dataflow on each, and
// resolves every site's params back through the call graph to concrete sources,
// keeping the worst exposure and the path that shows it. Name resolution
// respects `static`: a call binds to a static definition in the same file
// first, then to the non-static definitions of the tree.
import type { ParsedFile } from '../parse/parser';
import { calleeName } from '../parse/nodes';
import type { ModelIndex } from '../model/model';
import { analyzeFunction, CallFact, FunctionFacts } from './dataflow';
import { Fact, joinFacts, PathStep } from './facts';
import { collectFunctions, FunctionUnit } from './functions';
import type { RawSite } from './sites';

export interface Exposure {
  /** A shared FS-DAX page can reach the site: mapping/index hold the shared encoding. */
  mayBeShared: boolean;
  /** Every path that reaches the site holds a lifetime guarantee (a DAX entry lock). */
  guaranteed: boolean;
  /** Source first, the site last. */
  path: PathStep[];
  sourceId: string;
}

export interface ResolvedSite extends RawSite {
  exposure: Exposure;
}

export interface ProgramAnalysis {
  sites: ResolvedSite[];
  functionCount: number;
}

const unitKey = (u: FunctionUnit) => `${u.file}#${u.name}#${u.node.startIndex}`;

export class CallResolver {
  private readonly byName = new Map<string, FunctionUnit[]>();

  constructor(units: FunctionUnit[]) {
    for (const u of units) {
      const list = this.byName.get(u.name);
      if (list) list.push(u); else this.byName.set(u.name, [u]);
    }
  }

  resolve(name: string, fromFile: string): FunctionUnit[] {
    const candidates = this.byName.get(name);
    if (!candidates) return [];
    const local = candidates.filter((u) => u.isStatic && u.file === fromFile);
    if (local.length > 0) return local.slice(0, 1);
    return candidates.filter((u) => !u.isStatic);
  }
}

export function analyzeProgram(files: readonly ParsedFile[], model: ModelIndex, isCancelled: () => boolean = () => false): ProgramAnalysis {
  const units = files.flatMap((f) => collectFunctions(f));
  const resolver = new CallResolver(units);
  const order = calleesFirst(units, resolver);
  const factsByUnit = new Map<string, FunctionFacts>();
  const summaries = (callee: string, fromFile: string): Fact | undefined => {
    let joined: Fact | undefined;
    for (const u of resolver.resolve(callee, fromFile)) joined = joinFacts(joined, factsByUnit.get(unitKey(u))?.returnFact);
    return joined;
  };
  for (const unit of order) {
    if (isCancelled()) break;
    factsByUnit.set(unitKey(unit), analyzeFunction(unit, model, summaries));
  }
  const sites = resolveSites([...factsByUnit.values()], resolver);
  return { sites, functionCount: units.length };
}

/** Tarjan's SCCs over the syntactic call graph; SCCs come out callees first. */
function calleesFirst(units: FunctionUnit[], resolver: CallResolver): FunctionUnit[] {
  const edges = new Map<string, FunctionUnit[]>();
  for (const u of units) {
    const callees: FunctionUnit[] = [];
    for (const call of u.node.descendantsOfType('call_expression')) {
      const name = calleeName(call);
      if (name) callees.push(...resolver.resolve(name, u.file));
    }
    edges.set(unitKey(u), callees);
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: FunctionUnit[] = [];
  const out: FunctionUnit[] = [];
  let counter = 0;
  // Iterative Tarjan: kernel call chains are deep enough to overflow recursion.
  for (const root of units) {
    if (index.has(unitKey(root))) continue;
    const frames: Array<{ u: FunctionUnit; i: number }> = [{ u: root, i: 0 }];
    index.set(unitKey(root), counter); low.set(unitKey(root), counter++); stack.push(root); onStack.add(unitKey(root));
    while (frames.length > 0) {
      const frame = frames[frames.length - 1];
      const k = unitKey(frame.u);
      const succ = edges.get(k)!;
      if (frame.i < succ.length) {
        const v = succ[frame.i++];
        const vk = unitKey(v);
        if (!index.has(vk)) {
          index.set(vk, counter); low.set(vk, counter++); stack.push(v); onStack.add(vk);
          frames.push({ u: v, i: 0 });
        } else if (onStack.has(vk)) low.set(k, Math.min(low.get(k)!, index.get(vk)!));
        continue;
      }
      frames.pop();
      if (frames.length > 0) { const pk = unitKey(frames[frames.length - 1].u); low.set(pk, Math.min(low.get(pk)!, low.get(k)!)); }
      if (low.get(k) === index.get(k)) {
        for (;;) { const w = stack.pop()!; onStack.delete(unitKey(w)); out.push(w); if (w === frame.u) break; }
      }
    }
  }
  return out;
}

interface CallerEdge { caller: FunctionFacts; call: CallFact }

const MAX_DEPTH = 12;
const MAX_ITEMS_PER_SITE = 4000;

function resolveSites(all: FunctionFacts[], resolver: CallResolver): ResolvedSite[] {
  const callers = new Map<string, CallerEdge[]>();
  for (const f of all) {
    for (const call of f.calls) {
      for (const callee of resolver.resolve(call.callee, f.unit.file)) {
        const k = unitKey(callee);
        const list = callers.get(k);
        if (list) list.push({ caller: f, call }); else callers.set(k, [{ caller: f, call }]);
      }
    }
  }
  const out: ResolvedSite[] = [];
  for (const f of all) {
    for (const site of f.sites) {
      const exposure = worstExposure(site, f.unit, callers);
      if (exposure) out.push({ ...site, exposure });
    }
  }
  return out;
}

function worstExposure(site: RawSite, unit: FunctionUnit, callers: Map<string, CallerEdge[]>): Exposure | undefined {
  const siteStep: PathStep = { file: site.file, function: site.function, start: site.start, end: site.end, label: `${site.expr} is used here` };
  let best: Exposure | undefined;
  const consider = (e: Exposure) => { if (!best || compareExposure(e, best) < 0) best = e; };
  const fact = site.fact;
  interface Item { unit: FunctionUnit; param: number; mayBeShared: boolean; guaranteed: boolean; chain: PathStep[] }
  const queue: Item[] = [];
  for (const o of fact.origins) {
    if ('concrete' in o) consider({ mayBeShared: fact.mayBeShared, guaranteed: fact.guaranteed, path: [...o.concrete.steps, siteStep], sourceId: o.concrete.sourceId });
    else queue.push({ unit, param: o.param, mayBeShared: fact.mayBeShared, guaranteed: fact.guaranteed, chain: [siteStep] });
  }
  const seen = new Set<string>();
  let items = 0;
  while (queue.length > 0 && items++ < MAX_ITEMS_PER_SITE) {
    const item = queue.shift()!;
    const key = `${unitKey(item.unit)}|${item.param}|${item.mayBeShared}|${item.guaranteed}`;
    if (seen.has(key) || item.chain.length > MAX_DEPTH) continue;
    seen.add(key);
    for (const { caller, call } of callers.get(unitKey(item.unit)) ?? []) {
      const arg = call.argFacts[item.param];
      if (!arg) continue;
      const mayBeShared = item.mayBeShared && arg.mayBeShared;
      const guaranteed = item.guaranteed || arg.guaranteed;
      const callStep: PathStep = { file: caller.unit.file, function: caller.unit.name, start: call.start, end: call.end, label: `${caller.unit.name}() passes it to ${call.callee}()` };
      const chain = [callStep, ...item.chain];
      for (const o of arg.origins) {
        if ('concrete' in o) consider({ mayBeShared, guaranteed, path: [...o.concrete.steps, ...chain], sourceId: o.concrete.sourceId });
        else queue.push({ unit: caller.unit, param: o.param, mayBeShared, guaranteed, chain });
      }
    }
  }
  return best;
}

/** Worse first: shared and unguarded, then shared, then unguarded; then the shorter path; then by text. */
function compareExposure(a: Exposure, b: Exposure): number {
  const score = (e: Exposure) => (e.mayBeShared ? 2 : 0) + (e.guaranteed ? 0 : 1);
  return score(b) - score(a) || a.path.length - b.path.length || pathText(a).localeCompare(pathText(b));
}

function pathText(e: Exposure): string {
  return e.path.map((s) => `${s.file}:${s.start}`).join('>');
}

