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
  private last = new Map<FunctionFacts, ResolvedSite[]>();
  private lastEdges = new Map<FunctionFacts, CallerEdge[]>();
  private readonly targets = new WeakMap<FunctionFacts, { epoch: number; names: ReadonlySet<string>; lists: FunctionUnit[][] }>();
  private lastByKey = new Map<string, FunctionFacts>();
  private lastProtected?: string;
  /** Functions resolved again in the last call (tests, the bench's counters). */
  resolvedAgain = 0;

  /** resolveSites(all, resolver), reusing what cannot have changed; `shifts`: the edits since the last call, in order, that moved facts in place. */
  resolve(all: readonly FunctionFacts[], resolver: ProgramFiles, shifts: readonly TextShift[]): ResolvedSite[] {
    for (const shift of shifts) this.move(shift);
    // The bindings of a function's calls, kept while none of them was dropped (ProgramFiles forgets those an edit can change).
    const epoch = resolver.bindingEpoch;
    // Most edits change nothing any site is resolved from (the edited function analysed again to the same facts).
    const unchanged = this.lastProtected === undefined ? undefined : this.unchanged(all, resolver, epoch);
    if (unchanged) return this.reuse(all, unchanged, epoch);
    const targetsOf = (f: FunctionFacts): FunctionUnit[][] => {
      const kept = this.targets.get(f);
      if (kept && (kept.epoch === epoch || !resolver.bindingsChangedSince(kept.epoch, f.unit.file, kept.names))) { kept.epoch = epoch; return kept.lists; }
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
    for (const f of all) {
      if (everything || this.last.has(f)) continue;
      const old = this.lastByKey.get(f.unit.key);
      if (old && this.last.has(old) && sameValue(old, f, true)) { same.set(f, old); this.last.set(f, this.last.get(old)!); } else mark(f);
    }
    if (everything) for (const f of all) mark(f);
    // The calls that bind to each analysed function, against last time's (by facts: a function moved by an edit has another key).
    const edgesOf = new Map<FunctionFacts, CallerEdge[]>();
    for (const f of all) {
      const edges = ctx.callers.get(f.unit.key) ?? [];
      edgesOf.set(f, edges);
      if (!dirty.has(f) && !sameEdges(this.lastEdges.get(same.get(f) ?? f), edges, same)) mark(f);
    }
    // What changed above a function reaches its sites: mark downwards, through the calls.
    const callees = new Map<FunctionFacts, string[]>();
    for (const [callee, edges] of ctx.callers) {
      for (const { caller } of edges) { const l = callees.get(caller); if (l) l.push(callee); else callees.set(caller, [callee]); }
    }
    while (stack.length > 0) for (const k of callees.get(stack.pop()!) ?? []) mark(byKey.get(k));
    const next = new Map<FunctionFacts, ResolvedSite[]>();
    const out: ResolvedSite[] = [];
    this.resolvedAgain = 0;
    for (const f of all) {
      let sites = dirty.has(f) ? undefined : this.last.get(f);
      // Whether a helper's body is in the tree depends on the bindings, which changed files change.
      if (sites?.some((s) => (s.helper !== undefined && resolver.resolve(s.helper, s.file).length > 0) !== !!s.helperAnalysed)) sites = undefined;
      if (!sites) {
        sites = resolveSitesOf(f, ctx, resolver);
        // Steps of their own (a path shares some with the facts, which shiftFacts moves already), so move() moves each once.
        for (const r of sites) r.exposure = { ...r.exposure, path: r.exposure.path.map((step) => ({ ...step })) };
        this.resolvedAgain++;
      }
      next.set(f, sites);
      for (const s of sites) out.push(s);
    }
    this.last = next;
    this.lastEdges = edgesOf;
    this.lastByKey = byKey;
    this.lastProtected = protectedKey;
    return out;
  }

  /**
   * Whether nothing a site is resolved from changed since the last call: every function's facts are
   * those of then (the same object, or analysed again to the same facts), none is gone, every call
   * binds to the same analysed functions (a function moved by the edit has another unit and key, not
   * other facts), and whether a helper's body is in the tree is as it was. Then the context would be
   * built to the same content, and every kept site stands.
   */
  private unchanged(all: readonly FunctionFacts[], resolver: ProgramFiles, epoch: number): Unchanged | undefined {
    const byKey = new Map<string, FunctionFacts>();
    for (const f of all) byKey.set(f.unit.key, f);
    const same = new Map<FunctionFacts, FunctionFacts>();
    let kept = 0;
    for (const f of all) {
      if (!this.last.has(f)) {
        const old = this.lastByKey.get(f.unit.key);
        if (!old || !this.last.has(old) || byKey.get(old.unit.key) === old || !sameValue(old, f, true)) return undefined;
        same.set(f, old);
      }
      kept++;
    }
    if (kept !== this.last.size) return undefined;
    const rebound = new Map<FunctionFacts, FunctionUnit[][]>();
    for (const f of all) {
      const before = this.targets.get(same.get(f) ?? f);
      if (!before) return undefined;
      if (before.epoch !== epoch && resolver.bindingsChangedSince(before.epoch, f.unit.file, before.names)) {
        const lists = f.calls.map((call) => resolver.resolve(call.callee, f.unit.file));
        for (let i = 0; i < lists.length; i++) {
          const a = before.lists[i];
          const b = lists[i];
          if (a.length !== b.length) return undefined;
          for (let j = 0; j < a.length; j++) {
            const now = byKey.get(b[j].key);
            if (this.lastByKey.get(a[j].key) !== (now && (same.get(now) ?? now))) return undefined;
          }
        }
        rebound.set(f, lists);
      }
      const sites = this.last.get(same.get(f) ?? f)!;
      if (sites.some((s) => (s.helper !== undefined && resolver.resolve(s.helper, s.file).length > 0) !== !!s.helperAnalysed)) return undefined;
    }
    return { byKey, same, rebound };
  }

  /** The kept sites, now under the facts that replaced those they were resolved from. */
  private reuse(all: readonly FunctionFacts[], { byKey, same, rebound }: Unchanged, epoch: number): ResolvedSite[] {
    const successor = new Map<FunctionFacts, FunctionFacts>();
    for (const [now, old] of same) successor.set(old, now);
    const remap = (edges: CallerEdge[]) => (!edges.some((e) => successor.has(e.caller)) ? edges : edges.map((e) => {
      const now = successor.get(e.caller);
      return now ? { caller: now, call: now.calls[e.caller.calls.indexOf(e.call)] } : e;
    }));
    const next = new Map<FunctionFacts, ResolvedSite[]>();
    const edges = new Map<FunctionFacts, CallerEdge[]>();
    const out: ResolvedSite[] = [];
    for (const f of all) {
      const old = same.get(f) ?? f;
      const sites = this.last.get(old)!;
      next.set(f, sites);
      for (const s of sites) out.push(s);
      const e = this.lastEdges.get(old);
      if (e) edges.set(f, successor.size > 0 ? remap(e) : e);
      const lists = rebound.get(f);
      const before = this.targets.get(old)!;
      if (lists || old !== f) this.targets.set(f, { epoch, names: before.names, lists: lists ?? before.lists }); else before.epoch = epoch;
    }
    this.last = next;
    this.lastEdges = edges;
    this.lastByKey = byKey;
    this.resolvedAgain = 0;
    return out;
  }

  /** Moves the kept sites and their paths by an edit, as shiftFacts moves the facts. */
  private move(shift: TextShift): void {
    if (shift.delta === 0) return;
    const at = (o: number) => (o >= shift.from ? o + shift.delta : o);
    for (const sites of this.last.values()) {
      for (const r of sites) {
        if (r.file === shift.file) { r.start = at(r.start); r.end = at(r.end); }
        for (const step of r.exposure.path) if (step.file === shift.file) { step.start = at(step.start); step.end = at(step.end); }
      }
    }
  }
}


/** What unchanged() found: the facts now by key, those analysed again to the same facts (now -> then), the calls bound anew (to the same facts). */
interface Unchanged { byKey: Map<string, FunctionFacts>; same: Map<FunctionFacts, FunctionFacts>; rebound: Map<FunctionFacts, FunctionUnit[][]> }

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
 * The same value to the letter, walked (facts analysed again against the ones they replace; the
 * unit, at the top, left out): plain objects by own keys, arrays, Maps and Sets in order. Nothing
 * is allocated but the walk's iterators, since an editor asks this on every edit.
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
    if (top && k === 'unit') continue;
    const va = (a as Record<string, unknown>)[k];
    if (va === undefined) continue;
    na++;
    if (!sameValue(va, (b as Record<string, unknown>)[k])) return false;
  }
  let nb = 0;
  for (const k of kb) if (!(top && k === 'unit') && (b as Record<string, unknown>)[k] !== undefined) nb++;
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
