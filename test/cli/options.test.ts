// Every CLI option and exit code, through the real argument parser.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FIXTURE_TREES, runBin, runCli, SAMPLE_TREE, SAMPLE_TREE_FINDINGS, scratchDir } from './helpers';

const LINE_RE = /^[\w./-]+\.[ch]:\d+:\d+: (error|warning|info): .+ \[fsdax\/[\w-]+\]$/;

describe('cli options', () => {
  it('--help and --version print to stdout and exit 0', async () => {
    const help = await runCli(['--help']);
    assert.strictEqual(help.code, 0);
    for (const opt of ['--root', '--format', '--output', '--baseline', '--update-baseline', '--fail-on', '--jobs', '--era', '--model', '--progress', '--no-progress', '--quiet', '--debug']) {
      assert.ok(help.stdout.includes(opt), `help lacks ${opt}`);
    }
    const version = await runCli(['--version']);
    assert.strictEqual(version.code, 0);
    assert.strictEqual(version.stdout.trim(), JSON.parse(fs.readFileSync(path.join(__dirname, '../../../package.json'), 'utf8')).version);
  });

  it('text: compiler-style lines grouped by file, summary last; --quiet drops the summary', async () => {
    const r = await runCli(['--fail-on', 'never', SAMPLE_TREE]);
    assert.strictEqual(r.code, 0);
    const blocks = r.stdout.trimEnd().split('\n\n');
    assert.match(blocks[blocks.length - 1], /^fsdax-audit: era 6\.2-6\.14 .*; in tree context: 6 files \(\d+ parsed\), \d+ functions; 10 findings \(5 errors, 5 warnings, 0 info\)$/);
    // What the tags mean, once, before the summary.
    assert.strictEqual(blocks[blocks.length - 2], 'fsdax-audit: [race]: needs a race: a concurrent truncate, or another reflinked file\'s fault that makes the page shared (dax_page_share_get runs under that file\'s lock, not this one\'s)');
    assert.strictEqual(r.stdout.split('needs a race').length, 2, 'the race mechanism is said once');
    const files = blocks.slice(0, -2).map((b) => {
      const lines = b.split('\n');
      for (const l of lines.filter((x) => !x.startsWith('  '))) assert.match(l, LINE_RE);
      // Each finding: its path one step per call level (`note:`), then one `fix:` line.
      for (const finding of b.split(/\n(?! )/)) {
        const [, ...rest] = finding.split('\n');
        assert.match(rest[rest.length - 1], /^ {2}fix: \S/, finding);
        for (const l of rest.slice(0, -1)) assert.match(l, /^ {2}[\w./-]+:\d+:\d+: note: (\w+\(\w*\): |\w+\(\) → \w+\(\)$)/);
        const levels = rest.slice(0, -1).map((l) => /note: (\w+)\(/.exec(l)![1]);
        assert.strictEqual(new Set(levels).size, levels.length, `at most one step per call level:\n${finding}`);
      }
      const names = new Set(lines.filter((x) => !x.startsWith('  ')).map((x) => x.split(':')[0]));
      assert.strictEqual(names.size, 1, `one file per block:\n${b}`);
      return [...names][0];
    });
    assert.deepStrictEqual(files, [...files].sort());
    assert.strictEqual(new Set(files).size, files.length);
    const quiet = await runCli(['--quiet', '--fail-on', 'never', SAMPLE_TREE]);
    assert.ok(!quiet.stdout.includes('fsdax-audit: era'));
    assert.strictEqual(quiet.stdout, blocks.slice(0, -2).join('\n\n') + '\n');
  });

  it('--fail-on sets the exit code: error/warning/info -> 1 with findings at that level, never -> 0', async () => {
    assert.strictEqual((await runCli([SAMPLE_TREE])).code, 1, 'default is warning');
    assert.strictEqual((await runCli(['--fail-on', 'error', SAMPLE_TREE])).code, 1);
    assert.strictEqual((await runCli(['--fail-on', 'info', SAMPLE_TREE])).code, 1);
    assert.strictEqual((await runCli(['--fail-on', 'never', SAMPLE_TREE])).code, 0);
    // cross-file has warnings only, so error threshold passes.
    const tree = path.join(FIXTURE_TREES, 'cross-file');
    const json = JSON.parse((await runCli(['--format', 'json', '--fail-on', 'never', tree])).stdout);
    assert.ok(json.findings.length > 0 && json.findings.every((f: { severity: string }) => f.severity !== 'error'));
    assert.strictEqual((await runCli(['--fail-on', 'error', tree])).code, 0);
    assert.strictEqual((await runCli(['--fail-on', 'warning', tree])).code, 1);
  });

  it('counts in words: 1 finding, 1 error, 1 file', async () => {
    const dir = scratchDir();
    fs.writeFileSync(path.join(dir, 'mf.c'), 'int memory_failure(unsigned long pfn, int flags)\n{\n\tstruct folio *folio = pfn_folio(pfn);\n\tdax_entry_t cookie = dax_lock_folio(folio);\n\n\treturn cookie ? 0 : -EBUSY;\n}\n');
    const r = await runCli(['--fail-on', 'never', path.join(dir, 'mf.c')]);
    assert.match(r.stdout, /; files only: 1 file \(1 parsed\), 1 function; 1 finding \(1 error, 0 warnings, 0 info\)\n$/);
  });

  it('a clean file exits 0 with no finding lines', async () => {
    const dir = scratchDir();
    fs.writeFileSync(path.join(dir, 'clean.c'), 'static int add(int a, int b)\n{\n\treturn a + b;\n}\n');
    const r = await runCli([path.join(dir, 'clean.c')]);
    assert.strictEqual(r.code, 0);
    assert.match(r.stdout, /^fsdax-audit: era .*; files only: 1 file \(\d+ parsed\), \d+ functions; 0 findings/);
  });

  it('--era overrides detection; an unknown era is a usage error', async () => {
    const auto = JSON.parse((await runCli(['--format', 'json', '--fail-on', 'never', SAMPLE_TREE])).stdout);
    assert.strictEqual(auto.era.era, '6.2-6.14');
    const forced = JSON.parse((await runCli(['--format', 'json', '--era', '6.15+', '--fail-on', 'never', SAMPLE_TREE])).stdout);
    assert.deepStrictEqual(forced.era, { era: '6.15+', known: true, evidence: 'set with --era' });
    assert.ok(forced.findings.every((f: { message: string }) => !f.message.includes('6.2-6.14')));
    const bad = await runCli(['--era', '7.0', SAMPLE_TREE]);
    assert.strictEqual(bad.code, 2);
    assert.match(bad.stderr, /^fsdax-audit: unknown era "7\.0"; use auto or one of .*\n$/);
  });

  it('6.15+ is detected from a mainline-layout tree, and --era overrides it both ways', async () => {
    const tree = path.join(FIXTURE_TREES, 'era-6.15-mainline');
    const run = async (...extra: string[]) => JSON.parse((await runCli(['--format', 'json', '--fail-on', 'never', '--root', tree, ...extra])).stdout);
    const ruleCount = (r: { findings: Array<{ ruleId: string }> }, id: string) => r.findings.filter((f) => f.ruleId === id).length;
    const auto = await run();
    assert.deepStrictEqual([auto.era.era, auto.era.known], ['6.15+', true]);
    assert.strictEqual(auto.era.evidence, 'include/linux/mm_types.h: struct folio has a share word, page-flags.h no DAX marker');
    // The collector and the page-table walk act on "gone"; the lock's own NULL exit declines (cookie 0), which is right.
    assert.strictEqual(ruleCount(auto, 'fsdax/null-mapping'), 2);
    const same = await run('--era', '6.15+');
    assert.deepStrictEqual(same.era, { era: '6.15+', known: true, evidence: 'set with --era' });
    assert.deepStrictEqual(same.findings, auto.findings);
    // Read as 6.12 the same code holds the 0x1 marker: no NULL skips, marker reads instead (a NULL
    // test the marker passes is benign there, so shown with --show-benign), and
    // the normal-page lookups are no sources.
    const old = await run('--era', '6.2-6.14', '--show-benign');
    assert.strictEqual(ruleCount(old, 'fsdax/null-mapping'), 0);
    assert.ok(old.findings.some((f: { ruleId: string; message: string }) => f.ruleId === 'fsdax/mapping-read' && f.message.includes('0x1')));
    assert.ok(old.findings.every((f: { file: string }) => f.file !== 'mm/memory.c'), 'vm_normal_folio returns no FS-DAX page up to 6.14');
  });

  it('--root gives relative paths and the default targets mm/ and fs/', async () => {
    const fromRoot = await runCli(['--root', SAMPLE_TREE, '--format', 'json', '--fail-on', 'never']);
    const explicit = await runCli(['--format', 'json', '--fail-on', 'never', SAMPLE_TREE]);
    assert.strictEqual(fromRoot.code, 0);
    const a = JSON.parse(fromRoot.stdout);
    assert.strictEqual(a.stats.files, 5, 'mm/ and fs/ only, not include/');
    assert.ok(a.findings.every((f: { file: string }) => /^(mm|fs)\//.test(f.file)));
    assert.deepStrictEqual(a.findings.map((f: { fingerprint: string }) => f.fingerprint), JSON.parse(explicit.stdout).findings.map((f: { fingerprint: string }) => f.fingerprint));
    const single = JSON.parse((await runCli(['--format', 'json', '--fail-on', 'never', path.join(SAMPLE_TREE, 'mm', 'memory-failure.c')])).stdout);
    assert.ok(single.findings.length > 0 && single.findings.every((f: { file: string }) => f.file === 'mm/memory-failure.c'), 'root found by walking up');
  });

  it('--model merges a user model; its bad keys are reported as problems', async () => {
    const dir = scratchDir();
    const model = path.join(dir, 'model.json');
    fs.writeFileSync(model, JSON.stringify({ bogusKey: 1 }));
    const r = await runCli(['--model', model, '--format', 'json', '--fail-on', 'never', SAMPLE_TREE]);
    assert.strictEqual(r.code, 0);
    const problems = JSON.parse(r.stdout).problems;
    assert.ok(problems.some((p: { kind: string; file: string }) => p.kind === 'model' && p.file === model), JSON.stringify(problems));
  });

  it('--output writes the report to a file and nothing to stdout', async () => {
    const out = path.join(scratchDir(), 'report.json');
    const r = await runCli(['--format', 'json', '--output', out, SAMPLE_TREE]);
    assert.strictEqual(r.code, 1);
    assert.strictEqual(r.stdout, '');
    assert.strictEqual(JSON.parse(fs.readFileSync(out, 'utf8')).findings.length, SAMPLE_TREE_FINDINGS);
  });

  it('--jobs takes a positive integer and defaults to the number of cores', async () => {
    assert.strictEqual((await runCli(['--jobs', '1', '--fail-on', 'never', SAMPLE_TREE])).code, 0);
    assert.strictEqual((await runCli(['--jobs', '2', '--fail-on', 'never', SAMPLE_TREE])).code, 0);
    for (const bad of ['0', '-1', '1.5', 'two', '']) {
      const r = await runCli(['--jobs', bad, SAMPLE_TREE]);
      assert.strictEqual(r.code, 2, `--jobs ${JSON.stringify(bad)}`);
      assert.strictEqual(r.stderr.split('\n').filter(Boolean).length, 1, r.stderr);
      assert.match(r.stderr, /^fsdax-audit: option '--jobs <n>' argument .* is invalid\. Use a positive integer\.\n$/);
    }
    assert.ok((await runCli(['--help'])).stdout.includes(`(default: number of cores)`));
    assert.ok(os.availableParallelism() >= 1);
  });

  it('--progress draws only on a TTY, on stderr; --no-progress never draws', async () => {
    const plain = await runCli(['--progress', '--fail-on', 'never', SAMPLE_TREE]);
    assert.strictEqual(plain.stderr, '', 'not a TTY: no progress');
    const tty = await runCli(['--fail-on', 'never', SAMPLE_TREE], { tty: true });
    assert.match(tty.stderr, /\rfsdax-audit: reading 6\/6 \[#+\]/);
    assert.match(tty.stderr, /\rfsdax-audit: analysing 6 files/);
    assert.match(tty.stderr, /\r {20,}\r$/, 'the line is cleared at the end');
    assert.strictEqual(tty.stdout, plain.stdout, 'progress never touches the report');
    const off = await runCli(['--no-progress', '--fail-on', 'never', SAMPLE_TREE], { tty: true });
    assert.strictEqual(off.stderr, '');
  });

  it('exit codes through the real binary: 0, 1, 2', () => {
    assert.strictEqual(runBin(['--fail-on', 'never', SAMPLE_TREE]).code, 0);
    assert.strictEqual(runBin([SAMPLE_TREE]).code, 1);
    const usage = runBin(['--format', 'xml', SAMPLE_TREE]);
    assert.strictEqual(usage.code, 2);
    assert.strictEqual(usage.stderr, "fsdax-audit: option '--format <format>' argument 'xml' is invalid. Allowed choices are text, json, sarif.\n");
  });
});
