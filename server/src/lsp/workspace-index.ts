// lsp front-end: the workspace index of one kernel tree. Reads mm/ and fs/ once
// (contents only: the core parses lazily what the analysis needs) and keeps a
// core AuditSession over them, so an edit re-analyses only what it affects and
// an open document always gets whole-tree interprocedural findings. Reading files
// goes through host/tree-files.ts; the analysis itself stays in the core.
//
// The index cache: the result of the last complete whole-tree audit of the disk
// contents is stored with the content hash of every file (host/result-store.ts for
// the file, analysis/result-cache.ts for the key and the check). After a restart on an
// unchanged tree the stored result stands for the tree, and the AuditSession is not
// made until an audit the stored result cannot answer (an open document that
// differs from its disk version, other options). Invariant: a stored result is
// served only while every file and open document is byte-identical to what it was
// computed from, for the same options and the same tool; anything else is a miss.
import * as fs from 'fs';
import * as path from 'path';
import { AuditSession } from '../analysis/audit';
import type { AuditOptions, AuditResult } from '../analysis/audit-types';
import { analysisKey, type CachedTreeResult } from '../analysis/result-cache';
import { contentHash } from '../analysis/prescan';
import type { ParsedFile } from '../parse/parser';
import { defaultModel } from '../model/model';
import type { FsdaxModel } from '../model/types';
import type { EraDetection } from '../model/era';
import { contextDirs, detectFsdaxArchitectures, detectTreeEra, inContextScope, listSourceFiles, toRelative, type SourcePath } from '../host/tree-files';
import { changedBetween, readStoredResult, SnapshotStore, toolIdentity, writeStoredResult, type IndexCacheFile } from '../host/result-store';
import { collectEvery } from '../host/collect';
import { sameStamp, type FileStamp } from '../host/file-stamp';

const READ_CHUNK = 200;
/**
 * Parsed trees the index's session holds (the core's default is 300), and how often its audits
 * collect released ones: trees are ~25x their text and an index audit parses ~110 files of
 * mm/+fs/. Measured with npm run bench:lsp on 6.12: 16, 32 and 64 trees give the same server RSS
 * (~260 MiB once built; what the peak took, the allocator keeps) and 64 the fastest first index;
 * an edit re-analyses functions of the open file (whose tree is the document's) and rarely another.
 */
export const INDEX_LIVE_TREES = 64;
const INDEX_GC_EVERY_PARSED = 16;
const LIST_CHUNK = 500;

/** The cache is written this long after the audit that completed it: after that audit's diagnostics are out, and once for a burst of saves. */
const CACHE_WRITE_DELAY_MS = 300;

export interface BuildProgress { done: number; total: number }

export class WorkspaceIndex {
  readonly era: EraDetection;
  /** The architectures of this tree that can have FS-DAX pages (undefined: all): a property of the tree, not of settings. */
  readonly fsdaxArchitectures?: readonly string[];
  /** In-scope files: their bytes once read (undefined: not read yet, known by its stat and stored hash). */
  private readonly disk = new Map<string, Uint8Array | undefined>();
  /** Files whose bytes came from the watcher (updateFromDisk), not from a read of ours. */
  private readonly reported = new Set<string>();
  /**
   * Each file's stamp, taken when listed (or before the watcher's read of it): what a warm start
   * checks instead of hashing. A file written within a clock tick of its stat has none (file-stamp.ts).
   */
  private readonly stamps = new Map<string, FileStamp>();
  private listed: SourcePath[] = [];
  private building?: Promise<boolean>;
  private lastBuildDone = false;
  /** One session per set of analysis options (era, severities, model): switching settings starts afresh. */
  private current?: { key: string; session: AuditSession; open: Map<string, ParsedFile>; warming?: boolean };
  private readonly modelIds = new WeakMap<object, number>();
  lastFullAudit?: AuditResult;
  /** Bumped whenever the disk content of an in-scope file changes (added, removed, other bytes). */
  private generation = 0;
  /** contentHash() of the disk files, computed when the cache needs them. */
  private readonly hashes = new Map<string, string>();
  /** Cache keys (analysisKey) by session key: hashing the model once per model. */
  private readonly cacheKeys = new Map<string, string>();
  /** A stored result matching the disk at `generation`, for the options of `key`. */
  private restored?: { key: string; generation: number; result: AuditResult };
  /** The last restore attempt (one per disk state and options). */
  private restoreTried?: { key: string; generation: number };
  /** The disk state and options the cache file holds (written or restored): not written again. */
  private persisted?: { key: string; generation: number };
  private pendingWrite?: { timer: NodeJS.Timeout; write: () => void };

  /** Where the analysis state of the last complete audit is kept (next to the stored result). */
  private readonly states?: SnapshotStore;

  /** `cache`: the file for this tree's stored result (none: the cache is off). `log`: one line per cache decision. */
  constructor(readonly root: string, private readonly cache?: IndexCacheFile, private readonly log: (message: string) => void = () => undefined,
    private readonly tool: () => string = toolIdentity) {
    this.states = cache ? new SnapshotStore(cache.directory, root, log) : undefined;
    this.era = detectTreeEra(root, 'auto');
    this.fsdaxArchitectures = detectFsdaxArchitectures(root);
  }

  get size(): number { return this.disk.size; }
  get isReady(): boolean { return this.lastBuildDone; }

  relative(absPath: string): string { return toRelative(this.root, absPath); }
  absolute(relPath: string): string { return path.isAbsolute(relPath) ? relPath : path.join(this.root, relPath); }
  contains(absPath: string): boolean { return !path.relative(this.root, absPath).startsWith('..'); }
  /** Index scope: what a kernel developer means by "the tree" for FS-DAX (fsdax-model.md). */
  inScope(relPath: string): boolean { return inContextScope(relPath); }

  /**
   * Lists mm/ and fs/ with each file's stamp, yielding between chunks so
   * edits and requests keep flowing. Contents are read later (readAll, or one by
   * one when needed): a warm start whose stored stats match needs none of them.
   */
  build(onProgress: (p: BuildProgress) => void, isCancelled: () => boolean): Promise<boolean> {
    this.building ??= this.doBuild(onProgress, isCancelled).finally(() => { this.building = undefined; });
    return this.building;
  }

  private async doBuild(onProgress: (p: BuildProgress) => void, isCancelled: () => boolean): Promise<boolean> {
    const { files } = listSourceFiles(contextDirs(this.root), this.root);
    for (let i = 0; i < files.length; i += LIST_CHUNK) {
      if (isCancelled()) return false;
      for (const f of files.slice(i, i + LIST_CHUNK)) {
        if (f.stamp) this.stamps.set(f.rel, f.stamp); else this.stamps.delete(f.rel);
        if (!this.disk.has(f.rel)) this.disk.set(f.rel, undefined);
      }
      onProgress({ done: Math.min(i + LIST_CHUNK, files.length), total: files.length });
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.listed = files.filter((f) => this.disk.has(f.rel));
    this.lastBuildDone = true;
    return true;
  }

  /** Reads every file not read yet, in chunks, yielding between them (before a whole-tree analysis). */
  async readAll(onProgress: (p: BuildProgress) => void = () => undefined, isCancelled: () => boolean = () => false): Promise<boolean> {
    const todo = this.listed.filter((f) => this.disk.has(f.rel) && this.disk.get(f.rel) === undefined);
    for (let i = 0; i < todo.length; i += READ_CHUNK) {
      if (isCancelled()) return false;
      for (const f of todo.slice(i, i + READ_CHUNK)) this.content(f.rel);
      onProgress({ done: Math.min(i + READ_CHUNK, todo.length), total: todo.length });
      await new Promise((resolve) => setImmediate(resolve));
    }
    return true;
  }

  /** A file's bytes, read on first use; undefined when it is not in the index (or vanished since it was listed). */
  private content(relPath: string): Uint8Array | undefined {
    if (!this.disk.has(relPath)) return undefined;
    const known = this.disk.get(relPath);
    if (known) return known;
    let bytes: Buffer;
    try { bytes = fs.readFileSync(this.absolute(relPath)); } catch {
      // Gone since the listing: a deletion the watcher will report too.
      this.disk.delete(relPath);
      this.diskChanged(relPath);
      return undefined;
    }
    // Read after a warm start: bytes that differ from the hash the stat vouched for make the stored result stale.
    const vouched = this.hashes.get(relPath);
    if (vouched !== undefined && contentHash(bytes) !== vouched) this.diskChanged(relPath);
    this.disk.set(relPath, bytes);
    return bytes;
  }

  /** A watched file changed on disk (content undefined: deleted); `stamp`: its stamp taken before `content` was read. */
  updateFromDisk(relPath: string, content: Buffer | undefined, stamp?: FileStamp): void {
    if (!this.inScope(relPath)) return;
    if (content === undefined) {
      this.reported.delete(relPath);
      if (this.disk.delete(relPath)) this.diskChanged(relPath);
      this.stamps.delete(relPath);
      if (!this.current?.open.has(relPath)) this.current?.session.deleteFile(relPath);
      return;
    }
    if (stamp) this.stamps.set(relPath, stamp); else this.stamps.delete(relPath);
    const had = this.disk.has(relPath);
    const prev = this.disk.get(relPath);
    const same = prev ? sameBytes(prev, content) : had && this.hashes.get(relPath) === contentHash(content);
    if (!same) this.diskChanged(relPath);
    this.disk.set(relPath, content);
    this.reported.add(relPath);
    if (this.current && !this.current.open.has(relPath)) this.setOnSession(this.current.session, relPath, content);
  }

  private diskChanged(relPath: string): void {
    this.generation++;
    this.hashes.delete(relPath);
    this.restored = undefined;
  }

  /**
   * The whole tree with the open documents on top of their disk versions. The
   * session re-analyses only what changed since the last call; an interrupted
   * audit resumes on the next. `useCache` (fsdaxAudit.indexCache): answer from the
   * stored result while it stands for the disk, and store the result of a complete
   * audit of the disk contents.
   */
  audit(options: AuditOptions, model: FsdaxModel | undefined, open: ReadonlyMap<string, ParsedFile>, useCache = false): AuditResult {
    const ready = this.beginAudit(options, model, open, useCache);
    if ('stored' in ready) return ready.stored;
    return this.endAudit(ready, options, model, open, useCache, ready.state.session.audit(options.isCancelled));
  }

  /**
   * The same audit for an open document, yielding after every analysis step so
   * requests and newer edits get in between. Undefined when it was cancelled or
   * superseded by another audit of this index (a synchronous whole-tree audit,
   * which took its work over): the caller tries again if its version still stands.
   */
  async auditAsync(options: AuditOptions, model: FsdaxModel | undefined, open: ReadonlyMap<string, ParsedFile>, useCache = false, stepsPerYield = 1): Promise<AuditResult | undefined> {
    const ready = this.beginAudit(options, model, open, useCache);
    if ('stored' in ready) return ready.stored;
    const ticket = ready.ticket;
    const result = await ready.state.session.auditUnlessCancelled(() => this.auditTicket !== ticket || !!options.isCancelled?.(), stepsPerYield, collectEvery(INDEX_GC_EVERY_PARSED));
    if (!result || this.auditTicket !== ticket) return undefined;
    return this.endAudit(ready, options, model, open, useCache, result);
  }

  /** Bumped by every audit: an async audit paused between steps that sees another started is superseded. */
  private auditTicket = 0;

  /** The stored result when it answers; otherwise the session with the open documents set on it. */
  private beginAudit(options: AuditOptions, model: FsdaxModel | undefined, open: ReadonlyMap<string, ParsedFile>, useCache: boolean):
    { stored: AuditResult } | { state: NonNullable<WorkspaceIndex['current']>; sessionKey: string; ticket: number } {
    const ticket = ++this.auditTicket;
    const sessionKey = this.sessionKey(options, model);
    if (useCache && (this.current?.key !== sessionKey || this.current.warming)) {
      const stored = this.fromCache(sessionKey, options, model, open);
      if (stored) {
        this.lastFullAudit = stored;
        return { stored };
      }
    }
    const state = this.sessionFor(sessionKey, options, model, { resume: useCache });
    for (const [p, parsed] of open) {
      if (state.open.get(p) !== parsed) state.session.setFile(p, parsed.view.text, parsed);
    }
    for (const p of state.open.keys()) {
      if (open.has(p)) continue;
      const content = this.content(p);
      if (content) this.setOnSession(state.session, p, content); else state.session.deleteFile(p);
    }
    state.open = new Map(open);
    return { state, sessionKey, ticket };
  }

  private endAudit(ready: { state: NonNullable<WorkspaceIndex['current']>; sessionKey: string }, options: AuditOptions, model: FsdaxModel | undefined,
    open: ReadonlyMap<string, ParsedFile>, useCache: boolean, result: AuditResult): AuditResult {
    // A synchronous audit preempts a warm-up in progress and finishes its work: the session is the truth from here.
    if (ready.state.warming && ready.state.session.isComplete) this.warmed(ready.state);
    this.lastFullAudit = result;
    // An audit that ran to the end (isCancelled is never reset once set) of the disk contents is what the cache keeps.
    if (useCache && !options.isCancelled?.()) this.persist(this.cacheKey(ready.sessionKey, options, model), open, result);
    return result;
  }

  /** Readies the tree's analysis for the next edit, while the editor is idle (AuditSession.prepareForEdits). */
  prepareForEdits(): void {
    this.current?.session.prepareForEdits();
  }

  /**
   * Loads this tree's stored result, if it was computed from exactly the files
   * now read, with these options, by this tool; tried once per disk state and
   * options. True when a stored result now stands for the disk.
   */
  restore(options: AuditOptions, model: FsdaxModel | undefined): boolean {
    const key = this.cacheKey(this.sessionKey(options, model), options, model);
    if (this.restored?.key === key && this.restored.generation === this.generation) return true;
    if (!this.cache || !this.lastBuildDone || (this.restoreTried?.key === key && this.restoreTried.generation === this.generation)) return false;
    this.restoreTried = { key, generation: this.generation };
    const stored = readStoredResult(this.cache, (entry) => ({ tool: this.tool(), root: this.root, key, files: this.fileHashes(entry) }));
    if ('miss' in stored) {
      this.log(`fsdax-audit: ${stored.miss}`);
      return false;
    }
    this.restored = { key, generation: this.generation, result: stored.result };
    this.persisted = { key, generation: this.generation };
    this.lastFullAudit = stored.result;
    this.log(`fsdax-audit: index of ${this.root} restored from cache (${this.disk.size} files)`);
    return true;
  }

  /**
   * After a restore: makes the session for these options and runs its first
   * audit in the background, yielding to the event loop, while the stored result
   * keeps answering. An edit that comes before it ends preempts it (the analysis
   * runs one audit at a time and hands unfinished work on), so the first edit
   * after a restart costs what is left of the warm-up, not a cold analysis.
   */
  async warmUp(options: AuditOptions, model: FsdaxModel | undefined): Promise<void> {
    const sessionKey = this.sessionKey(options, model);
    if (this.current?.key === sessionKey) return;
    const started = Date.now();
    // A warm start read no contents: read them now, yielding, before the session takes them.
    if (!(await this.readAll()) || this.current?.key === sessionKey) return;
    const state = this.sessionFor(sessionKey, options, model, { keepStored: true, resume: true });
    state.warming = true;
    this.auditTicket++;
    const cancelled = () => this.current !== state || !state.warming;
    await state.session.auditAsync(cancelled, collectEvery(INDEX_GC_EVERY_PARSED), 1);
    // Preempted by an edit or a file change: the synchronous audit that follows completes it (and calls warmed).
    if (cancelled() || !state.session.isComplete) return;
    this.warmed(state);
    this.log(`fsdax-audit: analysis of ${this.root} ready in the background (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }

  /** The session has run a complete audit: it answers from now on, and a stored result would only hold memory. */
  private warmed(state: NonNullable<WorkspaceIndex['current']>): void {
    state.warming = false;
    this.restored = undefined;
  }

  /** Writes a pending cache update now (shutdown). */
  flushCache(): void {
    const pending = this.pendingWrite;
    if (!pending) return;
    clearTimeout(pending.timer);
    pending.write();
  }

  /**
   * The stored result, when it answers this audit: no complete session for these
   * options yet (once one exists it is the truth, and it follows edits), the same options,
   * the disk unchanged since the restore, and every open document byte-identical
   * to its disk version (an open file outside mm/ and fs/ is not in the result).
   *
   * The session is warmed up in the background after a restore (warmUp) and the
   * stored result answers until that first audit is complete; an audit the stored
   * result cannot answer (typically the first edit) uses the session at once,
   * preempting and finishing the warm-up.
   */
  private fromCache(sessionKey: string, options: AuditOptions, model: FsdaxModel | undefined, open: ReadonlyMap<string, ParsedFile>): AuditResult | undefined {
    if (!this.restore(options, model)) return undefined;
    const restored = this.restored;
    if (!restored || restored.key !== this.cacheKey(sessionKey, options, model) || !this.openMatchesDisk(open)) return undefined;
    return restored.result;
  }

  /** Schedules writing `result` as the stored result of the current disk state, unless that is stored already. */
  private persist(key: string, open: ReadonlyMap<string, ParsedFile>, result: AuditResult): void {
    const cache = this.cache;
    const generation = this.generation;
    if (!cache || (this.persisted?.key === key && this.persisted.generation === generation) || !this.openMatchesDisk(open)) return;
    this.persisted = { key, generation };
    if (this.pendingWrite) clearTimeout(this.pendingWrite.timer);
    const write = () => {
      this.pendingWrite = undefined;
      // The disk moved on before the write: the audit of the new state will be stored instead.
      if (this.generation !== generation) return;
      const files = this.fileHashes();
      if (writeStoredResult(cache, { tool: this.tool(), root: this.root, key, files }, result, this.fileStats())) {
        this.log(`fsdax-audit: index cache written (${this.disk.size} files): ${cache.file}`);
      } else if (this.persisted?.generation === generation) {
        this.persisted = undefined;
      }
      // The analysis state too, while the session is still exactly the disk (an edit since: the next complete audit keeps it).
      const current = this.current;
      if (this.states && current && !current.warming && current.session.isComplete && this.openMatchesDisk(current.open)) {
        this.states.write(this.tool(), key, files, current.session.snapshot());
      }
    };
    this.pendingWrite = { timer: setTimeout(write, CACHE_WRITE_DELAY_MS), write };
    this.pendingWrite.timer.unref?.();
  }

  /** Whether every open document is an in-scope file whose text is exactly its disk bytes. */
  private openMatchesDisk(open: ReadonlyMap<string, ParsedFile>): boolean {
    for (const [p, parsed] of open) {
      if (!this.disk.has(p)) return false;
      const held = this.disk.get(p);
      const text = Buffer.from(parsed.view.text, 'utf8');
      if (held ? !sameBytes(text, held) : contentHash(text) !== this.hashOf(p)) return false;
    }
    return true;
  }

  /**
   * contentHash() of every file. `stored`: a cache entry's hashes and stamps; a file
   * whose stamp is the one the entry recorded takes the entry's hash without being
   * read (as make and git trust a stat), any other is read and hashed.
   */
  private fileHashes(stored?: Pick<CachedTreeResult, 'files' | 'stats'>): Map<string, string> {
    const out = new Map<string, string>();
    for (const p of [...this.disk.keys()]) {
      let h = this.hashes.get(p);
      if (h === undefined && this.disk.get(p) === undefined && stored) {
        if (sameStamp(stored.stats?.[p] as FileStamp | undefined, this.stamps.get(p)) && typeof stored.files[p] === 'string') h = stored.files[p];
      }
      if (h === undefined) h = this.hashOf(p);
      if (h === undefined) continue;
      this.hashes.set(p, h);
      out.set(p, h);
    }
    return out;
  }

  /** A file's contentHash(), computed (reading it if need be) when not known yet. */
  private hashOf(relPath: string): string | undefined {
    let h = this.hashes.get(relPath);
    if (h === undefined) {
      const content = this.content(relPath);
      if (!content) return undefined;
      h = contentHash(content);
      this.hashes.set(relPath, h);
    }
    return h;
  }

  /** The files' stamps, in path order, for the cache entry. */
  private fileStats(): Record<string, FileStamp> {
    return Object.fromEntries([...this.stamps].filter(([p]) => this.disk.has(p)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  private sessionKey(options: AuditOptions, model: FsdaxModel | undefined): string {
    return JSON.stringify({ era: options.era.era, severities: options.severities ?? {}, showBenign: !!options.showBenign, minConfidence: options.minConfidence ?? 'race', arch: options.arch ?? '', model: model ? this.modelId(model) : 0 });
  }

  /** analysisKey() of the options: the model's content, not its identity. */
  private cacheKey(sessionKey: string, options: AuditOptions, model: FsdaxModel | undefined): string {
    // The era's evidence is part of a result, so it is part of the key; the session key has the era only.
    const k = `${sessionKey}|${JSON.stringify(options.era)}`;
    let key = this.cacheKeys.get(k);
    if (key === undefined) {
      key = analysisKey({ ...options, fsdaxArchitectures: this.fsdaxArchitectures }, model ?? defaultModel());
      this.cacheKeys.set(k, key);
    }
    return key;
  }

  private sessionFor(key: string, options: AuditOptions, model: FsdaxModel | undefined, { keepStored = false, resume = false } = {}): NonNullable<WorkspaceIndex['current']> {
    if (this.current?.key === key) return this.current;
    const session = new AuditSession({ era: options.era, severities: options.severities, showBenign: options.showBenign, minConfidence: options.minConfidence, arch: options.arch, fsdaxArchitectures: this.fsdaxArchitectures, rules: options.rules }, model, { maxLiveTrees: INDEX_LIVE_TREES });
    for (const p of [...this.disk.keys()]) {
      const content = this.content(p);
      if (!content) continue;
      this.setOnSession(session, p, content);
      // Neither keeps the bytes: the session reads a file again when it parses it, the index when it needs it (a closed document's disk version).
      this.disk.set(p, undefined);
    }
    // The per-function cache: the analysis state a complete audit of an earlier disk state left (this server's or a CLI run's
    // of mm/+fs/), resumed so that only what changed since is analysed again.
    if (resume && this.states) {
      const state = this.states.read(this.tool(), this.cacheKey(key, options, model));
      if (state) {
        const changed = changedBetween(state.files, this.fileHashes());
        session.resume(state.snapshot, changed);
        this.log(`fsdax-audit: analysis of ${this.root} resumed from its kept state (${changed.size} files changed since)`);
      }
    }
    this.current = { key, session, open: new Map() };
    // The session answers from now on (a warm-up keeps the stored result until its audit is complete).
    if (!keepStored) this.restored = undefined;
    return this.current;
  }

  /**
   * A disk file into the session, which keeps only what the pre-scan took from it and reads it
   * again to parse it; content the watcher reported (a few files at a time) is kept as reported,
   * so the session parses exactly what the watcher read.
   */
  private setOnSession(session: AuditSession, relPath: string, content: Uint8Array): void {
    if (this.reported.has(relPath)) { session.setFile(relPath, content); return; }
    const abs = this.absolute(relPath);
    session.setFileFromDisk(relPath, content, { reread: () => readOrEmpty(abs), hash: this.hashOf(relPath) });
  }

  /** Models are cached per file and mtime by the auditor, so object identity tells a changed model apart. */
  private modelId(model: FsdaxModel): number {
    let id = this.modelIds.get(model);
    if (id === undefined) { id = ++this.modelCount; this.modelIds.set(model, id); }
    return id;
  }

  private modelCount = 0;
}

/** A file read again to be parsed; gone meanwhile, it reads as empty (the session says it changed; the watcher will report it). */
function readOrEmpty(abs: string): Uint8Array {
  try { return fs.readFileSync(abs); } catch { return new Uint8Array(0); }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}
