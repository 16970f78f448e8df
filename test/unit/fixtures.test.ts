// Rule behaviour is tested only here, through annotated fixtures.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { allRules } from '../../server/rules/index';
import { checkFixture, describeDiff, listFiles, readExpectations } from '../fixture-runner';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures');
const ruleDirs = fs.existsSync(path.join(FIXTURES, 'rules')) ? fs.readdirSync(path.join(FIXTURES, 'rules')).sort() : [];
const trees = fs.existsSync(path.join(FIXTURES, 'trees')) ? fs.readdirSync(path.join(FIXTURES, 'trees')).sort() : [];
const knownRuleIds = new Set([...allRules.map((r) => r.meta.id), 'fsdax/suppression']);

describe('rule fixtures', () => {
  it('every rule has a fixture folder, and every folder names a rule', () => {
    const tails = allRules.map((r) => r.meta.id.replace('fsdax/', '')).sort();
    for (const t of tails) assert.ok(ruleDirs.includes(t), `rule fsdax/${t} has no fixtures in test/fixtures/rules/${t}`);
    for (const d of ruleDirs) assert.ok(knownRuleIds.has(`fsdax/${d}`), `test/fixtures/rules/${d} names no rule`);
  });

  it('fixtures only expect known rules, and each rule folder expects its own rule somewhere', () => {
    for (const d of ruleDirs) {
      const files = listFiles(path.join(FIXTURES, 'rules', d));
      assert.ok(files.length > 0, `test/fixtures/rules/${d} is empty`);
      const expectations = files.flatMap((f) => readExpectations(f, fs.readFileSync(f, 'utf8')));
      for (const e of expectations) assert.ok(knownRuleIds.has(e.ruleId), `${e.file}:${e.line} expects unknown rule ${e.ruleId}`);
      assert.ok(expectations.some((e) => e.ruleId === `fsdax/${d}`), `test/fixtures/rules/${d} has no positive case for fsdax/${d}`);
    }
  });

  for (const d of ruleDirs) {
    for (const file of listFiles(path.join(FIXTURES, 'rules', d))) {
      if (!file.endsWith('.c')) continue;
      it(`rules/${d}/${path.basename(file)}`, () => {
        const r = checkFixture(file);
        assert.ok(r.missing.length === 0 && r.noisy.length === 0, describeDiff(path.relative(FIXTURES, file), r));
      });
    }
  }

  for (const t of trees) {
    it(`trees/${t}`, () => {
      const r = checkFixture(path.join(FIXTURES, 'trees', t));
      assert.ok(r.expectations.length + r.findings.length > 0 || fs.existsSync(path.join(FIXTURES, 'trees', t, 'EMPTY')), `trees/${t}: no case ran`);
      assert.ok(r.missing.length === 0 && r.noisy.length === 0, describeDiff(`trees/${t}`, r));
    });
  }
});
