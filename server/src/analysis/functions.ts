// analysis layer: the function definitions of a parsed file, with what the
// dataflow needs of their signatures (names, static-ness, parameter kinds).
import type { ParsedFile, SyntaxNode } from '../parse/parser';
import { functionName, functionParameters, isPageType, isStaticDefinition } from '../parse/nodes';
import type { ValueKind } from './facts';

export interface FunctionParam {
  name: string;
  type: string;
  kind: ValueKind;
  node: SyntaxNode;
}

export interface FunctionUnit {
  file: string;
  name: string;
  isStatic: boolean;
  node: SyntaxNode;
  params: FunctionParam[];
}

/** What a parameter can carry from a caller: a page, a mapping, an index, or (any other scalar) a pfn. */
export function parameterKind(type: string): ValueKind {
  if (isPageType(type) || /struct\s+(page|folio)\s*\*\s*\*/.test(type)) return 'page';
  if (/struct\s+address_space\s*\*/.test(type)) return 'mapping';
  if (/\bpgoff_t\b/.test(type)) return 'index';
  return 'pfn';
}

export function collectFunctions(file: ParsedFile): FunctionUnit[] {
  const out: FunctionUnit[] = [];
  const visit = (node: SyntaxNode) => {
    for (const child of node.namedChildren) {
      if (child.type === 'function_definition') {
        const name = functionName(child);
        if (!name) continue;
        const params = functionParameters(child).map((p) => ({ ...p, kind: parameterKind(p.type) }));
        out.push({ file: file.path, name, isStatic: isStaticDefinition(child), node: child, params });
      } else if (child.type === 'preproc_if' || child.type === 'preproc_ifdef' || child.type === 'linkage_specification' || child.type === 'declaration_list') {
        visit(child);
      }
    }
  };
  visit(file.tree.rootNode);
  return out;
}
