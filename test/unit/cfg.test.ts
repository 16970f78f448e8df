import * as assert from 'assert';
import { buildCfg } from '../../server/src/analysis/cfg';
import { keepNodeStructure, parseSource } from '../../server/src/parse/parser';

describe('control flow graph', () => {
  // The CLI's mode (keepNodeStructure): node objects are not registered with their tree, so a node
  // reached twice comes as two objects and the graph must tell nodes apart by id.
  it('a switch case value is not a statement of its case, also when a node reached twice is two objects', () => {
    keepNodeStructure();
    const parsed = parseSource('x.c', 'int f(int a)\n{\n\tswitch (a) {\n\tcase 1:\n\t\tg();\n\t\tbreak;\n\tdefault:\n\t\th();\n\t}\n\treturn 0;\n}\n');
    const def = parsed.tree.rootNode.namedChildren.find((n) => n.type === 'function_definition')!;
    const cfg = buildCfg(def.childForFieldName('body')!);
    const statements = cfg.nodes.filter((n) => n.kind === 'statement' && n.ast).map((n) => n.ast!.text);
    assert.ok(statements.includes('g();') && statements.includes('h();'), statements.join(' | '));
    assert.ok(!statements.includes('1'), `the case value is a statement: ${statements.join(' | ')}`);
  });
});
