// The short fuzz run of npm test: a fixed seed, 200 cases over our fixtures
// only (the kernel cache is not there in CI), through the same script as
// `npm run fuzz`, so a hang or a crash of one case cannot take mocha down.
// Known, reported failures (docs/reliability.md) are listed, not failed on.
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as path from 'path';

const SEED = 8;
const ITERATIONS = 200;
const SCRIPT = path.join(__dirname, '..', '..', 'scripts', 'fuzz.js');

describe('fuzz (short run)', function () {
  this.timeout(150000);

  it(`seed ${SEED}, ${ITERATIONS} cases: no new failure in parse, reparse, audit or CLI`, () => {
    const r = spawnSync(process.execPath, [SCRIPT, '--seed', String(SEED), '--iterations', String(ITERATIONS), '--no-kernel', '--time-limit', '30'],
      { encoding: 'utf8', timeout: 140000, maxBuffer: 64 * 1024 * 1024 });
    const out = r.stdout ?? '';
    const summary = out.split('\n').find((l) => /^fuzz: seed \d+, \d+ cases, \d+ failures/.test(l));
    assert.ok(summary, `no summary line; exit ${r.status} ${r.signal ?? ''}\n${out.slice(-2000)}\n${r.stderr}`);
    const failed = out.split('\n').filter((l) => l.startsWith('FAIL'));
    assert.deepStrictEqual(failed, [], `${summary}\n${out}`);
    assert.strictEqual(r.status, 0, `${summary}\n${r.stderr}`);
    assert.match(summary!, new RegExp(`, ${ITERATIONS} cases, 0 failures`));
  });
});
