// analysis layer: every page/folio mapping/index/share access of a file, with
// its type confirmed by TypeIndex: what a pattern-matching linter would flag,
// and what hover explains at any position. Pure.
import type { ParsedFile, SyntaxNode } from '../parse/parser';
import { findFieldAccesses } from '../parse/queries';
import { PageType, TypeIndex } from './types';

export interface PageFieldAccess {
  node: SyntaxNode;
  field: 'mapping' | 'index' | 'share';
  pageType: PageType;
  /** `page->mapping = x`: a write, not a read. */
  isWrite: boolean;
}

function enclosingFunction(node: SyntaxNode): SyntaxNode | undefined {
  let n: SyntaxNode | null = node.parent;
  while (n && n.type !== 'function_definition') n = n.parent;
  return n ?? undefined;
}

export function pageFieldAccesses(file: ParsedFile, types: TypeIndex): PageFieldAccess[] {
  const out: PageFieldAccess[] = [];
  for (const a of findFieldAccesses(file.tree)) {
    const pageType = types.pageTypeOf(a.receiver, enclosingFunction(a.node));
    if (!pageType) continue;
    const parent = a.node.parent;
    const isWrite = parent?.type === 'assignment_expression' && parent.childForFieldName('left')?.startIndex === a.node.startIndex;
    out.push({ node: a.node, field: a.field, pageType, isWrite });
  }
  return out;
}

/** The innermost page/folio field access covering `offset`, for hover. */
export function pageFieldAccessAt(file: ParsedFile, types: TypeIndex, offset: number): PageFieldAccess | undefined {
  let best: PageFieldAccess | undefined;
  for (const a of pageFieldAccesses(file, types)) {
    if (a.node.startIndex <= offset && offset <= a.node.endIndex && (!best || a.node.endIndex - a.node.startIndex < best.node.endIndex - best.node.startIndex)) best = a;
  }
  return best;
}
