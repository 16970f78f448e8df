// Bad input: one clear line and exit 2 for user mistakes; a bad file inside a
// tree is reported and the scan goes on; stack traces only with --debug.
import * as assert from 'assert';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { copyTree, REPO, runBin, runCli, SAMPLE_TREE, SAMPLE_TREE_FINDINGS, scratchDir } from './helpers';

function assertOneLine(stderr: string, re: RegExp): void {
  assert.strictEqual(stderr.split('\n').filter(Boolean).length, 1, `one line expected:\n${stderr}`);
  assert.match(stderr, re);
  assert.ok(!/\n\s+at /.test(stderr), `no stack trace:\n${stderr}`);
}

describe('cli bad input', () => {
  it('a path that does not exist: exit 2, one line naming it', () => {
    const r = runBin(['mm/no-such-file.c']);
    assert.strictEqual(r.code, 2);
    assert.strictEqual(r.stdout, '');
    assert.strictEqual(r.stderr, 'fsdax-audit: no such path: mm/no-such-file.c\n');
  });

  it('a missing --root, a tree with nothing to audit: exit 2, one line', async () => {
    assertOneLine((await runCli(['--root', '/no/such/root'])).stderr, /^fsdax-audit: no such root: \/no\/such\/root\n$/);
    const empty = scratchDir();
    const r = await runCli(['--root', empty]);
    assert.strictEqual(r.code, 2);
    assertOneLine(r.stderr, /^fsdax-audit: nothing to audit/);
  });

  it('unknown options and bad choices: exit 2, one line', async () => {
    for (const args of [['--bogus'], ['--fail-on', 'sometimes'], ['--format'], ['--update-baseline', SAMPLE_TREE]]) {
      const r = await runCli(args);
      assert.strictEqual(r.code, 2, args.join(' '));
      assertOneLine(r.stderr, /^fsdax-audit: /);
    }
  });

  it('a binary file and a dangling symlink inside a tree are reported; the scan goes on', async () => {
    const tree = copyTree(SAMPLE_TREE);
    fs.writeFileSync(path.join(tree, 'mm', 'blob.c'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 0]));
    fs.symlinkSync(path.join(tree, 'mm', 'gone.c'), path.join(tree, 'mm', 'dangling.c'));
    const r = await runCli(['--format', 'json', tree]);
    assert.strictEqual(r.code, 1, 'findings of the other files still fail the run');
    const doc = JSON.parse(r.stdout);
    assert.strictEqual(doc.findings.length, SAMPLE_TREE_FINDINGS, 'the good files were all analysed');
    const kinds = doc.problems.map((p: { file: string; kind: string }) => `${p.file} ${p.kind}`);
    assert.ok(kinds.includes('mm/blob.c binary'), kinds.join('\n'));
    assert.ok(kinds.includes('mm/dangling.c internal'), kinds.join('\n'));
    const text = await runCli([tree]);
    assert.match(text.stdout, /^mm\/blob\.c:1: note: file contains NUL bytes; not C source, not analysed \[binary\]$/m);
    assert.match(text.stdout, /^mm\/dangling\.c:1: note: cannot read: .*ENOENT.* \[internal\]$/m);
  });

  it('symlinked directories in a tree are not followed (a loop ends, nothing counts twice); symlinked files are read', async () => {
    const tree = copyTree(SAMPLE_TREE);
    const before = JSON.parse((await runCli(['--format', 'json', tree])).stdout);
    fs.symlinkSync('..', path.join(tree, 'mm', 'loop'));
    fs.symlinkSync(path.join(tree, 'mm'), path.join(tree, 'fs', 'mm-again'));
    const after = JSON.parse((await runCli(['--format', 'json', tree])).stdout);
    assert.strictEqual(after.stats.files, before.stats.files, 'no file is counted twice');
    assert.deepStrictEqual(after.findings, before.findings);
    const file = fs.readdirSync(path.join(tree, 'mm')).find((f) => f.endsWith('.c'))!;
    fs.symlinkSync(path.join(tree, 'mm', file), path.join(tree, 'fs', 'linked.c'));
    const linked = JSON.parse((await runCli(['--format', 'json', tree])).stdout);
    assert.strictEqual(linked.stats.files, before.stats.files + 1, 'a symlinked file is read');
    const viaLink = JSON.parse((await runCli(['--format', 'json', '--root', tree, path.join(tree, 'fs', 'mm-again')])).stdout);
    assert.ok(viaLink.stats.files > 0, 'a symlinked directory given on the command line is followed');
  });

  it('a missing or invalid --model or --baseline: exit 2, one line', async () => {
    const dir = scratchDir();
    const broken = path.join(dir, 'broken.json');
    fs.writeFileSync(broken, '{ not json');
    const notBaseline = path.join(dir, 'other.json');
    fs.writeFileSync(notBaseline, JSON.stringify({ version: 99, findings: [] }));
    const cases: Array<[string[], RegExp]> = [
      [['--model', path.join(dir, 'none.json')], /^fsdax-audit: cannot read model file: /],
      [['--model', broken], /^fsdax-audit: model file .* is not valid JSON: /],
      [['--baseline', path.join(dir, 'none.json')], /^fsdax-audit: cannot read baseline: /],
      [['--baseline', broken], /^fsdax-audit: baseline .* is not valid JSON: /],
      [['--baseline', notBaseline], /^fsdax-audit: baseline .* is not an fsdax-audit baseline version 1\n$/],
    ];
    for (const [args, re] of cases) {
      const r = await runCli([...args, SAMPLE_TREE]);
      assert.strictEqual(r.code, 2, args.join(' '));
      assert.strictEqual(r.stdout, '');
      assertOneLine(r.stderr, re);
    }
  });

  it('an --output that cannot be written: exit 2, one line', async () => {
    const r = await runCli(['--output', '/no/such/dir/report.txt', SAMPLE_TREE]);
    assert.strictEqual(r.code, 2);
    assertOneLine(r.stderr, /^fsdax-audit: cannot write report \/no\/such\/dir\/report\.txt: ENOENT\n$/);
  });

  it('an internal error is one line; --debug adds the stack trace', async () => {
    const failing = () => { throw new Error('disk on fire'); };
    const plain = await runCli(['--fail-on', 'never', SAMPLE_TREE], { stdoutWrite: failing });
    assert.strictEqual(plain.code, 2);
    assertOneLine(plain.stderr, /^fsdax-audit: internal error: disk on fire \(run with --debug for details\)\n$/);
    const debug = await runCli(['--debug', '--fail-on', 'never', SAMPLE_TREE], { stdoutWrite: failing });
    assert.strictEqual(debug.code, 2);
    assert.match(debug.stderr, /^fsdax-audit: internal error: disk on fire\nError: disk on fire\n\s+at /);
  });
});

describe('cli: a reader that stops early', () => {
  it('fsdax-audit ... | head (the reader closes after the first chunk of a 1.3 MB report): SIGPIPE\'s status, no stack trace', async () => {
    const args = ['--format', 'sarif', '--fail-on', 'never', '--show-benign', path.join(REPO, 'test', 'fixtures', 'rules')];
    const child = spawn(process.execPath, [path.join(REPO, 'bin', 'fsdax-audit.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.strictEqual(stderr, '', 'nothing on stderr');
    assert.strictEqual(code, 141);
  });
});

describe('cli: a lone file outside a kernel tree', () => {
  it('is reported under its own name, not an empty path', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fsdax-lone-'));
    const file = path.join(dir, 'lone.c');
    fs.copyFileSync(path.join(SAMPLE_TREE, 'mm', 'memory-failure.c'), file);
    const r = await runCli(['--fail-on', 'never', '--quiet', file]);
    fs.rmSync(dir, { recursive: true, force: true });
    assert.strictEqual(r.code, 0);
    const lines = r.stdout.trim().split('\n').filter((l) => !l.startsWith(' '));
    assert.ok(lines.length > 0);
    for (const l of lines) assert.match(l, /^lone\.c:\d+:\d+: /);
  });
});
