// analysis layer: site resolution (exposure.ts) redone only where it can have changed, for an
// editor's audit after an edit. A site's exposure is read from its function's facts and from
// the functions above it (callers, their callers...): so a function's resolved sites are kept
// unless its facts changed (analysed again: a new object), the calls that bind to it changed,
// or one of those holds for a function above it; and all of them are redone when the page-table
// sources that no caller reaches change. Kept sites are moved by the edits' shifts, as the facts
// are (relocate.ts). The result is the one resolveSites() gives, in the same order
// (test/unit/incremental.test.ts compares them after every random edit). Pure.
import type { FunctionFacts } from './function-facts';
import { callersOf, resolutionContext, resolveSitesOf, type CallerEdge, type ResolvedSite } from './exposure';
import type { FunctionUnit } from './functions';
import type { ProgramFiles } from './program-files';
import type { TextShift } from './relocate';

export class SiteCache {
  /** The facts of the last call, in its order; per index, their sites and the calls that bound to them. */
  private lastAll: readonly FunctionFacts[] = [];
  private lastSites: ResolvedSite[][] = [];
  private lastEdges: CallerEdge[][] = [];
  /** What the last call returned: every site of lastSites, in order (given again when nothing changed). */
  private lastOut: ResolvedSite[] = [];
  /** Per fact of the last call, its index; the keys its units had then (a moved function gets another unit later). */
  private lastIndex = new Map<FunctionFacts, number>();
  private lastKeys: string[] = [];
  private lastKeyMap?: Map<string, FunctionFacts>;
  private lastProtected?: string;
  /** What each fact's calls bound to, when resolved; every list of the last call's facts binds as at `checkedEpoch`. */
  private readonly targets = new WeakMap<FunctionFacts, { epoch: number; names: ReadonlySet<string>; lists: FunctionUnit[][] }>();
  private checkedEpoch = -1;
  /** The last call's facts by each callee name their calls have, and by file; and those with a helper site: what a dropped binding can reach. */
  private byCallee = new Map<string, FunctionFacts[]>();
  private byFile = new Map<string, FunctionFacts[]>();
  private withHelpers: FunctionFacts[] = [];
  /** Functions resolved again in the last call, and whether it built the resolution context again (tests, the bench's counters). */
  resolvedAgain = 0;
  rebuilt = false;

  /**
   * resolveSites(all, resolver), reusing what cannot have changed; `shifts`: the edits since the last
   * call, in order, that moved facts in place; `factsOf`: the facts of `all` by their unit's key (the
   * caller keeps them so: no index of every fact is built per edit).
   */
  resolve(all: readonly FunctionFacts[], resolver: ProgramFiles, shifts: readonly TextShift[], factsOf: (key: string) => FunctionFacts | undefined): ResolvedSite[] {
    for (const shift of shifts) this.move(shift);
    // The bindings of a function's calls, kept while none of them was dropped (ProgramFiles forgets those an edit can change).
    const epoch = resolver.bindingEpoch;
    // Most edits change nothing any site is resolved from (the edited function analysed again to the same facts).
    const unchanged = this.lastProtected === undefined ? undefined : this.unchanged(all, resolver, factsOf);
    this.rebuilt = !unchanged;
    if (unchanged) return this.reuse(all, unchanged, epoch);
    const targetsOf = (f: FunctionFacts): FunctionUnit[][] => {
      const kept = this.targets.get(f);
      const since = kept && (this.lastIndex.has(f) ? Math.max(kept.epoch, this.checkedEpoch) : kept.epoch);
      if (kept && (since === epoch || !resolver.bindingsChangedSince(since!, f.unit.file, kept.names))) { kept.epoch = epoch; return kept.lists; }
      const lists = f.calls.map((call) => resolver.resolve(call.callee, f.unit.file));
      this.targets.set(f, { epoch, names: new Set(f.calls.map((call) => call.callee)), lists });
      return lists;
    };
    const ctx = resolutionContext(all as FunctionFacts[], resolver, callersOf(all, resolver, targetsOf));
    const protectedKey = [...ctx.protectedSources].sort().join('\n');
    const everything = protectedKey !== this.lastProtected;
    const byKey = new Map<string, FunctionFacts>();
    for (const f of all) byKey.set(f.unit.key, f);
    const dirty = new Set<FunctionFacts>();
    const stack: FunctionFacts[] = [];
    const mark = (f: FunctionFacts | undefined) => { if (f && !dirty.has(f)) { dirty.add(f); stack.push(f); } };
    // A function analysed again to the same facts (an edit elsewhere in it, or none) stands for its old facts.
    const same = new Map<FunctionFacts, FunctionFacts>();
    const lastByKey = this.keysOfLastCall();
    for (const f of all) {
      if (everything || this.lastIndex.has(f)) continue;
      const old = lastByKey.get(f.unit.key);
      if (old && this.lastIndex.has(old) && sameValue(old, f, true)) same.set(f, old); else mark(f);
    }
    if (everything) for (const f of all) mark(f);
    // The calls that bind to each analysed function, against last time's (by facts: a function moved by an edit has another key).
    const edgesOf = new Map<FunctionFacts, CallerEdge[]>();
    for (const f of all) {
      const edges = ctx.callers.get(f.unit.key) ?? [];
      edgesOf.set(f, edges);
      const was = this.lastIndex.get(same.get(f) ?? f);
      if (!dirty.has(f) && !sameEdges(was === undefined ? undefined : this.lastEdges[was], edges, same)) mark(f);
    }
    // What changed above a function reaches its sites: mark downwards, through the calls.
    const callees = new Map<FunctionFacts, string[]>();
    for (const [callee, edges] of ctx.callers) {
      for (const { caller } of edges) { const l = callees.get(caller); if (l) l.push(callee); else callees.set(caller, [callee]); }
    }
    while (stack.length > 0) for (const k of callees.get(stack.pop()!) ?? []) mark(byKey.get(k));
    const sitesOf: ResolvedSite[][] = [];
    const out: ResolvedSite[] = [];
    this.resolvedAgain = 0;
    for (const f of all) {
      const was = this.lastIndex.get(same.get(f) ?? f);
      let sites = dirty.has(f) || was === undefined ? undefined : this.lastSites[was];
      // Whether a helper's body is in the tree depends on the bindings, which changed files change.
      if (sites && helperMoved(sites, resolver)) sites = undefined;
      if (!sites) {
        sites = resolveSitesOf(f, ctx, resolver);
        // Steps of their own (a path shares some with the facts, which shiftFacts moves already), so move() moves each once.
        for (const r of sites) r.exposure = { ...r.exposure, path: r.exposure.path.map((step) => ({ ...step })) };
        this.resolvedAgain++;
      }
      sitesOf.push(sites);
      for (const s of sites) out.push(s);
    }
    this.remember(all, sitesOf, all.map((f) => edgesOf.get(f)!), out, protectedKey, epoch);
    return out;
  }

  /** The last call's facts by the keys their units had then. */
  private keysOfLastCall(): Map<string, FunctionFacts> {
    if (!this.lastKeyMap) {
      this.lastKeyMap = new Map();
      this.lastKeys.forEach((k, i) => this.lastKeyMap!.set(k, this.lastAll[i]));
    }
    return this.lastKeyMap;
  }

  /** Keeps a full resolution's result, and indexes its facts by callee name, file and helper sites. */
  private remember(all: readonly FunctionFacts[], sites: ResolvedSite[][], edges: CallerEdge[][], out: ResolvedSite[], protectedKey: string, epoch: number): void {
    this.lastAll = all.slice();
    this.lastSites = sites;
    this.lastEdges = edges;
    this.lastOut = out;
    this.lastIndex = new Map(all.map((f, i) => [f, i] as const));
    this.lastKeys = all.map((f) => f.unit.key);
    this.lastKeyMap = undefined;
    this.lastProtected = protectedKey;
    this.checkedEpoch = epoch;
    this.byCallee = new Map();
    this.byFile = new Map();
    this.withHelpers = [];
    const add = (index: Map<string, FunctionFacts[]>, k: string, f: FunctionFacts) => { const l = index.get(k); if (l) l.push(f); else index.set(k, [f]); };
    all.forEach((f, i) => {
      for (const name of this.targets.get(f)!.names) add(this.byCallee, name, f);
      add(this.byFile, f.unit.file, f);
      if (sites[i].some((s) => s.helper !== undefined)) this.withHelpers.push(f);
    });
  }

  /**
   * Whether nothing a site is resolved from changed since the last call: the same facts in the same
   * order (each the same object, or one analysed again to the same facts under the same key), every
   * call reached by a binding dropped since binding to the same analysed functions (a function moved
   * by the edit has another unit and key, not other facts), and whether a helper's body is in the
   * tree as it was. Then the context would be built to the same content, and every kept site stands.
   * Only what the dropped bindings reach is resolved again (ProgramFiles.bindingsDroppedSince).
   */
  private unchanged(facts: readonly FunctionFacts[], resolver: ProgramFiles, factsOf: (key: string) => FunctionFacts | undefined): Unchanged | undefined {
    const last = this.lastAll;
    if (facts.length !== last.length) return undefined;
    // Now -> then. Keys are unique among the facts, so a replaced fact cannot stand elsewhere in `facts`.
    const same = new Map<FunctionFacts, FunctionFacts>();
    for (let i = 0; i < facts.length; i++) {
      const f = facts[i];
      const old = last[i];
      if (f === old) continue;
      if (f.unit.key !== old.unit.key || !sameValue(old, f, true)) return undefined;
      same.set(f, old);
    }
    const dropped = resolver.bindingsDroppedSince(this.checkedEpoch);
    if (!dropped) return undefined;
    const rebound = new Map<FunctionFacts, FunctionUnit[][]>();
    const successor = new Map<FunctionFacts, FunctionFacts>();
    for (const [now, old] of same) successor.set(old, now);
    if (dropped.length === 0) return this.helpersStand(resolver) ? { same, successor, rebound } : undefined;
    const files = new Set<string>();
    const names = new Set<string>();
    for (const d of dropped) { files.add(d.path); for (const n of d.names) names.add(n); }
    const reached = new Set<FunctionFacts>();
    for (const n of names) for (const f of this.byCallee.get(n) ?? []) reached.add(f);
    for (const p of files) for (const f of this.byFile.get(p) ?? []) reached.add(f);
    for (const old of reached) {
      const f = successor.get(old) ?? old;
      const before = this.targets.get(old);
      if (!before) return undefined;
      // Calls from a file whose bindings were dropped bind anew; elsewhere only calls of a dropped name.
      const all = files.has(f.unit.file);
      const lists = f.calls.map((call, i) => (all || names.has(call.callee) ? resolver.resolve(call.callee, f.unit.file) : before.lists[i]));
      const lastByKey = this.keysOfLastCall();
      for (let i = 0; i < lists.length; i++) {
        const a = before.lists[i];
        const b = lists[i];
        if (a === b) continue;
        if (a.length !== b.length) return undefined;
        for (let j = 0; j < a.length; j++) {
          const now = factsOf(b[j].key);
          if (lastByKey.get(a[j].key) !== (now && (same.get(now) ?? now))) return undefined;
        }
      }
      rebound.set(f, lists);
    }
    return this.helpersStand(resolver) ? { same, successor, rebound } : undefined;
  }

  /** Whether every kept site with a helper finds its body in the tree as it did (the few facts with such sites, checked every time). */
  private helpersStand(resolver: ProgramFiles): boolean {
    return !this.withHelpers.some((f) => helperMoved(this.lastSites[this.lastIndex.get(f)!], resolver));
  }

  /** The kept sites, now under the facts that replaced those they were resolved from. */
  private reuse(all: readonly FunctionFacts[], { same, successor, rebound }: Unchanged, epoch: number): ResolvedSite[] {
    this.resolvedAgain = 0;
    this.checkedEpoch = epoch;
    // Keys move with the functions an edit moved (the same facts, under another unit), whether or not any facts were replaced.
    this.lastKeys = all.map((f) => f.unit.key);
    this.lastKeyMap = undefined;
    for (const [f, lists] of rebound) { const before = this.targets.get(same.get(f) ?? f)!; this.targets.set(f, { epoch, names: before.names, lists }); }
    if (same.size === 0) return this.lastOut;
    const swap = (list: FunctionFacts[] | undefined) => { if (list) for (let i = 0; i < list.length; i++) list[i] = successor.get(list[i]) ?? list[i]; };
    for (const [now, old] of same) {
      const i = this.lastIndex.get(old)!;
      this.lastIndex.delete(old);
      this.lastIndex.set(now, i);
      const before = this.targets.get(old)!;
      if (!rebound.has(now)) this.targets.set(now, { epoch, names: before.names, lists: before.lists });
      for (const name of before.names) swap(this.byCallee.get(name));
      swap(this.byFile.get(now.unit.file));
    }
    swap(this.withHelpers);
    // The calls that bound to each function: those of a replaced caller are its successor's same calls.
    this.lastEdges = this.lastEdges.map((edges) => (!edges.some((e) => successor.has(e.caller)) ? edges : edges.map((e) => {
      const now = successor.get(e.caller);
      return now ? { caller: now, call: now.calls[e.caller.calls.indexOf(e.call)] } : e;
    })));
    this.lastAll = all.slice();
    return this.lastOut;
  }

  /** Moves the kept sites and their paths by an edit, as shiftFacts moves the facts. */
  private move(shift: TextShift): void {
    if (shift.delta === 0) return;
    const at = (o: number) => (o >= shift.from ? o + shift.delta : o);
    for (const sites of this.lastSites) {
      for (const r of sites) {
        if (r.file === shift.file) { r.start = at(r.start); r.end = at(r.end); }
        for (const step of r.exposure.path) if (step.file === shift.file) { step.start = at(step.start); step.end = at(step.end); }
      }
    }
  }
}

/** Whether a site's helper has a body in the tree now and did not when resolved, or the other way round. */
function helperMoved(sites: readonly ResolvedSite[], resolver: ProgramFiles): boolean {
  return sites.some((s) => (s.helper !== undefined && resolver.resolve(s.helper, s.file).length > 0) !== !!s.helperAnalysed);
}

/** What unchanged() found: the facts analysed again to the same facts (now -> then, and then -> now), the calls bound anew (to the same facts). */
interface Unchanged { same: Map<FunctionFacts, FunctionFacts>; successor: Map<FunctionFacts, FunctionFacts>; rebound: Map<FunctionFacts, FunctionUnit[][]> }

/** The same calls bind to the function as before: the same callers' same calls (or, for a caller analysed again to the same facts, the same call of its old facts). */
function sameEdges(a: readonly CallerEdge[] | undefined, b: readonly CallerEdge[], same: ReadonlyMap<FunctionFacts, FunctionFacts>): boolean {
  if (!a || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const old = same.get(b[i].caller);
    if (old ? a[i].caller !== old || a[i].call !== old.calls[b[i].caller.calls.indexOf(b[i].call)] : a[i].caller !== b[i].caller || a[i].call !== b[i].call) return false;
  }
  return true;
}

/**
 * What facts hold that no site is resolved from: the function (a moved one is another unit) and
 * the shape of its tree (set only when the facts are of an open document: facts kept from before
 * the file was opened have none, and the first edit after the open must not resolve every site again).
 */
const NOT_SITE_INPUTS: ReadonlySet<string> = new Set<keyof FunctionFacts>(['unit', 'shape']);

/**
 * The same value to the letter, walked (facts analysed again against the ones they replace;
 * NOT_SITE_INPUTS, at the top, left out): plain objects by own keys, arrays, Maps and Sets in order.
 * Nothing is allocated but the walk's iterators, since an editor asks this on every edit.
 */
function sameValue(a: unknown, b: unknown, top = false): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameValue(a[i], b[i])) return false;
    return true;
  }
  if (a instanceof Map || a instanceof Set) {
    if (a.constructor !== b.constructor || a.size !== (b as Map<unknown, unknown>).size) return false;
    return sameEntries(a, b as Map<unknown, unknown> | Set<unknown>);
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  let na = 0;
  for (const k of ka) {
    if (top && NOT_SITE_INPUTS.has(k)) continue;
    const va = (a as Record<string, unknown>)[k];
    if (va === undefined) continue;
    na++;
    if (!sameValue(va, (b as Record<string, unknown>)[k])) return false;
  }
  let nb = 0;
  for (const k of kb) if (!(top && NOT_SITE_INPUTS.has(k)) && (b as Record<string, unknown>)[k] !== undefined) nb++;
  return na === nb;
}

function sameEntries(a: Map<unknown, unknown> | Set<unknown>, b: Map<unknown, unknown> | Set<unknown>): boolean {
  const ia = a.entries();
  const ib = b.entries();
  for (let x = ia.next(), y = ib.next(); !x.done; x = ia.next(), y = ib.next()) {
    if (y.done || !sameValue(x.value[0], y.value[0]) || !sameValue(x.value[1], y.value[1])) return false;
  }
  return true;
}
