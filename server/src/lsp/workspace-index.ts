// lsp front-end: the workspace index of one kernel tree. Reads mm/ and fs/ once
// (contents only: the core parses lazily what the analysis needs) and keeps a
// core AuditSession over them, so an edit re-analyses only what it affects and
// an open document always gets whole-tree interprocedural findings. Reading files
// reuses cli/files.ts; the analysis itself stays in the core.
import * as fs from 'fs';
import * as path from 'path';
import { AuditOptions, AuditResult, AuditSession } from '../analysis/audit';
import type { ParsedFile } from '../parse/parser';
import type { FsdaxModel } from '../model/types';
import type { EraDetection } from '../model/era';
import { collectSourceFiles, detectTreeEra, toRelative } from '../cli/files';

const READ_CHUNK = 200;

export interface BuildProgress { done: number; total: number }

export class WorkspaceIndex {
  readonly era: EraDetection;
  private readonly disk = new Map<string, Uint8Array>();
  private building?: Promise<boolean>;
  private lastBuildDone = false;
  /** One session per set of analysis options (era, severities, model): switching settings starts afresh. */
  private current?: { key: string; session: AuditSession; open: Map<string, ParsedFile> };
  private readonly modelIds = new WeakMap<object, number>();
  lastFullAudit?: AuditResult;

  constructor(readonly root: string) {
    this.era = detectTreeEra(root, 'auto');
  }

  get size(): number { return this.disk.size; }
  get isReady(): boolean { return this.lastBuildDone; }

  relative(absPath: string): string { return toRelative(this.root, absPath); }
  absolute(relPath: string): string { return path.isAbsolute(relPath) ? relPath : path.join(this.root, relPath); }
  contains(absPath: string): boolean { return !path.relative(this.root, absPath).startsWith('..'); }
  /** Index scope: what a kernel developer means by "the tree" for FS-DAX (fsdax-model.md). */
  inScope(relPath: string): boolean { return /^(mm|fs)\/.*\.[ch]$/.test(relPath); }

  /** Reads mm/ and fs/, yielding between chunks so edits and requests keep flowing. */
  build(onProgress: (p: BuildProgress) => void, isCancelled: () => boolean): Promise<boolean> {
    this.building ??= this.doBuild(onProgress, isCancelled).finally(() => { this.building = undefined; });
    return this.building;
  }

  private async doBuild(onProgress: (p: BuildProgress) => void, isCancelled: () => boolean): Promise<boolean> {
    const dirs = ['mm', 'fs'].map((d) => path.join(this.root, d)).filter((d) => fs.existsSync(d));
    const { files } = collectSourceFiles(dirs, this.root);
    for (let i = 0; i < files.length; i += READ_CHUNK) {
      if (isCancelled()) return false;
      for (const f of files.slice(i, i + READ_CHUNK)) this.setDisk(f.path, f.content as Uint8Array);
      onProgress({ done: Math.min(i + READ_CHUNK, files.length), total: files.length });
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.lastBuildDone = true;
    return true;
  }

  /** A watched file changed on disk (content undefined: deleted). */
  updateFromDisk(relPath: string, content: Buffer | undefined): void {
    if (!this.inScope(relPath)) return;
    if (content === undefined) {
      this.disk.delete(relPath);
      if (!this.current?.open.has(relPath)) this.current?.session.deleteFile(relPath);
      return;
    }
    this.setDisk(relPath, content);
  }

  private setDisk(relPath: string, content: Uint8Array): void {
    this.disk.set(relPath, content);
    if (!this.current?.open.has(relPath)) this.current?.session.setFile(relPath, content);
  }

  /**
   * The whole tree with the open documents on top of their disk versions. The
   * session re-analyses only what changed since the last call; an interrupted
   * audit resumes on the next.
   */
  audit(options: AuditOptions, model: FsdaxModel | undefined, open: ReadonlyMap<string, ParsedFile>): AuditResult {
    const state = this.sessionFor(options, model);
    for (const [p, parsed] of open) {
      if (state.open.get(p) !== parsed) state.session.setFile(p, parsed.view.text, parsed);
    }
    for (const p of state.open.keys()) {
      if (open.has(p)) continue;
      const content = this.disk.get(p);
      if (content) state.session.setFile(p, content); else state.session.deleteFile(p);
    }
    state.open = new Map(open);
    const result = state.session.audit(options.isCancelled);
    this.lastFullAudit = result;
    return result;
  }

  private sessionFor(options: AuditOptions, model: FsdaxModel | undefined): NonNullable<WorkspaceIndex['current']> {
    const key = JSON.stringify({ era: options.era.era, severities: options.severities ?? {}, model: model ? this.modelId(model) : 0 });
    if (this.current?.key === key) return this.current;
    const session = new AuditSession({ era: options.era, severities: options.severities }, model);
    for (const [p, content] of this.disk) session.setFile(p, content);
    this.current = { key, session, open: new Map() };
    return this.current;
  }

  /** Models are cached per file and mtime by the auditor, so object identity tells a changed model apart. */
  private modelId(model: FsdaxModel): number {
    let id = this.modelIds.get(model);
    if (id === undefined) { id = ++this.modelCount; this.modelIds.set(model, id); }
    return id;
  }

  private modelCount = 0;
}
