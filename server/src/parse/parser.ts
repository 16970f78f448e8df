// parse layer: bytes -> tree-sitter tree + SourceView + problems.
// Knows nothing of LSP, rules or the file system; never throws on input.
import Parser = require('tree-sitter');
import CLanguage = require('tree-sitter-c');
import { createSourceView, SourceView } from './source-view';
import { changedSpan } from './changed-span';
import { MAX_FILE_BYTES, readSourceBytes } from './source-bytes';

export { MAX_FILE_BYTES, readSourceBytes } from './source-bytes';
import { MacroRewrite, ParseProblem, PreprocessState, preprocessIncremental, preprocessKernelC } from './preprocess';

export type { MacroRewrite, ParseProblem } from './preprocess';
export type SyntaxNode = Parser.SyntaxNode;
export type Tree = Parser.Tree;

/** A file read and preprocessed, not (or not wholly) parsed: what the definitions of a file are parsed from one by one (parseDefinition). */
export interface PreprocessedFile {
  readonly path: string;
  readonly view: SourceView;
  /** The text tree-sitter sees: same length and line breaks as view.text, with inactive #if branches and annotations blanked. */
  readonly parsedText: string;
  readonly problems: readonly ParseProblem[];
  /** Macro invocations rewritten for the parser (iterator loops, SYSCALL_DEFINE), by offset. */
  readonly rewrites: readonly MacroRewrite[];
}

export interface ParsedFile extends PreprocessedFile {
  readonly tree: Tree;
  /** Kept by reparseSource (and parseSource with keepPreprocessState): the next reparse preprocesses only what changed. */
  readonly preprocessState?: PreprocessState;
  /** Unique per parse: what `edit.base` refers to. */
  readonly serial?: number;
  /** Set by reparseSource: how this version's parsed text differs from version `base`'s. */
  readonly edit?: ReparseEdit;
}

/**
 * An incremental reparse's change: parsed text [start, oldEnd) of the base became
 * [start, newEnd); `changed` are the ranges (new offsets) where tree-sitter says
 * the syntax changed. A top-level node outside all of them is the base's node, moved.
 */
export interface ReparseEdit {
  base: number;
  start: number;
  oldEnd: number;
  newEnd: number;
  changed: ReadonlyArray<{ startIndex: number; endIndex: number }>;
}

let serials = 0;

export interface ParseOptions {
  /** Files larger than this are not parsed (a problem is reported). Default 16 MiB. */
  maxBytes?: number;
  /** Keep what an incremental reparse needs (an editor's document; costs about two copies of the text). */
  keepPreprocessState?: boolean;
}

const DEFAULT_MAX_BYTES = MAX_FILE_BYTES;
let sharedParser: Parser | undefined;

function parser(): Parser {
  if (!sharedParser) {
    sharedParser = new Parser();
    sharedParser.setLanguage(CLanguage as unknown as Parser.Language);
    rememberNodeStructure(sharedParser);
  }
  return sharedParser;
}

/**
 * NOTE: node tree-sitter 0.22.4 answers every node property with a call into the native binding
 * (the analysis asks the same node's type and children many times, a third of a cold audit's
 * time), and its `nodeSubclass.prototype.type = typeName` is silently dropped (the base class has
 * a getter only). What cannot change for a node of one tree is kept: the type on its class (one
 * class per type id), and with keepNodeStructure() on its wrapper its children, named children,
 * parent and field children, and its positions while no reparse has edited its tree. Can go when
 * the binding stops crossing into C++ for these.
 */
let keepStructure = false;

/**
 * Nodes keep their children, parent, field children and positions from now on (see
 * rememberNodeStructure): a third of a cold audit's time, for memory that lives as long as the
 * trees. The CLI asks for it; the language server, which holds trees of open documents and
 * re-analyses a few functions per edit, does not (it kept 100 MiB more in `npm run bench:lsp`).
 * Node objects are no longer registered either (dropNodeRegistration).
 */
export function keepNodeStructure(): void {
  keepStructure = true;
  dropNodeRegistration();
}

/**
 * The binding no longer registers each node object it makes with its tree. A registration is a
 * weak reference with a finalizer (1-2 µs to make, and V8 walks it and runs its callback in the next
 * scavenge: 2-3 ms of an editor's 4-10 ms scavenges), kept so that `tree.edit()` can move the node
 * objects of an edited tree and so that a node reached again while its object lives comes as the
 * same object. Neither is needed here:
 * - nothing compares node objects (node ids where it must: cfg.ts; an ARCHITECTURE.md invariant);
 * - no node object is read past its tree's edit. An edit replaces the file's functions, their nodes
 *   and their prepared CFGs (program.ts fileChanged); the functions it moved find their nodes in the
 *   new tree (functions.ts collectAfterEdit). test/unit/incremental.test.ts compares every random
 *   edit with a cold run.
 * Both front-ends ask for it: 205k registrations in a 6.12 `mm/`+`fs/` audit, about 140 per edit in
 * the language server (docs/performance.md).
 */
export function dropNodeRegistration(): void {
  const tree = (Parser as unknown as { Tree: { prototype: { _cacheNode?: unknown; _cacheNodes?: unknown } } }).Tree.prototype;
  tree._cacheNode = () => undefined;
  tree._cacheNodes = () => undefined;
}

/** What a node object remembers (rememberNodeStructure): children, named children, parent, field children, positions. */
type Kept = { __c?: unknown; __nc?: unknown; __p?: unknown; __f?: Record<string, unknown>; __s?: number; __e?: number };

/** The node objects that remember something until the withNodeMemo() in progress ends; undefined outside one. */
let memo: Kept[] | undefined;

/**
 * Runs `work` with node objects remembering their structure and positions until it returns, then
 * forgetting it: what keepNodeStructure() keeps for good, kept for one piece of work, so a language
 * server that holds trees stays lean. No tree is edited during it (the work is synchronous), so
 * positions hold. Nested calls join the outer one.
 */
export function withNodeMemo<T>(work: () => T): T {
  if (keepStructure || memo) return work();
  const kept: Kept[] = (memo = []);
  try {
    return work();
  } finally {
    memo = undefined;
    for (const n of kept) n.__c = n.__nc = n.__p = n.__f = n.__s = n.__e = undefined;
  }
}

/**
 * A node's answer for `key`: kept for good (keepNodeStructure), kept until the withNodeMemo() in
 * progress ends, or else asked of the binding every time. `ask` is the binding's getter.
 */
function remembered<K extends keyof Kept>(node: Kept, key: K, ask: (this: Kept) => unknown): Kept[K] {
  if (!keepStructure && !memo) return ask.call(node) as Kept[K];
  let value = node[key];
  if (value === undefined) {
    value = node[key] = ask.call(node) as Kept[K];
    if (!keepStructure) memo!.push(node);
  }
  return value;
}

/** A fresh map of a node's field children (what childForFieldName keeps). */
function noFields(): Record<string, unknown> {
  return {};
}

function rememberNodeStructure(p: Parser): void {
  const sample = p.parse('int x;').rootNode;
  const base = Object.getPrototypeOf(Object.getPrototypeOf(sample)) as Record<string, unknown>;
  if (base.constructor?.name !== 'SyntaxNode' || (base as { __remembered?: boolean }).__remembered) return;
  const getter = (name: string) => Object.getOwnPropertyDescriptor(base, name)?.get;
  const type = getter('type');
  const children = getter('children');
  const namedChildren = getter('namedChildren');
  const parent = getter('parent');
  const childForFieldName = base.childForFieldName as ((this: object, name: string) => unknown) | undefined;
  if (!type || !children || !namedChildren || !parent || !childForFieldName) return;
  Object.defineProperty(base, '__remembered', { value: true });
  Object.defineProperty(base, 'type', {
    configurable: true,
    get(this: object) {
      const t = type.call(this) as string;
      const proto = Object.getPrototypeOf(this) as object;
      // A subclass is one node type id of the grammar: its type is its nodes' type.
      if (proto !== base) Object.defineProperty(proto, 'type', { value: t, configurable: true });
      return t;
    },
  });
  // The rest is kept per node object only with keepNodeStructure() (for as long as the tree lives) or
  // inside a withNodeMemo() (until it ends): an editor's server stays lean without either.
  // Positions too, but never for good in a tree a reparse has edited (an edit moves them in place).
  for (const [name, key] of [['startIndex', '__s'], ['endIndex', '__e']] as const) {
    const position = getter(name);
    if (!position) continue;
    Object.defineProperty(base, name, {
      configurable: true,
      get(this: Kept & { tree: Tree }) {
        if (keepStructure && editedTrees.has(this.tree)) return position.call(this);
        return remembered(this, key, position);
      },
    });
  }
  Object.defineProperty(base, 'children', { configurable: true, get(this: Kept) { return remembered(this, '__c', children); } });
  Object.defineProperty(base, 'namedChildren', { configurable: true, get(this: Kept) { return remembered(this, '__nc', namedChildren); } });
  Object.defineProperty(base, 'parent', { configurable: true, get(this: Kept) { return remembered(this, '__p', parent); } });
  Object.defineProperty(base, 'childForFieldName', {
    configurable: true,
    value(this: Kept, name: string) {
      if (!keepStructure && !memo) return childForFieldName.call(this, name);
      const kept = remembered(this, '__f', noFields)!;
      return name in kept ? kept[name] : (kept[name] = childForFieldName.call(this, name));
    },
  });
}

export function cLanguage(): Parser.Language {
  return CLanguage as unknown as Parser.Language;
}

/** NOTE: node tree-sitter needs an explicit buffer size for inputs over 32 KiB (0.22.4). */
function parseText(text: string, oldTree?: Tree): Tree {
  return parser().parse(text, oldTree, { bufferSize: Math.max(64 * 1024, text.length * 2 + 1024) });
}

export function parseSource(path: string, input: Uint8Array | string, options: ParseOptions = {}): ParsedFile {
  const { file, state } = preprocessFile(path, input, options);
  return { ...file, tree: parseText(file.parsedText), preprocessState: state, serial: ++serials };
}

/** Parses a file preprocessSource read: what parseSource of the same input gives. */
export function parsePreprocessed(file: PreprocessedFile): ParsedFile {
  return { ...file, tree: parseText(file.parsedText), serial: ++serials };
}

/** Reads and preprocesses a file as parseSource does, without parsing it. */
export function preprocessSource(path: string, input: Uint8Array | string, options: ParseOptions = {}): PreprocessedFile {
  return preprocessFile(path, input, options).file;
}

function preprocessFile(path: string, input: Uint8Array | string, options: ParseOptions): { file: PreprocessedFile; state?: PreprocessState } {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  let text: string;
  let isUtf8 = true;
  let problems: ParseProblem[] = [];
  if (typeof input === 'string') {
    text = input;
    if (text.length > maxBytes) {
      problems.push({ kind: 'too-large', message: `document is ${text.length} characters, over the ${maxBytes} limit; not analysed`, offset: 0 });
      text = '';
    }
  } else {
    ({ text, isUtf8, problems } = readSourceBytes(input, maxBytes));
  }
  const view = createSourceView(text, isUtf8);
  const pre = preprocessKernelC(text, { keepState: options.keepPreprocessState });
  problems.push(...pre.problems);
  return { file: { path, view, parsedText: pre.text, problems, rewrites: pre.rewrites }, state: pre.state };
}

/** The tree of a file's skeleton (outline.ts): its top-level declarations and definitions, bodies left out. */
export function parseSkeleton(skeleton: string): Tree {
  return parseText(skeleton);
}

/**
 * The definition at [start, end) of a preprocessed file, parsed alone (tree-sitter's included
 * ranges: offsets and positions are the file's); undefined when the range does not parse to
 * exactly one function definition spanning it.
 */
export function parseDefinition(file: PreprocessedFile, start: number, end: number): SyntaxNode | undefined {
  const from = file.view.positionAt(start);
  const to = file.view.positionAt(end);
  const tree = parser().parse(file.parsedText, undefined, {
    bufferSize: (end - start) * 2 + 1024,
    includedRanges: [{ startIndex: start, endIndex: end, startPosition: toPoint(from), endPosition: toPoint(to) }],
  });
  const root = tree.rootNode;
  const only = root.namedChildCount === 1 ? root.namedChild(0) : null;
  return only && only.type === 'function_definition' && only.startIndex === start && only.endIndex === end ? only : undefined;
}

/**
 * Trees already edited by a reparse. tree.edit() mutates the tree and node
 * tree-sitter 0.22 has no Tree.copy(), so a second reparse from the same
 * previous ParsedFile (an editor retrying a version, two edits raced) would
 * edit it twice and reuse subtrees at wrong offsets: a tree that does not
 * match the text (found by npm run fuzz). Such a previous gets a full parse.
 */
const editedTrees = new WeakSet<Tree>();

/**
 * Incremental reparse: the new document is preprocessed incrementally (only the
 * segments the change touches; preprocessIncremental), the changed span of the
 * parsed text is found (common prefix and suffix), the old tree is edited by that
 * span and handed back to tree-sitter so unchanged subtrees are reused.
 * The old tree is edited in place: keep the returned ParsedFile, not `previous`.
 */
export function reparseSource(previous: ParsedFile, newText: string, options: ParseOptions = {}): ParsedFile {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (newText.length > maxBytes || previous.problems.some((p) => p.kind === 'too-large' || p.kind === 'binary') || editedTrees.has(previous.tree)) {
    return parseSource(previous.path, newText, { ...options, keepPreprocessState: true });
  }
  editedTrees.add(previous.tree);
  const view = createSourceView(newText, true);
  const pre = preprocessIncremental(previous.preprocessState, newText, { keepState: true });
  const oldText = previous.parsedText;
  const newParsed = pre.text;
  const { start, oldEnd, newEnd } = changedSpan(oldText, newParsed);
  const oldView = previous.view;
  const tree = previous.tree;
  tree.edit({
    startIndex: start,
    oldEndIndex: oldEnd,
    newEndIndex: newEnd,
    startPosition: toPoint(oldView.positionAt(start)),
    oldEndPosition: toPoint(oldView.positionAt(oldEnd)),
    newEndPosition: toPoint(view.positionAt(newEnd)),
  });
  let newTree = parseText(newParsed, tree);
  const changed = tree.getChangedRanges(newTree);
  // tree-sitter's error recovery can end differently when it resumes from an old tree, also in
  // top-level nodes after the edit that it did not report changed (found by test/unit/incremental.test.ts).
  let edit: ReparseEdit | undefined = previous.serial === undefined ? undefined : { base: previous.serial, start, oldEnd, newEnd, changed };
  if (newTree.rootNode.hasError && errorNearEdit(newTree, Math.min(start, ...changed.map((r) => r.startIndex)), Math.max(newEnd, ...changed.map((r) => r.endIndex)))) {
    newTree = parseText(newParsed);
    edit = undefined;
  }
  return { path: previous.path, view, parsedText: newParsed, tree: newTree, problems: pre.problems, rewrites: pre.rewrites, preprocessState: pre.state, serial: ++serials, edit };
}

/**
 * Whether a top-level node with an ERROR or MISSING node in it lies where the
 * incremental parse may have recovered differently: from the change on, up to the
 * first error-free top-level node wholly after it (past it the parser is back in
 * the state a fresh parse is in). Errors before the change are the old tree's.
 */
function errorNearEdit(newTree: Tree, from: number, to: number): boolean {
  const cursor = newTree.walk();
  if (!cursor.gotoFirstChild()) return true;
  do {
    if (cursor.endIndex < from) continue;
    const node = cursor.currentNode;
    const broken = node.hasError || node.isMissing;
    if (broken) return true;
    if (cursor.startIndex >= to) return false;
  } while (cursor.gotoNextSibling());
  return false;
}

function toPoint(p: { line: number; character: number }): Parser.Point {
  return { row: p.line, column: p.character };
}


/** Counts ERROR and MISSING nodes: the parse problems a report shows. */
export function collectSyntaxErrors(tree: Tree, limit = 50): ParseProblem[] {
  const out: ParseProblem[] = [];
  const cursor = tree.walk();
  let visitedChildren = false;
  for (;;) {
    const node = cursor.currentNode;
    if (!visitedChildren && (node.type === 'ERROR' || node.isMissing)) {
      if (out.length < limit) out.push({ kind: 'syntax', message: node.isMissing ? `missing ${node.type}` : 'syntax error', offset: node.startIndex });
      visitedChildren = true;
    }
    if (!visitedChildren && node.hasError && cursor.gotoFirstChild()) continue;
    if (cursor.gotoNextSibling()) { visitedChildren = false; continue; }
    if (!cursor.gotoParent()) break;
    visitedChildren = true;
  }
  return out;
}
