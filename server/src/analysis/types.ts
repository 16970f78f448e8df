// analysis layer: which C expressions are a `struct page *` or `struct folio *`,
// from declarations the tree itself provides: parameters, locals, file-scope
// globals, struct members (struct definitions in the parsed files and any
// headers passed in), function return types, casts, and the page/folio helpers
// of the model (pfn_to_page, page_folio, pte_page ...). Pure; used by hover and
// by the pattern-level statistics.
import type { ParsedFile, SyntaxNode } from '../parse/parser';
import { calleeName, declaratorName, declaredType, fieldName, fieldReceiver, functionName, functionParameters, isPageType } from '../parse/nodes';

export type PageType = 'page' | 'folio';

/** Helpers whose result type is known without a prototype in the tree. */
const HELPER_RESULTS: Record<string, PageType> = {
  pfn_to_page: 'page', pfn_to_online_page: 'page', virt_to_page: 'page', compound_head: 'page', folio_page: 'page',
  nth_page: 'page', pte_page: 'page', pmd_page: 'page', pud_page: 'page', vm_normal_page: 'page', follow_page: 'page',
  vmalloc_to_page: 'page', phys_to_page: 'page', folio_file_page: 'page',
  pfn_folio: 'folio', page_folio: 'folio', virt_to_folio: 'folio', pmd_folio: 'folio', vm_normal_folio: 'folio',
  filemap_get_folio: 'folio', filemap_lock_folio: 'folio', folio_alloc: 'folio',
};

export class TypeIndex {
  /** struct name -> field name -> type text. */
  private readonly structFields = new Map<string, Map<string, string>>();
  /** function name -> return type text (with stars). */
  private readonly returnTypes = new Map<string, string>();
  private readonly globals = new Map<string, string>();

  constructor(files: readonly ParsedFile[]) {
    for (const f of files) this.index(f);
  }

  private index(file: ParsedFile): void {
    for (const s of file.tree.rootNode.descendantsOfType('struct_specifier')) {
      const name = s.childForFieldName('name')?.text;
      const body = s.childForFieldName('body');
      if (!name || !body) continue;
      const fields = this.structFields.get(name) ?? new Map<string, string>();
      for (const decl of body.namedChildren.filter((c) => c.type === 'field_declaration')) {
        for (const d of decl.namedChildren) {
          const fname = d.type === 'field_identifier' ? d.text : declaratorName(d) ?? fieldDeclName(d);
          if (fname) fields.set(fname, declaredType(decl, d));
        }
      }
      this.structFields.set(name, fields);
    }
    for (const child of file.tree.rootNode.namedChildren) {
      if (child.type === 'function_definition') {
        const name = functionName(child);
        const decl = child.childForFieldName('declarator');
        if (name && decl) this.returnTypes.set(name, returnType(child, decl));
      } else if (child.type === 'declaration') {
        for (const d of child.namedChildren) {
          if (d.type === 'function_declarator') { const n = d.childForFieldName('declarator')?.text; if (n) this.returnTypes.set(n, child.childForFieldName('type')?.text ?? ''); continue; }
          if (d.type === 'pointer_declarator' && d.descendantsOfType('function_declarator').length > 0) {
            const fd = d.descendantsOfType('function_declarator')[0];
            const n = fd.childForFieldName('declarator')?.text;
            if (n) this.returnTypes.set(n, returnType(child, d));
            continue;
          }
          const n = declaratorName(d);
          if (n) this.globals.set(n, declaredType(child, d));
        }
      }
    }
  }

  /** The page/folio type of an expression inside `fn`, or undefined when it is not (or not known to be) one. */
  pageTypeOf(expr: SyntaxNode, fn: SyntaxNode | undefined): PageType | undefined {
    const t = this.typeOf(expr, fn);
    // `folio->page.index`: the receiver is a struct page value, not a pointer.
    return t ? isPageType(t) ?? isPageType(`${t} *`) : undefined;
  }

  typeOf(expr: SyntaxNode, fn: SyntaxNode | undefined): string | undefined {
    switch (expr.type) {
      case 'parenthesized_expression':
        return expr.namedChild(0) ? this.typeOf(expr.namedChild(0)!, fn) : undefined;
      case 'cast_expression':
        return expr.childForFieldName('type')?.text.replace(/\s*\*\s*$/, ' *');
      case 'identifier':
        return (fn && localType(fn, expr.text, expr.startIndex)) ?? this.globals.get(expr.text);
      case 'pointer_expression': {
        const arg = expr.childForFieldName('argument');
        const inner = arg ? this.typeOf(arg, fn) : undefined;
        if (!inner) return undefined;
        return expr.child(0)?.type === '&' ? `${inner} *` : inner.replace(/\s*\*$/, '');
      }
      case 'field_expression': {
        const recv = fieldReceiver(expr);
        const field = fieldName(expr) ?? '';
        const recvType = recv ? this.typeOf(recv, fn) : undefined;
        const struct = recvType && /struct\s+(\w+)/.exec(recvType)?.[1];
        if (struct === 'folio' && field === 'page') return 'struct page';
        return struct ? this.structFields.get(struct)?.get(field) : undefined;
      }
      case 'call_expression': {
        const name = calleeName(expr) ?? '';
        const known = HELPER_RESULTS[name];
        if (known) return `struct ${known} *`;
        return this.returnTypes.get(name);
      }
      case 'subscript_expression': {
        const arr = expr.childForFieldName('argument');
        const t = arr ? this.typeOf(arr, fn) : undefined;
        return t?.replace(/\s*\*$/, '');
      }
      default:
        return undefined;
    }
  }
}

function fieldDeclName(d: SyntaxNode): string | undefined {
  let n: SyntaxNode | null = d;
  while (n && n.type !== 'field_identifier') n = n.childForFieldName('declarator') ?? null;
  return n?.text;
}

function returnType(def: SyntaxNode, declarator: SyntaxNode): string {
  let stars = '';
  let d: SyntaxNode | null = declarator;
  while (d && d.type === 'pointer_declarator') { stars += '*'; d = d.childForFieldName('declarator'); }
  return `${def.childForFieldName('type')?.text ?? ''} ${stars}`.trim();
}

/** The declared type of `name` at `offset` in a function: the nearest declaration before it, else a parameter. */
function localType(fn: SyntaxNode, name: string, offset: number): string | undefined {
  let best: { at: number; type: string } | undefined;
  for (const decl of fn.descendantsOfType('declaration')) {
    if (decl.startIndex > offset) continue;
    for (const d of decl.namedChildren) {
      if (declaratorName(d) === name && (!best || decl.startIndex > best.at)) best = { at: decl.startIndex, type: declaredType(decl, d) };
    }
  }
  if (best) return best.type;
  return functionParameters(fn).find((p) => p.name === name)?.type;
}
