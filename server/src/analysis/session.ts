// analysis layer: an audit that lives on. Holds the files of a tree, parses
// them lazily, keeps the demand-driven analysis state, and after a file changes
// re-analyses only what depends on it. The CLI makes one, sets every file and
// audits once; the language server keeps one per kernel tree and sets the open
// document on each edit. Pure: contents come in from the front-end.
import { parsePreprocessed, preprocessSource, type ParsedFile, type PreprocessedFile } from '../parse/parser';
import { readSourceBytes } from '../parse/source-bytes';
import { createSourceView } from '../parse/source-view';
import { preprocessKernelC, type ParseProblem } from '../parse/preprocess';
import { SNAPSHOT_FORMAT, storedUnit, unitsOf, type SessionSnapshot, type StoredFile } from './session-snapshot';
import { DEFAULT_ARCH, defaultModel, indexModel, mergeModel, ModelIndex } from '../model/model';
import type { FsdaxModel } from '../model/types';
import type { AuditOptions, AuditResult, FileProblem } from './audit-types';
import { compareProblems, FindingsCache, findingsFor } from './findings';
import { DerivedFact, ProgramAnalyzer } from './program';
import type { FunctionUnit } from './functions';
import { DEFAULT_LIVE_TREES, ProgramFiles } from './program-files';
import { checksumOf, prescanSource, type Prescan } from './prescan';
import { scanText, type NameScan } from './name-scan';
import { isHeaderPath, LinkScope } from './link-scope';

/**
 * Where a file's text comes from when it is parsed: the content the front-end handed over
 * (kept), or the front-end's re-read of it (a file on disk: nothing is kept until the file is
 * parsed, and a re-read must give the bytes the pre-scan saw).
 */
type FileSource =
  | { kept: string | Uint8Array }
  | { reread: () => Uint8Array; size: number; checksum: number; hash?: string };

interface FileState {
  source: FileSource;
  /** Problems found without parsing (binary, too large, not UTF-8). */
  prescanProblems: FileProblem[];
  /** The tree, while held (the caller's own for open documents; released under memory pressure otherwise). */
  parsed?: ParsedFile;
  /** The preprocessed text, once read: what definitions are parsed from one by one, again after their trees were released (preprocessing is most of a parse's cost). */
  prepared?: PreprocessedFile;
  /** What a parse left that outlives the tree: line mapping (and the text) for findings, parse problems. */
  seen?: Pick<ParsedFile, 'path' | 'view' | 'problems'>;
}

/** What the front-end knows of a file it lets the session re-read instead of keeping its content. */
export interface Reread {
  /** The file's bytes again (a read from disk): checked against the size and checksum of the first read. */
  reread: () => Uint8Array;
  /** A content hash the front-end computed anyway (the cache key's): setting the same hash again is free. */
  hash?: string;
}

export class AuditSession {
  private readonly files = new Map<string, FileState>();
  /** A rule's findings per file, made again only where sites or views changed since the last report. */
  private readonly findingsCache = new FindingsCache();
  private readonly program: ProgramFiles;
  private readonly scope: LinkScope;
  private readonly analyzer: ProgramAnalyzer;
  private readonly index: ModelIndex;
  private readonly modelProblems: FileProblem[] = [];
  /** Files whose re-read gave other bytes than the pre-scan's (changed on disk during the audit). */
  private readonly rereadProblems = new Map<string, FileProblem>();
  /** Paths changed since the last audit, with the functions and the text they had. */
  private readonly changed = new Map<string, { removed: ReturnType<ProgramFiles['replace']>; oldText: string }>();
  private firstRun = true;

  /** `maxLiveTrees`: parsed trees held at once (memory bound for whole-kernel scans); tests set it low. */
  constructor(private readonly options: AuditOptions, model?: FsdaxModel, limits: { maxLiveTrees?: number } = {}) {
    this.scope = new LinkScope(options.fsdaxArchitectures, options.arch ?? DEFAULT_ARCH);
    this.program = new ProgramFiles([], limits.maxLiveTrees ?? DEFAULT_LIVE_TREES, this.scope);
    let m = model ?? defaultModel();
    for (const ext of options.modelExtensions ?? []) {
      const merged = mergeModel(m, ext.value, ext.origin);
      m = merged.model;
      this.modelProblems.push(...merged.problems.map((p) => ({ file: ext.origin, kind: 'model' as const, message: p.message, line: 0 })));
    }
    this.index = indexModel(m, options.era.era, options.arch);
    this.analyzer = new ProgramAnalyzer(this.program, this.index);
  }

  /**
   * Sets a file's content, which the session keeps. `parsed` is the caller's own tree of exactly
   * this content (an editor's incrementally reparsed document); otherwise the file is parsed
   * when the analysis first needs it. Setting the same content again is free.
   */
  setFile(path: string, content: Uint8Array | string, parsed?: ParsedFile): void {
    if (parsed) this.apply(path, { problems: [], names: scanText(parsed.view.text, { staticToo: isHeaderPath(path) }), size: 0, checksum: 0 }, { kept: parsed.view.text }, parsed);
    else this.apply(path, prescanSource(path, content, this.scope.analysable(path)), { kept: content });
  }

  /**
   * Sets a file from disk without keeping its content: the pre-scan reads `content` now, and
   * the file is read again (`reread`) only if the analysis parses it.
   */
  setFileFromDisk(path: string, content: Uint8Array, reread: Reread): void {
    this.setPrescanned(path, this.prescan(path, content), reread);
  }

  /** The pre-scan setFileFromDisk takes of `content` (names only for a file the analysis looks at), for a front-end that keeps it. */
  prescan(path: string, content: Uint8Array): Prescan {
    return prescanSource(path, content, this.scope.analysable(path));
  }

  /** The same, for a file the front-end pre-scanned itself (prescanSource in a worker: CLI --jobs). */
  setPrescanned(path: string, scan: Prescan, reread: Reread): void {
    this.apply(path, scan, { reread: reread.reread, size: scan.size, checksum: scan.checksum, hash: reread.hash });
  }

  private apply(path: string, scan: Prescan, source: FileSource, parsed?: ParsedFile): void {
    const prev = this.files.get(path);
    if (prev && parsed && prev.parsed === parsed) return;
    const prescanProblems = scan.problems;
    if (prev && !parsed && sameSource(prev.source, source) && sameProblems(prev.prescanProblems, prescanProblems)) return;
    // An async audit paused between steps must not go on over files that change under it.
    this.analyzer.preempt();
    const state: FileState = { source, prescanProblems, parsed, seen: parsed };
    this.files.set(path, state);
    this.rereadProblems.delete(path);
    const prepare = () => {
      if (state.parsed) return state.parsed;
      if (!state.prepared) {
        // The text the pre-scan's bytes decode to (its problems were said by the pre-scan).
        state.prepared = preprocessSource(path, this.textOf(path, state.source));
        state.seen = { path, view: state.prepared.view, problems: state.prepared.problems };
      }
      return state.prepared;
    };
    const parse = () => (state.parsed ??= parsePreprocessed(prepare()));
    const release = parsed ? undefined : () => { state.parsed = undefined; };
    // Files no FS-DAX page can reach (userspace tools, boot code, architectures without FS-DAX) are counted, not analysed.
    const analysable = this.scope.analysable(path);
    const text = () => (state.parsed ?? state.prepared)?.view.text ?? this.textOf(path, state.source);
    const removed = this.program.replace(path, analysable ? { path, parsed, parse, prepare: parsed ? undefined : prepare, text, release, names: scan.names ?? this.scanAgain(path, source) } : undefined);
    if (!this.changed.has(path)) this.changed.set(path, { removed, oldText: prev?.seen?.view.text ?? '' });
  }

  /** The names of a file the front-end pre-scanned without them (it took the file for one the analysis does not read). */
  private scanAgain(path: string, source: FileSource): NameScan {
    const content = 'kept' in source ? source.kept : source.reread();
    return prescanSource(path, content).names!;
  }

  /** A file's decoded text: kept, or read again (bytes that are not what the pre-scan saw are said as a problem). */
  private textOf(path: string, source: FileSource): string {
    if ('kept' in source) return typeof source.kept === 'string' ? source.kept : readSourceBytes(source.kept).text;
    const bytes = source.reread();
    if (bytes.byteLength !== source.size || checksumOf(bytes) !== source.checksum) {
      this.rereadProblems.set(path, { file: path, kind: 'internal', message: 'file changed on disk while being audited; its findings are of the new content', line: 0 });
    }
    return readSourceBytes(bytes).text;
  }

  deleteFile(path: string): void {
    const prev = this.files.get(path);
    if (!prev) return;
    this.analyzer.preempt();
    this.files.delete(path);
    this.rereadProblems.delete(path);
    const removed = this.program.replace(path, undefined);
    if (!this.changed.has(path)) this.changed.set(path, { removed, oldText: prev.seen?.view.text ?? '' });
  }

  /** A file's current text as the analysis reads it ('' when it is not analysed), parsing it if need be. */
  private currentText(path: string): string {
    const state = this.files.get(path);
    if (!state || !this.scope.analysable(path)) return '';
    if (!state.seen) this.program.functionsIn(path);
    return state.seen?.view.text ?? '';
  }

  /** What this session knows, for a later run to resume from (session-snapshot.ts). Only after a complete audit. */
  snapshot(): SessionSnapshot {
    if (!this.isComplete) throw new Error('internal: a snapshot of an unfinished audit');
    const files: StoredFile[] = [];
    for (const [path, units] of this.program.knownUnits()) {
      const seen = this.files.get(path)?.seen;
      if (!seen) continue;
      const problems = seen.problems.filter((p) => !SAID_BY_PRESCAN.has(p.kind)).map((p) => ({ kind: p.kind, message: p.message, offset: p.offset, line: seen.view.positionAt(p.offset).line }));
      files.push({ path, text: seen.view.text, units: units.map(storedUnit), defined: this.program.definedIn(path), problems });
    }
    return { format: SNAPSHOT_FORMAT, files, analyzer: this.analyzer.exportState() };
  }

  /**
   * Resumes from a snapshot of an earlier complete audit instead of auditing cold: before the
   * first audit, with every file set. `changed`: the paths whose content is not what they had in
   * the snapshot's state (added, removed, other bytes); every other file the snapshot parsed
   * must be set with that same content. The next audit then re-analyses what the changes reach,
   * as after an editor's edits.
   */
  resume(snapshot: SessionSnapshot, changed: ReadonlySet<string>): void {
    if (!this.firstRun) throw new Error('internal: resume after an audit');
    const units = new Map<string, FunctionUnit>();
    const edits = new Map<string, { removed: FunctionUnit[]; oldText: string }>();
    for (const f of snapshot.files) {
      const list = unitsOf(f);
      for (const u of list) units.set(u.key, u);
      const state = this.files.get(f.path);
      if (state && !changed.has(f.path) && this.scope.analysable(f.path)) {
        // The content it had: its functions stand, parsed again only if the analysis reads one.
        state.seen = { path: f.path, view: createSourceView(f.text), problems: f.problems.map(({ kind, message, offset }) => ({ kind, message, offset }) as ParseProblem) };
        this.program.restoreUnits(f.path, list);
        continue;
      }
      // Edited since (or gone): its old functions, with their parsed text as it was, are what the edit removed.
      let parsedText: string | undefined;
      for (const u of list) Object.defineProperty(u, 'parsed', { enumerable: true, get: () => (parsedText ??= preprocessKernelC(f.text).text).slice(u.start, u.end) });
      this.program.setIndexedBefore(f.path, f.defined);
      edits.set(f.path, { removed: list, oldText: f.text });
    }
    this.analyzer.importState(snapshot.analyzer, (k) => units.get(k));
    for (const p of changed) if (!edits.has(p)) edits.set(p, { removed: [], oldText: '' });
    this.changed.clear();
    for (const [p, e] of edits) this.changed.set(p, e);
    this.firstRun = false;
  }

  /** Readies the analysis for an edit while the editor is idle (ProgramAnalyzer.prepareForEdits). */
  prepareForEdits(): void {
    this.analyzer.prepareForEdits();
  }

  /** The functions the last audit read, with what it derived from their bodies (return-summary.ts). */
  derivedFacts(): DerivedFact[] {
    return this.analyzer.derivedFacts();
  }

  get size(): number {
    return this.files.size;
  }

  has(path: string): boolean {
    return this.files.has(path);
  }

  /** No audit has run yet: the session may resume from a snapshot. */
  get canResume(): boolean {
    return this.firstRun;
  }

  /** The last audit ran to its end and no file changed since: its result stands for the files. */
  get isComplete(): boolean {
    return !this.firstRun && this.changed.size === 0 && !this.analyzer.hasPendingWork;
  }

  audit(isCancelled: () => boolean = () => false): AuditResult {
    this.analyzer.run(this.startingPoints(), isCancelled);
    return this.report();
  }

  /**
   * The same audit, yielding to the event loop as it goes (whole-kernel scans,
   * editors). `onParsed(n)` is told how many files have been parsed so far at each
   * yield: the CLI uses it to ask V8 for a collection now and then, since released
   * trees are native memory V8 does not see growing. A background audit in an
   * editor yields after every step (`stepsPerYield` 1), so requests wait for one
   * step at most.
   */
  async auditAsync(isCancelled: () => boolean = () => false, onParsed?: (parsedFiles: number) => void, stepsPerYield = 16): Promise<AuditResult> {
    await this.analyzer.runAsync(this.startingPoints(), isCancelled, stepsPerYield, onParsed && (() => onParsed(this.program.parsedFiles)));
    return this.report();
  }

  /**
   * An editor's audit: yields after every step so requests and newer edits get
   * in, and makes no report when it was cancelled or preempted meanwhile (a newer
   * edit, a file change, another run; its unfinished work goes to the next audit).
   */
  async auditUnlessCancelled(isCancelled: () => boolean, stepsPerYield = 1, onParsed?: (parsedFiles: number) => void): Promise<AuditResult | undefined> {
    await this.analyzer.runAsync(this.startingPoints(), isCancelled, stepsPerYield, onParsed && (() => onParsed(this.program.parsedFiles)));
    // Preempted by a file change or another run between two steps: its work is unfinished, the report would be partial.
    if (isCancelled() || this.changed.size > 0 || this.analyzer.hasPendingWork) return undefined;
    return this.report();
  }

  /** Seeds on the first run; afterwards what the files changed since the last run affect. */
  private startingPoints(): Iterable<FunctionUnit> {
    // Suppression comments must see their file's findings, or they would look unused.
    for (const path of [...this.program.withSuppressions].sort()) this.program.functionsIn(path);
    if (this.firstRun) {
      this.firstRun = false;
      this.changed.clear();
      return this.analyzer.seeds();
    }
    const initial = [...this.changed].flatMap(([path, { removed, oldText }]) => this.analyzer.fileChanged(path, removed, oldText, () => this.currentText(path)));
    this.changed.clear();
    return initial;
  }

  private report(): AuditResult {
    const analysis = this.analyzer.result();
    const parsed = [...this.files.values()].map((f) => f.seen).filter((p): p is NonNullable<FileState['seen']> => !!p)
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const problems: FileProblem[] = [...this.modelProblems];
    for (const f of this.analyzer.failures.values()) {
      const line = this.files.get(f.file)?.seen?.view.positionAt(this.program.functionsIn(f.file).find((u) => u.name === f.function)?.start ?? 0).line ?? 0;
      problems.push({ file: f.file, kind: f.unparsed ? 'unparsed' : 'internal', message: `${f.function}(): ${f.message}; its findings are missing`, line });
    }
    for (const f of this.files.values()) problems.push(...f.prescanProblems);
    problems.push(...this.rereadProblems.values());
    for (const p of parsed) {
      for (const problem of p.problems) {
        if (SAID_BY_PRESCAN.has(problem.kind)) continue;
        problems.push({ file: p.path, kind: problem.kind, message: problem.message, line: p.view.positionAt(problem.offset).line });
      }
    }
    const findings = findingsFor(analysis.sites, parsed, this.options, this.index, problems, this.findingsCache);
    problems.sort(compareProblems);
    return {
      findings, problems, era: this.options.era,
      stats: { files: this.files.size, parsedFiles: analysis.parsedFiles, functions: analysis.functionCount, sites: analysis.sites.length },
    };
  }
}

/** Parse problems the pre-scan said already. */
const SAID_BY_PRESCAN = new Set<string>(['binary', 'too-large', 'non-utf8']);

/** The same content for sure: the same kept text or bytes, or the same content hash. */
function sameSource(a: FileSource, b: FileSource): boolean {
  if ('kept' in a && 'kept' in b) {
    if (typeof a.kept === 'string' || typeof b.kept === 'string') return a.kept === b.kept;
    return a.kept.byteLength === b.kept.byteLength && Buffer.from(a.kept.buffer, a.kept.byteOffset, a.kept.byteLength).equals(b.kept);
  }
  return 'hash' in a && 'hash' in b && a.hash !== undefined && a.hash === b.hash;
}

function sameProblems(a: readonly FileProblem[], b: readonly FileProblem[]): boolean {
  return a.length === b.length && a.every((p, i) => p.message === b[i].message);
}
