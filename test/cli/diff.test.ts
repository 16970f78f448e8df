// --diff <rev>: fixture git repos made here from the context fixture tree, one
// commit on top of a base each: a hazard added in a callee file, a guard that
// removes a finding, a change that moves no finding; plus uncommitted and
// untracked changes, and the errors outside git or with a bad revision.
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { copyTree, FIXTURE_TREES, runCli, scratchDir } from './helpers';

interface JsonFinding { file: string; fingerprint: string; ruleId: string; range: { start: { line: number } } }
interface JsonReport { findings: JsonFinding[]; diff: { base: string; commit: string; changedFiles: string[]; added: number; changed: string[]; removed: JsonFinding[] } }

function git(dir: string, ...args: string[]): string {
  const r = spawnSync('git', ['-c', 'user.name=fixture', '-c', 'user.email=fixture@example.org', '-c', 'commit.gpgsign=false', '-C', dir, ...args], { encoding: 'utf8' });
  assert.strictEqual(r.status, 0, `git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

/** The context fixture as a git repo with one base commit. */
function repo(): string {
  const dir = copyTree(path.join(FIXTURE_TREES, 'context'));
  git(dir, 'init', '-q');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'base');
  return dir;
}

function edit(dir: string, file: string, from: string, to: string): void {
  const p = path.join(dir, file);
  const text = fs.readFileSync(p, 'utf8');
  assert.ok(text.includes(from), `${file} has ${from}`);
  fs.writeFileSync(p, text.replace(from, to));
}

function commit(dir: string, message: string): void {
  git(dir, 'commit', '-q', '-a', '-m', message);
}

async function diff(dir: string, rev: string, ...args: string[]): Promise<JsonReport> {
  const r = await runCli(['--format', 'json', '--fail-on', 'never', '--root', dir, '--diff', rev, ...args]);
  assert.strictEqual(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as JsonReport;
}

const prints = (fs: JsonFinding[]) => fs.map((f) => f.fingerprint);

describe('cli: --diff <rev>', () => {
  it('a commit adding a hazard in a callee file: exactly that finding is new, nothing removed; lines shifted below it are not new', async () => {
    const dir = repo();
    edit(dir, 'fs/pmemfs/notify.c', '\tif (!mapping)\n', '\tpr_info("pmemfs: failure in %lu\\n", folio_pgoff(folio));\n\tif (!mapping)\n');
    commit(dir, 'a hazard in the callee');
    const r = await diff(dir, 'HEAD~1');
    assert.deepStrictEqual(prints(r.findings), ['fsdax/index-read|fs/pmemfs/notify.c|pmemfs_notify_failure|folio_pgoff(folio)']);
    assert.strictEqual(r.findings[0].range.start.line, 13);
    assert.deepStrictEqual(r.diff.removed, []);
    assert.deepStrictEqual(r.diff.changed, []);
    assert.strictEqual(r.diff.added, 1);
    assert.deepStrictEqual(r.diff.changedFiles, ['fs/pmemfs/notify.c']);
    assert.strictEqual(r.diff.base, 'HEAD~1');
    assert.strictEqual(r.diff.commit, git(dir, 'rev-parse', 'HEAD~1'));
    // The hazard is in the callee; its source is in mm/: only the tree context finds it.
    const plain = await runCli(['--format', 'json', '--fail-on', 'never', '--no-context', '--root', dir, path.join(dir, 'fs', 'pmemfs', 'notify.c'), '--diff', 'HEAD~1']);
    assert.deepStrictEqual(JSON.parse(plain.stdout).findings, []);
    // Text: the new finding compiler-style, exit 1 at the default --fail-on.
    const text = await runCli(['--root', dir, '--diff', 'HEAD~1']);
    assert.strictEqual(text.code, 1);
    assert.match(text.stdout, /^fs\/pmemfs\/notify\.c:13:\d+: warning: .*\[fsdax\/index-read\]$/m);
    assert.match(text.stdout, /against HEAD~1 \(1 changed files\): 1 new, 0 with a changed path, 0 removed$/m);
  });

  it('a commit adding a guard: no new finding, the guarded one is listed as removed; exit 0', async () => {
    const dir = repo();
    edit(dir, 'mm/owner.c', '{\n\treturn page->index;', '{\n\tif (is_zone_device_page(page))\n\t\treturn 0;\n\treturn page->index;');
    commit(dir, 'a guard');
    const r = await diff(dir, 'HEAD~1');
    assert.deepStrictEqual(r.findings, []);
    assert.deepStrictEqual(prints(r.diff.removed), ['fsdax/index-read|mm/owner.c|mf_page_offset|page->index']);
    assert.strictEqual(r.diff.removed[0].range.start.line, 6, 'lines as at the base');
    const text = await runCli(['--root', dir, '--diff', 'HEAD~1']);
    assert.strictEqual(text.code, 0);
    assert.match(text.stdout, /^fsdax-audit: removed by the change \(lines as at HEAD~1\):\n {2}mm\/owner\.c:6:9: removed: warning: .*\[fsdax\/index-read\]$/m);
  });

  it('a commit that moves no finding (new code, comments, shifted lines): nothing new, nothing removed', async () => {
    const dir = repo();
    edit(dir, 'mm/pmem-failure.c', 'static int mf_dev_pagemap', '/* Pmem pages have no struct page online. */\nstatic int mf_count;\n\nstatic int mf_dev_pagemap');
    edit(dir, 'fs/pmemfs/inode.c', 'void pmemfs_drop_cache', 'int pmemfs_count(int n)\n{\n\treturn n + 1;\n}\n\nvoid pmemfs_drop_cache');
    commit(dir, 'no change of findings');
    const r = await diff(dir, 'HEAD~1');
    assert.deepStrictEqual(r.findings, []);
    assert.deepStrictEqual(r.diff.removed, []);
    assert.deepStrictEqual(r.diff.changedFiles, ['fs/pmemfs/inode.c', 'mm/pmem-failure.c']);
    // Against HEAD itself: no change at all.
    const same = await diff(dir, 'HEAD');
    assert.deepStrictEqual([same.findings, same.diff.removed, same.diff.changedFiles], [[], [], []]);
  });

  it('a commit that gives a finding another path (a shorter route from the source): reported as changed, not new', async () => {
    const dir = repo();
    edit(dir, 'mm/pmem-failure.c', '\tif (!p)\n\t\treturn mf_dev_pagemap(pfn, flags);', '\tif (!p)\n\t\treturn pmemfs_notify_failure(pfn_folio(pfn), flags);');
    commit(dir, 'a shorter route');
    const r = await diff(dir, 'HEAD~1');
    assert.deepStrictEqual(prints(r.findings), ['fsdax/mapping-deref|fs/pmemfs/notify.c|pmemfs_notify_failure|folio->mapping', 'fsdax/index-read|fs/pmemfs/notify.c|pmemfs_notify_failure|folio->index']);
    assert.strictEqual(r.diff.added, 0);
    assert.deepStrictEqual(r.diff.changed, prints(r.findings));
    // mm/owner.c is no longer reached (mf_dev_pagemap is not called): removed.
    assert.deepStrictEqual(prints(r.diff.removed), ['fsdax/index-read|mm/owner.c|mf_page_offset|page->index']);
    const text = await runCli(['--fail-on', 'never', '--root', dir, '--diff', 'HEAD~1']);
    assert.match(text.stdout, /: 0 new, 2 with a changed path, 1 removed$/m);
  });

  it('a commit that renames the callee file (and adds a hazard to it): only the hazard is new, nothing removed', async () => {
    const dir = repo();
    git(dir, 'mv', 'fs/pmemfs/notify.c', 'fs/pmemfs/failure.c');
    commit(dir, 'rename');
    const moved = await diff(dir, 'HEAD~1');
    assert.deepStrictEqual([moved.findings, moved.diff.removed], [[], []]);
    assert.deepStrictEqual(moved.diff.changedFiles, ['fs/pmemfs/failure.c', 'fs/pmemfs/notify.c']);
    edit(dir, 'fs/pmemfs/failure.c', '\tif (!mapping)\n', '\tpr_info("pmemfs: failure in %lu\\n", folio_pgoff(folio));\n\tif (!mapping)\n');
    const r = await diff(dir, 'HEAD~1', path.join(dir, 'fs', 'pmemfs', 'failure.c'));
    assert.deepStrictEqual(prints(r.findings), ['fsdax/index-read|fs/pmemfs/failure.c|pmemfs_notify_failure|folio_pgoff(folio)']);
    assert.deepStrictEqual(r.diff.removed, []);
  });

  it('uncommitted and untracked changes count; a second copy of a read in one function is new; a deleted file removes its findings', async () => {
    const dir = repo();
    edit(dir, 'mm/owner.c', '\treturn page->index;', '\tpr_info("%lu\\n", page->index);\n\treturn page->index;');
    fs.writeFileSync(path.join(dir, 'fs', 'pmemfs', 'extra.c'), '#include <linux/pmem-notify.h>\n\nvoid mf_report_owner(struct page *page);\n');
    const r = await diff(dir, 'HEAD');
    assert.deepStrictEqual(prints(r.findings), ['fsdax/index-read|mm/owner.c|mf_page_offset|page->index']);
    assert.deepStrictEqual(r.diff.changedFiles, ['fs/pmemfs/extra.c', 'mm/owner.c']);
    fs.rmSync(path.join(dir, 'fs', 'pmemfs', 'notify.c'));
    const gone = await diff(dir, 'HEAD', path.join(dir, 'fs'));
    assert.deepStrictEqual(gone.findings, []);
    assert.deepStrictEqual(prints(gone.diff.removed).sort(), ['fsdax/index-read|fs/pmemfs/notify.c|pmemfs_notify_failure|folio->index', 'fsdax/mapping-deref|fs/pmemfs/notify.c|pmemfs_notify_failure|folio->mapping']);
  });

  it('a tracked change outside mm/ and fs/ joins the context; an untracked C file there (a tool checked out in the tree) does not', async () => {
    const dir = repo();
    fs.mkdirSync(path.join(dir, 'drivers', 'pmem'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'drivers', 'pmem', 'pin.c'), ['#include <linux/pmem-notify.h>', '', 'int pmem_pin(unsigned long addr, struct page **pages)', '{',
      '\tif (pin_user_pages_fast(addr, 1, FOLL_WRITE, pages) != 1)', '\t\treturn -EFAULT;', '\tpr_info("%p\\n", page_folio(pages[0])->mapping);', '\treturn 0;', '}', ''].join('\n'));
    fs.mkdirSync(path.join(dir, '.tool', 'fixtures'), { recursive: true });
    fs.copyFileSync(path.join(dir, 'drivers', 'pmem', 'pin.c'), path.join(dir, '.tool', 'fixtures', 'hazard.c'));
    const untracked = await diff(dir, 'HEAD');
    assert.deepStrictEqual([untracked.findings, untracked.diff.changedFiles], [[], []]);
    git(dir, 'add', 'drivers');
    const tracked = await diff(dir, 'HEAD');
    assert.deepStrictEqual(prints(tracked.findings), ['fsdax/mapping-read|drivers/pmem/pin.c|pmem_pin|page_folio(pages[0])->mapping']);
    assert.deepStrictEqual(tracked.diff.changedFiles, ['drivers/pmem/pin.c']);
    // Committed and then deleted: the base has it (anywhere, in context mode), so its finding is removed.
    commit(dir, 'a driver');
    fs.rmSync(path.join(dir, 'drivers', 'pmem', 'pin.c'));
    const gone = await diff(dir, 'HEAD');
    assert.deepStrictEqual(prints(gone.diff.removed), ['fsdax/mapping-read|drivers/pmem/pin.c|pmem_pin|page_folio(pages[0])->mapping']);
  });

  it('outside a git checkout, or with an unknown revision: exit 2 and one clear line', async () => {
    const plain = copyTree(path.join(FIXTURE_TREES, 'context'));
    const r = await runCli(['--root', plain, '--diff', 'HEAD']);
    assert.strictEqual(r.code, 2);
    assert.match(r.stderr, /^fsdax-audit: --diff needs a git checkout, and .* is not in one\n$/);
    const dir = repo();
    const bad = await runCli(['--root', dir, '--diff', 'no-such-branch']);
    assert.strictEqual(bad.code, 2);
    assert.strictEqual(bad.stderr, `fsdax-audit: --diff: no such revision in ${fs.realpathSync(dir)}: no-such-branch\n`);
    const both = await runCli(['--root', dir, '--diff', 'HEAD', '--baseline', path.join(scratchDir(), 'b.json'), '--update-baseline']);
    assert.strictEqual(both.code, 2);
  });
});
