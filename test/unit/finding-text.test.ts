// How findings read (issue 24): a headline of at most 100 characters with the confidence as a
// short tag, a fix line, the long form kept as the detail, the path one step per call level.
// Checked over every finding of every fixture (benign ones included) and, when cached, of the
// whole mm/+fs/ of the real 6.12 and 6.1 trees; and every rule declares a headline and a fix
// for each of its message ids.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { Finding } from '../../server/src/analysis/audit-types';
import { pathSteps, shortCode, tagLegend, tagsOf } from '../../server/src/analysis/finding-text';
import { BENIGN_USES } from '../../server/src/analysis/sites';
import { allRules, ruleMetas } from '../../server/rules/index';
import { kernelCacheDir } from '../../scripts/kernel-tree';
import { scanForTriage } from '../../scripts/triage-report';
import { auditFixture, listFiles } from '../fixture-runner';
import { requirePrerequisite } from '../prerequisites';

const REPO = path.join(__dirname, '..', '..', '..');
const FIXTURES = path.join(REPO, 'test', 'fixtures');
export const HEADLINE_MAX = 100;

/** The message without its trailing tags. */
export function headlineOf(f: Pick<Finding, 'message' | 'confidence' | 'debugOnly' | 'use'>): string {
  const tags = tagsOf(f).map((t) => ` [${t}]`).join('');
  assert.ok(f.message.endsWith(tags), `the tags close the message: ${f.message}`);
  return f.message.slice(0, f.message.length - tags.length);
}

/** Every problem with how one finding reads, as text (empty: none). */
function readingProblems(f: Finding): string[] {
  const where = `${f.file}:${f.range.start.line + 1} ${f.ruleId}`;
  const out: string[] = [];
  const headline = headlineOf(f);
  if (headline.length > HEADLINE_MAX) out.push(`${where}: headline of ${headline.length} characters: ${headline}`);
  if (/\n/.test(f.message)) out.push(`${where}: a message of more than one line`);
  if (!f.fix || f.fix.length < 10) out.push(`${where}: no fix line`);
  for (const text of [f.message, f.fix ?? '', f.detail ?? '']) if (/\{\{\w+\}\}/.test(text)) out.push(`${where}: unfilled placeholder in "${text}"`);
  if (f.confidence === 'race' && !f.race) out.push(`${where}: a race finding that does not say which race`);
  if (f.ruleId !== 'fsdax/suppression' && !/\((<=5\.18|5\.19-6\.1|6\.2-6\.14|6\.15\+)\)$/.test(headline)) out.push(`${where}: the headline does not end with the era: ${headline}`);
  const levels = pathSteps(f).map((s) => `${s.file}:${s.function}`);
  if (new Set(levels).size !== levels.length) out.push(`${where}: two path steps in one function`);
  return out;
}

function fixtureTargets(): string[] {
  const rules = fs.readdirSync(path.join(FIXTURES, 'rules')).flatMap((r) => listFiles(path.join(FIXTURES, 'rules', r)));
  const trees = fs.readdirSync(path.join(FIXTURES, 'trees')).map((t) => path.join(FIXTURES, 'trees', t));
  return [...rules, ...trees, path.join(REPO, 'examples', 'sample-tree')];
}

describe('how findings read', () => {
  it('every rule declares a headline and a fix for each of its message ids', () => {
    for (const meta of ruleMetas()) {
      for (const id of Object.keys(meta.messages)) {
        assert.ok(meta.headlines?.[id], `${meta.id} message ${id} has no headline (meta.headlines)`);
        assert.ok(meta.fixes?.[id], `${meta.id} message ${id} has no fix (meta.fixes)`);
      }
      assert.deepStrictEqual(Object.keys(meta.headlines ?? {}).sort(), Object.keys(meta.messages).sort(), `${meta.id}: headlines for message ids only`);
    }
    assert.ok(allRules.length >= 8);
  });

  it('every finding of every fixture: headline <= 100 characters ending in the era, tags, a fix, the path one step per call level', () => {
    const findings = fixtureTargets().flatMap(auditFixture);
    assert.ok(findings.length > 100, `only ${findings.length} findings`);
    const rules = new Set(findings.map((f) => f.ruleId));
    for (const meta of ruleMetas()) assert.ok(rules.has(meta.id), `no fixture finding of ${meta.id}`);
    assert.deepStrictEqual(findings.flatMap(readingProblems), []);
  });

  for (const version of ['6.12', '6.1']) {
    it(`every finding of linux-${version} mm/+fs/ (benign ones included) reads the same way`, function () {
      this.timeout(300_000);
      const root = path.join(kernelCacheDir(), `linux-${version}`);
      requirePrerequisite(this, fs.existsSync(path.join(root, '.complete')) ? undefined : `linux-${version} not cached at ${root}`, `npm run fetch-kernel -- ${version}`);
      const { findings } = scanForTriage(root);
      assert.ok(findings.length > 20);
      assert.deepStrictEqual(findings.flatMap(readingProblems), []);
      // What is shown by default fits in 100 characters with its tags too.
      const shown = findings.filter((f) => !BENIGN_USES.has(f.use!));
      assert.deepStrictEqual(shown.filter((f) => f.message.length > HEADLINE_MAX).map((f) => f.message), []);
    });
  }

  it('shortens code for a headline: a long call by name, a long field read by its field', () => {
    assert.strictEqual(shortCode('folio->mapping'), 'folio->mapping');
    assert.strictEqual(shortCode('collect_procs(folio, &folio->page, &to_kill, true)'), 'collect_procs(…)');
    assert.strictEqual(shortCode('page_folio(pfn_to_page(some_long_pfn_variable_name))->mapping'), 'page_folio(…)->mapping');
    assert.strictEqual(shortCode('pages[some_long_index_expression + 1]->mapping'), '…->mapping');
    assert.strictEqual(shortCode('a   +\n  b'), 'a + b');
  });

  it('one step per call level: a level that hands the page on is shown at that call, with where the page entered it', () => {
    const range = (line: number) => ({ start: { line, character: 0 }, end: { line, character: 1 } });
    const step = (fn: string, line: number, label: string) => ({ file: 'mm/x.c', function: fn, range: range(line), label });
    const f = { path: [step('memory_failure', 10, 'memory_failure(pfn): any pfn, pmem included'), step('memory_failure', 15, 'memory_failure() → a()'),
      step('a', 20, 'a() → b()'), step('b', 30, 'folio->mapping is used here')] };
    assert.deepStrictEqual(pathSteps(f).map((s) => `${s.range.start.line} ${s.label}`), ['15 memory_failure(pfn): any pfn, pmem included → a()', '20 a() → b()']);
    const local = { path: [step('b', 25, 'pte_page(pte) may yield an FS-DAX page'), step('b', 30, 'folio->mapping is used here')] };
    assert.deepStrictEqual(pathSteps(local).map((s) => s.label), ['pte_page(pte) may yield an FS-DAX page']);
  });

  it('says what each tag means once, race first', () => {
    const f = (over: Partial<Finding>) => ({ ruleId: 'r', messageId: 'm', severity: 'warning', message: 'm', file: 'f', range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, function: 'f', expr: 'e', era: '6.2-6.14', explanation: 'x', path: [], fingerprint: 'f', ...over } as Finding);
    const legend = tagLegend([f({ debugOnly: true, use: 'branch', confidence: 'high' }), f({ confidence: 'race', race: 'needs a truncate', use: 'deref' }), f({ confidence: 'race', race: 'needs a truncate', use: 'recheck' })]);
    assert.deepStrictEqual(legend.map((l) => `${l.tag}: ${l.meaning}`), ['race: needs a truncate', 'debug-only: only on debug kernels (CONFIG_DEBUG_VM assertions) or behind a hwpoison debugfs knob', 'benign: recheck: the value is only used as a recheck, which cannot hurt']);
  });
});
