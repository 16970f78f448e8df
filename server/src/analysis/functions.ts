// analysis layer: the function definitions of a parsed file, with what the
// dataflow needs of their signatures (names, static-ness, parameter kinds).
import type { ParsedFile, ReparseEdit, SyntaxNode } from '../parse/parser';
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
 * The function definitions of a file. `base`: the units of the version an
 * incremental reparse started from (file.edit.base); a top-level definition
 * outside the edit and outside every range tree-sitter reports changed is that
 * version's definition moved by the edit, so its name, linkage and parameters are
 * taken over (with offsets moved) instead of read from the tree again.
 */
export function collectFunctions(file: ParsedFile, base?: readonly FunctionUnit[]): FunctionUnit[] {
  const out: FunctionUnit[] = [];
  const fieldMacros = /#\s*define\s+\w+\([^)]*\)[^\n]*->\s*(?:mapping|index|share)\b/.test(file.parsedText) ? collectFieldMacros(file) : undefined;
  const moved = base && file.edit ? movedUnits(file.edit, base) : undefined;
  for (const child of definitionNodes(file.tree.rootNode)) {
    const reuse = moved?.(child.startIndex, child.endIndex);
    if (reuse) {
      const { delta, unit } = reuse;
      const start = child.startIndex;
      const params = delta === 0 ? unit.params : unit.params.map((p) => ({ ...p, start: p.start + delta, end: p.end + delta }));
      out.push({ key: functionKey(file.path, unit.name, start), file: file.path, start, end: child.endIndex, name: unit.name, isStatic: unit.isStatic, node: child, params, parsed: file.parsedText.slice(start, child.endIndex), fieldMacros });
      continue;
    }
    const name = functionName(child);
    if (!name) continue;
    const params = functionParameters(child).map((p) => ({ name: p.name, type: p.type, kind: parameterKind(p.type), start: p.node.startIndex, end: p.node.endIndex }));
    out.push({ key: functionKey(file.path, name, child.startIndex), file: file.path, start: child.startIndex, end: child.endIndex, name, isStatic: isStaticDefinition(child), node: child, params, parsed: file.parsedText.slice(child.startIndex, child.endIndex), fieldMacros });
  }
  return out;
}

/** A function's identity: its file, name and offset when collected. */
function functionKey(path: string, name: string, start: number): string {
  return `${path}#${name}#${start}`;
}

/** The definitions collectFunctions reads: top level, or inside `#if` blocks and `extern "C"`. */
function definitionNodes(root: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const visit = (node: SyntaxNode) => {
    for (const child of node.namedChildren) {
      if (child.type === 'function_definition') out.push(child);
      else if (child.type === 'preproc_if' || child.type === 'preproc_ifdef' || child.type === 'linkage_specification' || child.type === 'declaration_list') visit(child);
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

/** The base unit a definition at [start, end) of the new tree is, moved, when nothing in or around it changed. */
function movedUnits(edit: ReparseEdit, base: readonly FunctionUnit[]): (start: number, end: number) => { delta: number; unit: FunctionUnit } | undefined {
  const byStart = new Map(base.map((u) => [u.start, u] as const));
  const delta = edit.newEnd - edit.oldEnd;
  // Touching counts as overlapping: a definition that ends where the edit starts may have been extended by it.
  const dirty = [{ startIndex: edit.start, endIndex: edit.newEnd }, ...edit.changed];
  return (start, end) => {
    if (dirty.some((r) => start <= r.endIndex && end >= r.startIndex)) return undefined;
    const shift = start >= edit.newEnd ? delta : 0;
    const unit = byStart.get(start - shift);
    return unit && unit.end === end - shift ? { delta: shift, unit } : undefined;
  };
}
