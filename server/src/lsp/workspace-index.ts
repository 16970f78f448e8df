// lsp front-end: the workspace index of one kernel tree. Holds the parsed disk
// version of every mm/ and fs/ file and a name index of who defines and who calls
// which function, so an open document is audited together with its call
// neighbourhood (interprocedural findings) without re-analysing the whole tree per
// keystroke. Reading files reuses cli/files.ts; the analysis itself stays in the core.
import * as fs from 'fs';
import * as path from 'path';
import { auditParsed, AuditOptions, AuditResult } from '../analysis/audit';
import { collectFunctions } from '../analysis/functions';
import { parseSource, ParsedFile } from '../parse/parser';
import { calleeName } from '../parse/nodes';
import type { FsdaxModel } from '../model/types';
import type { EraDetection } from '../model/era';
import { collectSourceFiles, detectTreeEra, toRelative } from '../cli/files';

/** Trees up to this many files are audited whole on every edit: exact, and still fast. */
const WHOLE_TREE_LIMIT = 300;
/** Otherwise an edit re-audits the document's callers and callees, two calls deep, at most this many files. */
const NEIGHBOURHOOD_LIMIT = 64;
const PARSE_CHUNK = 20;

interface FileNames { defines: string[]; calls: string[] }

export interface BuildProgress { done: number; total: number }

export class WorkspaceIndex {
  readonly era: EraDetection;
  private readonly files = new Map<string, ParsedFile>();
  private readonly names = new Map<string, FileNames>();
  private definers?: Map<string, string[]>;
  private callers?: Map<string, string[]>;
  private building?: Promise<boolean>;
  lastFullAudit?: AuditResult;

  constructor(readonly root: string) {
    this.era = detectTreeEra(root, 'auto');
  }

  get size(): number { return this.files.size; }
  get isReady(): boolean { return this.lastBuildDone; }
  private lastBuildDone = false;

  relative(absPath: string): string { return toRelative(this.root, absPath); }
  absolute(relPath: string): string { return path.isAbsolute(relPath) ? relPath : path.join(this.root, relPath); }
  contains(absPath: string): boolean { return !path.relative(this.root, absPath).startsWith('..'); }
  /** Index scope: what a kernel developer means by "the tree" for FS-DAX (fsdax-model.md). */
  inScope(relPath: string): boolean { return /^(mm|fs)\/.*\.[ch]$/.test(relPath); }

  /** Reads and parses mm/ and fs/ in chunks, yielding between them so edits and requests keep flowing. */
  build(onProgress: (p: BuildProgress) => void, isCancelled: () => boolean): Promise<boolean> {
    this.building ??= this.doBuild(onProgress, isCancelled).finally(() => { this.building = undefined; });
    return this.building;
  }

  private async doBuild(onProgress: (p: BuildProgress) => void, isCancelled: () => boolean): Promise<boolean> {
    const dirs = ['mm', 'fs'].map((d) => path.join(this.root, d)).filter((d) => fs.existsSync(d));
    const { files } = collectSourceFiles(dirs, this.root);
    for (let i = 0; i < files.length; i += PARSE_CHUNK) {
      if (isCancelled()) return false;
      for (const f of files.slice(i, i + PARSE_CHUNK)) this.setParsed(parseSource(f.path, f.content));
      onProgress({ done: Math.min(i + PARSE_CHUNK, files.length), total: files.length });
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.lastBuildDone = true;
    return true;
  }

  /** A watched file changed on disk (content undefined: deleted). */
  updateFromDisk(relPath: string, content: Buffer | undefined): void {
    if (!this.inScope(relPath)) return;
    if (content === undefined) {
      this.files.delete(relPath);
      this.names.delete(relPath);
      this.definers = this.callers = undefined;
      return;
    }
    this.setParsed(parseSource(relPath, content));
  }

  private setParsed(file: ParsedFile): void {
    this.files.set(file.path, file);
    this.names.set(file.path, namesOf(file));
    this.definers = this.callers = undefined;
  }

  /**
   * The files to audit with a document: the whole tree when small, else the
   * document plus the files defining its callees and calling its functions,
   * two levels out. Open documents replace their disk versions.
   */
  contextFor(doc: ParsedFile, open: ReadonlyMap<string, ParsedFile>): ParsedFile[] {
    const pick = (p: string) => (p === doc.path ? doc : open.get(p) ?? this.files.get(p));
    if (this.files.size <= WHOLE_TREE_LIMIT) {
      const paths = new Set([...this.files.keys(), ...open.keys(), doc.path]);
      return [...paths].sort().map(pick).filter((f): f is ParsedFile => !!f);
    }
    this.ensureNameMaps();
    const chosen = new Set<string>([doc.path]);
    let frontier = [doc.path];
    for (let depth = 0; depth < 2 && chosen.size < NEIGHBOURHOOD_LIMIT; depth++) {
      const next: string[] = [];
      for (const p of frontier) {
        const names = p === doc.path ? namesOf(doc) : this.names.get(p);
        if (!names) continue;
        const related = [...names.calls.flatMap((n) => this.definers!.get(n) ?? []), ...names.defines.flatMap((n) => this.callers!.get(n) ?? [])];
        for (const r of related.sort()) {
          if (chosen.size >= NEIGHBOURHOOD_LIMIT) break;
          if (!chosen.has(r)) { chosen.add(r); next.push(r); }
        }
      }
      frontier = next;
    }
    return [...chosen].sort().map(pick).filter((f): f is ParsedFile => !!f);
  }

  /** The whole tree with open documents on top: what "audit workspace" and the status count use. */
  auditAll(options: AuditOptions, model: FsdaxModel | undefined, open: ReadonlyMap<string, ParsedFile>): AuditResult {
    const paths = [...new Set([...this.files.keys(), ...[...open.keys()].filter((p) => this.inScope(p))])].sort();
    const parsed = paths.map((p) => open.get(p) ?? this.files.get(p)!);
    this.lastFullAudit = auditParsed(parsed, options, model);
    return this.lastFullAudit;
  }

  private ensureNameMaps(): void {
    if (this.definers && this.callers) return;
    const definers = new Map<string, string[]>();
    const callers = new Map<string, string[]>();
    const add = (m: Map<string, string[]>, k: string, v: string) => { const l = m.get(k); if (l) l.push(v); else m.set(k, [v]); };
    for (const [file, names] of this.names) {
      for (const d of names.defines) add(definers, d, file);
      for (const c of names.calls) add(callers, c, file);
    }
    this.definers = definers;
    this.callers = callers;
  }
}

function namesOf(file: ParsedFile): FileNames {
  const defines = [...new Set(collectFunctions(file).filter((u) => !u.isStatic).map((u) => u.name))];
  const calls = new Set<string>();
  for (const call of file.tree.rootNode.descendantsOfType('call_expression')) {
    const name = calleeName(call);
    if (name) calls.add(name);
  }
  return { defines, calls: [...calls] };
}
