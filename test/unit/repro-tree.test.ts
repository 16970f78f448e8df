// `repro --tree`: configuration, patches, the tree mirror and the before/after verdicts, without
// building a kernel (the build and the boots run in scripts/repro-tree-ci.sh: docs/repro.md).
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { mergeConfig, parseConfig, patchTargets, unmetOptions } from '../../server/src/repro/kconfig';
import { TreeMirror, fragmentFile, treeProblem, treeState } from '../../server/src/repro/build';
import { HostError } from '../../server/src/repro/host';
import { rowHolds, ProofRow } from '../../server/src/repro/prove';
import { ANALYSIS_ERAS, REPRO_ERAS, reproEraFor } from '../../server/src/repro/scenarios';
import { ERAS } from '../../server/src/model/types';
import { formatProofTable, parseFingerprint, proofFailures } from '../../server/src/cli/repro';

const REPO = path.join(__dirname, '..', '..', '..');
const PATCHES = path.join(REPO, 'scripts', 'repro', 'patches');

describe('repro --tree: kernel config', () => {
  it('reads set and unset options, merges a fragment over a base, names what did not stick', () => {
    const base = '#\n# Automatically generated\nCONFIG_64BIT=y\n# CONFIG_MEMORY_FAILURE is not set\nCONFIG_HZ=100\nCONFIG_LOCALVERSION=""\n';
    const fragment = '# ours\nCONFIG_MEMORY_FAILURE=y\n# CONFIG_MODULES is not set\nCONFIG_HZ=250\n';
    assert.deepStrictEqual([...parseConfig(base)], [['64BIT', 'y'], ['MEMORY_FAILURE', 'n'], ['HZ', '100'], ['LOCALVERSION', '""']]);
    const merged = mergeConfig(base, fragment);
    assert.deepStrictEqual(Object.fromEntries(parseConfig(merged)), { '64BIT': 'y', LOCALVERSION: '""', MEMORY_FAILURE: 'y', MODULES: 'n', HZ: '250' });
    assert.strictEqual(merged.split('\n').filter((l) => /MEMORY_FAILURE/.test(l)).length, 1, 'each option once');
    assert.deepStrictEqual(unmetOptions(fragment, merged), []);
    // olddefconfig dropped MEMORY_FAILURE (its arch dependency was off), and an unset option came out set:
    assert.deepStrictEqual(unmetOptions(fragment, '# CONFIG_MEMORY_FAILURE is not set\nCONFIG_MODULES=y\nCONFIG_HZ=250\n'), ['CONFIG_MEMORY_FAILURE=y (got n)', 'CONFIG_MODULES=n (got y)']);
    assert.deepStrictEqual(unmetOptions('CONFIG_XFS_FS=y\n', ''), ['CONFIG_XFS_FS=y (got n)'], 'an option missing from .config is not set');
  });

  it('every era has a fragment with what the scenarios need, modules off', () => {
    const needed = ['64BIT', 'BLK_DEV_INITRD', 'BINFMT_SCRIPT', 'DEVTMPFS', 'SERIAL_8250_CONSOLE', 'PROC_PAGE_MONITOR', 'ADVISE_SYSCALLS', 'X86_MCE', 'MEMORY_FAILURE',
      'KALLSYMS', 'PCI' /* the e820 pmem range is inserted by the PCI resource survey */, 'ZONE_DEVICE', 'TRANSPARENT_HUGEPAGE', 'LIBNVDIMM', 'BLK_DEV_PMEM', 'X86_PMEM_LEGACY', 'FS_DAX', 'FS_DAX_PMD', 'EXT4_FS', 'XFS_FS'];
    for (const era of REPRO_ERAS) {
      const c = parseConfig(fs.readFileSync(fragmentFile(era), 'utf8'));
      for (const n of needed) assert.strictEqual(c.get(n), 'y', `${era}: CONFIG_${n}`);
      assert.strictEqual(c.get('MODULES'), 'n', era);
    }
    // The marker eras' gup scenario writes O_DIRECT to a virtio disk.
    for (const era of ['6.12', '6.1'] as const) assert.strictEqual(parseConfig(fs.readFileSync(fragmentFile(era), 'utf8')).get('VIRTIO_BLK'), 'y', era);
  });

  it('maps each repro era to the analysis era it stands for', () => {
    for (const era of REPRO_ERAS) {
      assert.ok((ERAS as readonly string[]).includes(ANALYSIS_ERAS[era]), ANALYSIS_ERAS[era]);
      assert.strictEqual(reproEraFor(ANALYSIS_ERAS[era]), era);
    }
    assert.strictEqual(reproEraFor('<=5.18'), undefined);
  });
});

describe('repro --tree: patches and the tree mirror', () => {
  it('names the files a diff touches (-p1), without /dev/null or paths out of the tree', () => {
    assert.deepStrictEqual(patchTargets(fs.readFileSync(path.join(PATCHES, '7.x-which-page.diff'), 'utf8')), ['mm/memory-failure.c']);
    assert.deepStrictEqual(patchTargets(fs.readFileSync(path.join(PATCHES, '6.12-dax-lock-shared.diff'), 'utf8')), ['fs/dax.c']);
    assert.deepStrictEqual(patchTargets(fs.readFileSync(path.join(PATCHES, '6.1-dax-lock-shared.diff'), 'utf8')), ['fs/dax.c']);
    const created = '--- /dev/null\n+++ b/mm/new.c\n@@ -0,0 +1 @@\n+x\n--- a/../etc/passwd\n+++ b/../etc/passwd\n@@ -1 +1 @@\n-a\n+b\n';
    assert.deepStrictEqual(patchTargets(created), ['mm/new.c']);
    assert.deepStrictEqual(patchTargets('no diff here\n'), []);
  });

  it('the report drafts carry the patches that are proven, verbatim', () => {
    for (const [report, patch] of [['which-page.md', '7.x-which-page.diff'], ['dax-lock-shared.md', '6.12-dax-lock-shared.diff']]) {
      const diff = fs.readFileSync(path.join(PATCHES, patch), 'utf8');
      const body = diff.slice(diff.indexOf('--- a/'));
      assert.ok(fs.readFileSync(path.join(REPO, 'docs', 'reports', report), 'utf8').includes(body), `${report} has ${patch}`);
    }
  });

  let tmp: string;
  beforeEach(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fsdax-tree-')); });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  /** A tiny "kernel tree": what treeProblem() looks for and one C file. */
  function makeTree(): string {
    const tree = path.join(tmp, 'linux');
    fs.mkdirSync(path.join(tree, 'arch', 'x86'), { recursive: true });
    fs.mkdirSync(path.join(tree, 'mm'));
    fs.writeFileSync(path.join(tree, 'Makefile'), 'VERSION = 7\n');
    fs.writeFileSync(path.join(tree, 'arch', 'x86', 'Kconfig'), 'config X86\n');
    fs.writeFileSync(path.join(tree, 'mm', 'a.c'), 'int a(void)\n{\n\treturn 1;\n}\n');
    return tree;
  }
  const patchFile = (body: string) => { const p = path.join(tmp, 'p.diff'); fs.writeFileSync(p, body); return p; };
  const FIX = 'Subject: return 2\n\n--- a/mm/a.c\n+++ b/mm/a.c\n@@ -1,4 +1,4 @@\n int a(void)\n {\n-\treturn 1;\n+\treturn 2;\n }\n';

  it('says what is not a buildable tree', () => {
    const tree = makeTree();
    assert.strictEqual(treeProblem(tree), undefined);
    assert.match(treeProblem(tmp) ?? '', /is not a kernel tree/);
    fs.writeFileSync(path.join(tree, '.config'), 'CONFIG_X=y\n');
    assert.match(treeProblem(tree) ?? '', /in-tree build \(\.config\).*make mrproper/);
  });

  it('the tree state changes with a file and ignores .git', () => {
    const tree = makeTree();
    const s0 = treeState(tree);
    assert.strictEqual(s0.files, 3);
    fs.mkdirSync(path.join(tree, '.git'));
    fs.writeFileSync(path.join(tree, '.git', 'HEAD'), 'ref\n');
    assert.strictEqual(treeState(tree).key, s0.key);
    fs.appendFileSync(path.join(tree, 'mm', 'a.c'), '\n');
    assert.notStrictEqual(treeState(tree).key, s0.key);
  });

  it('mirrors by hard links, patches only the mirror (the tree never changes), and resets with a fresh mtime', function () {
    if (spawnSync('sh', ['-c', 'command -v patch']).status !== 0) this.skip();
    const tree = makeTree();
    const state = treeState(tree);
    const treeFile = path.join(tree, 'mm', 'a.c');
    const before = fs.readFileSync(treeFile, 'utf8');
    const m = new TreeMirror(tree, path.join(tmp, 'cache'));
    const logs: string[] = [];
    m.sync(state.key, (l) => logs.push(l));
    const mirrored = path.join(m.src, 'mm', 'a.c');
    assert.strictEqual(fs.statSync(mirrored).ino, fs.statSync(treeFile).ino, 'a hard link');
    assert.deepStrictEqual(m.apply(patchFile(FIX)), ['mm/a.c']);
    assert.match(fs.readFileSync(mirrored, 'utf8'), /return 2;/);
    assert.notStrictEqual(fs.statSync(mirrored).ino, fs.statSync(treeFile).ino, 'the link was broken before patching');
    assert.strictEqual(fs.readFileSync(treeFile, 'utf8'), before, 'the tree is untouched');
    assert.strictEqual(treeState(tree).key, state.key);
    // The next run of the unpatched tree: same state, the patched file restored and newer than before.
    const patchedMtime = fs.statSync(mirrored).mtimeMs;
    const again = new TreeMirror(tree, path.join(tmp, 'cache'));
    assert.deepStrictEqual(again.meta.applied, ['mm/a.c'], 'what a patch changed is remembered across runs');
    again.sync(state.key, () => {});
    assert.strictEqual(fs.readFileSync(mirrored, 'utf8'), before);
    assert.ok(fs.statSync(mirrored).mtimeMs >= patchedMtime, 'make sees the file changed again');
    assert.deepStrictEqual(again.meta.applied, []);
  });

  it('a patch that does not apply is an error naming it, and leaves the mirror as the tree', function () {
    if (spawnSync('sh', ['-c', 'command -v patch']).status !== 0) this.skip();
    const tree = makeTree();
    const m = new TreeMirror(tree, path.join(tmp, 'cache'));
    m.sync(treeState(tree).key, () => {});
    const wrong = patchFile('--- a/mm/a.c\n+++ b/mm/a.c\n@@ -1,4 +1,4 @@\n int a(void)\n {\n-\treturn 7;\n+\treturn 8;\n }\n');
    assert.throws(() => m.apply(wrong), (e: Error) => e instanceof HostError && /p\.diff does not apply to the tree/.test(e.message));
    assert.strictEqual(fs.readFileSync(path.join(m.src, 'mm', 'a.c'), 'utf8'), fs.readFileSync(path.join(tree, 'mm', 'a.c'), 'utf8'));
    assert.deepStrictEqual(m.meta.applied, []);
    assert.ok(!fs.readdirSync(path.join(m.src, 'mm')).some((f) => /\.(orig|rej)$/.test(f)), 'no backup or reject files');
    assert.throws(() => m.apply(patchFile('just words\n')), /is not a unified diff/);
  });
});

describe('repro --tree: before/after verdicts', () => {
  it('a hazard holds when reproduced before and not after; a control when clean in both; inconclusive never holds', () => {
    assert.strictEqual(rowHolds('reproduced', 'reproduced', 'not reproduced'), true);
    assert.strictEqual(rowHolds('reproduced', 'reproduced', 'reproduced'), false, 'a patch that changes nothing');
    assert.strictEqual(rowHolds('reproduced', 'not reproduced', 'not reproduced'), false, 'the tree never had the hazard');
    assert.strictEqual(rowHolds('reproduced', 'reproduced', 'inconclusive'), false);
    assert.strictEqual(rowHolds('not reproduced', 'not reproduced', 'not reproduced'), true);
    assert.strictEqual(rowHolds('not reproduced', 'not reproduced', 'reproduced'), false, 'the patch broke a control');
    assert.strictEqual(rowHolds('not reproduced', 'inconclusive', 'not reproduced'), false);
    assert.strictEqual(rowHolds('reproduced', 'reproduced', undefined), true, 'no patch: the tree shows the hazard');
  });

  const row = (variant: string, expect: ProofRow['expect'], before: ProofRow['before'], after: ProofRow['after']): ProofRow =>
    ({ scenario: 'which-page-pmd-tail', era: '7.x', variant, expect, before, after, holds: rowHolds(expect, before, after), runs: [] });

  it('prints SCENARIO ERA VARIANT BEFORE AFTER and ok/FAIL per row, and says why it fails', () => {
    const good = { rows: [row('tail-ext4', 'reproduced', 'reproduced', 'not reproduced'), row('no-pmd', 'not reproduced', 'not reproduced', 'not reproduced')] };
    const lines = formatProofTable(good, true);
    assert.deepStrictEqual(lines[0].split(/\s+/), ['SCENARIO', 'ERA', 'VARIANT', 'BEFORE', 'AFTER']);
    assert.match(lines[1], /^which-page-pmd-tail\s+7\.x\s+tail-ext4\s+reproduced\s+not reproduced\s+ok$/);
    assert.match(lines[2], /^which-page-pmd-tail\s+7\.x\s+no-pmd\s+not reproduced\s+not reproduced\s+ok$/);
    assert.deepStrictEqual(proofFailures(good, true), []);
    const noop = { rows: [row('tail-ext4', 'reproduced', 'reproduced', 'reproduced'), row('head', 'not reproduced', 'not reproduced', 'reproduced')] };
    assert.match(formatProofTable(noop, true)[1], /reproduced\s+reproduced\s+FAIL$/);
    assert.deepStrictEqual(proofFailures(noop, true), ['hazard which-page-pmd-tail tail-ext4 still reproduced after the patch', 'control which-page-pmd-tail head reproduced after the patch']);
    assert.deepStrictEqual(formatProofTable(good, false)[0].split(/\s+/), ['SCENARIO', 'ERA', 'VARIANT', 'BEFORE']);
  });

  it('reads a finding\'s fingerprint (rule|file|function|expression; the expression may hold |)', () => {
    assert.deepStrictEqual(parseFingerprint('fsdax/which-page|mm/memory-failure.c|mf_generic_kill_procs|folio->index'), { ruleId: 'fsdax/which-page', file: 'mm/memory-failure.c', function: 'mf_generic_kill_procs', expr: 'folio->index' });
    assert.strictEqual(parseFingerprint('fsdax/x|f.c|fn|a||b')?.expr, 'a||b');
    assert.strictEqual(parseFingerprint('fsdax/x|f.c'), undefined);
    assert.strictEqual(parseFingerprint('|f.c|fn|e'), undefined);
  });
});
