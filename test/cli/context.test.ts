// A file audited alone, in the context of its tree, gets exactly the findings
// the whole-tree audit has in it (byte-identical JSON entries); --no-context is
// the files-only audit, which misses what other files bring in.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { copyTree, FIXTURE_TREES, runCli, SAMPLE_TREE } from './helpers';
import { concerns } from '../../server/src/cli/scope';

interface JsonFinding { file: string; fingerprint: string; related?: Array<{ file: string }> }
interface JsonReport { findings: JsonFinding[]; problems: Array<{ file: string }>; scope: { mode: string; reported: string[] | null; contextDirs: string[] | null }; stats: { files: number } }

async function json(args: string[]): Promise<JsonReport> {
  const r = await runCli(['--format', 'json', '--fail-on', 'never', ...args]);
  assert.strictEqual(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as JsonReport;
}

/** Every file with findings in the whole-tree audit, audited alone in context: the same entries, byte for byte. */
async function checkTree(tree: string): Promise<{ checked: number; files: string[] }> {
  const whole = await json(['--root', tree]);
  const files = [...new Set(whole.findings.flatMap((f) => [f.file, ...(f.related ?? []).map((r) => r.file)]))].sort();
  for (const file of files) {
    const alone = await json(['--root', tree, path.join(tree, file)]);
    assert.deepStrictEqual(alone.scope, { mode: 'context', reported: [file], contextDirs: ['mm', 'fs'] });
    assert.strictEqual(alone.stats.files, whole.stats.files, 'the whole context is read');
    assert.deepStrictEqual(alone.findings.map((f) => JSON.stringify(f)), whole.findings.filter((f) => concerns(f, (x) => x === file)).map((f) => JSON.stringify(f)), file);
  }
  return { checked: files.length, files };
}

describe('cli: a file in the context of its tree', () => {
  it('context fixture: each file alone gives the whole-tree findings located in it', async () => {
    const { files } = await checkTree(path.join(FIXTURE_TREES, 'context'));
    assert.deepStrictEqual(files, ['fs/pmemfs/notify.c', 'mm/owner.c']);
  });

  it('every fixture tree and the sample tree: the same holds', async () => {
    let checked = 0;
    for (const tree of ['cross-file', 'era-6.1', 'era-6.12', 'era-6.15', 'same-name-static'].map((t) => path.join(FIXTURE_TREES, t)).concat(SAMPLE_TREE)) checked += (await checkTree(tree)).checked;
    assert.ok(checked >= 8, `${checked} files checked`);
  });

  it('a directory selects the files below it; two paths select both', async () => {
    const tree = path.join(FIXTURE_TREES, 'context');
    const whole = await json(['--root', tree]);
    const fsDir = await json(['--root', tree, path.join(tree, 'fs')]);
    assert.deepStrictEqual(fsDir.findings, whole.findings.filter((f) => f.file.startsWith('fs/')));
    const both = await json(['--root', tree, path.join(tree, 'mm', 'owner.c'), path.join(tree, 'fs', 'pmemfs', 'notify.c')]);
    assert.deepStrictEqual(both.findings, whole.findings);
    assert.deepStrictEqual(both.scope.reported, ['fs/pmemfs/notify.c', 'mm/owner.c']);
  });

  it('--no-context is files-only: the callee file alone has no source, so no findings; the summary says which mode', async () => {
    const tree = path.join(FIXTURE_TREES, 'context');
    const callee = path.join(tree, 'fs', 'pmemfs', 'notify.c');
    const alone = await json(['--no-context', '--root', tree, callee]);
    assert.deepStrictEqual(alone.scope, { mode: 'files', reported: null, contextDirs: null });
    assert.strictEqual(alone.stats.files, 1);
    assert.deepStrictEqual(alone.findings, []);
    const text = await runCli(['--fail-on', 'never', '--root', tree, callee]);
    assert.match(text.stdout, /; in tree context, reporting fs\/pmemfs\/notify\.c: 4 files \(\d+ parsed\), \d+ functions; 2 findings/);
    assert.match(text.stdout, /^fs\/pmemfs\/notify\.c:11:34: error: .* \[fsdax\/mapping-deref\]$/m, 'compiler-style');
    const files = await runCli(['--fail-on', 'never', '--no-context', '--root', tree, callee]);
    assert.match(files.stdout, /; files only: 1 file /);
  });

  it('the root found by walking up gives the context too', async () => {
    const tree = path.join(FIXTURE_TREES, 'context');
    const found = await json([path.join(tree, 'mm', 'owner.c')]);
    assert.strictEqual(found.scope.mode, 'context');
    assert.strictEqual(found.findings.length, 1);
  });

  it('--context-dirs widens the context: a read reached only from drivers/ is found with `.` (the whole tree), not with mm,fs', async () => {
    const tree = copyTree(path.join(FIXTURE_TREES, 'context'));
    fs.appendFileSync(path.join(tree, 'mm', 'owner.c'), '\nunsigned long mf_pinned_offset(struct page *page)\n{\n\treturn page->index;\n}\n');
    fs.mkdirSync(path.join(tree, 'drivers', 'pmem'), { recursive: true });
    fs.writeFileSync(path.join(tree, 'drivers', 'pmem', 'pin.c'), [
      '#include <linux/pmem-notify.h>', '', 'int pmem_pin(unsigned long addr, struct page **pages)', '{',
      '\tif (pin_user_pages_fast(addr, 1, FOLL_WRITE, pages) != 1)', '\t\treturn -EFAULT;', '\tpr_info("%lu\\n", mf_pinned_offset(pages[0]));', '\treturn 0;', '}', ''].join('\n'));
    const owner = path.join(tree, 'mm', 'owner.c');
    const functions = (r: JsonReport) => r.findings.map((f) => f.fingerprint.split('|')[2]);
    assert.deepStrictEqual(functions(await json(['--root', tree, owner])), ['mf_page_offset']);
    const whole = await json(['--root', tree, '--context-dirs', '.', owner]);
    assert.deepStrictEqual(functions(whole), ['mf_page_offset', 'mf_pinned_offset']);
    assert.deepStrictEqual(whole.scope.contextDirs, ['']);
    // The same as the whole-tree audit's findings in that file.
    const all = await json(['--root', tree, tree]);
    assert.deepStrictEqual(whole.findings, all.findings.filter((f) => f.file === 'mm/owner.c'));
    const text = await runCli(['--fail-on', 'never', '--root', tree, '--context-dirs', 'mm,drivers', owner]);
    assert.match(text.stdout, /; in the context of mm\/ drivers\/, reporting mm\/owner\.c: /);
    const bad = await runCli(['--root', tree, '--context-dirs', 'nope', owner]);
    assert.strictEqual(bad.code, 2);
    assert.match(bad.stderr, /--context-dirs: no such directory in the tree: nope/);
  });
});
