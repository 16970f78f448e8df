// The JSON report against its published JSON Schema (docs/json-format.schema.json).
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import Ajv2020 from 'ajv/dist/2020';
import { USE_ORDER } from '../../server/src/analysis/sites';
import { copyTree, FIXTURE_TREES, REPO, runCli, SAMPLE_TREE } from './helpers';

const schema = JSON.parse(fs.readFileSync(path.join(REPO, 'docs', 'json-format.schema.json'), 'utf8'));
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);

function check(doc: unknown): void {
  assert.ok(validate(doc), JSON.stringify(validate.errors, null, 2));
}

describe('cli json format', () => {
  it('the sample tree report, with a binary file and a model problem, matches the schema', async () => {
    const tree = copyTree(SAMPLE_TREE);
    fs.writeFileSync(path.join(tree, 'mm', 'blob.c'), Buffer.from([0, 1, 2, 3]));
    const model = path.join(tree, 'model.json');
    fs.writeFileSync(model, '{"bogus": 1}');
    const doc = JSON.parse((await runCli(['--format', 'json', '--model', model, tree])).stdout);
    check(doc);
    assert.strictEqual(doc.version, 1);
    assert.ok(doc.problems.length >= 2);
    const f = doc.findings.find((x: { file: string; ruleId: string }) => x.file === 'fs/b.c' && x.ruleId === 'fsdax/index-read');
    assert.deepStrictEqual(f.range, { start: { line: 11, column: 26 }, end: { line: 11, column: 37 } });
    assert.strictEqual(f.path[f.path.length - 1].function, 'print_offset');
  });

  for (const t of fs.readdirSync(FIXTURE_TREES).sort()) {
    it(`trees/${t} matches the schema`, async () => {
      check(JSON.parse((await runCli(['--format', 'json', '--fail-on', 'never', path.join(FIXTURE_TREES, t)])).stdout));
    });
  }

  it('a single file in context, files-only, and a --diff report with removed findings match the schema', async () => {
    const tree = copyTree(path.join(FIXTURE_TREES, 'context'));
    check(JSON.parse((await runCli(['--format', 'json', '--fail-on', 'never', path.join(tree, 'mm', 'owner.c')])).stdout));
    check(JSON.parse((await runCli(['--format', 'json', '--fail-on', 'never', '--no-context', path.join(tree, 'mm', 'owner.c')])).stdout));
    const git = (...args: string[]) => assert.strictEqual(spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', '-C', tree, ...args]).status, 0);
    git('init', '-q');
    git('add', '-A');
    git('commit', '-q', '-m', 'base');
    fs.rmSync(path.join(tree, 'mm', 'owner.c'));
    fs.appendFileSync(path.join(tree, 'fs', 'pmemfs', 'notify.c'), '\nvoid pmemfs_note(struct folio *folio)\n{\n\tpr_info("%p", folio->mapping);\n}\n');
    const doc = JSON.parse((await runCli(['--format', 'json', '--fail-on', 'never', '--root', tree, '--diff', 'HEAD'])).stdout);
    check(doc);
    assert.strictEqual(doc.diff.removed.length, 1);
  });

  it('a report with a baseline matches the schema', async () => {
    const tree = copyTree(SAMPLE_TREE);
    const file = path.join(tree, 'baseline.json');
    await runCli(['--baseline', file, '--update-baseline', tree]);
    check(JSON.parse((await runCli(['--format', 'json', '--baseline', file, tree])).stdout));
  });

  it('the schema allows every use a finding can have, and no other (USE_ORDER)', () => {
    // A mainline report's which-page findings have `identity`, which no fixture tree above gives.
    assert.deepStrictEqual(schema.$defs.finding.properties.use.enum, [...USE_ORDER, null]);
  });

  it('the schema rejects a report that breaks it (the check can fail)', async () => {
    const doc = JSON.parse((await runCli(['--format', 'json', SAMPLE_TREE])).stdout);
    doc.findings[0].range.start.line = 0;
    assert.ok(!validate(doc));
    delete doc.findings[0].range;
    doc.findings[0].extra = true;
    assert.ok(!validate(doc));
  });
});
