// `fsdax-audit repro`: the command line without booting anything (the runs need QEMU: docs/repro.md).
import * as assert from 'assert';
import { runCli } from './helpers';
import { SCENARIOS } from '../../server/src/repro/scenarios';

describe('cli repro', () => {
  it('--list names every scenario x era x variant with its expectation', async () => {
    const r = await runCli(['repro', '--list']);
    assert.strictEqual(r.code, 0);
    const lines = r.stdout.trim().split('\n');
    const expected = SCENARIOS.flatMap((s) => s.eras.flatMap((era) => s.variants(era).map((v) => `${s.id} ${era} ${v.id}:`)));
    assert.deepStrictEqual(lines.map((l) => l.slice(0, l.indexOf(':') + 1)), expected);
    for (const l of lines) assert.match(l, /\(expect (reproduced|not reproduced); fsdax\/[\w-]+\)$/);
  });

  it('wrong command lines exit 2 with one line', async () => {
    for (const args of [['repro'], ['repro', 'no-such-scenario'], ['repro', '--kernel', '6.2=x', '--all'], ['repro', '--era', '5.10', '--all'], ['repro', 'dax-lock-shared', '--variant', 'nope']]) {
      const r = await runCli(args);
      assert.strictEqual(r.code, 2, args.join(' '));
      assert.strictEqual(r.stderr.trim().split('\n').length, 1, args.join(' '));
      assert.match(r.stderr, /^fsdax-audit repro: /, args.join(' '));
    }
  });

  it('the main help points at the subcommand', async () => {
    assert.match((await runCli(['--help'])).stdout, /fsdax-audit repro --help/);
  });
});
