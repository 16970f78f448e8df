// analysis layer: the function definitions of a parsed file, with what the
// dataflow needs of their signatures (names, static-ness, parameter kinds).
import { parseSkeleton, type ParsedFile, type PreprocessedFile, type ReparseEdit, type SyntaxNode } from '../parse/parser';
import { skeletonOf, type Skeleton } from '../parse/outline';
import { functionName, functionParameters, isPageType, isStaticDefinition } from '../parse/nodes';
import type { ValueKind } from './facts';

export interface FunctionParam {
  name: string;
  type: string;
  kind: ValueKind;
  /** Offsets of the declaration (no node: a unit must not keep its tree alive). */
  start: number;
  end: number;
}

export interface FunctionUnit {
  /** Identity, fixed when collected: node offsets move when an editor edits the old tree in place. */
  key: string;
  file: string;
  /** Offsets of the definition when collected (fixed, like key). */
  start: number;
  end: number;
  name: string;
  isStatic: boolean;
  node: SyntaxNode;
  params: FunctionParam[];
  /**
   * The definition's text as the parser saw it (preprocessed; a slice of the file's parsed text).
   * An edit elsewhere can change it without touching the definition's own bytes: an `#if` that now
   * blanks part of it, a macro rewrite reaching into it.
   */
  parsed: string;
  /** Function-like macros of this file that read a page field: `#define OWNER(p) ((p)->mapping)`. */
  fieldMacros?: ReadonlyMap<string, FieldMacro>;
  /**
   * Set by an incremental collection (collectAfterEdit) on a definition outside the edit and every
   * range tree-sitter reported changed: its subtree is the previous version's. Any other unit of a
   * whole-file parse may have parsed otherwise than before with the same text (recovery from an
   * error elsewhere can turn `f(g(x));` into a declaration).
   */
  treeKept?: true;
}

export interface FieldMacro {
  arg: number;
  field: 'mapping' | 'index' | 'share';
  /** `(p)->mapping->host`: the mapping is dereferenced inside the macro. */
  derefField?: string;
}

const FIELD_MACRO_BODY = /^\(*\s*\(?\s*(\w+)\s*\)?\s*->\s*(mapping|index|share)\s*(?:->\s*(\w+))?\s*\)*$/;

/** The file's function-like macros whose whole body is a page field read of one parameter. */
export function collectFieldMacros(file: ParsedFile): Map<string, FieldMacro> {
  const out = new Map<string, FieldMacro>();
  for (const def of file.tree.rootNode.descendantsOfType('preproc_function_def')) {
    const name = def.childForFieldName('name')?.text;
    const params = def.childForFieldName('parameters')?.namedChildren.map((p) => p.text) ?? [];
    const body = def.childForFieldName('value')?.text.trim() ?? '';
    const m = FIELD_MACRO_BODY.exec(body);
    if (!name || !m || !params.includes(m[1])) continue;
    out.set(name, { arg: params.indexOf(m[1]), field: m[2] as FieldMacro['field'], derefField: m[3] });
  }
  return out;
}

/** What a parameter can carry from a caller: a page, a mapping, an index, or (any other scalar) a pfn. */
export function parameterKind(type: string): ValueKind {
  if (isPageType(type) || /struct\s+(page|folio)\s*\*\s*\*/.test(type)) return 'page';
  if (/struct\s+address_space\s*\*/.test(type)) return 'mapping';
  if (/\bpgoff_t\b/.test(type)) return 'index';
  return 'pfn';
}

/**
 * The function definitions of a file. `base`: the units of the version an incremental reparse
 * started from (file.edit.base); then only the definitions in or touching the edit and the
 * ranges tree-sitter reports changed are read from the tree, and every other one is that
 * version's definition moved by the edit (its name, linkage and parameters taken over, offsets
 * moved): the edit's cost does not grow with the file (the root's children are not walked).
 */
export function collectFunctions(file: ParsedFile, base?: readonly FunctionUnit[]): FunctionUnit[] {
  const fieldMacros = hasFieldMacros(file) ? collectFieldMacros(file) : undefined;
  if (base && file.edit) return collectAfterEdit(file, file.edit, base, fieldMacros);
  const out: FunctionUnit[] = [];
  for (const child of definitionNodes(file.tree.rootNode)) {
    const unit = unitOf(file, child, fieldMacros);
    if (unit) out.push(unit);
  }
  return out;
}

/** Function-like macros reading a page field may be defined here (collectFieldMacros reads the tree for them). */
function hasFieldMacros(file: PreprocessedFile): boolean {
  return /#\s*define\s+\w+\([^)]*\)[^\n]*->\s*(?:mapping|index|share)\b/.test(file.parsedText);
}

/**
 * The function definitions of a file read from its skeleton (outline.ts): the units collectFunctions
 * gives, without a node (parseDefinition parses one definition when it is asked for). Undefined
 * when the file must be parsed whole: no skeleton, a skeleton tree-sitter does not parse cleanly,
 * or macros reading page fields, which collectFieldMacros reads off the whole tree.
 */
export function collectOutlined(file: PreprocessedFile): FunctionUnit[] | undefined {
  if (hasFieldMacros(file)) return undefined;
  const skeleton = skeletonOf(file.parsedText);
  if (!skeleton) return undefined;
  const root = parseSkeleton(skeleton.text).rootNode;
  if (root.hasError && !errorsStayApart(root)) return undefined;
  const out: FunctionUnit[] = [];
  for (const child of definitionNodes(root)) {
    const unit = unitOf(file, child, undefined, skeleton);
    if (unit) out.push(unit);
  }
  return out;
}

/**
 * Whether the skeleton's syntax errors are ones the whole file's parse recovers from alike:
 * tree-sitter's recovery reads the tokens around an error, and the skeleton has left out the
 * bodies there. So an error may not be in a definition, hold a left-out body (an initializer's
 * `= {}` is no body), or sit next to a definition unless it ends with its `;`; one inside a
 * preprocessor directive may (a directive is a line of its own). Measured on the mm/ and fs/ of
 * 6.1, 6.12 and 7.2 and the 1,294 files a whole 6.12 audit reads: the definitions read from
 * skeletons are those of the whole files' parses but in 10 files, where an error inside one body
 * made the whole parse end that definition early or lose the ones after it (and, with directives
 * allowed, arch/x86/kernel/fpu/legacy.h of the same kind: the skeleton's are the right ones).
 */
function errorsStayApart(root: SyntaxNode): boolean {
  const visit = (node: SyntaxNode): boolean => {
    const children = node.namedChildren;
    for (let i = 0; i < children.length; i++) {
      const child = children[i];
      if (CONTAINERS.has(child.type) && !visit(child)) return false;
      if (!child.hasError && !child.isMissing && child.type !== 'ERROR') continue;
      if (CONTAINERS.has(child.type)) continue;
      if (child.type === 'function_definition') return false;
      // A directive is a line of its own: recovery inside it stays there, and its braces are no body the skeleton left out (`#define W(x...) do { ... } while (0)`).
      if (DIRECTIVES.has(child.type)) continue;
      // One that ends with its `;` (`static DEFINE_PER_CPU(struct x, y);`) was recovered from before the definition began.
      if ((children[i - 1]?.type === 'function_definition' || children[i + 1]?.type === 'function_definition') && !/;\s*$/.test(child.text)) return false;
      if (/(?:^|[^=\s]\s*)\{/.test(child.text)) return false;
    }
    return true;
  };
  return visit(root);
}

/** `skeleton`: `child` is of the skeleton's tree, whose offsets are not the file's and whose node is no unit's. */
function unitOf(file: PreprocessedFile, child: SyntaxNode, fieldMacros: FunctionUnit['fieldMacros'], skeleton?: Skeleton): FunctionUnit | undefined {
  const name = functionName(child);
  if (!name) return undefined;
  const at = skeleton ? skeleton.toText : (offset: number) => offset;
  const start = at(child.startIndex);
  const end = at(child.endIndex);
  const unit = { key: functionKey(file.path, name, start), file: file.path, start, end, name, isStatic: isStaticDefinition(child), parsed: file.parsedText.slice(start, end), fieldMacros };
  // A definition read from a skeleton is parsed alone when the analysis asks for its node, and most
  // never are (6.12 mm/+fs/: 943 of the 5,459 the CLI reads): its params are read then, from that node.
  if (skeleton) return withParamsFromNode(unit as Omit<FunctionUnit, 'params'>);
  return { ...unit, node: child, params: paramsOf(child) };
}

/** A definition's params, from its node (offsets are the node's: the file's). */
function paramsOf(def: SyntaxNode): FunctionParam[] {
  return functionParameters(def).map((p) => ({ name: p.name, type: p.type, kind: parameterKind(p.type), start: p.node.startIndex, end: p.node.endIndex }));
}

/**
 * `unit` with params read from its own definition node when first asked (then kept as a plain
 * value): for units whose node is parsed on demand (ProgramFiles attaches it), as the analysis asks.
 * paramsRead() tells whether they were, without reading them.
 */
export function withParamsFromNode(unit: Omit<FunctionUnit, 'params'>): FunctionUnit {
  return Object.defineProperty(unit as FunctionUnit, 'params', {
    enumerable: true,
    configurable: true,
    get(this: FunctionUnit) {
      const params = paramsOf(this.node);
      Object.defineProperty(this, 'params', { value: params, enumerable: true, configurable: true, writable: true });
      return params;
    },
  });
}

/** A unit's params if they were read (or given), else undefined: a unit never analysed may not have read them (withParamsFromNode). */
export function paramsRead(u: FunctionUnit): FunctionParam[] | undefined {
  const own = Object.getOwnPropertyDescriptor(u, 'params');
  return own && 'value' in own ? (own.value as FunctionParam[]) : undefined;
}

/**
 * collectFunctions after an incremental reparse. A base unit wholly outside the edit and the
 * changed ranges (touching counts as overlapping: a definition that ends where the edit starts may
 * have been extended by it) is the new tree's definition at its moved offsets; its node is found
 * again only if asked for (ProgramFiles' node getter). The definitions in those ranges are read.
 */
function collectAfterEdit(file: ParsedFile, edit: ReparseEdit, base: readonly FunctionUnit[], fieldMacros: FunctionUnit['fieldMacros']): FunctionUnit[] {
  const delta = edit.newEnd - edit.oldEnd;
  const dirty = [{ startIndex: edit.start, endIndex: edit.newEnd }, ...edit.changed];
  const touches = (start: number, end: number) => dirty.some((r) => start <= r.endIndex && end >= r.startIndex);
  const out: FunctionUnit[] = [];
  const kept = new Set<number>();
  for (const unit of base) {
    // Old offsets: wholly before the edit stays, wholly after it moves; one that overlaps it is read again.
    const shift = unit.end <= edit.start ? 0 : unit.start >= edit.oldEnd ? delta : undefined;
    if (shift === undefined) continue;
    const start = unit.start + shift;
    const end = unit.end + shift;
    if (touches(start, end)) continue;
    const params = shift === 0 ? unit.params : unit.params.map((p) => ({ ...p, start: p.start + shift, end: p.end + shift }));
    out.push({ key: functionKey(file.path, unit.name, start), file: file.path, start, end, name: unit.name, isStatic: unit.isStatic, node: undefined as unknown as SyntaxNode, params, parsed: file.parsedText.slice(start, end), fieldMacros, treeKept: true });
    kept.add(start);
  }
  for (const child of definitionNodesIn(file.tree.rootNode, dirty)) {
    if (kept.has(child.startIndex)) continue;
    const unit = unitOf(file, child, fieldMacros);
    if (unit) { out.push(unit); kept.add(unit.start); }
  }
  return out.sort((a, b) => a.start - b.start);
}

/** A function's identity: its file, name and offset when collected. */
function functionKey(path: string, name: string, start: number): string {
  return `${path}#${name}#${start}`;
}

/** Where definitions collectFunctions reads can sit besides the top level: `#if` blocks and `extern "C"`. */
const CONTAINERS = new Set(['preproc_if', 'preproc_ifdef', 'linkage_specification', 'declaration_list']);
const DIRECTIVES = new Set(['preproc_def', 'preproc_function_def', 'preproc_call', 'preproc_include']);

/** The definitions collectFunctions reads: top level, or inside `#if` blocks and `extern "C"`. */
function definitionNodes(root: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const visit = (node: SyntaxNode) => {
    for (const child of node.namedChildren) {
      if (child.type === 'function_definition') out.push(child);
      else if (CONTAINERS.has(child.type)) visit(child);
    }
  };
  visit(root);
  return out;
}

/**
 * The definition nodes of a file parsed again after its tree was released, by the keys
 * collectFunctions gave its units: only names and offsets are read, not the signatures.
 */
export function definitionNodesByKey(file: ParsedFile): Map<string, SyntaxNode> {
  const out = new Map<string, SyntaxNode>();
  for (const child of definitionNodes(file.tree.rootNode)) {
    const name = functionName(child);
    if (name) out.set(functionKey(file.path, name, child.startIndex), child);
  }
  return out;
}

/** The definitions collectFunctions reads that overlap or touch one of `ranges`, without walking the root's other children. */
function definitionNodesIn(root: SyntaxNode, ranges: ReadonlyArray<{ startIndex: number; endIndex: number }>): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const seen = new Set<number>();
  const take = (node: SyntaxNode) => {
    if (node.type === 'function_definition') { if (!seen.has(node.startIndex)) { seen.add(node.startIndex); out.push(node); } } else if (CONTAINERS.has(node.type)) for (const d of definitionNodes(node)) take(d);
  };
  for (const r of ranges) {
    // The first child that ends at or after the range's start (one ending right before it touches it too).
    let child: SyntaxNode | null = root.firstNamedChildForIndex(Math.max(0, r.startIndex - 1));
    const before = child?.previousNamedSibling;
    if (before && before.endIndex >= r.startIndex) child = before;
    for (; child && child.startIndex <= r.endIndex; child = child.nextNamedSibling) take(child);
  }
  return out;
}
