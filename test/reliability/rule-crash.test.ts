// A rule that throws on one file must not take the audit down: the other rules'
// findings are unchanged and the failure is one internal problem naming the
// rule. The test hands the audit the registry's rules plus one that throws.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { auditFiles } from '../../server/src/analysis/audit';
import type { SourceFile } from '../../server/src/analysis/audit-types';
import { allRules } from '../../server/rules/index';
import { defineRule, Rule } from '../../server/src/analysis/rule-api';

const TREE = path.join(__dirname, '..', '..', '..', 'examples', 'sample-tree');
const era = { era: '6.2-6.14', known: true, evidence: 'test' } as const;

function files(): SourceFile[] {
  const out: SourceFile[] = [];
  for (const dir of ['mm', 'fs', 'include/linux']) {
    for (const f of fs.readdirSync(path.join(TREE, dir)).sort()) out.push({ path: `${dir}/${f}`, content: fs.readFileSync(path.join(TREE, dir, f)) });
  }
  return out;
}

/** Reports every site of every file, but throws when it reaches `badFile`. */
function throwingRule(badFile: string): Rule {
  return defineRule({
    meta: { id: 'fsdax/test-throws', severity: 'info', description: 'test only', explanation: 'shared-mapping', advice: 'none: a test rule', messages: { m: 'site {{expr}}' } },
    check(ctx) {
      for (const s of ctx.sites('mapping-read', 'index-read')) {
        if (s.file === badFile) throw new Error(`test rule fails on ${badFile}`);
        ctx.report(s, 'm');
      }
    },
  });
}

describe('rule failure containment', () => {
  it('a rule throwing on one file: other rules still run, one internal problem names the rule', () => {
    const input = files();
    const baseline = auditFiles(input, { era, rules: allRules });
    assert.ok(baseline.findings.length > 0);
    const badFile = baseline.findings[0].file;
    const result = auditFiles(input, { era, rules: [...allRules, throwingRule(badFile)] });
    const others = result.findings.filter((f) => f.ruleId !== 'fsdax/test-throws');
    assert.deepStrictEqual(others, baseline.findings, 'the other rules\' findings changed');
    const internal = result.problems.filter((p) => p.kind === 'internal');
    assert.strictEqual(internal.length, 1, JSON.stringify(internal));
    assert.match(internal[0].message, /fsdax\/test-throws/);
    assert.match(internal[0].message, new RegExp(`fails on ${badFile.replace(/[/.]/g, '\\$&')}`));
    // Contained per rule per file: the problem names the file, the rule keeps its findings elsewhere.
    assert.strictEqual(internal[0].file, badFile);
    const mine = result.findings.filter((f) => f.ruleId === 'fsdax/test-throws');
    assert.ok(mine.length > 0, 'the throwing rule lost its findings in the other files');
    assert.ok(mine.every((f) => f.file !== badFile), 'partial findings of the failing file were kept');
  });
});
