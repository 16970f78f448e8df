// kbuild's checker hook (fsdax-audit-check): sparse's calling convention, the file audited in its
// tree's context, gcc-style diagnostics on stderr. Run as `make C=2 CHECK=...` runs it, through a
// stand-in for kbuild's rule (test/fixtures/kbuild/Makefile), over fixture trees: each file gets
// exactly the findings `fsdax-audit --root <tree> <file>` reports for it.
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { checkMain, mayHaveFindings, parseCheckArgs } from '../../server/src/cli/check';
import { requirePrerequisite } from '../prerequisites';
import { copyTree, FIXTURE_TREES, REPO, runCli, SAMPLE_TREE, scratchDir } from './helpers';

const CHECK_BIN = path.join(REPO, 'bin', 'fsdax-audit-check.js');
const KBUILD = path.join(REPO, 'test', 'fixtures', 'kbuild', 'Makefile');
const hasMake = spawnSync('make', ['--version']).status === 0;

/** `file:line:col rule` of each gcc-style diagnostic (not the notes). */
function diagnostics(text: string): string[] {
  return text.split('\n').map((l) => /^(\S+):(\d+):(\d+): (?:error|warning|note): .* \[(fsdax\/[\w-]+)\]$/.exec(l)).filter((m) => m !== null)
    .map((m) => `${m![1]}:${m![2]}:${m![3]} ${m![4]}`).sort();
}

async function cliFindings(tree: string, file: string): Promise<string[]> {
  const r = await runCli(['--format', 'json', '--fail-on', 'never', '--root', tree, path.join(tree, file)]);
  assert.strictEqual(r.code, 0, r.stderr);
  return JSON.parse(r.stdout).findings.map((f: { file: string; range: { start: { line: number; column: number } }; ruleId: string }) => `${f.file}:${f.range.start.line}:${f.range.start.column} ${f.ruleId}`).sort();
}

async function captured(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await checkMain(args, { stdout: { write: (s: string) => { stdout += s; return true; } }, stderr: { write: (s: string) => { stderr += s; return true; } } }, cwd);
  return { code, stdout, stderr };
}

describe('fsdax-audit-check (kbuild C=1/C=2)', () => {
  it('takes sparse\'s command line: compiler and sparse options are skipped with their values, the C file is the last operand', () => {
    const args = ['--fail-on=error', '-D__linux__', '-Dlinux', '--arch=x86', '-mlittle-endian', '-m64', '-Wbitwise', '-Wp,-MMD,mm/.memory-failure.o.d', '-nostdinc',
      '-I./include', '-I', './arch/x86/include', '-include', './include/linux/kconfig.h', '-isystem', '/usr/lib/gcc/include', '-D', 'MODULE',
      '-DKBUILD_MODFILE="mm/memory-failure"', '-O2', 'mm/memory-failure.c'];
    const { files, options } = parseCheckArgs(args);
    assert.deepStrictEqual(files, ['mm/memory-failure.c']);
    assert.strictEqual(options.failOn, 'error');
    assert.strictEqual(options.arch, 'x86');
    assert.throws(() => parseCheckArgs(['--fail-on=sometimes', 'a.c']), /--fail-on wants/);
  });

  it('a file that names no page field and no helper the rules look at is answered without reading the tree', () => {
    assert.strictEqual(mayHaveFindings('int add(int a, int b) { return a + b; }\n'), false);
    assert.strictEqual(mayHaveFindings('x = inode->i_mapping;\n'), false);
    assert.strictEqual(mayHaveFindings('m = folio->mapping;\n'), true);
    assert.strictEqual(mayHaveFindings('if (folio_test_anon(folio))\n'), true);
  });

  for (const name of ['cross-file', 'context', 'era-6.1']) {
    it(`make C=2 over fixture tree ${name}: each file gets the findings the CLI reports for it`, async function () {
      this.timeout(60_000);
      requirePrerequisite(this, hasMake ? undefined : 'make not installed', 'apt-get install make');
      const tree = copyTree(path.join(FIXTURE_TREES, name));
      const cache = scratchDir();
      const r = spawnSync('sh', ['-c', `make -s -f "${KBUILD}" -C "${tree}" CHECK="${process.execPath} ${CHECK_BIN} --cache-dir=${cache}" check 2>&1`], { encoding: 'utf8' });
      assert.strictEqual(r.status, 0, r.stdout);
      const perFile = r.stdout.split(/^ {2}CHECK {3}/m).slice(1).map((block) => ({ file: block.slice(0, block.indexOf('\n')), text: block }));
      assert.ok(perFile.length >= 2, r.stdout);
      let total = 0;
      for (const { file, text } of perFile) {
        const expected = await cliFindings(tree, file);
        assert.deepStrictEqual(diagnostics(text), expected, `${name}/${file}:\n${text}`);
        total += expected.length;
      }
      assert.ok(total > 0, 'some file has findings');
      // One cold audit, then the kept result: the cache holds entries for this tree.
      assert.ok(fs.readdirSync(cache).some((f) => f.startsWith(`${name}-`)), fs.readdirSync(cache).join(', '));
      for (const d of [path.dirname(tree), cache]) fs.rmSync(d, { recursive: true, force: true });
    });
  }

  it('prints gcc-style lines on stderr: headline, the path as notes, the fix; exit 0 like sparse unless --fail-on', async () => {
    const r = await captured(['-D__KERNEL__', '-O2', 'mm/memory-failure.c'], SAMPLE_TREE);
    assert.strictEqual(r.code, 0);
    assert.strictEqual(r.stdout, '');
    assert.match(r.stderr, /^mm\/memory-failure\.c:8:11: error: `dax_lock_folio\(folio\)` on a maybe-shared FS-DAX page dereferences mapping 0x1 \(6\.2-6\.14\) \[fsdax\/dax-lock-shared\]\nmm\/memory-failure\.c:56:10: note: memory_failure\(pfn\): any pfn, pmem included → mf_dev_pagemap\(\)\n/m);
    assert.match(r.stderr, /^mm\/memory-failure\.c:8:11: note: fix: leave shared pages to the filesystem/m);
    assert.match(r.stderr, /^mm\/memory-failure\.c: note: \[race\]: needs a race: /m);
    assert.strictEqual((await captured(['--fail-on=error', 'mm/memory-failure.c'], SAMPLE_TREE)).code, 1);
    assert.strictEqual((await captured(['--fail-on=error', 'fs/b.c'], SAMPLE_TREE)).code, 0, 'warnings only');
    // From another folder (an O= build): paths as make prints them, relative to where it runs.
    const away = await captured(['../fs/b.c'], path.join(SAMPLE_TREE, 'mm'));
    assert.match(away.stderr, /^\.\.\/fs\/b\.c:6:24: warning: /m);
    const absolute = await captured([path.join(SAMPLE_TREE, 'fs', 'b.c')], path.join(SAMPLE_TREE, 'mm'));
    assert.ok(absolute.stderr.startsWith(`${path.join(SAMPLE_TREE, 'fs', 'b.c')}:6:24: warning: `), absolute.stderr);
  });

  it('no C file, an unreadable one, or a file outside any kernel tree: exit 2 with one line', async () => {
    const none = await captured(['-O2', '-Wall'], SAMPLE_TREE);
    assert.strictEqual(none.code, 2);
    assert.match(none.stderr, /^fsdax-audit-check: no C file to check .*\n$/);
    const missing = await captured(['mm/none.c'], SAMPLE_TREE);
    assert.match(missing.stderr, /^fsdax-audit-check: cannot read mm\/none\.c: ENOENT\n$/);
    const loose = scratchDir();
    fs.writeFileSync(path.join(loose, 'x.c'), 'void f(struct folio *folio) { g(folio->mapping); }\n');
    const outside = await captured(['x.c'], loose);
    assert.strictEqual(outside.code, 2);
    assert.match(outside.stderr, /^fsdax-audit-check: x\.c is not inside a kernel tree .*\n$/);
  });

  it('is also `fsdax-audit check`', async () => {
    const r = await runCli(['check', '-O2', path.join(SAMPLE_TREE, 'fs', 'b.c')]);
    assert.strictEqual(r.code, 0);
    assert.match(r.stderr, /fs\/b\.c:6:24: warning: /);
  });
});
