// analysis layer: a control-flow graph of one C function body, built from the
// tree-sitter tree. Conditions are split at && / || / ! so each test that may
// be a guard sits on its own node with a true and a false edge. Covers if/else,
// while/do/for (and iterator macros rewritten to while), switch/case, break,
// continue, return, goto/labels.
import type { SyntaxNode } from '../parse/parser';
import { binaryOperator, isNot } from '../parse/nodes';

export interface CfgEdge {
  to: number;
  /** For edges out of a condition node: the truth value this edge takes. */
  when?: boolean;
  /** For edges out of a switch: the case label's value (its text), or for the default edge the values it is none of. */
  caseValue?: string;
  notCases?: string[];
}

export interface CfgNode {
  id: number;
  kind: 'entry' | 'exit' | 'statement' | 'condition';
  /** statement: the statement or expression evaluated here; condition: the atomic test. */
  ast?: SyntaxNode;
  succ: CfgEdge[];
}

export interface Cfg {
  nodes: CfgNode[];
  entry: number;
  exit: number;
}

interface Context {
  breakTo?: number;
  continueTo?: number;
  /** switch being built: its condition node, to which case labels attach. */
  switchNode?: number;
}

export function buildCfg(body: SyntaxNode): Cfg {
  const nodes: CfgNode[] = [];
  const labels = new Map<string, number>();
  const pendingGotos: Array<{ from: number; label: string }> = [];
  const add = (kind: CfgNode['kind'], ast?: SyntaxNode): number => {
    nodes.push({ id: nodes.length, kind, ast, succ: [] });
    return nodes.length - 1;
  };
  const link = (from: number, to: number, when?: boolean) => nodes[from].succ.push(when === undefined ? { to } : { to, when });
  const linkCase = (from: number, to: number, label: Pick<CfgEdge, 'caseValue' | 'notCases'>) => nodes[from].succ.push({ to, ...label });
  const entry = add('entry');
  const exit = add('exit');

  /** Builds `stmt` so that it falls through to `next`; returns its first node. */
  const build = (stmt: SyntaxNode | null, next: number, ctx: Context): number => {
    if (!stmt) return next;
    switch (stmt.type) {
      case 'compound_statement': {
        let target = next;
        const children = stmt.namedChildren;
        for (let i = children.length - 1; i >= 0; i--) target = build(children[i], target, ctx);
        return target;
      }
      case 'if_statement': {
        const alt = stmt.childForFieldName('alternative');
        const elseStart = alt ? build(alt.type === 'else_clause' ? alt.namedChild(0) : alt, next, ctx) : next;
        const thenStart = build(stmt.childForFieldName('consequence'), next, ctx);
        return buildCondition(stmt.childForFieldName('condition'), thenStart, elseStart);
      }
      case 'while_statement': {
        const head = add('statement'); // loop head: a join point for back edges
        const after = next;
        const bodyStart = build(stmt.childForFieldName('body'), head, { ...ctx, breakTo: after, continueTo: head });
        link(head, buildCondition(stmt.childForFieldName('condition'), bodyStart, after));
        return head;
      }
      case 'do_statement': {
        const head = add('statement');
        const condStart = add('statement');
        const bodyStart = build(stmt.childForFieldName('body'), condStart, { ...ctx, breakTo: next, continueTo: condStart });
        link(condStart, buildCondition(stmt.childForFieldName('condition'), head, next));
        link(head, bodyStart);
        return head;
      }
      case 'for_statement': {
        const head = add('statement');
        const update = stmt.childForFieldName('update');
        const updateNode = update ? add('statement', update) : head;
        if (update) link(updateNode, head);
        const bodyStart = build(stmt.childForFieldName('body'), updateNode, { ...ctx, breakTo: next, continueTo: updateNode });
        const cond = stmt.childForFieldName('condition');
        link(head, cond ? buildCondition(cond, bodyStart, next) : bodyStart);
        const init = stmt.childForFieldName('initializer');
        if (!init) return head;
        const initNode = add('statement', init);
        link(initNode, head);
        return initNode;
      }
      case 'switch_statement': {
        const condNode = add('statement', stmt.childForFieldName('condition') ?? undefined);
        const body = stmt.childForFieldName('body');
        const cases = body ? body.namedChildren.filter((c) => c.type === 'case_statement') : [];
        let target = next;
        const starts: number[] = [];
        for (let i = cases.length - 1; i >= 0; i--) {
          // By node id, not by wrapper: a node reached twice may come as two wrappers (parser.ts keepNodeStructure).
          const value = cases[i].childForFieldName('value')?.id;
          const statements = cases[i].namedChildren.filter((c) => c.id !== value);
          for (let j = statements.length - 1; j >= 0; j--) target = build(statements[j], target, { ...ctx, breakTo: next });
          const labelNode = add('statement');
          link(labelNode, target);
          target = labelNode;
          starts.unshift(labelNode);
        }
        // Each edge says which value took it (a `case A: case B:` run falls through, so B's label is reached from A's too).
        const values = cases.map((c) => c.childForFieldName('value')?.text.replace(/\s+/g, ''));
        const named = values.filter((v): v is string => v !== undefined);
        starts.forEach((s, i) => linkCase(condNode, s, values[i] !== undefined ? { caseValue: values[i] } : { notCases: named }));
        const hasDefault = cases.some((c) => c.child(0)?.type === 'default');
        if (!hasDefault) linkCase(condNode, next, { notCases: named });
        return condNode;
      }
      case 'return_statement': {
        const n = add('statement', stmt);
        link(n, exit);
        return n;
      }
      case 'break_statement': {
        const n = add('statement');
        link(n, ctx.breakTo ?? next);
        return n;
      }
      case 'continue_statement': {
        const n = add('statement');
        link(n, ctx.continueTo ?? next);
        return n;
      }
      case 'goto_statement': {
        const n = add('statement');
        pendingGotos.push({ from: n, label: stmt.childForFieldName('label')?.text ?? '' });
        return n;
      }
      case 'labeled_statement': {
        const n = add('statement');
        labels.set(stmt.childForFieldName('label')?.text ?? '', n);
        const inner = stmt.namedChildren.find((c) => c.type !== 'statement_identifier');
        link(n, build(inner ?? null, next, ctx));
        return n;
      }
      case 'comment':
        return next;
      default: {
        const n = add('statement', stmt);
        link(n, next);
        return n;
      }
    }
  };

  /** Condition with short-circuit: returns the first test node. */
  const buildCondition = (cond: SyntaxNode | null, whenTrue: number, whenFalse: number): number => {
    if (!cond) return whenTrue;
    let c = cond;
    while (c.type === 'parenthesized_expression' && c.namedChildCount === 1) c = c.namedChild(0)!;
    // `while (a, b)` comes from a rewritten iterator macro (`foo_foreach(a, b) {`): one test whose
    // outcome the macro decides, not a test of b; the evaluator treats its operands as escaping.
    if (isNot(c)) return buildCondition(c.childForFieldName('argument'), whenFalse, whenTrue);
    const op = binaryOperator(c);
    if (op === '&&') {
      const right = buildCondition(c.childForFieldName('right'), whenTrue, whenFalse);
      return buildCondition(c.childForFieldName('left'), right, whenFalse);
    }
    if (op === '||') {
      const right = buildCondition(c.childForFieldName('right'), whenTrue, whenFalse);
      return buildCondition(c.childForFieldName('left'), whenTrue, right);
    }
    const n = add('condition', c);
    link(n, whenTrue, true);
    link(n, whenFalse, false);
    return n;
  };

  const body0 = build(body, exit, {});
  link(entry, body0);
  for (const g of pendingGotos) link(g.from, labels.get(g.label) ?? exit);
  return { nodes, entry, exit };
}
