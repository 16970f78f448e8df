// Determinism of the core: the same tree audited twice, or with its files
// given in another order, gives byte-identical JSON (ARCHITECTURE.md,
// "Determinism"). The CLI check below covers a fresh process as well.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { auditFiles } from '../../server/src/analysis/audit';
import type { SourceFile } from '../../server/src/analysis/audit-types';
import { detectEra, EraDetection } from '../../server/src/model/era';
import { Rng } from './fuzz-lib';
import { runCli } from './fuzz-checks';
import { allRules } from '../../server/rules/index';

const REPO = path.join(__dirname, '..', '..', '..');

function readTree(root: string): SourceFile[] {
  const out: SourceFile[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.[ch]$/.test(e.name)) out.push({ path: path.relative(root, p).split(path.sep).join('/'), content: fs.readFileSync(p) });
    }
  };
  walk(root);
  return out;
}

function eraOf(root: string): EraDetection {
  const detected = detectEra((rel) => (fs.existsSync(path.join(root, rel)) ? fs.readFileSync(path.join(root, rel), 'utf8') : undefined));
  return detected.known ? detected : { era: '6.2-6.14', known: true, evidence: 'test default' };
}

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const rng = new Rng(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) { const j = rng.int(i + 1); [out[i], out[j]] = [out[j], out[i]]; }
  return out;
}

const trees: Array<[string, string]> = [
  ['examples/sample-tree', path.join(REPO, 'examples', 'sample-tree')],
  ...fs.readdirSync(path.join(REPO, 'test', 'fixtures', 'trees')).sort().map((t): [string, string] => [`fixtures/trees/${t}`, path.join(REPO, 'test', 'fixtures', 'trees', t)]),
  // Every rule fixture at once: many files, many findings, suppressions.
  ['fixtures/rules (as one tree)', path.join(REPO, 'test', 'fixtures', 'rules')],
];

describe('determinism', () => {
  for (const [name, root] of trees) {
    it(`${name}: twice, and in shuffled file order, gives byte-identical JSON`, () => {
      const files = readTree(root);
      const era = eraOf(root);
      const first = JSON.stringify(auditFiles(files, { era, rules: allRules }));
      assert.ok(JSON.parse(first).findings.length > 0 || name.includes('EMPTY'), `${name}: no findings, the comparison would be vacuous`);
      assert.strictEqual(JSON.stringify(auditFiles(files, { era, rules: allRules })), first, `${name}: second run differs`);
      for (const seed of [1, 2, 3]) {
        assert.strictEqual(JSON.stringify(auditFiles(shuffled(files, seed), { era, rules: allRules })), first, `${name}: file order (shuffle seed ${seed}) changes the result`);
      }
    });
  }

  it('CLI --format json over examples/sample-tree is byte-identical across two processes', () => {
    const args = ['--format', 'json', '--fail-on', 'never', path.join(REPO, 'examples', 'sample-tree')];
    const a = runCli(args);
    const b = runCli(args);
    assert.strictEqual(a.status, 0, a.stderr);
    assert.ok(a.stdout.length > 0);
    assert.strictEqual(b.stdout, a.stdout);
  });
});
