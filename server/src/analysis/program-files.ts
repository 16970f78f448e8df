// analysis layer: the files of one audit, parsed lazily. A whole-tree scan
// needs the trees of only the files whose functions can see a maybe-FS-DAX
// value (a few percent of mm/+fs/); the rest are pre-scanned for the names they
// call and define (name-index.ts), never parsed, and their text is not kept.
// Pure: file contents come in from the front-end.
import { parseDefinition, type ParsedFile, type PreprocessedFile, type SyntaxNode } from '../parse/parser';
import { callAliasIn, macroBodyCalls, MAX_FORWARD_DEPTH, sameForward, type CallAlias } from './call-alias';
import { collectFunctions, collectOutlined, definitionNodesByKey, FunctionUnit } from './functions';
import { isHeaderPath, LinkScope } from './link-scope';
import { NameIndex } from './name-index';
import { scanText, type NameScan } from './name-scan';

/**
 * A definition the file's skeleton has that neither its own parse nor the whole file's gives as a
 * function definition: a syntax error in it that tree-sitter recovers from otherwise (the analysis
 * says the function was not analysed: an `unparsed` problem).
 */
export class UnparsedDefinition extends Error {
  constructor() {
    super('not analysed: tree-sitter parses no function definition here (a syntax error in it)');
  }
}

export interface ProgramFile {
  path: string;
  /** Set when the file was parsed up front (the LSP's open documents). */
  parsed?: ParsedFile;
  /** Parses on demand; called again only after `release`. */
  parse: () => ParsedFile;
  /**
   * Reads and preprocesses on demand without parsing (kept by the front-end past `release`): the
   * file's definitions are then read from its skeleton and parsed one by one (collectOutlined).
   * Absent: the file is parsed whole.
   */
  prepare?: () => PreprocessedFile;
  /** The decoded text, without parsing it (read again when not kept); absent: the parse's. */
  text?: () => string;
  /** Drops the caller's cached tree so memory can be reclaimed; absent for pinned files (open documents). */
  release?: () => void;
  /** The pre-scan's names of the file (prescan.ts); nothing for files the parse layer refuses (binary, too large). */
  names: NameScan;
}

/** Parsed trees kept at once. A whole-kernel scan parses thousands of files; trees are ~10x their text. */
export const DEFAULT_LIVE_TREES = 300;

export class ProgramFiles {
  /** The files, without their names (the index has them: a whole kernel's scans would be 70 MB more). */
  private readonly byPath = new Map<string, Omit<ProgramFile, 'names'>>();
  private readonly unitsByPath = new Map<string, FunctionUnit[]>();
  private readonly unitsByName = new Map<string, FunctionUnit[]>();
  /** name -> the forwarding macros found to call it, with the files they were read from (macrosForwardingTo). */
  private readonly forwardersOf = new Map<string, { names: string[]; paths: string[] }>();
  /** path -> what its macros' bodies call (macroBodyCalls), read once per file the callers search visits. */
  private readonly bodyCallsByPath = new Map<string, Map<string, string[]>>();
  /** path -> the call aliases asked of it so far, by macro name (null: that macro is no forward). */
  private readonly aliasesByPath = new Map<string, Map<string, CallAlias | null>>();
  /** What each file calls and may define (functions, function-like macros), by name: what the search and the binding ask instead of the texts. */
  private readonly names = new NameIndex();
  private readonly reindexed = new Map<string, Set<string>>();
  private parsedCount = 0;
  private sortedPaths?: string[];
  /** Paths whose tree is held, least recently used first. */
  private readonly live = new Map<string, true>();
  /** The path touch() saw last (nodes of one file are read in runs: no reordering for each). */
  private lastTouched?: string;
  /** unit key -> its definition node, while the file's tree is held. */
  private readonly nodes = new Map<string, SyntaxNode>();
  private readonly evictListeners: Array<(path: string) => void> = [];
  /** The units last collected per path, with the parse they came from: an incremental reparse of it reuses them. */
  private readonly collected = new Map<string, { serial: number; units: FunctionUnit[] }>();

  constructor(files: readonly ProgramFile[], private readonly maxLiveTrees = DEFAULT_LIVE_TREES, private readonly scope = new LinkScope()) {
    for (const f of files) this.add(f);
  }

  /** Called when a file's tree is released, so caches holding its nodes (CFGs) drop them too. */
  onEvict(listener: (path: string) => void): void {
    this.evictListeners.push(listener);
  }

  private touch(path: string): void {
    if (this.lastTouched === path) return;
    this.lastTouched = path;
    this.live.delete(path);
    this.live.set(path, true);
    for (const victim of this.live.keys()) {
      if (this.live.size <= this.maxLiveTrees) break;
      const file = this.byPath.get(victim);
      if (!file?.release || victim === path) continue;
      this.live.delete(victim);
      file.release();
      for (const u of this.unitsByPath.get(victim) ?? []) this.nodes.delete(u.key);
      for (const l of this.evictListeners) l(victim);
    }
  }

  /**
   * Gives each unit a `node` that survives its tree being released: read after a
   * release, it parses the file again and finds the same definition by offset.
   * Nodes are held here, not by the units, so a release really frees the tree.
   */
  private attachNodes(path: string, units: FunctionUnit[], withNodes = true): void {
    for (const u of units) {
      if (withNodes) this.nodes.set(u.key, u.node);
      Object.defineProperty(u, 'node', {
        enumerable: true,
        get: () => {
          let node = this.nodes.get(u.key);
          if (!node) {
            node = this.definitionNode(path, u);
            this.nodes.set(u.key, node);
          }
          // Least recently used, not least recently parsed: a header whose inlines every analysis
          // reads (mm.h) stays while files parsed once for a single function go.
          this.touch(path);
          return node;
        },
      });
    }
  }

  /**
   * A unit's definition node when its tree is not held: the definition parsed alone when the file
   * can be read so (prepare) and it parses cleanly so; otherwise the whole file is parsed, as a
   * definition with an error in it may recover otherwise there. A definition the whole file's
   * parse does not have (its error recovery ran past the definition's braces, which the skeleton
   * took as its extent) is the one parsed alone.
   */
  private definitionNode(path: string, u: FunctionUnit): SyntaxNode {
    const file = this.byPath.get(path);
    if (!file) throw new Error(`internal: ${u.key} asked for after ${path} was removed`);
    const alone = file.prepare && !file.parsed ? parseDefinition(file.prepare(), u.start, u.end) : undefined;
    if (alone && !alone.hasError) return alone;
    const whole = file.parse();
    for (const [key, again] of definitionNodesByKey(whole)) this.nodes.set(key, again);
    const node = this.nodes.get(u.key) ?? alone;
    if (node) return node;
    // The skeleton took these braces for a definition, and no parse makes one of them: a syntax error inside.
    if (file.prepare && whole.tree.rootNode.hasError) throw new UnparsedDefinition();
    throw new Error(`internal: ${u.key} not found after reparsing ${path}`);
  }

  /** Paths whose text has a suppression comment, kept as files come and go (asked on every audit). */
  readonly withSuppressions = new Set<string>();

  private add(f: ProgramFile): void {
    const names = f.names;
    // Not the names: the index holds them (an object spread here was a tenth of taking a tree in).
    this.byPath.set(f.path, { path: f.path, parsed: f.parsed, parse: f.parse, prepare: f.prepare, text: f.text, release: f.release });
    this.names.set(f.path, names);
    if (names.hasSuppressions) this.withSuppressions.add(f.path);
  }

  /**
   * Replaces (or adds, or with undefined removes) a file; returns the functions it
   * had, so the analysis can forget them. The new version is parsed on demand.
   */
  replace(path: string, file: ProgramFile | undefined): FunctionUnit[] {
    const removed = this.unitsByPath.get(path) ?? [];
    if (this.unitsByPath.delete(path)) this.parsedCount--;
    for (const u of removed) {
      const list = this.unitsByName.get(u.name);
      if (list) this.unitsByName.set(u.name, list.filter((x) => x !== u));
    }
    const before = new Set(this.names.definedIn(path));
    this.aliasesByPath.delete(path);
    // Which macros forward to a name may change with this file (a forward added or removed).
    if (this.names.hasMacros(path) || file?.names.macros.length) this.forwardersOf.clear();
    this.bodyCallsByPath.delete(path);
    this.names.remove(path);
    this.withSuppressions.delete(path);
    const had = this.byPath.delete(path);
    this.live.delete(path);
    if (this.lastTouched === path) this.lastTouched = undefined;
    for (const u of removed) this.nodes.delete(u.key);
    // The sorted paths stand while the set of paths does (an edit replaces a file).
    if (had !== !!file) this.sortedPaths = undefined;
    if (file) this.add(file);
    // The names it defines now, made once and only when asked (a first read's files ask for none).
    let defined: string[] | undefined;
    const definedNow = () => (defined ??= this.names.definedIn(path));
    this.forgetBindings(path, () => [...removed.map((u) => u.name), ...definedNow()]);
    // A file new to the audit (every file of a first read) changed its index by all its names: not stored.
    if (before.size === 0) this.reindexed.delete(path);
    else {
      const after = new Set(definedNow());
      this.reindexed.set(path, new Set([...before].filter((n) => !after.has(n)).concat([...after].filter((n) => !before.has(n)))));
    }
    return removed;
  }

  /** Names the last replace() of `path` added to or removed from its pre-scan index: calls from other files bind differently. */
  indexChanged(path: string): ReadonlySet<string> {
    return this.reindexed.get(path) ?? new Set(this.names.definedIn(path));
  }

  /** Drops the cached bindings a changed file can affect: calls from it, and calls of names it defined or defines. */
  private forgetBindings(path: string, namesOf: () => string[]): void {
    // Nothing bound yet (the files of a first read): nothing to forget, and no one counts from an epoch.
    if (!this.everResolved) return;
    const names = namesOf();
    this.resolved.delete(path);
    // Only the files that bound these names: an edit's bookkeeping stays proportional to the edited file.
    for (const name of names) {
      for (const from of this.resolvedFrom.get(name) ?? []) this.resolved.get(from)?.delete(name);
      this.resolvedFrom.delete(name);
    }
    this.forgotten.push({ path, names: new Set(names) });
    if (this.forgotten.length > 512) { this.forgotten.splice(0, 256); this.forgottenBase += 256; }
  }

  /** What each forgetBindings dropped, in order (numbered from forgottenBase): a cache of bindings (site-cache.ts) is checked against it. */
  private readonly forgotten: Array<{ path: string; names: ReadonlySet<string> }> = [];
  private forgottenBase = 0;

  /** Bindings dropped so far: what bindingsChangedSince() counts from. */
  get bindingEpoch(): number {
    return this.forgottenBase + this.forgotten.length;
  }

  /** What forgetBindings dropped since `epoch` (calls from `path`, and calls of `names` from anywhere); undefined when that is no longer known. */
  bindingsDroppedSince(epoch: number): ReadonlyArray<{ path: string; names: ReadonlySet<string> }> | undefined {
    return epoch < this.forgottenBase ? undefined : this.forgotten.slice(epoch - this.forgottenBase);
  }

  /** Whether a call from `file` to one of `names` may bind otherwise now than at `epoch` (its binding was dropped since). */
  bindingsChangedSince(epoch: number, file: string, names: ReadonlySet<string>): boolean {
    if (epoch < this.forgottenBase) return true;
    for (let e = epoch - this.forgottenBase; e < this.forgotten.length; e++) {
      const dropped = this.forgotten[e];
      if (dropped.path === file) return true;
      for (const n of names) if (dropped.names.has(n)) return true;
    }
    return false;
  }

  /** Whether the front-end handed this file over parsed whole (an editor's open document). */
  isPinned(path: string): boolean {
    return !!this.byPath.get(path)?.parsed;
  }

  /** Whether the audit has this file (an edit's bookkeeping asks this instead of building a set of every path). */
  has(path: string): boolean {
    return this.byPath.has(path);
  }

  /** Sorted, so every walk over the files is deterministic whatever order they came in. */
  get paths(): string[] {
    this.sortedPaths ??= [...this.byPath.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return this.sortedPaths;
  }

  get parsedFiles(): number {
    return this.parsedCount;
  }

  get knownFunctions(): number {
    let n = 0;
    for (const list of this.unitsByPath.values()) n += list.length;
    return n;
  }

  /** The functions defined in a file, parsing it the first time it is asked for. */
  functionsIn(path: string): FunctionUnit[] {
    const known = this.unitsByPath.get(path);
    if (known) return known;
    const file = this.byPath.get(path);
    // A file the front-end did not parse is read from its skeleton when it can be (no tree kept: nodes are parsed one by one).
    const outlined = file && !file.parsed && file.prepare ? collectOutlined(file.prepare()) : undefined;
    let units = outlined;
    if (!units) {
      const parsed = file && (file.parsed ?? file.parse());
      const last = this.collected.get(path);
      units = parsed ? collectFunctions(parsed, parsed.edit && last?.serial === parsed.edit.base ? last.units : undefined) : [];
      if (parsed?.serial !== undefined && file?.parsed) this.collected.set(path, { serial: parsed.serial, units }); else this.collected.delete(path);
    } else this.collected.delete(path);
    if (file) {
      this.parsedCount++;
      this.attachNodes(path, units, !outlined);
      this.touch(path);
    }
    this.unitsByPath.set(path, units);
    for (const u of units) {
      const list = this.unitsByName.get(u.name);
      if (list) list.push(u); else this.unitsByName.set(u.name, [u]);
    }
    return units;
  }

  /** The files whose functions are known (parsed, or restored), with their functions: what a snapshot keeps. */
  knownUnits(): Array<[string, FunctionUnit[]]> {
    return [...this.unitsByPath];
  }

  /**
   * Takes a file's functions as a snapshot kept them (session-snapshot.ts) instead of parsing it:
   * the file counts as parsed, and a unit's node and parsed text are got by parsing it when first
   * read. The file's content must be what the units were collected from.
   */
  restoreUnits(path: string, units: FunctionUnit[]): void {
    const file = this.byPath.get(path);
    if (this.unitsByPath.has(path) || !file) throw new Error(`internal: ${path} restored twice or not set`);
    const parsedTexts = new Map<string, string>();
    // Parsed from the content they came from: an edit may replace the file before (or while) the old units are compared with the new.
    const parsedOf = (u: FunctionUnit) => {
      if (file.prepare && !file.parsed) return file.prepare().parsedText.slice(u.start, u.end);
      let text = parsedTexts.get(u.key);
      if (text === undefined) {
        const current = this.byPath.get(path) === file;
        for (const again of collectFunctions(file.parse())) { parsedTexts.set(again.key, again.parsed); if (current) this.nodes.set(again.key, again.node); }
        if (current) this.touch(path);
        text = parsedTexts.get(u.key);
        if (text === undefined) throw new Error(`internal: ${u.key} not found after parsing ${path}`);
      }
      return text;
    };
    for (const u of units) Object.defineProperty(u, 'parsed', { enumerable: true, get: () => parsedOf(u) });
    this.parsedCount++;
    this.attachNodes(path, units, false);
    this.unitsByPath.set(path, units);
    for (const u of units) {
      const list = this.unitsByName.get(u.name);
      if (list) list.push(u); else this.unitsByName.set(u.name, [u]);
    }
  }

  /** Whether a file's functions are known (parsed, or restored from a snapshot) in its current version. */
  isParsed(path: string): boolean {
    return this.unitsByPath.has(path);
  }

  /** The names the pre-scan takes a file to define. */
  definedIn(path: string): string[] {
    return this.names.definedIn(path);
  }

  /** What a file defined by the pre-scan before its last change, when its previous version was not set here (a snapshot's). */
  setIndexedBefore(path: string, names: readonly string[]): void {
    const before = new Set(names);
    const after = new Set(this.names.definedIn(path));
    this.reindexed.set(path, new Set([...before].filter((n) => !after.has(n)).concat([...after].filter((n) => !before.has(n)))));
  }

  /** Whether a call in `from` can bind to a definition in `to` (link-scope.ts). */
  linkable(from: string, to: string): boolean {
    return this.scope.linkable(from, to);
  }

  /**
   * Files whose text calls any of `names` (`\bNAME\s*\(` anywhere, comments included), in path
   * order: for seeding the analysis and finding callers. Names are ASCII identifiers.
   */
  filesCalling(names: readonly string[]): string[] {
    return this.names.filesCalling(names);
  }

  /**
   * Binds a call: a static definition in the calling file first, then the
   * non-static definitions of the files it can be linked with (parsing the files
   * that may hold them).
   */
  resolve(name: string, fromFile: string): FunctionUnit[] {
    this.everResolved = true;
    let byName = this.resolved.get(fromFile);
    if (!byName) { byName = new Map(); this.resolved.set(fromFile, byName); }
    let hit = byName.get(name);
    if (!hit) {
      hit = this.resolveUncached(name, fromFile);
      byName.set(name, hit);
      const from = this.resolvedFrom.get(name);
      if (from) from.add(fromFile); else this.resolvedFrom.set(name, new Set([fromFile]));
    }
    return hit;
  }

  /**
   * Per list of a file's functions (a new version of the file is a new list), its first static
   * function of each name: what a call from that file binds to before anything else. An editor
   * binds every call of the edited file's analysed functions again on each edit; scanning the file's
   * functions for each was most of that (0.26 ms of an edit of gup.c).
   */
  private readonly staticsByList = new WeakMap<readonly FunctionUnit[], Map<string, FunctionUnit>>();

  private firstStatic(path: string, name: string): FunctionUnit | undefined {
    const units = this.functionsIn(path);
    let byName = this.staticsByList.get(units);
    if (!byName) {
      byName = new Map();
      for (const u of units) if (u.isStatic && !byName.has(u.name)) byName.set(u.name, u);
      this.staticsByList.set(units, byName);
    }
    return byName.get(name);
  }

  /** Whether resolve() has run: until then there are no bindings to forget. */
  private everResolved = false;

  /** Bindings already computed, by calling file then name; replace() forgets those a changed file can affect. */
  private readonly resolved = new Map<string, Map<string, FunctionUnit[]>>();
  /** name -> the calling files whose bindings of it `resolved` may hold (a superset: a file's whole map may be gone). */
  private readonly resolvedFrom = new Map<string, Set<string>>();

  /**
   * The forwarding macro a call of `name` from `fromFile` expands to (call-alias.ts), when no
   * function of that name binds: the calling file's own `#define`, else a header's that every
   * definition the call can see agrees on. Reads the defining files' texts, not their trees.
   */
  callAlias(name: string, fromFile: string): CallAlias | undefined {
    const sites = this.names.filesDefiningMacro(name);
    if (sites.length === 0 || this.resolve(name, fromFile).length > 0) return undefined;
    const own = sites.includes(fromFile) ? this.aliasIn(fromFile, name) : undefined;
    if (own !== undefined) return own ?? undefined;
    let found: CallAlias | undefined;
    for (const path of sites) {
      if (path === fromFile || !isHeaderPath(path) || !this.scope.linkable(fromFile, path)) continue;
      const alias = this.aliasIn(path, name);
      // A header that defines it otherwise (another configuration's) leaves the call unknown, as before.
      if (!alias || (found && !sameForward(found, alias))) return undefined;
      found ??= alias;
    }
    return found;
  }

  /**
   * The forwarding macros whose calls are calls of `name`, directly or through other forwards (up
   * to MAX_FORWARD_DEPTH): the callers search asks for the files calling them too. Found among the
   * headers (and `definedIn`, the function's own file) that mention `name(` and define macros,
   * reading only the lines that mention it. A `.c` file's own macro forwarding to another file's
   * function is not looked for: most `.c` files define macros, and reading every one that calls a
   * common name cost seconds on a whole tree.
   */
  macrosForwardingTo(name: string, definedIn?: string): string[] {
    const out: string[] = [];
    let frontier = [name];
    for (let depth = 0; depth < MAX_FORWARD_DEPTH && frontier.length > 0; depth++) {
      const next: string[] = [];
      for (const target of frontier) {
        for (const m of this.directForwardersOf(target, definedIn)) if (m !== name && !out.includes(m)) { out.push(m); next.push(m); }
      }
      frontier = next;
    }
    return out;
  }

  private directForwardersOf(name: string, definedIn?: string): string[] {
    const cacheKey = definedIn && !isHeaderPath(definedIn) ? `${name}\n${definedIn}` : name;
    let known = this.forwardersOf.get(cacheKey);
    if (!known) {
      const names: string[] = [];
      const paths: string[] = [];
      for (const path of this.filesCalling([name])) {
        if (!isHeaderPath(path) && path !== definedIn) continue;
        const file = this.byPath.get(path);
        if (!this.names.hasMacros(path) || !file) continue;
        let bodyCalls = this.bodyCallsByPath.get(path);
        if (!bodyCalls) {
          bodyCalls = macroBodyCalls(textOf(file));
          this.bodyCallsByPath.set(path, bodyCalls);
        }
        for (const m of bodyCalls.get(name) ?? []) {
          if (this.aliasIn(path, m)?.target === name && !names.includes(m)) { names.push(m); paths.push(path); }
        }
      }
      known = { names, paths };
      this.forwardersOf.set(cacheKey, known);
    }
    return known.names;
  }

  /** The macro `name` of `path` as a forward, null when it is not one; undefined when the file no longer has it. */
  private aliasIn(path: string, name: string): CallAlias | null | undefined {
    let byName = this.aliasesByPath.get(path);
    if (!byName) { byName = new Map(); this.aliasesByPath.set(path, byName); }
    if (!byName.has(name)) {
      const file = this.byPath.get(path);
      if (!file) return undefined;
      byName.set(name, callAliasIn(path, textOf(file), name) ?? null);
    }
    return byName.get(name);
  }

  private resolveUncached(name: string, fromFile: string): FunctionUnit[] {
    const local = this.firstStatic(fromFile, name);
    if (local) return [local];
    const sites = this.names.filesDefining(name);
    for (const path of sites) if (this.scope.linkable(fromFile, path)) this.functionsIn(path);
    // Only definitions the pre-scan indexed: a definition the parser recovered elsewhere (inside a
    // broken function) would bind or not depending on whether its file happened to be parsed already.
    // A static function of a header (a static inline) is in every file that includes the header.
    const visible = (u: FunctionUnit) => !u.isStatic || isHeaderPath(u.file);
    return (this.unitsByName.get(name) ?? []).filter((u) => visible(u) && this.scope.linkable(fromFile, u.file) && sites.includes(u.file)).sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.start - b.start));
  }
}

/** A file's decoded text without parsing it when the front-end can give it (ProgramFile.text). */
function textOf(file: Omit<ProgramFile, 'names'>): string {
  return file.text ? file.text() : (file.parsed ?? file.parse()).view.text;
}

/** Adapts already parsed files (tests, the language server's open documents). */
export function programFilesFromParsed(parsed: readonly ParsedFile[]): ProgramFiles {
  return new ProgramFiles(parsed.map((p) => ({ path: p.path, parsed: p, parse: () => p, names: scanText(p.view.text, { staticToo: isHeaderPath(p.path) }) })));
}


