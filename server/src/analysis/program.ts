// analysis layer: the whole-program step. Runs the dataflow on the functions
// that can see a maybe-FS-DAX value (demand-driven, to a fixpoint over callee
// summaries) and keeps that state between runs; exposure.ts then follows each
// site's params to concrete sources. Name resolution respects `static`: a call
// binds to a static definition in the same file first, then to the tree's
// non-static definitions.
import type { ModelIndex } from '../model/model';
import { treeShape } from '../parse/nodes';
import { withNodeMemo } from '../parse/parser';
import { analyzeFunction, prepareFunction, PreparedFunction } from './dataflow';
import type { CallAlias } from './call-alias';
import type { CalleeSummary, FunctionFacts, ReturnSummaryLookup } from './function-facts';
import { Fact, factsEqual, joinFacts } from './facts';
import { paramsRead, type FunctionUnit } from './functions';
import { UnparsedDefinition, type ProgramFiles } from './program-files';
import { filesIn, shiftFacts, textShift, type TextShift } from './relocate';
import type { ResolvedSite } from './exposure';
import { SiteCache } from './site-cache';
import { stableJson } from './result-cache';

export type { Exposure, ResolvedSite } from './exposure';

/** A fact the analysis computed from a function's body. */
export interface DerivedFact { file: string; function: string; nullForFsdax?: readonly number[]; siteFlagNeeds?: FunctionFacts['siteFlagNeeds'] }

export interface ProgramAnalysis {
  sites: ResolvedSite[];
  /** Functions in the files that were parsed. */
  functionCount: number;
  parsedFiles: number;
}

const unitKey = (u: FunctionUnit) => u.key;

/** The usedBy key of a forwarding macro (no function's key ends so: theirs end in an offset). */
const macroKey = (file: string, name: string) => `${file}#${name}#define`;

function macroOfKey(key: string): Pick<CallAlias, 'file' | 'name'> | undefined {
  if (!key.endsWith('#define')) return undefined;
  const rest = key.slice(0, -'#define'.length);
  const at = rest.lastIndexOf('#');
  return { file: rest.slice(0, at), name: rest.slice(at + 1) };
}

/** A function the analysis could not analyse, and why (`unparsed`: a syntax error in it that no parse makes a definition of, not a fault of ours). */
export interface AnalysisFailure { file: string; function: string; message: string; unparsed?: true }

/** The analysis state a snapshot keeps: facts of analysed functions, who used whose summary, failures. */
export interface AnalyzerState {
  facts: FunctionFacts[];
  usedBy: Array<[string, string[]]>;
  failures: Array<[string, AnalysisFailure]>;
}

/** A file to open for the callers of `callee` in it, for a summary that changed at analysis `since` (ProgramAnalyzer.analysedAt). */
interface CallerFile { path: string; callee: string; since: number }

interface PendingWork {
  units: FunctionUnit[];
  callerFiles: CallerFile[];
  /** Starting points not drawn yet (lazy seed iterators). */
  more: Array<Iterator<FunctionUnit>>;
}

const noPendingWork = (): PendingWork => ({ units: [], callerFiles: [], more: [] });

export function analyzeProgram(files: ProgramFiles, model: ModelIndex, isCancelled: () => boolean = () => false): ProgramAnalysis {
  const analyzer = new ProgramAnalyzer(files, model);
  analyzer.run(analyzer.seeds(), isCancelled);
  return analyzer.result();
}

const MAX_REANALYSIS = 8;

/**
 * Demand-driven fixpoint. Only functions that can hold a maybe-FS-DAX value are
 * analysed: those with a source or an entry point, callees that receive such a
 * value, callers of functions that return one, and callers of functions that take
 * pages from page tables. A function is analysed again when the summary of a
 * callee it uses changes. Kernel trees have ~50k functions; this touches a few
 * hundred, which is what makes whole-tree scans fast.
 *
 * The state survives between runs, so an editor can change one file and resume
 * (fileChanged): only the changed file's demanded functions and the callers that
 * used their summaries are analysed again.
 */
export class ProgramAnalyzer {
  private readonly factsByUnit = new Map<string, FunctionFacts>();
  /** callee key -> analysed callers that used its summary. */
  private readonly usedBy = new Map<string, Set<FunctionUnit>>();
  /** caller file -> keys of usedBy sets that may hold a caller of that file (so an edit visits only those). */
  private readonly usesFrom = new Map<string, Set<string>>();
  /** callee name -> calls to it in the facts held: whether a function defined anew is called by an analysed one. */
  private readonly callsTo = new Map<string, number>();
  /** How many analysed functions have each name: a call passing no FS-DAX value binds only to those (ReturnSummaryLookup). */
  private readonly analysedNames = new Map<string, number>();
  private readonly prepared = new Map<string, PreparedFunction | undefined>();
  /** file -> keys of `prepared` in it: an evicted file's are dropped without a look at every other's (a whole tree evicts hundreds of files). */
  private readonly preparedIn = new Map<string, Set<string>>();
  /**
   * Facts of an edited function before the edit, keyed by its successor (same name,
   * linkage and parameters): its callers are analysed again only if the new
   * summary differs from this one.
   */
  private readonly beforeEdit = new Map<string, FunctionFacts>();
  private readonly seedRe: RegExp;
  private readonly seedNames: string[];
  /** Work a cancelled or preempted run left undone; the next run starts with it. Kept lazy (files not opened yet). */
  private pending: PendingWork = noPendingWork();
  /** The run in progress, while an async run is paused between steps. */
  private inFlight?: { preempted: boolean; steps: Generator<void> };
  analyses = 0;

  constructor(private readonly files: ProgramFiles, private readonly model: ModelIndex) {
    // Lookups whose out-page matters (an entry's first page) seed the analysis like sources.
    const seedNames = [...model.sourceByCall.keys(), ...model.entryPoints.keys(), ...model.headOutProducers];
    this.seedRe = new RegExp(`\\b(?:${seedNames.join('|')})\\s*\\(`);
    this.seedNames = seedNames;
    // A released tree must not stay alive through a cached CFG.
    files.onEvict((path) => {
      for (const k of this.preparedIn.get(path) ?? []) this.prepared.delete(k);
      this.preparedIn.delete(path);
    });
  }

  /** A function's text as parsed: what its node's text is, without the tree (a whole-kernel scan asks it of tens of thousands). */
  private textOf(u: FunctionUnit): string {
    return u.parsed;
  }

  private isSeed(u: FunctionUnit): boolean {
    return this.model.entryPoints.has(u.name) || this.seedRe.test(this.textOf(u));
  }

  /** Functions with a source or an entry point: where a first run starts. Lazy: a file is parsed when reached. */
  *seeds(): Generator<FunctionUnit> {
    for (const p of this.files.filesCalling(this.seedNames)) yield* this.files.functionsIn(p).filter((u) => this.isSeed(u));
  }

  /** Files whose text calls `name(`, or a forwarding macro of it (not parsed yet: the run opens them one per step). */
  private callerFiles(callee: FunctionUnit): Array<Omit<CallerFile, 'since'>> {
    const names = [callee.name, ...this.files.macrosForwardingTo(callee.name, callee.file)];
    return names.flatMap((name) => {
      const paths = callee.isStatic ? [callee.file] : this.files.filesCalling([name]).filter((p) => this.files.linkable(p, callee.file));
      return paths.map((path) => ({ path, callee: name }));
    });
  }

  /** The functions of one file that call `callee(`. */
  private callersIn(path: string, callee: string): FunctionUnit[] {
    const call = new RegExp(`\\b${callee}\\s*\\(`);
    return this.files.functionsIn(path).filter((u) => this.textOf(u).includes(callee) && call.test(this.textOf(u)));
  }

  /**
   * A file's content changed (its old functions are `removed`; ProgramFiles holds
   * the new ones). Forgets what was known of the old functions and returns what to
   * analyse: the new functions that were demanded before or are seeds or receive a
   * value from an analysed caller, and the callers that used the old summaries.
   */
  fileChanged(path: string, removed: readonly FunctionUnit[], oldText: string, newText: () => string): FunctionUnit[] {
    this.preempt();
    // A file none of whose functions was known before (new, or never reached) that nothing asks for
    // now stays unparsed, as a cold audit leaves it: only the names it defines matter (below).
    const unreached = removed.length === 0 && !this.files.isParsed(path) && !this.coldParses(path);
    const now = unreached ? '' : newText();
    const shift = unreached ? undefined : textShift(path, oldText, now);
    if (shift) this.shiftsSinceResult.push(shift);
    const added = unreached ? [] : this.files.functionsIn(path);
    const moved = new Map<FunctionUnit, FunctionUnit>();
    const addedAt = new Map<number, FunctionUnit[]>();
    for (const n of added) { const l = addedAt.get(n.start); if (l) l.push(n); else addedAt.set(n.start, [n]); }
    // A function wholly before or after the edit, with the same text, keeps its results (moved).
    // (An unreached file had no functions: nothing to move.)
    if (shift) for (const u of removed) {
      const start = u.end <= shift.prefix ? u.start : u.start >= shift.from ? u.start + shift.delta : -1;
      if (start < 0) continue;
      const text = oldText.slice(u.start, u.end);
      // What the analysis read: the text as parsed (an edit elsewhere can change it: an `#if`, a macro
      // rewrite reaching into it), the file's field macros (`#define OWNER(p) ((p)->mapping)`) and
      // the tree, which recovery from an error elsewhere in the file can change under the same text.
      const shape = (this.factsByUnit.get(unitKey(u)) ?? this.beforeEdit.get(unitKey(u)))?.shape;
      const sameTree = (n: FunctionUnit) => shape === undefined || n.treeKept === true || treeShape(n.node) === shape;
      const twin = addedAt.get(start)?.find((n) => n.name === u.name && now.slice(n.start, n.end) === text && n.parsed === u.parsed && sameFieldMacros(u, n) && sameTree(n));
      if (twin) moved.set(u, twin);
    }
    const demanded = new Set<string>();
    const dependents: FunctionUnit[] = [];
    const successors = editedSuccessors(removed, added, moved, this.files.indexChanged(path));
    // Everything is taken from the removed functions before any of it is moved: a moved function's
    // new key can be another removed function's old one (the same name, shifted by the edit).
    const taken = removed.map((u) => {
      const k = unitKey(u);
      const facts = this.factsByUnit.get(k) ?? this.beforeEdit.get(k);
      const users = this.usedBy.get(k);
      this.prepared.delete(k);
      this.preparedIn.get(u.file)?.delete(k);
      this.deleteFacts(k);
      this.deleteBeforeEdit(k);
      this.usedBy.delete(k);
      this.absenceUsers.delete(k);
      this.failures.delete(k);
      for (const c of users ?? []) this.usesFrom.get(c.file)?.delete(k);
      return { u, facts, users };
    });
    for (const { u, facts, users } of taken) {
      const twin = moved.get(u);
      if (twin) {
        if (facts) { facts.unit = twin; this.setFacts(unitKey(twin), facts); }
        if (users) this.addUsers(unitKey(twin), users);
        continue;
      }
      if (facts) demanded.add(u.name);
      const successor = successors.get(u);
      if (facts && successor) {
        // Its callers keep their results unless its summary changes (steps() compares and enqueues them).
        this.setBeforeEdit(unitKey(successor), facts);
        if (users) this.addUsers(unitKey(successor), users);
        continue;
      }
      for (const caller of users ?? []) dependents.push(caller);
    }
    // A macro of this file may forward otherwise now.
    for (const key of this.macroKeys.get(path) ?? []) {
      for (const caller of this.usedBy.get(key) ?? []) dependents.push(caller);
      this.usedBy.delete(key);
    }
    this.macroKeys.delete(path);
    // A name this file now defines, or no longer does, binds the calls to it otherwise: a call
    // that found no function and no macro of that name (an escape, a call recorded under the
    // macro's own name) is analysed again. Calls that bound are in usedBy or under a macro key.
    const rebound = [...this.files.indexChanged(path)].filter((n) => (this.callsTo.get(n) ?? 0) > 0);
    if (rebound.length > 0) {
      const names = new Set(rebound);
      for (const f of this.factsByUnit.values()) if (f.unit.file !== path && f.calls.some((c) => names.has(c.callee))) dependents.push(f.unit);
    }
    // Callers recorded as old units of this file now are their twins.
    const addedSet = new Set(added);
    const uses = this.usesFrom.get(path);
    for (const key of uses ?? []) {
      const users = this.usedBy.get(key);
      if (!users) { uses!.delete(key); continue; }
      const next = new Set<FunctionUnit>();
      for (const c of users) { const n = moved.get(c) ?? c; if (n.file !== path || addedSet.has(n)) next.add(n); }
      this.usedBy.set(key, next);
    }
    this.pending.units = this.pending.units.map((u) => moved.get(u) ?? u);
    if (shift) shiftFacts(this.factsMentioning(shift.file), shift);
    const calledWithFacts = new Set(added.map((u) => u.name).filter((n) => (this.callsTo.get(n) ?? 0) > 0));
    const kept = new Set(moved.values());
    return [
      ...added.filter((u) => !kept.has(u) && (demanded.has(u.name) || calledWithFacts.has(u.name) || this.isSeed(u))),
      ...dependents.map((u) => moved.get(u) ?? u).filter((u) => this.files.has(u.file) && (u.file !== path || addedSet.has(u))),
    ];
  }

  /**
   * Whether a cold audit of the files as they are would have parsed `path` by now: it calls a
   * seed, has a suppression comment, defines a name an analysed function calls, or calls a
   * function whose callers the analysis opens (steps(): addCallerFiles).
   */
  private coldParses(path: string): boolean {
    if (this.files.withSuppressions.has(path) || this.files.filesCalling(this.seedNames).includes(path)) return true;
    if (this.files.definedIn(path).some((n) => (this.callsTo.get(n) ?? 0) > 0)) return true;
    const opened = [...this.factsByUnit.values()].filter(opensCallerFiles).flatMap((f) => [f.unit.name, ...this.files.macrosForwardingTo(f.unit.name, f.unit.file)]);
    return opened.length > 0 && this.files.filesCalling(opened).includes(path);
  }

  /** Resolved sites kept between results: resolved again only where facts or the files they mention changed (site-cache.ts). */
  private readonly siteCache = new SiteCache();
  /** The shifts fileChanged applied to the facts since the last result(), in order. */
  private readonly shiftsSinceResult: TextShift[] = [];

  /** The facts in source order, for result(); brought up to date there when they changed. */
  private ordered: FunctionFacts[] = [];
  private orderDirty = false;

  /** Files whose facts were set or deleted since the last result(): the only places the order can have changed. */
  private readonly touchedFiles = new Set<string>();
  /** How many facts of each file's functions factsByUnit holds. */
  private readonly factsPerFile = new Map<string, number>();

  /**
   * The usual edit: the same functions, one analysed again (new facts under its key) and those after
   * it moved (the same facts under a new key). In each touched file's stretch of the last order (the
   * order is by file first), each place takes the facts its function's key holds now; true when
   * that gives the file's facts once each (as many as it holds), still in source order (strictly
   * ascending: sourceOrder is a total order, keys breaking ties). The other files' facts are the same
   * objects under the same keys, so their places stand: the cost is the edited files', not the tree's.
   */
  private reorderInPlace(): boolean {
    if (this.ordered.length !== this.factsByUnit.size) return false;
    const next = this.ordered.slice();
    for (const file of this.touchedFiles) {
      const from = firstOfFile(next, file);
      const to = firstOfFile(next, file, true);
      if (to - from !== (this.factsPerFile.get(file) ?? 0)) return false;
      for (let i = from; i < to; i++) {
        const f = this.factsByUnit.get(unitKey(next[i].unit));
        if (!f || f.unit.file !== file || (i > from && sourceOrder(next[i - 1], f) >= 0)) return false;
        next[i] = f;
      }
    }
    this.ordered = next;
    return true;
  }

  /**
   * Per file, the facts held (factsByUnit and beforeEdit) whose results hold offsets in it (relocate.ts
   * filesIn): what a shift of that file moves. Built by the first shift or prepareForEdits (a CLI run
   * never shifts: it never pays for it), kept up to date from then on, so a shift visits the facts it
   * moves and not every fact of the tree. `holders`: of how many of the two maps each facts is a value.
   */
  private mentions?: { byFile: Map<string, Set<FunctionFacts>>; holders: Map<FunctionFacts, number> };

  private factsMentioning(file: string): Iterable<FunctionFacts> {
    return this.mentionIndex().byFile.get(file) ?? [];
  }

  private mentionIndex(): NonNullable<ProgramAnalyzer['mentions']> {
    if (!this.mentions) {
      this.mentions = { byFile: new Map(), holders: new Map() };
      for (const f of this.factsByUnit.values()) this.hold(f, 1);
      for (const f of this.beforeEdit.values()) this.hold(f, 1);
    }
    return this.mentions;
  }

  /** `facts` became (1) or stopped being (-1) a value of factsByUnit or beforeEdit: the mentions follow. */
  private hold(facts: FunctionFacts, by: 1 | -1): void {
    if (!this.mentions) return;
    const { byFile, holders } = this.mentions;
    const count = (holders.get(facts) ?? 0) + by;
    if (count > 0) holders.set(facts, count); else holders.delete(facts);
    if (count === 1 && by === 1) {
      for (const file of filesIn(facts)) { const set = byFile.get(file); if (set) set.add(facts); else byFile.set(file, new Set([facts])); }
    } else if (count === 0) {
      for (const file of filesIn(facts)) byFile.get(file)?.delete(facts);
    }
  }

  private setBeforeEdit(key: string, facts: FunctionFacts): void {
    this.deleteBeforeEdit(key);
    this.beforeEdit.set(key, facts);
    this.hold(facts, 1);
  }

  private deleteBeforeEdit(key: string): void {
    const old = this.beforeEdit.get(key);
    if (!old) return;
    this.beforeEdit.delete(key);
    this.hold(old, -1);
  }

  /**
   * Work the next edit would do first, done now (an editor calls this when idle): the index of which
   * files each function's results mention (relocate.ts filesIn), which the first shift after an
   * audit otherwise builds for every function at once.
   */
  prepareForEdits(): void {
    this.mentionIndex();
  }

  /** Sets a function's facts, keeping the count of calls per callee name. */
  private setFacts(key: string, facts: FunctionFacts): void {
    this.deleteFacts(key);
    this.factsByUnit.set(key, facts);
    this.hold(facts, 1);
    this.orderDirty = true;
    const file = facts.unit.file;
    this.touchedFiles.add(file);
    this.factsPerFile.set(file, (this.factsPerFile.get(file) ?? 0) + 1);
    for (const c of facts.calls) this.callsTo.set(c.callee, (this.callsTo.get(c.callee) ?? 0) + 1);
    const name = facts.unit.name;
    this.analysedNames.set(name, (this.analysedNames.get(name) ?? 0) + 1);
  }

  private deleteFacts(key: string): void {
    const old = this.factsByUnit.get(key);
    if (!old) return;
    this.factsByUnit.delete(key);
    this.hold(old, -1);
    this.orderDirty = true;
    const file = old.unit.file;
    this.touchedFiles.add(file);
    const inFile = (this.factsPerFile.get(file) ?? 1) - 1;
    if (inFile > 0) this.factsPerFile.set(file, inFile); else this.factsPerFile.delete(file);
    for (const c of old.calls) this.callsTo.set(c.callee, (this.callsTo.get(c.callee) ?? 1) - 1);
    const name = old.unit.name;
    const left = (this.analysedNames.get(name) ?? 1) - 1;
    if (left > 0) this.analysedNames.set(name, left); else this.analysedNames.delete(name);
  }

  /**
   * Callers whose result depended on a callee having no summary yet (its key -> them), so that its
   * first summary, even one that says nothing, brings them back; forgotten once it is analysed.
   */
  private readonly absenceUsers = new Map<string, Set<FunctionUnit>>();
  /** Functions this process analysed, whose absence uses are therefore known (not ones a snapshot restored). */
  private readonly analysedHere = new WeakSet<FunctionUnit>();
  /**
   * When each function (this version of it) was last analysed, by a count of analyses. A caller
   * analysed after a callee's summary changed has read it (or did not depend on it), and would
   * give the same result again; an edited function is a new unit, with no count.
   */
  private readonly analysedAt = new WeakMap<FunctionUnit, number>();
  private analysisCount = 0;

  private recordAbsenceUse(resolved: readonly FunctionUnit[], caller: FunctionUnit): void {
    for (const r of resolved) {
      const k = unitKey(r);
      if (this.factsByUnit.has(k)) continue;
      const set = this.absenceUsers.get(k);
      if (set) set.add(caller); else this.absenceUsers.set(k, new Set([caller]));
    }
  }

  /**
   * defining file -> the usedBy keys of its forwarding macros (macroKey): callers that expanded one
   * are analysed again when the file changes. In usedBy, so a snapshot keeps them.
   */
  private readonly macroKeys = new Map<string, Set<string>>();

  private recordAliasUse(alias: Pick<CallAlias, 'file' | 'name'>, caller: FunctionUnit): void {
    const key = macroKey(alias.file, alias.name);
    this.recordUse(key, caller);
    const keys = this.macroKeys.get(alias.file);
    if (keys) keys.add(key); else this.macroKeys.set(alias.file, new Set([key]));
  }

  private recordUse(calleeKey: string, caller: FunctionUnit): void {
    const set = this.usedBy.get(calleeKey);
    if (set) set.add(caller); else this.usedBy.set(calleeKey, new Set([caller]));
    const keys = this.usesFrom.get(caller.file);
    if (keys) keys.add(calleeKey); else this.usesFrom.set(caller.file, new Set([calleeKey]));
  }

  /** The callers that used one function's summary now use another's (a moved or edited function). */
  /** `users` call the function of `calleeKey` now (fileChanged took them from its old key). */
  private addUsers(calleeKey: string, users: Set<FunctionUnit>): void {
    this.usedBy.set(calleeKey, users);
    for (const c of users) {
      const keys = this.usesFrom.get(c.file);
      if (keys) keys.add(calleeKey); else this.usesFrom.set(c.file, new Set([calleeKey]));
    }
  }

  run(initial: Iterable<FunctionUnit>, isCancelled: () => boolean = () => false): void {
    for (const _ of this.begin(initial, isCancelled)) { /* drain */ }
  }

  /**
   * Stops the run in progress (an async run paused between two steps) and keeps
   * its unfinished work for the next run. Anything that changes the files or
   * starts another run calls this first: one run at a time, and never a run over
   * files that changed under it. Cheap: the paused run stops at its next step.
   */
  preempt(): void {
    const flight = this.inFlight;
    if (!flight) return;
    flight.preempted = true;
    while (!flight.steps.next().done) { /* it stops at its first check */ }
  }

  /** Whether a run is paused or a cancelled or preempted run left work for the next one. */
  get hasPendingWork(): boolean {
    const p = this.pending;
    return !!this.inFlight || p.units.length > 0 || p.callerFiles.length > 0 || p.more.length > 0;
  }

  private begin(initial: Iterable<FunctionUnit>, isCancelled: () => boolean): Generator<void> {
    this.preempt();
    const flight = { preempted: false, steps: undefined as unknown as Generator<void> };
    const steps = this.steps(initial, () => flight.preempted || isCancelled());
    const self = this;
    flight.steps = (function* () {
      try { yield* steps; } finally { if (self.inFlight === flight) self.inFlight = undefined; }
    })();
    this.inFlight = flight;
    return flight.steps;
  }

  /**
   * The same run, giving the event loop a turn every `every` steps: node
   * tree-sitter frees released trees only then, so a whole-kernel scan needs it
   * to stay within memory (and an editor stays responsive).
   */
  async runAsync(initial: Iterable<FunctionUnit>, isCancelled: () => boolean = () => false, every = 16, onYield?: () => void): Promise<void> {
    let n = 0;
    for (const _ of this.begin(initial, isCancelled)) {
      if (++n % every !== 0) continue;
      onYield?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** The fixpoint as a generator: one step per function analysed (or per seed file opened). */
  private *steps(initial: Iterable<FunctionUnit>, isCancelled: () => boolean): Generator<void> {
    const runs = new Map<string, number>();
    const queue: FunctionUnit[] = [];
    const queued = new Set<string>();
    const enqueue = (u: FunctionUnit) => {
      const k = unitKey(u);
      if (queued.has(k) || (runs.get(k) ?? 0) >= MAX_REANALYSIS) return;
      queued.add(k);
      queue.push(u);
    };
    const isLive = (u: FunctionUnit) => this.files.has(u.file) && this.files.functionsIn(u.file).includes(u);
    const carried = this.pending;
    this.pending = noPendingWork();
    carried.units.filter(isLive).forEach(enqueue);
    // `initial` may be lazy (seeds file by file): drain it as the queue empties, so trees can be released.
    const more = [...carried.more, initial[Symbol.iterator]()];
    const nextInitial = (): IteratorResult<FunctionUnit> => {
      while (more.length > 0) {
        const r = more[0].next();
        if (!r.done) return r;
        more.shift();
      }
      return { done: true, value: undefined };
    };
    // Caller files to open, one per step: a popular callee can be called from thousands of files,
    // and opening them all at once would hold all their trees until the event loop turns.
    const callerFiles: CallerFile[] = [];
    const seenCallerFiles = new Set<string>();
    // Read once: process.env is a slow lookup, and this loop runs once per analysis step.
    const debug = !!process.env.FSDAX_AUDIT_DEBUG;
    const addCallerFiles = (u: FunctionUnit, why: string) => {
      const files = this.callerFiles(u);
      if (debug && files.length > 100) process.stderr.write(`${files.length} caller files to open for ${u.key} (${why})\n`);
      const since = this.analysedAt.get(u) ?? this.analysisCount;
      for (const f of files) addCallerFile({ ...f, since });
    };
    const addCallerFile = (f: CallerFile) => {
      const k = `${f.path}|${f.callee}`;
      if (!seenCallerFiles.has(k)) { seenCallerFiles.add(k); callerFiles.push(f); }
    };
    carried.callerFiles.forEach(addCallerFile);
    let debugStep = 0;
    for (;;) {
      if (debug && ++debugStep % 5000 === 0) {
        const mem = process.memoryUsage();
        process.stderr.write(`step ${debugStep}: analyses ${this.analyses}, facts ${this.factsByUnit.size}, prepared ${this.prepared.size}, usedBy ${this.usedBy.size}, queue ${queue.length}, callerFiles ${callerFiles.length}/${seenCallerFiles.size}, parsed ${this.files.parsedFiles}, heap ${(mem.heapUsed / 2 ** 20).toFixed(0)} MiB, rss ${(mem.rss / 2 ** 20).toFixed(0)} MiB\n`);
        if (debugStep % 20000 === 0) {
          const byCallee = new Map<string, number>();
          for (const f of callerFiles) byCallee.set(f.callee, (byCallee.get(f.callee) ?? 0) + 1);
          process.stderr.write(`  pending caller files by callee: ${[...byCallee].sort((a, b) => b[1] - a[1]).slice(0, 15).map(([c, n]) => `${c} ${n}`).join(', ')}\n`);
        }
      }
      // Checked before every step, so a preempted run stops at once; what it leaves stays lazy.
      if (isCancelled()) {
        this.pending = { units: queue.splice(0), callerFiles: callerFiles.splice(0), more };
        return;
      }
      if (queue.length === 0 && callerFiles.length > 0) {
        const { path, callee, since } = callerFiles.shift()!;
        // Not the callers analysed since that summary (they have read it), nor the function whose summary it is (a
        // recursive one reads its own through usedBy, like any callee's).
        if (this.files.has(path)) for (const c of this.callersIn(path, callee)) if (!((this.analysedAt.get(c) ?? 0) >= since)) enqueue(c);
        yield;
        continue;
      }
      if (queue.length === 0) {
        const next = nextInitial();
        if (next.done) break;
        // A starting point this run analysed already (as a callee) is up to date: its callees' changes bring it back.
        if (isLive(next.value) && !runs.has(unitKey(next.value))) enqueue(next.value);
        yield;
        continue;
      }
      const unit = queue.shift()!;
      const key = unitKey(unit);
      queued.delete(key);
      runs.set(key, (runs.get(key) ?? 0) + 1);
      const lookup = (callee: string, fromFile: string, onlyIfAnalysed = false): CalleeSummary | undefined => {
        if (onlyIfAnalysed && !this.analysedNames.has(callee)) return undefined;
        const resolved = this.files.resolve(callee, fromFile);
        for (const r of resolved) this.recordUse(unitKey(r), unit);
        const analysed = resolved.map((u) => this.factsByUnit.get(unitKey(u))).filter((f): f is FunctionFacts => !!f);
        // A join over several definitions changes when one more is analysed, even one that says nothing.
        if (resolved.length > 1 && analysed.length < resolved.length) this.recordAbsenceUse(resolved, unit);
        return joinSummaries(analysed);
      };
      const summaries: ReturnSummaryLookup = Object.assign(lookup, {
        escapedWithout: (callee: string, fromFile: string) => this.recordAbsenceUse(this.files.resolve(callee, fromFile), unit),
        alias: (callee: string, fromFile: string) => {
          const alias = this.files.callAlias(callee, fromFile);
          if (alias) this.recordAliasUse(alias, unit);
          return alias;
        },
      });
      const beforeEdit = this.beforeEdit.get(key);
      const previous = this.factsByUnit.get(key) ?? beforeEdit;
      this.analyses++;
      this.analysedHere.add(unit);
      this.analysedAt.set(unit, ++this.analysisCount);
      const facts = this.analyzeContained(unit, summaries);
      this.setFacts(key, facts);
      this.deleteBeforeEdit(key);
      facts.flagParams = this.flagParamsOf(facts);
      // Which sites can be reached depends on the flags callers pass: their calls must be seen.
      if (facts.flagParams.size > 0 && !previous?.flagParams?.size) addCallerFiles(unit, 'flags');
      for (const call of facts.calls) {
        for (const callee of this.files.resolve(call.callee, unit.file)) if (!this.factsByUnit.has(unitKey(callee))) enqueue(callee);
      }
      // Whether a page-table source counts depends on the callers' context (a devmap or vma check before the call).
      if (facts.pageTableLevels.size > 0 && !(previous?.pageTableLevels.size)) addCallerFiles(unit, 'page table');
      const absenceUsers = this.absenceUsers.get(key);
      this.absenceUsers.delete(key);
      // After an edit the callers used the old summary exactly, so only an identical one spares them.
      if (previous && (beforeEdit ? summaryIdentical(previous, facts) : summaryEqual(previous, facts))) continue;
      // A first summary that says nothing is what its callers assumed, unless they let a value escape for
      // want of it or joined it with other definitions (or were analysed by another process: not known).
      // Most callees say nothing: this spares most of the analyses that would run a caller again.
      const noNews = !previous && saysNothing(facts);
      for (const caller of this.usedBy.get(key) ?? []) {
        if (!noNews || absenceUsers?.has(caller) || !this.analysedHere.has(caller)) enqueue(caller);
      }
      // Only a concrete source in the return value concerns callers that were not analysed yet: a
      // return built from params (memcpy returning `dest`) gives nothing to a caller whose
      // arguments carry no fact, and callers whose arguments do were analysed and are in usedBy.
      if (hasConcreteOrigin(facts.returnFact) && !hasConcreteOrigin(previous?.returnFact)) addCallerFiles(unit, 'returns');
      yield;
    }
    if (debug) process.stderr.write(`analyses: ${this.analyses}, functions analysed: ${this.factsByUnit.size}\n`);
  }

  /** Params that carry a flag requirement: one of this function's sites needs them, or it passes them to a callee's such param. */
  private flagParamsOf(facts: FunctionFacts): Set<number> {
    const out = new Set<number>();
    for (const s of facts.sites) for (const f of s.paramFlags ?? []) out.add(f.param);
    for (const call of facts.calls) {
      (call.argFlags ?? []).forEach((a, i) => {
        if (a?.param === undefined || out.has(a.param)) return;
        const callees = this.files.resolve(call.callee, facts.unit.file);
        if (callees.some((u) => this.factsByUnit.get(unitKey(u))?.flagParams?.has(i))) out.add(a.param);
      });
    }
    return out;
  }

  /**
   * Every function the analysis read, in source order, with what it derived from its body
   * (return-summary.ts; nothing for most): for the model's checks and docs.
   */
  derivedFacts(): DerivedFact[] {
    return [...this.factsByUnit.values()].sort(sourceOrder)
      .map((f) => ({ file: f.unit.file, function: f.unit.name, ...(f.nullForFsdax ? { nullForFsdax: f.nullForFsdax } : {}), ...(f.siteFlagNeeds ? { siteFlagNeeds: f.siteFlagNeeds } : {}) }));
  }

  /** Functions the analysis could not handle (too deep to walk, no parse gives their definition, a bug of ours): reported, never fatal. */
  readonly failures = new Map<string, AnalysisFailure>();

  private setPrepared(unit: FunctionUnit, key: string, prepared: PreparedFunction | undefined): void {
    this.prepared.set(key, prepared);
    const keys = this.preparedIn.get(unit.file);
    if (keys) keys.add(key); else this.preparedIn.set(unit.file, new Set([key]));
  }

  /** One function's failure costs that function's results only; the audit goes on. */
  private analyzeContained(unit: FunctionUnit, summaries: (callee: string, fromFile: string) => CalleeSummary | undefined): FunctionFacts {
    const key = unitKey(unit);
    try {
      const facts = withNodeMemo(() => {
        if (!this.prepared.has(key)) this.setPrepared(unit, key, prepareFunction(unit, this.model));
        const analysed = analyzeFunction(unit, this.model, summaries, this.prepared.get(key));
        // A whole-file parse of an edited document can parse the same text otherwise (fileChanged compares).
        if (this.files.isPinned(unit.file)) analysed.shape = treeShape(unit.node);
        return analysed;
      });
      this.failures.delete(key);
      return facts;
    } catch (e) {
      const unparsed = e instanceof UnparsedDefinition;
      const message = e instanceof RangeError ? 'too deeply nested to analyse (stack exhausted)' : unparsed ? e.message : `analysis failed: ${(e as Error).message}`;
      this.failures.set(key, { file: unit.file, function: unit.name, message, ...(unparsed ? { unparsed: true } : {}) });
      this.setPrepared(unit, key, undefined);
      return { unit, sites: [], calls: [], derefParams: new Map(), sinkParams: new Map(), identityParams: new Map(), callContexts: new Map(), pageTableLevels: new Set() };
    }
  }

  /** What the analysis knows, to resume from later (session-snapshot.ts): only after a run that left nothing undone. */
  exportState(): AnalyzerState {
    if (this.hasPendingWork || this.beforeEdit.size > 0) throw new Error('internal: a snapshot of an unfinished analysis');
    return {
      facts: [...this.factsByUnit.values()],
      usedBy: [...this.usedBy].map(([callee, users]) => [callee, [...users].map(unitKey)]),
      failures: [...this.failures],
    };
  }

  /** Resumes from exportState()'s, with `unitOf` giving the function of each key (restored from the same snapshot). */
  importState(state: AnalyzerState, unitOf: (key: string) => FunctionUnit | undefined): void {
    for (const facts of state.facts) {
      const key = unitKey(facts.unit);
      const unit = unitOf(key);
      if (!unit) throw new Error(`internal: snapshot facts of an unknown function ${key}`);
      facts.unit = unit;
      this.setFacts(key, facts);
    }
    for (const [callee, users] of state.usedBy) {
      const macro = macroOfKey(callee);
      for (const k of users) {
        const caller = unitOf(k);
        if (caller && macro) this.recordAliasUse(macro, caller); else if (caller) this.recordUse(callee, caller);
      }
    }
    for (const [k, f] of state.failures) this.failures.set(k, f);
  }

  result(): ProgramAnalysis {
    // In source order, not in the order functions happened to be analysed: where two paths tie
    // (two definitions of one name), an incremental run and a fresh one pick the same.
    if (this.orderDirty && !this.reorderInPlace()) {
      // The last order with what left dropped and what came appended: nearly sorted, which the sort takes in about linear time.
      const live = new Set(this.factsByUnit.values());
      const kept = this.ordered.filter((f) => live.has(f));
      const held = new Set(kept);
      this.ordered = kept.concat([...live].filter((f) => !held.has(f))).sort(sourceOrder);
    }
    this.orderDirty = false;
    this.touchedFiles.clear();
    const sites = this.siteCache.resolve(this.ordered, this.files, this.shiftsSinceResult.splice(0), (key) => this.factsByUnit.get(key));
    return { sites, functionCount: this.files.knownFunctions, parsedFiles: this.files.parsedFiles };
  }
}

/**
 * Edited functions and what they became: a removed unit without a twin and the
 * one new unit, not a twin either, with its name, linkage and parameters (callers
 * bind to it and pass arguments as before). Names defined more than once are left out.
 */
function editedSuccessors(removed: readonly FunctionUnit[], added: readonly FunctionUnit[], moved: ReadonlyMap<FunctionUnit, FunctionUnit>, reindexed: ReadonlySet<string>): Map<FunctionUnit, FunctionUnit> {
  const kept = new Set(moved.values());
  const byName = <T extends FunctionUnit>(units: T[]) => {
    const m = new Map<string, T[]>();
    for (const u of units) { const l = m.get(u.name); if (l) l.push(u); else m.set(u.name, [u]); }
    return m;
  };
  const gone = byName(removed.filter((u) => !moved.has(u)));
  const fresh = byName(added.filter((u) => !kept.has(u)));
  const out = new Map<FunctionUnit, FunctionUnit>();
  for (const [name, [old, ...more]] of gone) {
    const candidates = fresh.get(name);
    // A name the pre-scan gained or lost here binds differently from other files: its callers are analysed again.
    if (more.length > 0 || !candidates || candidates.length !== 1 || reindexed.has(name)) continue;
    // A function never analysed may not have read its params; its successor would serve nothing (fileChanged asks only for those with facts).
    const oldParams = paramsRead(old);
    const next = candidates[0];
    const nextParams = oldParams && paramsIfParsed(next);
    if (oldParams && nextParams && next.isStatic === old.isStatic && JSON.stringify(nextParams.map((p) => [p.name, p.type, p.kind])) === JSON.stringify(oldParams.map((p) => [p.name, p.type, p.kind]))) out.set(old, next);
  }
  return out;
}

/**
 * A unit's params, or undefined when its definition parses to none: one read from a skeleton
 * reads them from its node, and an edit may have left a syntax error inside it (the analysis
 * reports such a function as unparsed). Found by the resumed-session property test, seed 195188479.
 */
function paramsIfParsed(u: FunctionUnit): FunctionUnit['params'] | undefined {
  try {
    return u.params;
  } catch (e) {
    if (e instanceof UnparsedDefinition) return undefined;
    throw e;
  }
}

/** The same summary to the letter: return fact with its paths and offsets, and every deref and sink param with its text. */
function summaryIdentical(a: CalleeSummary, b: CalleeSummary): boolean {
  const sorted = (m: ReadonlyMap<number, string>) => [...m].sort(([x], [y]) => x - y);
  const text = (s: CalleeSummary) => stableJson({ r: s.returnFact ?? null, d: sorted(s.derefParams), k: sorted(s.sinkParams), i: sorted(s.identityParams), n: s.nullForFsdax ?? [], o: s.oneOwnerOnSuccess ?? [], f: s.siteFlagNeeds ?? {} });
  return text(a) === text(b);
}

/** The first place in `ordered` (source order) whose file comes after `file` (`after`), or is `file` or after it. */
function firstOfFile(ordered: readonly FunctionFacts[], file: string, after = false): number {
  let lo = 0;
  let hi = ordered.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const f = ordered[mid].unit.file;
    if (f < file || (after && f === file)) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/** Source order: file, then offset (keys break ties; they are unique). */
function sourceOrder(a: FunctionFacts, b: FunctionFacts): number {
  const x = a.unit;
  const y = b.unit;
  return x.file < y.file ? -1 : x.file > y.file ? 1 : x.start - y.start || (x.key < y.key ? -1 : x.key > y.key ? 1 : 0);
}

function sameFieldMacros(a: FunctionUnit, b: FunctionUnit): boolean {
  if (a.fieldMacros === b.fieldMacros) return true;
  const text = (u: FunctionUnit) => JSON.stringify([...(u.fieldMacros ?? [])]);
  return text(a) === text(b);
}

/** Facts for which steps() opens the function's caller files (addCallerFiles): flag params, page-table sources, a concrete return. */
function opensCallerFiles(f: FunctionFacts): boolean {
  return (f.flagParams?.size ?? 0) > 0 || f.pageTableLevels.size > 0 || hasConcreteOrigin(f.returnFact);
}

function hasConcreteOrigin(fact: Fact | undefined): boolean {
  return !!fact?.origins.some((o) => 'concrete' in o);
}

function joinSummaries(resolved: FunctionFacts[]): CalleeSummary | undefined {
  if (resolved.length === 0) return undefined;
  if (resolved.length === 1) return resolved[0];
  let returnFact: Fact | undefined;
  const derefParams = new Map<number, string>();
  const sinkParams = new Map<number, string>();
  const identityParams = new Map<number, string>();
  const union = (into: Map<number, string>, from: ReadonlyMap<number, string>) => { for (const [k, v] of from) if (!into.has(k)) into.set(k, v); };
  for (const r of resolved) {
    returnFact = joinFacts(returnFact, r.returnFact);
    union(derefParams, r.derefParams);
    union(sinkParams, r.sinkParams);
    union(identityParams, r.identityParams);
  }
  // NULL for FS-DAX only where every definition of the name says so.
  const nullForFsdax = resolved.map((r) => r.nullForFsdax ?? []).reduce((a, b) => a.filter((p) => b.includes(p)));
  const oneOwnerOnSuccess = resolved.map((r) => r.oneOwnerOnSuccess ?? []).reduce((a, b) => a.filter((p) => b.includes(p)));
  // Flag needs only from a single definition (two would have to agree to the letter).
  return { returnFact, derefParams, sinkParams, identityParams, ...(nullForFsdax.length > 0 ? { nullForFsdax } : {}), ...(oneOwnerOnSuccess.length > 0 ? { oneOwnerOnSuccess } : {}) };
}

/** A summary that gives a caller nothing: what a callee with no summary gives, but for an escaping value. */
function saysNothing(s: CalleeSummary): boolean {
  return !s.returnFact && s.derefParams.size === 0 && s.sinkParams.size === 0 && s.identityParams.size === 0 &&
    !s.nullForFsdax?.length && !s.oneOwnerOnSuccess?.length && Object.keys(s.siteFlagNeeds ?? {}).length === 0;
}

function summaryEqual(a: CalleeSummary, b: CalleeSummary): boolean {
  const mapKeys = (m: ReadonlyMap<number, string>) => [...m.keys()].sort().join();
  return factsEqual(a.returnFact, b.returnFact) && mapKeys(a.derefParams) === mapKeys(b.derefParams) && mapKeys(a.sinkParams) === mapKeys(b.sinkParams) &&
    mapKeys(a.identityParams) === mapKeys(b.identityParams) && (a.nullForFsdax ?? []).join() === (b.nullForFsdax ?? []).join() && (a.oneOwnerOnSuccess ?? []).join() === (b.oneOwnerOnSuccess ?? []).join() &&
    JSON.stringify(a.siteFlagNeeds ?? {}) === JSON.stringify(b.siteFlagNeeds ?? {});
}

