// analysis layer: from sites to exposures. A site records the fact reaching it
// in terms of its function's params; here those params are followed up the call
// graph to concrete sources, keeping the worst exposure and the path that shows
// it. Pure; reads the analyzer's results and the call bindings of ProgramFiles.
import type { CallFact, FunctionFacts } from './function-facts';
import { callStepLabel, composeFlags, ConcreteOrigin, FactFlags, isExcluded, PathStep, sameOrigins } from './facts';
import { canMeet, FlagRequirement, isEmptyRequirement, knowledgeOf, mergeRequirements, remaining } from './flags';
import type { FunctionUnit } from './functions';
import type { ProgramFiles } from './program-files';
import type { RawSite } from './sites';
import { compatible, meet, type ParamValueTest } from './value-tests';

const unitKey = (u: FunctionUnit) => u.key;

export interface Exposure {
  /** A shared FS-DAX page can reach the site: mapping/index hold the shared encoding. */
  mayBeShared: boolean;
  /** A single-owner FS-DAX page can reach the site. */
  mayBeSingleOwner: boolean;
  /** Every path that reaches the site holds a lifetime guarantee (a DAX entry lock). */
  guaranteed: boolean;
  /** Source first, the site last. */
  path: PathStep[];
  sourceId: string;
  /** On the reported path the page can be shared only through a concurrent event (Fact.sharedNeedsRace). */
  sharedNeedsRace: boolean;
  /** On the reported path an earlier anon test already chose this page's path: this test repeats it. */
  anonTested: boolean;
  /** The reported path (and every other path found) runs only on debug kernels or behind a debugfs knob. */
  debugOnly: boolean;
}

export interface ResolvedSite extends RawSite {
  exposure: Exposure;
  /** For helper sites: the helper's body is in the analysed tree, so what it reads is reported there. */
  helperAnalysed?: boolean;
}

/** Flag requirements on a function's params: the site is reached only when they hold. */
type FlagReqs = ReadonlyMap<number, FlagRequirement>;

/**
 * What a call's flags arguments leave of the callee's requirements, as requirements on the
 * caller's params; null when an argument rules one out (`FOLL_GET | FOLL_DUMP` for a site
 * that needs FOLL_PIN). An argument the caller does not know says nothing either way.
 */
function passRequirements(reqs: FlagReqs, call: CallFact): FlagReqs | null {
  const out = new Map<number, FlagRequirement>();
  for (const [param, req] of reqs) {
    const arg = call.argFlags?.[param];
    if (!arg) continue;
    const known = knowledgeOf(arg);
    if (!canMeet(known, req)) return null;
    const rest = remaining(known, req);
    if (arg.param !== undefined && !isEmptyRequirement(rest)) out.set(arg.param, mergeRequirements(out.get(arg.param), rest));
  }
  return out;
}

function siteRequirements(site: RawSite): FlagReqs {
  return new Map((site.paramFlags ?? []).map((f) => [f.param, { set: f.set, clear: f.clear }] as const));
}

/**
 * What a call leaves of the value conditions a callee's site needs of its params, as conditions on
 * the caller's params (with the caller's own conditions at the call added); null when the caller's
 * arguments (a constant, a variable it compared) or its own path contradict them.
 */
function passConds(conds: readonly ParamValueTest[], call: CallFact): ParamValueTest[] | null {
  const out: ParamValueTest[] = [...(call.paramConds ?? [])];
  for (const c of conds) {
    const known = call.argConds?.[c.param]?.find((k) => k.path === c.path);
    if (known && !compatible(c, known)) return null;
    const param = call.argParams?.[c.param];
    if (param !== undefined) out.push({ ...c, param });
  }
  return mergeConds(out);
}

/** One condition per param and path; null when two contradict. */
function mergeConds(conds: readonly ParamValueTest[]): ParamValueTest[] | null {
  const byKey = new Map<string, ParamValueTest>();
  for (const c of conds) {
    const k = `${c.param}${c.path}`;
    const prev = byKey.get(k);
    const both = prev ? meet(prev, c) : c;
    if (!both) return null;
    byKey.set(k, { param: c.param, path: c.path, ...both });
  }
  return [...byKey.values()].sort((a, b) => a.param - b.param || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

const condsKey = (c: readonly ParamValueTest[]) => c.map((x) => `${x.param}${x.path}=${x.eq ?? ''}!${x.ne.join('+')}`).join(',');

const reqsKey = (r: FlagReqs) => [...r].sort((a, b) => a[0] - b[0]).map(([p, q]) => `${p}:${q.set.join('+')}/${q.clear.join('+')}`).join(',');

/**
 * A function whose every caller calls it where FS-DAX is already ruled out
 * (follow_pmd_mask's pmd_devmap() check before follow_huge_pmd(), wp_huge_pmd's
 * vma_is_anonymous() before do_huge_pmd_wp_page()): its page-table sources do not count.
 * Callers reached only through function pointers are unknown, so those stay.
 */
function contextProtected(fnName: string, file: string, isStatic: boolean, level: string, calling: readonly FunctionFacts[]): boolean {
  const callers = calling.filter((f) => f.callContexts.has(fnName) && f.unit.name !== fnName && (!isStatic || f.unit.file === file));
  return callers.length > 0 && callers.every((f) => { const c = f.callContexts.get(fnName)!; return c.has('all') || c.has(level); });
}

export interface CallerEdge { caller: FunctionFacts; call: CallFact }

const MAX_DEPTH = 12;
const MAX_ITEMS_PER_SITE = 4000;

export function resolveSites(all: FunctionFacts[], resolver: ProgramFiles): ResolvedSite[] {
  const ctx = resolutionContext(all, resolver);
  return all.flatMap((f) => resolveSitesOf(f, ctx, resolver));
}

/** What resolving any function's sites reads of the whole program (built once per resolution; site-cache.ts compares two). */
export interface ResolutionContext {
  /** callee key -> the calls that bind to it, callers in source order. */
  callers: Map<string, CallerEdge[]>;
  /** Page-table sources no caller can reach (`file#function#level`). */
  protectedSources: ReadonlySet<string>;
  keepOrigin: (o: ConcreteOrigin) => boolean;
  admissible: Admissible;
}

export function resolutionContext(all: FunctionFacts[], resolver: ProgramFiles, callers = callersOf(all, resolver)): ResolutionContext {
  // Per callee name, the functions whose calls to it record a context (in `all`'s order), for contextProtected.
  const calling = new Map<string, FunctionFacts[]>();
  const wanted = [...new Set(all.filter((f) => f.pageTableLevels.size > 0).map((f) => f.unit.name))];
  for (const f of wanted.length > 0 ? all : []) {
    for (const name of wanted) if (f.callContexts.has(name)) { const l = calling.get(name); if (l) l.push(f); else calling.set(name, [f]); }
  }
  const protectedSources = new Set<string>();
  for (const f of all) {
    for (const level of f.pageTableLevels) {
      if (contextProtected(f.unit.name, f.unit.file, f.unit.isStatic, level, calling.get(f.unit.name) ?? [])) protectedSources.add(`${f.unit.file}#${f.unit.name}#${level}`);
    }
  }
  const keepOrigin = (o: ConcreteOrigin) => {
    if (o.sourceId !== 'page-table') return true;
    const src = o.steps[o.steps.length - 1];
    return !protectedSources.has(`${src.file}#${src.function}#${src.level ?? ''}`);
  };
  return { callers, protectedSources, keepOrigin, admissible: admissibility(callers) };
}

/** Per function, the calls that bind to it (callers in `all`'s order, calls in their order). */
export function callersOf(all: readonly FunctionFacts[], resolver: ProgramFiles, targetsOf = (f: FunctionFacts) => f.calls.map((call) => resolver.resolve(call.callee, f.unit.file))): Map<string, CallerEdge[]> {
  const callers = new Map<string, CallerEdge[]>();
  for (const f of all) {
    const targets = targetsOf(f);
    f.calls.forEach((call, i) => {
      for (const callee of targets[i]) {
        const k = unitKey(callee);
        const list = callers.get(k);
        if (list) list.push({ caller: f, call }); else callers.set(k, [{ caller: f, call }]);
      }
    });
  }
  return callers;
}

/** One function's sites that a maybe-FS-DAX page reaches, each with its worst exposure. */
export function resolveSitesOf(f: FunctionFacts, ctx: ResolutionContext, resolver: ProgramFiles): ResolvedSite[] {
  const out: ResolvedSite[] = [];
  for (const site of f.sites) {
    const exposure = worstExposure(site, f.unit, ctx.callers, ctx.keepOrigin, ctx.admissible);
    if (!exposure) continue;
    const helperAnalysed = site.helper !== undefined && resolver.resolve(site.helper, site.file).length > 0;
    out.push({ ...site, exposure, ...(helperAnalysed ? { helperAnalysed } : {}) });
  }
  return out;
}

/** `level`: the page comes from a page-table entry of this level read in `unit` itself. */
type Admissible = (unit: FunctionUnit, reqs: FlagReqs, level?: string) => boolean;

/**
 * Whether some chain of known callers can call `unit` with flags meeting `reqs`, and, for a
 * page `unit` reads from a page-table entry, from a context that has not ruled that entry out
 * (`if (!pmd_trans_huge(pmd)) return ...;` on x86 before the call: no devmap PMD gets there).
 * A function with no analysed caller (an entry point, a callback) can be called with anything.
 */
function admissibility(callers: Map<string, CallerEdge[]>): Admissible {
  const memo = new Map<string, boolean>();
  const visit = (unit: FunctionUnit, reqs: FlagReqs, depth: number, level?: string): boolean => {
    if ((reqs.size === 0 && !level) || depth > MAX_DEPTH) return true;
    const key = `${unitKey(unit)}|${reqsKey(reqs)}|${level ?? ''}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    memo.set(key, true); // a cycle back here adds nothing
    const edges = callers.get(unitKey(unit)) ?? [];
    const openContext = (caller: FunctionFacts) => {
      const ruledOut = caller.callContexts.get(unit.name);
      return !level || !ruledOut || !(ruledOut.has('all') || ruledOut.has(level));
    };
    const result = edges.length === 0 || edges.some(({ caller, call }) => {
      if (!openContext(caller)) return false;
      const next = passRequirements(reqs, call);
      return next !== null && visit(caller.unit, next, depth + 1);
    });
    memo.set(key, result);
    return result;
  };
  return (unit, reqs, level) => visit(unit, reqs, 0, level);
}

function worstExposure(site: RawSite, unit: FunctionUnit, callers: Map<string, CallerEdge[]>, keepOrigin: (o: ConcreteOrigin) => boolean,
  admissible: Admissible): Exposure | undefined {
  const siteStep: PathStep = { file: site.file, function: site.function, start: site.start, end: site.end, label: `${site.expr} is used here` };
  let best: Exposure | undefined;
  const consider = (flags: FactFlags, path: PathStep[], o: ConcreteOrigin, where: FunctionUnit, reqs: FlagReqs, debugOnly: boolean) => {
    const src = o.steps[o.steps.length - 1];
    const level = o.sourceId === 'page-table' && src?.function === where.name && src.file === where.file ? src.level : undefined;
    if (!keepOrigin(o) || isExcluded(flags) || !admissible(where, reqs, reqs.size > 0 ? level : undefined)) return;
    const e: Exposure = {
      mayBeShared: flags.mayBeShared, mayBeSingleOwner: flags.mayBeSingleOwner, guaranteed: flags.guaranteed, path, sourceId: o.sourceId,
      sharedNeedsRace: !!flags.sharedNeedsRace, anonTested: !!flags.anonTested, debugOnly,
    };
    if (!best || compareExposure(e, best) < 0) best = e;
  };
  const fact = site.fact;
  const siteReqs = siteRequirements(site);
  /** `fromSite`: the site's own function, whose callers must be able to reach the site (paramTruths). */
  /** `excluded`: page params of `unit` proven not FS-DAX on the way to the site. */
  interface Item { unit: FunctionUnit; param: number; flags: FactFlags; chain: PathStep[]; reqs: FlagReqs; conds: readonly ParamValueTest[]; debugOnly: boolean; excluded: readonly number[]; fromSite?: boolean }
  const queue: Item[] = [];
  for (const o of fact.origins) {
    // A concrete source has no caller to resolve an anon test against: its own flags already apply it.
    if ('concrete' in o) consider(fact, [...o.concrete.steps, siteStep], o.concrete, unit, siteReqs, !!site.debugOnly);
    else queue.push({ unit, param: o.param, flags: fact, chain: [siteStep], reqs: siteReqs, conds: site.paramConds ?? [], debugOnly: !!site.debugOnly, excluded: site.excludedParams ?? [], fromSite: true });
  }
  // A caller passing a literal that fails a test every path to the site makes (`rmap_walk_anon(folio, rwc, false)`
  // for a site under `if (locked)`) cannot reach it.
  const reaches = (call: CallFact) => !(site.paramTruths ?? []).some((t) => call.argLiterals?.[t.param] !== undefined && call.argLiterals[t.param] !== t.truthy);
  // A caller passing the page also as another param that the path proved not FS-DAX (a folio and its page) cannot reach the site with it.
  const samePageExcluded = (call: CallFact, param: number, excluded: readonly number[]) =>
    excluded.some((q) => { const a = call.argFacts[q]; const b = call.argFacts[param]; return q !== param && !!a && !!b && a.origins.length > 0 && sameOrigins(a, b); });
  const seen = new Set<string>();
  let items = 0;
  while (queue.length > 0 && items++ < MAX_ITEMS_PER_SITE) {
    const item = queue.shift()!;
    const f = item.flags;
    const key = `${unitKey(item.unit)}|${item.param}|${f.mayBeShared}|${f.mayBeSingleOwner}|${!!f.anonTestFalse}|${f.guaranteed}|${!!f.sharedNeedsRace}|${item.debugOnly}|${reqsKey(item.reqs)}|${condsKey(item.conds)}|${item.excluded.join('+')}`;
    if (seen.has(key) || item.chain.length > MAX_DEPTH) continue;
    seen.add(key);
    for (const { caller, call } of callers.get(unitKey(item.unit)) ?? []) {
      const arg = call.argFacts[item.param];
      if (!arg || (item.fromSite && !reaches(call)) || samePageExcluded(call, item.param, item.excluded)) continue;
      const reqs = passRequirements(item.reqs, call);
      if (!reqs) continue;
      const conds = passConds(item.conds, call);
      if (!conds) continue;
      const flags = composeFlags(item.flags, arg);
      if (isExcluded(flags)) continue;
      const debugOnly = item.debugOnly || !!call.debugOnly;
      const callStep: PathStep = { file: caller.unit.file, function: caller.unit.name, start: call.start, end: call.end, label: callStepLabel(caller.unit.name, call.callee, call.via) };
      const chain = [callStep, ...item.chain];
      for (const o of arg.origins) {
        if ('concrete' in o) consider(flags, [...o.concrete.steps, ...chain], o.concrete, caller.unit, reqs, debugOnly);
        else queue.push({ unit: caller.unit, param: o.param, flags, chain, reqs, conds, debugOnly, excluded: excludedInCaller(call, item.excluded) });
      }
    }
  }
  return best;
}

/** The caller's page params proven not FS-DAX on the way: its own at the call, and those it passed as the callee's excluded ones. */
function excludedInCaller(call: CallFact, excluded: readonly number[]): number[] {
  const out = new Set(call.excludedParams ?? []);
  for (const q of excluded) for (const o of call.argFacts[q]?.origins ?? []) if ('param' in o) out.add(o.param);
  return [...out].sort((a, b) => a - b);
}

/**
 * Worse first: a path on production kernels over a debug-only one; shared with no race, then
 * shared by a race, then unguarded; then the shorter path; then by text.
 */
function compareExposure(a: Exposure, b: Exposure): number {
  const score = (e: Exposure) => (e.debugOnly ? 0 : 16) + (e.mayBeShared && !e.sharedNeedsRace ? 8 : 0) + (e.mayBeShared ? 4 : 0) + (e.anonTested ? 0 : 2) + (e.guaranteed ? 0 : 1);
  return score(b) - score(a) || a.path.length - b.path.length || pathText(a).localeCompare(pathText(b));
}

function pathText(e: Exposure): string {
  return e.path.map((s) => `${s.file}:${s.start}`).join('>');
}

