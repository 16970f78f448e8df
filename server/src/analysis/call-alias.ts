// analysis layer: function-like macros that only forward to a call, read from their
// `#define` lines: `#define split_one(f) split_one_to_list(f, NULL)`. A call of such a
// macro is a call of its target with the arguments put where the body puts them, so the
// analysis follows a value through it instead of losing it into code it cannot see
// (which is what a macro in a header was before). Derived from the tree's own text, never
// listed by name. Pure.
import { parseSource, type SyntaxNode } from '../parse/parser';
import { calleeName, callArguments } from '../parse/nodes';
import { internName } from '../parse/names';
import { logicalLineEnd } from '../parse/source-view';

/** Forwarding macros followed from one call, or back from a function to the macros calling it: `#define a(x) b(x)` and `#define b(x) a(x)` must end. */
export const MAX_FORWARD_DEPTH = 4;

/** One argument of the target call: a parameter of the macro, or a constant-like expression of the body (isConstantLike), evaluated where the macro is called. */
export type AliasArgument = { param: number } | { expression: SyntaxNode };

export interface CallAlias {
  /** The macro's name and where it is defined (file, offset of the `#define`). */
  name: string;
  file: string;
  start: number;
  params: number;
  target: string;
  args: readonly AliasArgument[];
}

/**
 * The function-like macro `name` of a file's text as a forward: each of its `#define NAME(` lines
 * (every `#if` branch: which configuration is built is not known) has a body that is one call of a
 * named function, each argument of which is either one of the macro's parameters (alone, perhaps
 * in parentheses) or a constant-like expression that mentions none of them (`NULL`, `0`,
 * `FLAG_A | FLAG_B`), and all of them forward the same way. Variadic macros and bodies that compute
 * with a parameter are not forwards. Reads the definitions off the text and parses only them: a
 * header is not parsed for one macro.
 */
export function callAliasIn(path: string, text: string, name: string): CallAlias | undefined {
  let found: CallAlias | undefined;
  for (const { start, definition } of macroDefinitions(text, name)) {
    const def = parseSource('<macro>', definition).tree.rootNode.descendantsOfType('preproc_function_def')[0];
    const alias = def && forwardOfDefinition(def, name);
    if (!alias || (found && !sameForward(found, alias))) return undefined;
    found ??= { ...alias, file: path, start };
  }
  return found;
}

/** The `#define NAME(` lines of a text, each with its continuation lines, and where it starts. */
function macroDefinitions(text: string, name: string): Array<{ start: number; definition: string }> {
  const out: Array<{ start: number; definition: string }> = [];
  const re = new RegExp(`^[ \\t]*#[ \\t]*define[ \\t]+${name}\\(`, 'gm');
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const end = logicalLineEnd(text, m.index);
    out.push({ start: m.index, definition: text.slice(m.index, end).replace(/^[ \t]+/, '') });
  }
  return out;
}

/**
 * For each name a `#define NAME(` line's body calls, the macros whose body calls it: what the
 * callers search asks of a header (which of its macros may forward to a function), read in one pass
 * over the text (continued lines joined) and kept per file.
 */
export function macroBodyCalls(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const define = /^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)\(/gm;
  for (let m = define.exec(text); m; m = define.exec(text)) {
    const end = logicalLineEnd(text, m.index);
    const body = text.slice(m.index + m[0].length, end);
    const close = body.indexOf(')');
    for (const call of body.slice(close + 1).matchAll(/\b([A-Za-z_]\w*)\s*\(/g)) {
      const list = out.get(call[1]);
      if (!list) out.set(call[1], [m[1]]); else if (!list.includes(m[1])) list.push(m[1]);
    }
  }
  return out;
}

function forwardOfDefinition(def: SyntaxNode, name: string): Omit<CallAlias, 'file' | 'start'> | undefined {
  const list = def.childForFieldName('parameters');
  const params = list?.namedChildren.map((p) => p.text) ?? [];
  if (list?.text.includes('...')) return undefined;
  const body = def.childForFieldName('value')?.text.replace(/\\\r?\n/g, ' ').trim() ?? '';
  if (params.some((p) => !/^[A-Za-z_]\w*$/.test(p)) || !body.includes('(')) return undefined;
  const alias = forwardOf(body, params);
  return alias && alias.target !== name ? { name: internName(name), params: params.length, ...alias } : undefined;
}

/** The body parsed on its own, as the one statement of a function: a forward when it is a single call as described above. */
function forwardOf(body: string, params: string[]): { target: string; args: AliasArgument[] } | undefined {
  const parsed = parseSource('<macro>', `void __m(void) { ${body}; }`);
  const statements = parsed.tree.rootNode.namedChild(0)?.childForFieldName('body')?.namedChildren ?? [];
  if (parsed.tree.rootNode.hasError || parsed.tree.rootNode.namedChildCount !== 1 || statements.length !== 1 || statements[0].type !== 'expression_statement') return undefined;
  let call = statements[0].namedChild(0);
  while (call?.type === 'parenthesized_expression' && call.namedChildCount === 1) call = call.namedChild(0);
  const target = call?.type === 'call_expression' ? calleeName(call) : undefined;
  if (!call || !target) return undefined;
  const args: AliasArgument[] = [];
  for (const arg of callArguments(call)) {
    let bare = arg;
    while (bare.type === 'parenthesized_expression' && bare.namedChildCount === 1) bare = bare.namedChild(0)!;
    const param = bare.type === 'identifier' ? params.indexOf(bare.text) : -1;
    if (param >= 0) { args.push({ param }); continue; }
    if (!isConstantLike(arg, params)) return undefined;
    args.push({ expression: arg });
  }
  return { target, args };
}

/** Nodes an argument that is not a parameter may not hold: they would read memory or record a site at the body's offsets, not the call's. */
const NOT_CONSTANT = new Set(['call_expression', 'field_expression', 'subscript_expression', 'pointer_expression', 'assignment_expression', 'update_expression', 'compound_literal_expression', 'compound_statement']);

/** An argument evaluated where the macro is called, as the preprocessor would leave it: no parameter in it, and nothing but names, constants and operators. */
function isConstantLike(node: SyntaxNode, params: readonly string[]): boolean {
  if (NOT_CONSTANT.has(node.type) || (node.type === 'identifier' && params.includes(node.text))) return false;
  return node.namedChildren.every((c) => isConstantLike(c, params));
}

/** Whether two definitions of one macro forward the same way (a macro defined in two headers, or per configuration). */
export function sameForward(a: Pick<CallAlias, 'target' | 'params' | 'args'>, b: Pick<CallAlias, 'target' | 'params' | 'args'>): boolean {
  return a.target === b.target && a.params === b.params && a.args.length === b.args.length
    && a.args.every((x, i) => { const y = b.args[i]; return 'param' in x ? 'param' in y && y.param === x.param : 'expression' in y && y.expression.text === x.expression.text; });
}
