// analysis layer: from sites to exposures. A site records the fact reaching it
// in terms of its function's params; here those params are followed up the call
// graph to concrete sources, keeping the worst exposure and the path that shows
// it. Pure; reads the analyzer's results and the call bindings of ProgramFiles.
import type { CallFact, FunctionFacts } from './dataflow';
import { composeFlags, ConcreteOrigin, FactFlags, isExcluded, PathStep } from './facts';
import type { FunctionUnit } from './functions';
import type { ProgramFiles } from './program-files';
import type { RawSite } from './sites';

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
}

export interface ResolvedSite extends RawSite {
  exposure: Exposure;
}

/**
 * A function whose every caller calls it where FS-DAX is already ruled out
 * (follow_pmd_mask's pmd_devmap() check before follow_huge_pmd(), wp_huge_pmd's
 * vma_is_anonymous() before do_huge_pmd_wp_page()): its page-table sources do not count.
 * Callers reached only through function pointers are unknown, so those stay.
 */
function contextProtected(fnName: string, file: string, isStatic: boolean, level: string, all: FunctionFacts[]): boolean {
  const callers = all.filter((f) => f.callContexts.has(fnName) && f.unit.name !== fnName && (!isStatic || f.unit.file === file));
  return callers.length > 0 && callers.every((f) => { const c = f.callContexts.get(fnName)!; return c.has('all') || c.has(level); });
}

interface CallerEdge { caller: FunctionFacts; call: CallFact }

const MAX_DEPTH = 12;
const MAX_ITEMS_PER_SITE = 4000;

export function resolveSites(all: FunctionFacts[], resolver: ProgramFiles): ResolvedSite[] {
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
  const protectedSources = new Set<string>();
  for (const f of all) {
    for (const level of f.pageTableLevels) {
      if (contextProtected(f.unit.name, f.unit.file, f.unit.isStatic, level, all)) protectedSources.add(`${f.unit.file}#${f.unit.name}#${level}`);
    }
  }
  const keepOrigin = (o: ConcreteOrigin) => {
    if (o.sourceId !== 'page-table') return true;
    const src = o.steps[o.steps.length - 1];
    return !protectedSources.has(`${src.file}#${src.function}#${src.level ?? ''}`);
  };
  const out: ResolvedSite[] = [];
  for (const f of all) {
    for (const site of f.sites) {
      const exposure = worstExposure(site, f.unit, callers, keepOrigin);
      if (exposure) out.push({ ...site, exposure });
    }
  }
  return out;
}

function worstExposure(site: RawSite, unit: FunctionUnit, callers: Map<string, CallerEdge[]>, keepOrigin: (o: ConcreteOrigin) => boolean): Exposure | undefined {
  const siteStep: PathStep = { file: site.file, function: site.function, start: site.start, end: site.end, label: `${site.expr} is used here` };
  let best: Exposure | undefined;
  const consider = (flags: FactFlags, path: PathStep[], o: ConcreteOrigin) => {
    if (!keepOrigin(o) || isExcluded(flags)) return;
    const e: Exposure = { mayBeShared: flags.mayBeShared, mayBeSingleOwner: flags.mayBeSingleOwner, guaranteed: flags.guaranteed, path, sourceId: o.sourceId };
    if (!best || compareExposure(e, best) < 0) best = e;
  };
  const fact = site.fact;
  /** `fromSite`: the site's own function, whose callers must be able to reach the site (paramTruths). */
  interface Item { unit: FunctionUnit; param: number; flags: FactFlags; chain: PathStep[]; fromSite?: boolean }
  const queue: Item[] = [];
  for (const o of fact.origins) {
    // A concrete source has no caller to resolve an anon test against: its own flags already apply it.
    if ('concrete' in o) consider(fact, [...o.concrete.steps, siteStep], o.concrete);
    else queue.push({ unit, param: o.param, flags: fact, chain: [siteStep], fromSite: true });
  }
  // A caller passing a literal that fails a test every path to the site makes (`rmap_walk_anon(folio, rwc, false)`
  // for a site under `if (locked)`) cannot reach it.
  const reaches = (call: CallFact) => !(site.paramTruths ?? []).some((t) => call.argLiterals?.[t.param] !== undefined && call.argLiterals[t.param] !== t.truthy);
  const seen = new Set<string>();
  let items = 0;
  while (queue.length > 0 && items++ < MAX_ITEMS_PER_SITE) {
    const item = queue.shift()!;
    const f = item.flags;
    const key = `${unitKey(item.unit)}|${item.param}|${f.mayBeShared}|${f.mayBeSingleOwner}|${!!f.anonTestFalse}|${f.guaranteed}`;
    if (seen.has(key) || item.chain.length > MAX_DEPTH) continue;
    seen.add(key);
    for (const { caller, call } of callers.get(unitKey(item.unit)) ?? []) {
      const arg = call.argFacts[item.param];
      if (!arg || (item.fromSite && !reaches(call))) continue;
      const flags = composeFlags(item.flags, arg);
      if (isExcluded(flags)) continue;
      const callStep: PathStep = { file: caller.unit.file, function: caller.unit.name, start: call.start, end: call.end, label: `${caller.unit.name}() passes it to ${call.callee}()` };
      const chain = [callStep, ...item.chain];
      for (const o of arg.origins) {
        if ('concrete' in o) consider(flags, [...o.concrete.steps, ...chain], o.concrete);
        else queue.push({ unit: caller.unit, param: o.param, flags, chain });
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

