// `fsdax-audit repro`: the command line without booting anything (the runs need QEMU: docs/repro.md).
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FIXTURE_TREES, REPO, runCli } from './helpers';
import { treeImageDir, treeState } from '../../server/src/repro/build';
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

  it('--fetched names the stock kernels a run would download first, and is satisfied by what --fetch leaves', async () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'fsdax-repro-cache-'));
    const before = process.env.FSDAX_AUDIT_CACHE;
    process.env.FSDAX_AUDIT_CACHE = cache;
    try {
      let r = await runCli(['repro', '--fetched']);
      assert.strictEqual(r.code, 1);
      for (const era of ['6.12', '6.1', '7.x']) assert.match(r.stdout, new RegExp(`the ${era.replace('.', '\\.')} kernel \\(linux-image-`));
      assert.match(r.stdout, /\(node bin\/fsdax-audit\.js repro --fetch\)$/m);
      // What ensureKernel() leaves once a package is unpacked: its .complete marker.
      r = await runCli(['repro', '--fetched', '--era', '6.1', '--kernel', '6.1=linux-image-test']);
      assert.match(r.stdout, /the 6\.1 kernel \(linux-image-test\)/);
      fs.mkdirSync(path.join(cache, 'repro', 'kernels', 'linux-image-test'), { recursive: true });
      fs.writeFileSync(path.join(cache, 'repro', 'kernels', 'linux-image-test', '.complete'), '6.1.0-test\nlib/modules\n');
      r = await runCli(['repro', '--fetched', '--era', '6.1', '--kernel', '6.1=linux-image-test']);
      assert.strictEqual(r.code, 0, r.stdout);
      assert.match(r.stdout, /every kernel fetched \(6\.1\)/);
    } finally {
      if (before === undefined) delete process.env.FSDAX_AUDIT_CACHE; else process.env.FSDAX_AUDIT_CACHE = before;
      fs.rmSync(cache, { recursive: true, force: true });
    }
  });

  it('--built names the kernels a --tree run would build first, writes nothing, and is satisfied by cached images', async () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'fsdax-repro-cache-'));
    const tree = fs.mkdtempSync(path.join(os.tmpdir(), 'fsdax-repro-tree-'));
    fs.writeFileSync(path.join(tree, 'Makefile'), 'all:\n');
    fs.mkdirSync(path.join(tree, 'arch', 'x86'), { recursive: true });
    fs.writeFileSync(path.join(tree, 'arch', 'x86', 'Kconfig'), '');
    const patch = path.join(REPO, 'scripts', 'repro', 'patches', '7.x-which-page.diff');
    const before = process.env.FSDAX_AUDIT_CACHE;
    process.env.FSDAX_AUDIT_CACHE = cache;
    try {
      const args = ['repro', 'which-page-pmd-tail', '--era', '7.x', '--tree', tree, '--patch', patch, '--built'];
      let r = await runCli(args);
      assert.strictEqual(r.code, 1, r.stderr);
      assert.match(r.stdout, /^not built: the tree as it is, the tree with 7\.x-which-page\.diff \(a run builds them first: minutes\)$/m);
      assert.deepStrictEqual(fs.readdirSync(cache), [], 'nothing written to the cache');
      // What a finished build leaves: the image's kernelrelease.
      const state = treeState(tree).key;
      for (const patches of [[], [patch]]) {
        const dir = treeImageDir({ tree, era: '7.x', patches, state });
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, 'kernelrelease'), '7.2.13\n');
        r = await runCli(args);
        assert.strictEqual(r.code, patches.length ? 0 : 1, r.stdout);
      }
      assert.match(r.stdout, /^every kernel built \(a run only boots\)$/m);
      assert.strictEqual((await runCli(['repro', 'which-page-pmd-tail', '--built'])).code, 2);
    } finally {
      if (before === undefined) delete process.env.FSDAX_AUDIT_CACHE; else process.env.FSDAX_AUDIT_CACHE = before;
      fs.rmSync(cache, { recursive: true, force: true });
      fs.rmSync(tree, { recursive: true, force: true });
    }
  });

  it('wrong command lines exit 2 with one line', async () => {
    for (const args of [['repro'], ['repro', 'no-such-scenario'], ['repro', '--kernel', '6.2=x', '--all'], ['repro', '--era', '5.10', '--all'], ['repro', 'dax-lock-shared', '--variant', 'nope']]) {
      const r = await runCli(args);
      assert.strictEqual(r.code, 2, args.join(' '));
      assert.strictEqual(r.stderr.trim().split('\n').length, 1, args.join(' '));
      assert.match(r.stderr, /^fsdax-audit repro: /, args.join(' '));
    }
  });

  it('--tree, --patch and --finding: wrong combinations exit 2 with one line', async () => {
    const fp = 'fsdax/which-page|mm/memory-failure.c|mf_generic_kill_procs|folio->index';
    const cases: [string[], RegExp][] = [
      [['repro', 'which-page-pmd-tail', '--patch', 'x.diff'], /--patch needs --tree/],
      [['repro', 'which-page-pmd-tail', '--tree', FIXTURE_TREES, '--kernel', '7.x=linux-image-x'], /--kernel and --tree exclude each other/],
      [['repro', 'which-page-pmd-tail', '--finding', fp], /a scenario or --finding, not both/],
      [['repro', '--tree', path.join(FIXTURE_TREES, 'no-such-tree')], /no such directory/],
      [['repro', '--tree', path.join(FIXTURE_TREES, 'era-5.18')], /era <=5\.18 .* has no reproducer scenarios \(6\.12 = 6\.2-6\.14, 6\.1 = 5\.19-6\.1, 7\.x = 6\.15\+\)/],
      [['repro', '--finding', 'not-a-fingerprint'], /--finding wants a fingerprint rule\|file\|function\|expression/],
      [['repro', '--finding', 'fsdax/index-read|fs/dax.c|dax_lock_folio|folio->index'], /no scenario decides fsdax\/index-read in dax_lock_folio/],
      [['repro', '--tree', path.join(FIXTURE_TREES, 'era-6.15-mainline'), '--finding', fp], /mm\/memory-failure\.c of .* has no function mf_generic_kill_procs/],
      [['repro', 'dax-lock-shared', '--tree', path.join(FIXTURE_TREES, 'era-6.15-mainline')], /nothing matches in era 7\.x/],
    ];
    for (const [args, re] of cases) {
      const r = await runCli(args);
      assert.strictEqual(r.code, 2, args.join(' '));
      assert.strictEqual(r.stderr.trim().split('\n').filter((l) => !/\): scenarios of /.test(l)).length, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re, args.join(' '));
    }
  });

  it('--tree detects the era as the analysis does and --finding picks the scenario of the finding, then the build checks the tree', async () => {
    const tree = fs.mkdtempSync(path.join(os.tmpdir(), 'fsdax-repro-tree-'));
    try {
      fs.cpSync(path.join(FIXTURE_TREES, 'era-6.15-mainline'), tree, { recursive: true });
      fs.appendFileSync(path.join(tree, 'mm', 'memory-failure.c'), 'static int mf_generic_kill_procs(unsigned long long pfn, int flags,\n\t\tstruct dev_pagemap *pgmap)\n{\n\treturn 0;\n}\n');
      const r = await runCli(['repro', '--tree', tree, '--finding', 'fsdax/which-page|mm/memory-failure.c|mf_generic_kill_procs|folio->index']);
      assert.match(r.stderr, /era 6\.15\+ \(.*\): scenarios of 7\.x/);
      assert.match(r.stderr, /finding fsdax\/which-page in mf_generic_kill_procs: scenario which-page-pmd-tail/);
      assert.match(r.stderr, /is not a kernel tree \(no Makefile and arch\/x86\/Kconfig\)/);
      assert.strictEqual(r.code, 1);
      assert.strictEqual(r.stdout, '');
    } finally {
      fs.rmSync(tree, { recursive: true, force: true });
    }
  });

  it('the main help points at the subcommand', async () => {
    assert.match((await runCli(['--help'])).stdout, /fsdax-audit repro --help/);
  });
});
