// The CLI's kept results (host/result-store.ts, the language server's index-cache
// format): a second run over the same files is answered from the cache with the
// same report; any changed byte, option or damaged file is a miss, never a stale
// result; --diff keeps base and head; a run of mm/+fs/ fills the tree's LSP slot.
import * as assert from 'assert';
import { allRules } from '../../server/rules/index';
import * as fs from 'fs';
import * as path from 'path';
import { copyTree, FIXTURE_TREES, runCli, scratchDir } from './helpers';
import { listFiles } from '../fixture-runner';

async function run(args: string[]): Promise<{ stdout: string; stderr: string; hit: boolean }> {
  const r = await runCli(['--format', 'json', '--fail-on', 'never', '--debug', ...args]);
  assert.strictEqual(r.code, 0, r.stderr);
  return { stdout: r.stdout, stderr: r.stderr, hit: /result from cache/.test(r.stderr) };
}

/**
 * A copy of the context fixture tree with every file written an hour ago (a stat taken now can be
 * trusted: file-stamp.ts leaves out files written within 2 s of it), and the files a run reads
 * (mm/ and fs/: context mode).
 */
function contextTreeWrittenAnHourAgo(): { tree: string; files: string[]; hourAgo: Date } {
  const tree = copyTree(path.join(FIXTURE_TREES, 'context'));
  const hourAgo = new Date(Date.now() - 3600 * 1000);
  for (const f of listFiles(tree)) fs.utimesSync(f, hourAgo, hourAgo);
  return { tree, files: listFiles(path.join(tree, 'mm')).concat(listFiles(path.join(tree, 'fs'))), hourAgo };
}

/** How many files a run took as the kept state had them (its --debug line), or -1 without kept state. */
function taken(r: { stderr: string }): number {
  return Number(/(\d+) of \d+ files unchanged since the kept state/.exec(r.stderr)?.[1] ?? -1);
}

describe('cli: results kept between runs', () => {
  it('a second run is answered from the cache, with a byte-identical report; a changed file is a miss with the new result', async () => {
    const tree = copyTree(path.join(FIXTURE_TREES, 'context'));
    const cache = scratchDir();
    const args = ['--cache-dir', cache, '--root', tree, path.join(tree, 'fs', 'pmemfs', 'notify.c')];
    const cold = await run(args);
    assert.ok(!cold.hit, cold.stderr);
    const names = fs.readdirSync(cache);
    assert.ok(names.some((n) => /^context-[0-9a-f]{16}\.cli-[0-9a-f]{24}\.json$/.test(n)), names.join());
    assert.ok(names.includes(names.find((n) => /^context-[0-9a-f]{16}\.json$/.test(n))!), 'mm/+fs/ only: the LSP slot is written too');
    const warm = await run(args);
    assert.ok(warm.hit, warm.stderr);
    assert.strictEqual(warm.stdout, cold.stdout);
    // Another file selected from the same tree: the same kept result answers.
    assert.ok((await run(['--cache-dir', cache, '--root', tree, path.join(tree, 'mm', 'owner.c')])).hit);
    // A changed byte in a context file (not the selected one) is a miss.
    const owner = path.join(tree, 'mm', 'owner.c');
    fs.writeFileSync(owner, fs.readFileSync(owner, 'utf8').replace('\treturn page->index;', '\tif (is_zone_device_page(page))\n\t\treturn 0;\n\treturn page->index;'));
    const changed = await run(['--cache-dir', cache, '--root', tree]);
    assert.ok(!changed.hit);
    assert.ok(/1 file changed \(mm\/owner\.c\)/.test(changed.stderr), changed.stderr);
    // It resumes from the last complete audit's analysis state: only what the change reaches is analysed again.
    assert.match(changed.stderr, /resumed from the analysis state of \d+ files \(1 changed since\)/);
    const fresh = await runCli(['--format', 'json', '--fail-on', 'never', '--no-cache', '--root', tree]);
    assert.strictEqual(changed.stdout, fresh.stdout);
    assert.strictEqual(JSON.parse(changed.stdout).findings.length, 2);
  });

  it('other options are another entry; --no-cache neither reads nor writes; a damaged entry is ignored', async () => {
    const tree = copyTree(path.join(FIXTURE_TREES, 'context'));
    const cache = scratchDir();
    await run(['--cache-dir', cache, '--root', tree]);
    const era = await run(['--cache-dir', cache, '--root', tree, '--era', '6.15+']);
    assert.ok(!era.hit);
    // Files-only results are not the editor index's: its slot is left alone.
    const filesOnly = scratchDir();
    await run(['--cache-dir', filesOnly, '--no-context', '--root', tree, path.join(tree, 'mm', 'owner.c')]);
    assert.deepStrictEqual(fs.readdirSync(filesOnly).map((n) => n.replace(/[0-9a-f]{16,}/g, 'H')).sort(), ['context-H.cli-H.json', 'context-H.state-H.bin']);
    const off = scratchDir();
    await run(['--no-cache', '--cache-dir', off, '--root', tree]);
    assert.deepStrictEqual(fs.readdirSync(off), []);
    for (const n of fs.readdirSync(cache)) fs.writeFileSync(path.join(cache, n), '{"format":1,"checksum":"0","body":{}}');
    const damaged = await run(['--cache-dir', cache, '--root', tree]);
    assert.ok(!damaged.hit);
    assert.match(damaged.stderr, /ignored: checksum mismatch/);
    assert.match(damaged.stderr, /analysis state .* ignored: not a session snapshot/);
    assert.doesNotMatch(damaged.stderr, /resumed from/);
    const fresh = await runCli(['--format', 'json', '--fail-on', 'never', '--no-cache', '--root', tree]);
    assert.strictEqual(damaged.stdout, fresh.stdout);
  });

  it('resumes a changed tree from the kept analysis state, and --diff too: the reports are cold runs\' (one callee changed in another file)', async () => {
    const tree = copyTree(path.join(FIXTURE_TREES, 'context'));
    const cache = scratchDir();
    await run(['--cache-dir', cache, '--root', tree]);
    const git = (...a: string[]) => { const r = require('child_process').spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', '-C', tree, ...a], { encoding: 'utf8' }); assert.strictEqual(r.status, 0, r.stderr); };
    git('init', '-q');
    git('add', '-A');
    git('commit', '-q', '-m', 'base');
    const owner = path.join(tree, 'mm', 'owner.c');
    const text = fs.readFileSync(owner, 'utf8');
    for (const [i, next] of [text.replace('\treturn page->index;', '\tif (is_zone_device_page(page))\n\t\treturn 0;\n\treturn page->index;'), `/* moved */\n${text}`].entries()) {
      fs.writeFileSync(owner, next);
      const resumed = await run(['--cache-dir', cache, '--root', tree]);
      assert.match(resumed.stderr, /resumed from the analysis state/, `change ${i}`);
      const fresh = await runCli(['--format', 'json', '--fail-on', 'never', '--no-cache', '--root', tree]);
      assert.strictEqual(resumed.stdout, fresh.stdout, `change ${i}`);
      const diff = await run(['--cache-dir', cache, '--root', tree, '--diff', 'HEAD']);
      const freshDiff = await runCli(['--format', 'json', '--fail-on', 'never', '--no-cache', '--root', tree, '--diff', 'HEAD']);
      assert.strictEqual(diff.stdout, freshDiff.stdout, `--diff, change ${i}`);
    }
  });

  it('files read by the reader threads (a cold run stats none when listing) are stamped as read: the next run reads none again', async () => {
    const { tree, files } = contextTreeWrittenAnHourAgo();
    const cache = scratchDir();
    process.env.FSDAX_AUDIT_PARALLEL_MIN_FILES = '1';
    try {
      for (const jobs of ['2', '1']) {
        const args = ['--cache-dir', path.join(cache, jobs), '--root', tree, '--jobs', jobs];
        const cold = await run(args);
        const warm = await run(args);
        assert.strictEqual(taken(warm), files.length, `--jobs ${jobs}: ${warm.stderr}`);
        assert.ok(warm.hit);
        assert.strictEqual(warm.stdout, cold.stdout);
      }
    } finally {
      delete process.env.FSDAX_AUDIT_PARALLEL_MIN_FILES;
    }
  });

  it('does not read again a file whose stat is unchanged since the kept state; any other change to it is read, and the report is a cold run\'s', async () => {
    const { tree, files, hourAgo } = contextTreeWrittenAnHourAgo();
    const cache = scratchDir();
    const args = ['--cache-dir', cache, '--root', tree];
    const fresh = async () => (await runCli(['--format', 'json', '--fail-on', 'never', '--no-cache', '--root', tree])).stdout;
    const cold = await run(args);
    assert.strictEqual(taken(cold), -1, 'nothing kept yet');
    const warm = await run(args);
    assert.ok(warm.hit);
    assert.strictEqual(taken(warm), files.length, warm.stderr);
    assert.strictEqual(warm.stdout, cold.stdout);
    // The same size and the old mtime put back (a tool that keeps mtimes, a `touch -d`): the ctime tells it changed.
    const owner = path.join(tree, 'mm', 'owner.c');
    const text = fs.readFileSync(owner, 'utf8');
    const sameSize = text.replace('\treturn page->index;', '\treturn page->flags;');
    assert.ok(sameSize !== text && sameSize.length === text.length);
    fs.writeFileSync(owner, sameSize);
    fs.utimesSync(owner, hourAgo, hourAgo);
    const touched = await run(args);
    assert.strictEqual(taken(touched), files.length - 1, touched.stderr);
    assert.ok(!touched.hit, 'a changed file is never answered from the kept result');
    assert.strictEqual(touched.stdout, await fresh());
    assert.notStrictEqual(touched.stdout, cold.stdout, 'the change removes a finding');
    // A file written in the clock tick of its stat is read, and read again next time (a second write in that tick
    // would leave the stat as it was): its mtime here is ahead of the clock, as on a network filesystem, which is never trusted.
    fs.writeFileSync(owner, `${text}/* new content: no kept result has it, so the first run keeps its state */\n`);
    fs.utimesSync(owner, new Date(), new Date(Date.now() + 60_000));
    for (let i = 0; i < 2; i++) {
      const again = await run(args);
      assert.strictEqual(again.hit, i === 1);
      assert.strictEqual(taken(again), files.length - 1, again.stderr);
      assert.strictEqual(again.stdout, await fresh());
    }
    fs.writeFileSync(owner, text);
    fs.utimesSync(owner, hourAgo, hourAgo);
    // A new file is read; a removed one is gone from the report.
    fs.writeFileSync(path.join(tree, 'mm', 'added.c'), 'struct page;\nunsigned long added_index(struct page *page)\n{\n\treturn page->index;\n}\n');
    const added = await run(args);
    assert.strictEqual(taken(added), files.length - 1, added.stderr);
    assert.strictEqual(added.stdout, await fresh());
    fs.unlinkSync(path.join(tree, 'mm', 'added.c'));
    const removed = await run(args);
    assert.strictEqual(removed.stdout, cold.stdout);
  });

  it('keeps the 8 most recent entries of a tree, and deletes any tree\'s entries unused for a month', async () => {
    const tree = copyTree(path.join(FIXTURE_TREES, 'context'));
    const cache = scratchDir();
    const old = path.join(cache, 'gone-0123456789abcdef.cli-0123456789abcdef01234567.json');
    fs.writeFileSync(old, '{}');
    const monthAgo = new Date(Date.now() - 40 * 24 * 3600 * 1000);
    fs.utimesSync(old, monthAgo, monthAgo);
    const extra = path.join(tree, 'mm', 'extra.c');
    for (let i = 0; i < 10; i++) {
      fs.writeFileSync(extra, `int extra_${i};\n`);
      await run(['--cache-dir', cache, '--root', tree]);
    }
    const cli = fs.readdirSync(cache).filter((n) => n.includes('.cli-'));
    assert.strictEqual(cli.length, 8, cli.join());
    assert.ok(!fs.existsSync(old));
    assert.ok((await run(['--cache-dir', cache, '--root', tree])).hit, 'the latest state is kept');
  });

  it('the language server slot written by the CLI is the one the index reads (same name, tool and key)', async () => {
    const { WorkspaceIndex } = await import('../../server/src/lsp/workspace-index');
    const { IndexCacheFile } = await import('../../server/src/host/result-store');
    const tree = copyTree(path.join(FIXTURE_TREES, 'context'));
    const cache = scratchDir();
    await run(['--cache-dir', cache, '--root', tree]);
    const logs: string[] = [];
    const index = new WorkspaceIndex(tree, new IndexCacheFile(cache, tree, (m) => logs.push(m)), (m) => logs.push(m));
    await index.build(() => undefined, () => false);
    assert.ok(index.restore({ era: index.era, rules: allRules }, undefined), logs.join('\n'));
    const cli = JSON.parse((await runCli(['--format', 'json', '--fail-on', 'never', '--no-cache', '--root', tree])).stdout);
    assert.deepStrictEqual(index.lastFullAudit!.findings.map((f) => f.fingerprint), cli.findings.map((f: { fingerprint: string }) => f.fingerprint));
  });
});
