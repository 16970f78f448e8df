// lsp front-end: the state the server keeps between messages. Open documents
// with their incrementally reparsed trees, the workspace index per kernel tree,
// the last findings per document (for hover and code actions). Audits go through
// the core's auditParsed(); this file decides what to audit, when, and whether
// the result is still current when it is ready.
import * as fs from 'fs';
import * as path from 'path';
import { fileURLToPath } from 'url';
import { minimatch } from 'minimatch';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { auditParsed } from '../analysis/audit';
import type { AuditOptions, Finding } from '../analysis/audit-types';
import { parseSource, reparseSource, ParsedFile } from '../parse/parser';
import type { SourceView } from '../parse/source-view';
import { changedSpan } from '../parse/changed-span';
import { defaultModel, mergeModel } from '../model/model';
import type { FsdaxModel } from '../model/types';
import type { EraDetection } from '../model/era';
import { detectTreeEra, findTreeRoot, toRelative } from '../host/tree-files';
import type { FsdaxAuditSettings } from '../protocol';
import { WorkspaceIndex } from './workspace-index';
import { IndexCacheFile } from '../host/result-store';
import { allRules } from '../../rules/index';

export interface OpenDocument {
  uri: string;
  version: number;
  parsed: ParsedFile;
  index?: WorkspaceIndex;
}

export interface DocumentResult {
  version: number;
  findings: Finding[];
  era: EraDetection;
  /** The text the findings were computed for (hover maps them onto newer versions). */
  view: SourceView;
}

export interface AuditOutcome {
  /** undefined when the document moved on (or closed) while auditing: publish nothing. */
  result?: DocumentResult;
  /** Another audit of the tree took this one's work over while it waited between steps: try again. */
  superseded?: boolean;
  /** Paths of the other files audited with it (to re-audit open ones that depend on this edit). */
  context: string[];
}

/** Untitled and other non-file documents are audited alone, under their URI's last segment. */
export function filePathOf(uri: string): string {
  return uri.startsWith('file:') ? fileURLToPath(uri) : path.join(path.sep, 'untitled', uri.replace(/^.*[\\/:]/, '') || 'untitled.c');
}

const TREE_STEPS_PER_YIELD = 128;

export class Auditor {
  private readonly open = new Map<string, OpenDocument>();
  private readonly indexes = new Map<string, WorkspaceIndex>();
  readonly results = new Map<string, DocumentResult>();
  private readonly models = new Map<string, { mtimeMs: number; model: FsdaxModel; problems: string[] }>();
  /** Where index caches go; undefined: off (set once, at initialize, before any index exists). */
  cacheDirectory?: string;

  /** `warn`: shown to the user; `info`: the log (cache decisions). */
  constructor(private readonly warn: (message: string) => void, private readonly info: (message: string) => void = () => undefined) {}

  /** The index for a kernel tree, created (not yet built) on first use. */
  indexFor(root: string): WorkspaceIndex {
    let index = this.indexes.get(root);
    if (!index) {
      const cache = this.cacheDirectory ? new IndexCacheFile(this.cacheDirectory, root, this.info) : undefined;
      index = new WorkspaceIndex(root, cache, this.info);
      this.indexes.set(root, index);
    }
    return index;
  }

  allIndexes(): WorkspaceIndex[] { return [...this.indexes.values()]; }
  /** Shutdown: pending index cache writes now. */
  flushCaches(): void { this.indexes.forEach((i) => i.flushCache()); }
  openDocuments(): OpenDocument[] { return [...this.open.values()]; }
  get(uri: string): OpenDocument | undefined { return this.open.get(uri); }

  /** Open or change: parse the first time, reparse incrementally after. */
  update(doc: TextDocument): OpenDocument {
    const prev = this.open.get(doc.uri);
    if (prev && prev.version === doc.version) return prev;
    const file = filePathOf(doc.uri);
    const root = prev?.index?.root ?? findTreeRoot(path.dirname(file));
    const index = root ? this.indexFor(root) : undefined;
    const relPath = index ? index.relative(file) : toRelative(path.dirname(file), file);
    const parsed = prev ? reparseSource(prev.parsed, doc.getText()) : parseSource(relPath, doc.getText(), { keepPreprocessState: true });
    const entry: OpenDocument = { uri: doc.uri, version: doc.version, parsed, index };
    this.open.set(doc.uri, entry);
    return entry;
  }

  /**
   * The last findings of a document, onto its current text: the current ones, or
   * those of an older version (an audit is still running during a typing burst)
   * with ranges moved by what changed since; findings inside the changed text are
   * left out. Hover and code actions answer from this at once.
   */
  findingsNow(text: TextDocument): Finding[] {
    const result = this.results.get(text.uri);
    if (!result) return [];
    if (result.version === text.version) return result.findings;
    return moveFindings(result.findings, result.view, { text: text.getText(), positionAt: (o) => text.positionAt(o) });
  }

  close(uri: string): void {
    this.open.delete(uri);
    this.results.delete(uri);
  }

  isIncluded(doc: OpenDocument, settings: FsdaxAuditSettings): boolean {
    const p = doc.parsed.path;
    const match = (g: string) => minimatch(p, g, { dot: true, matchBase: !g.includes('/') });
    return settings.include.some(match) && !settings.exclude.some(match);
  }

  eraFor(doc: OpenDocument, settings: FsdaxAuditSettings): EraDetection {
    if (settings.era !== 'auto') return { era: settings.era, known: true, evidence: 'set with fsdaxAudit.era' };
    return doc.index?.era ?? detectTreeEra(path.dirname(filePathOf(doc.uri)), 'auto');
  }

  /**
   * Audits one open document with its context. `version` is the version the
   * caller scheduled; when the document has moved on, the result is dropped.
   */
  async auditDocument(uri: string, version: number, settings: FsdaxAuditSettings, folder: string | undefined, isCancelled: () => boolean): Promise<AuditOutcome> {
    const doc = this.open.get(uri);
    const stale = () => isCancelled() || this.open.get(uri)?.version !== version;
    if (!doc || stale()) return { context: [] };
    const era = this.eraFor(doc, settings);
    const options: AuditOptions = { era, severities: settings.severity, ...findingFilters(settings), isCancelled: stale, rules: allRules };
    const model = this.modelFor(settings, folder ?? doc.index?.root);
    // Until the tree is read, a document is audited alone (intraprocedural findings and its own sources).
    // The tree's audit yields between steps: a newer edit of this document cancels it (its work goes to the next one).
    const audit = doc.index?.isReady
      ? await doc.index.auditAsync(options, model, this.openIn(doc.index), settings.indexCache)
      : auditParsed([doc.parsed], options, model);
    if (stale()) return { context: [] };
    if (!audit) return { context: [], superseded: true };
    const result = { version, findings: audit.findings.filter((f) => f.file === doc.parsed.path), era, view: doc.parsed.view };
    this.results.set(uri, result);
    // Any other open document of the tree may have gained or lost a finding through this edit.
    const context = doc.index ? [...this.openIn(doc.index).keys()].filter((p) => p !== doc.parsed.path) : [];
    return { result, context };
  }

  /** After a document's diagnostics are out: readies its tree's analysis for the next edit. */
  prepareForEdits(uri: string): void {
    this.open.get(uri)?.index?.prepareForEdits();
  }

  /** The same, yielding every 128 steps (the index's first audit: node frees released trees only when the event loop turns). */
  auditTreeAsync(index: WorkspaceIndex, settings: FsdaxAuditSettings, isCancelled: () => boolean) {
    const era = this.treeEra(index, settings);
    return index.auditAsync({ era, severities: settings.severity, ...findingFilters(settings), isCancelled, rules: allRules }, this.modelFor(settings, index.root), this.openIn(index), settings.indexCache, TREE_STEPS_PER_YIELD);
  }

  /** Same options as a document audit, over a whole tree (the "audit workspace" command). */
  auditTree(index: WorkspaceIndex, settings: FsdaxAuditSettings, folder: string | undefined, isCancelled: () => boolean) {
    const era = this.treeEra(index, settings);
    return index.audit({ era, severities: settings.severity, ...findingFilters(settings), isCancelled, rules: allRules }, this.modelFor(settings, folder ?? index.root), this.openIn(index), settings.indexCache);
  }

  /** After the index is read: whether its stored result (same options as auditTree) stands for the tree. */
  restoreTree(index: WorkspaceIndex, settings: FsdaxAuditSettings): boolean {
    if (!settings.indexCache) return false;
    return index.restore({ era: this.treeEra(index, settings), severities: settings.severity, ...findingFilters(settings), rules: allRules }, this.modelFor(settings, index.root));
  }

  /** After a restore: the tree's analysis, made ready in the background (same options as auditTree). */
  warmUpTree(index: WorkspaceIndex, settings: FsdaxAuditSettings): Promise<void> {
    return index.warmUp({ era: this.treeEra(index, settings), severities: settings.severity, ...findingFilters(settings), rules: allRules }, this.modelFor(settings, index.root));
  }

  private treeEra(index: WorkspaceIndex, settings: FsdaxAuditSettings): EraDetection {
    return settings.era === 'auto' ? index.era : { era: settings.era, known: true, evidence: 'set with fsdaxAudit.era' };
  }

  /** The open documents of a tree, by path, as the index overlays them on the disk. */
  private openIn(index: WorkspaceIndex): Map<string, ParsedFile> {
    return new Map([...this.open.values()].filter((d) => d.index === index).map((d) => [d.parsed.path, d.parsed] as const));
  }

  /** The bundled model plus the user's model file, re-read when its mtime changes. */
  private modelFor(settings: FsdaxAuditSettings, base: string | undefined): FsdaxModel | undefined {
    if (!settings.modelFile) return undefined;
    const file = path.resolve(base ?? process.cwd(), settings.modelFile);
    let mtimeMs: number;
    try { mtimeMs = fs.statSync(file).mtimeMs; } catch {
      this.warnOnce(`fsdaxAudit.modelFile: no such file ${file}; using the bundled model`);
      return undefined;
    }
    const cached = this.models.get(file);
    if (cached && cached.mtimeMs === mtimeMs) return cached.model;
    let value: unknown;
    try { value = JSON.parse(fs.readFileSync(file, 'utf8')); } catch (e) {
      this.warnOnce(`fsdaxAudit.modelFile: ${file} is not valid JSON (${(e as Error).message}); using the bundled model`);
      return undefined;
    }
    const merged = mergeModel(defaultModel(), value, file);
    const entry = { mtimeMs, model: merged.model, problems: merged.problems.map((p) => p.message) };
    entry.problems.forEach((p) => this.warnOnce(p));
    this.models.set(file, entry);
    return entry.model;
  }

  private readonly warned = new Set<string>();
  private warnOnce(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.warn(message);
  }
}

/** The settings that decide which findings are reported, as analysis options. */
function findingFilters(settings: FsdaxAuditSettings): Pick<AuditOptions, 'showBenign' | 'minConfidence' | 'arch'> {
  return { showBenign: settings.showBenign, minConfidence: settings.minConfidence, arch: settings.arch };
}

/** Findings of `from`'s text placed on `to`'s: ranges before or after the changed span move, ranges touching it are dropped. */
function moveFindings(findings: readonly Finding[], from: SourceView, to: Pick<SourceView, 'text' | 'positionAt'>): Finding[] {
  const { start: prefix, oldEnd: changedEnd } = changedSpan(from.text, to.text);
  const delta = to.text.length - from.text.length;
  const out: Finding[] = [];
  for (const f of findings) {
    const start = from.offsetAt(f.range.start);
    const end = from.offsetAt(f.range.end);
    const shift = end < prefix ? 0 : start > changedEnd ? delta : undefined;
    if (shift === undefined) continue;
    out.push(shift === 0 ? f : { ...f, range: { start: to.positionAt(start + shift), end: to.positionAt(end + shift) } });
  }
  return out;
}
