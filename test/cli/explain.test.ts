// --explain: the simulator's trace for a rule or scenario, in the tree's era.
import * as assert from 'assert';
import * as path from 'path';
import { FIXTURE_TREES, runCli } from './helpers';

describe('cli --explain', () => {
  it('explains a rule in the era of the tree it is run in', async () => {
    const shared = await runCli(['--explain', 'fsdax/index-read', '--root', path.join(FIXTURE_TREES, 'era-6.12')]);
    assert.strictEqual(shared.code, 0);
    assert.match(shared.stdout, /^era 6\.2-6\.14 /);
    assert.match(shared.stdout, /explanations\/shared-index\.html#era-6\.2-6\.14/);
    assert.match(shared.stdout, /share count/);
    const old = await runCli(['--explain', 'fsdax/index-read', '--era', '<=5.18']);
    assert.strictEqual(old.code, 0);
    assert.match(old.stdout, /^era <=5\.18 /);
    assert.notStrictEqual(old.stdout, shared.stdout, 'the trace depends on the era');
  });

  it('marks the wrong step in words and ends with what to do instead', async () => {
    const r = await runCli(['--explain', 'fsdax/dax-lock-shared', '--era', '6.2-6.14']);
    assert.strictEqual(r.code, 0);
    assert.match(r.stdout, /\[GOES WRONG: CRASH\]/);
    assert.ok(!/WRONG \(/.test(r.stdout), 'no "[WRONG (wrong)]"');
    assert.match(r.stdout, /\nA finding tagged \[race\] \(6\.2-6\.14\) needs a race: /);
    assert.match(r.stdout, /\nWhat to do instead:\n {2}A shared page has no single owner to lock; .*\n$/);
    const scenario = await runCli(['--explain', 'shared-mapping', '--era', '6.2-6.14']);
    assert.match(scenario.stdout, /\nWhat to do instead:\n {2}fsdax\/mapping-deref: .*\n {2}fsdax\/mapping-read: .*\n$/, 'a scenario lists the advice of each rule it explains');
  });

  it('accepts a scenario id and refuses an unknown one with exit 2 and one line', async () => {
    assert.strictEqual((await runCli(['--explain', 'page-address-in-vma', '--era', '6.2-6.14'])).code, 0);
    const bad = await runCli(['--explain', 'fsdax/no-such-rule']);
    assert.strictEqual(bad.code, 2);
    assert.strictEqual(bad.stderr.trim().split('\n').length, 1);
    assert.match(bad.stderr, /nothing to explain/);
  });
});
