// parse layer: the tree-sitter queries in queries/*.scm, read and compiled once
// per process (compiling is the expensive part), then run over any tree.
import * as fs from 'fs';
import * as path from 'path';
import Parser = require('tree-sitter');
import { cLanguage } from './parser';
import type { SyntaxNode, Tree } from './parser';

const compiled = new Map<string, Parser.Query>();

/** Finds queries/ both from out/server/src/parse (compiled) and from a bundle next to it. */
function queriesDir(): string {
  const candidates = [path.join(__dirname, '..', '..', '..', '..', 'queries'), path.join(__dirname, 'queries'), path.join(__dirname, '..', 'queries')];
  const found = candidates.find((d) => fs.existsSync(path.join(d, 'page-field-access.scm')));
  if (!found) throw new Error(`queries/ not found next to ${__dirname}`);
  return found;
}

export function loadQuery(name: string): Parser.Query {
  let q = compiled.get(name);
  if (!q) {
    q = new Parser.Query(cLanguage(), fs.readFileSync(path.join(queriesDir(), `${name}.scm`), 'utf8'));
    compiled.set(name, q);
  }
  return q;
}

export interface FieldAccess {
  node: SyntaxNode;
  receiver: SyntaxNode;
  field: 'mapping' | 'index' | 'share';
}

/** Every x->mapping / x->index / x->share in a tree (reads and writes; the caller filters). */
export function findFieldAccesses(tree: Tree): FieldAccess[] {
  const matches = loadQuery('page-field-access').matches(tree.rootNode);
  const out: FieldAccess[] = [];
  for (const m of matches) {
    const get = (name: string) => m.captures.find((c) => c.name === name)?.node;
    const node = get('access');
    const receiver = get('receiver');
    const field = get('field')?.text as FieldAccess['field'] | undefined;
    if (node && receiver && field) out.push({ node, receiver, field });
  }
  return out;
}
