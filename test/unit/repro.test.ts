import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { S_IFDIR, S_IFLNK, S_IFREG, writeCpio } from '../../server/src/repro/cpio';
import { guestModuleFile, initramfsManifest, moduleLoadOrder, moduleName, parseLdd, parseModulesBuiltin, parseModulesDep, planText, WANTED_MODULES } from '../../server/src/repro/manifest';
import { DEFAULT_KERNEL_PACKAGES, KERNEL_APT_SOURCES, REPRO_ERAS, SCENARIOS, findScenario } from '../../server/src/repro/scenarios';
import { splitKernelPackages } from '../../server/src/repro/host';
import { consoleLines, judgeConsole } from '../../server/src/repro/verdict';
import { formatResultLine } from '../../server/src/cli/repro';
import { ruleMetas } from '../../server/rules/index';
import { CAPTURED, capturedRunFor, capturedRunUrl } from '../../server/src/repro/captured';
import { hoverFinding } from '../../server/src/lsp/hover';
import type { Finding } from '../../server/src/analysis/audit-types';

const fixture = (name: string) => fs.readFileSync(path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'repro', name), 'utf8');

describe('repro: console verdicts', () => {
  it('the 6.12 oops in dax_lock_folio is "reproduced", with the decisive lines and no unreliable frames', () => {
    const j = judgeConsole('dax-lock-oops', fixture('dax-lock-shared-6.12-shared.log'));
    assert.strictEqual(j.verdict, 'reproduced');
    assert.ok(j.lines.some((l) => l.includes('BUG: kernel NULL pointer dereference, address: 0000000000000001')));
    assert.ok(j.lines.some((l) => /^RIP: 0010:dax_lock_folio\+/.test(l)));
    assert.ok(j.lines.some((l) => l.includes('memory_failure+')));
    assert.ok(!j.lines.some((l) => l.trim().startsWith('?')), 'frames marked ? are left out');
    assert.ok(!j.lines.some((l) => /^\[\s*\d/.test(l)), 'printk timestamps are stripped');
    assert.ok(j.lines.some((l) => /second poisoning child did not end/.test(l)), 'the held memory-failure mutex shows');
    assert.ok(j.lines.some((l) => /stack .*memory_failure\+/.test(l)));
  });

  it('the 6.1 oops in dax_lock_page is "reproduced"', () => {
    assert.strictEqual(judgeConsole('dax-lock-oops', fixture('dax-lock-shared-6.1-shared.log')).verdict, 'reproduced');
  });

  it('a recovered single-owner page with SIGBUS is "not reproduced"', () => {
    const j = judgeConsole('dax-lock-oops', fixture('dax-lock-shared-6.12-single-owner.log'));
    assert.strictEqual(j.verdict, 'not reproduced');
    assert.ok(j.lines.some((l) => /SIGBUS/.test(l)));
    assert.ok(j.lines.some((l) => /second poisoning child exited/.test(l)));
  });

  it('an oops at 0x1 elsewhere is not this hazard', () => {
    const text = 'REPRO-BOOT x\nREPRO-RUN poison /mnt/A read\n[ 1.0] BUG: kernel NULL pointer dereference, address: 0000000000000001\n[ 1.1] RIP: 0010:something_else+0x1/0x2\n';
    const j = judgeConsole('dax-lock-oops', text);
    assert.strictEqual(j.verdict, 'not reproduced');
    assert.match(j.why ?? '', /not in dax_lock/);
  });

  it('a guest that never reached /init could not run and asks for another boot', () => {
    const j = judgeConsole('dax-lock-oops', '[ 0.5] int3: 0000 [#1] SMP\n[ 0.6] RIP: 0010:enqueue_timer+0x1/0x2\n[ 0.7] Kernel panic - not syncing: Attempted to kill the idle task!\n');
    assert.strictEqual(j.verdict, 'could not run');
    assert.strictEqual(j.bootFailed, true);
    assert.ok(j.lines.some((l) => l.startsWith('Kernel panic')));
  });

  it('a failed guest setup could not run, with the reason; a silent program could not run either', () => {
    const j = judgeConsole('dax-lock-oops', 'REPRO-BOOT x\nREPRO-SETUP-FAILED mount dax=always: invalid argument\nREPRO-END setup\n');
    assert.deepStrictEqual([j.verdict, j.why, j.bootFailed], ['could not run', 'guest setup failed: mount dax=always: invalid argument', undefined]);
    assert.strictEqual(judgeConsole('dax-lock-oops', 'REPRO-BOOT x\nREPRO-RUN poison\n').verdict, 'could not run');
  });

  it('a pinning syscall that does not return is "reproduced"; one that returns is not', () => {
    const hung = 'REPRO-BOOT x\nREPRO-RUN odirect\nREPRO: O_DIRECT write did not return within 8 s\nREPRO: task 90 state R\nREPRO: O_DIRECT write ended by SIGKILL\n';
    assert.strictEqual(judgeConsole('syscall-hang', hung).verdict, 'reproduced');
    const ok = 'REPRO-BOOT x\nREPRO-RUN odirect\nREPRO: O_DIRECT write returned 4096 after 0.01 s\nREPRO: writer exited with status 0\n';
    assert.strictEqual(judgeConsole('syscall-hang', ok).verdict, 'not reproduced');
    assert.strictEqual(judgeConsole('syscall-hang', 'REPRO-BOOT x\nREPRO-RUN odirect\n').verdict, 'could not run');
  });

  it('pagemap: PM_FILE clear on a PMD-mapped file page is "reproduced"; set is not; no PMD could not run', () => {
    const run = (page1: string) => judgeConsole('pagemap-flags', `REPRO-BOOT x\nREPRO-RUN pagemap /mnt/A read\nREPRO: pagemap page0: pagemap present=1 file-or-shared-anon=0 exclusive=0 pfn=0x100400\nREPRO: pagemap page1: pagemap ${page1}\n`);
    assert.strictEqual(run('present=1 file-or-shared-anon=0 exclusive=0 pfn=0x100401').verdict, 'reproduced');
    assert.strictEqual(run('present=1 file-or-shared-anon=1 exclusive=0 pfn=0x100401').verdict, 'not reproduced');
    const pte = run('present=0 file-or-shared-anon=0 exclusive=0 pfn=0x0');
    assert.deepStrictEqual([pte.verdict, pte.why], ['could not run', 'the fault mapped no PMD (page 1 not present)']);
  });

  describe('which-page (7.x): SIGBUS, si_addr and the present bit decide', () => {
    it('a tail window with no SIGBUS and still mapped after the poison is "reproduced"', () => {
      const j = judgeConsole('which-page', fixture('which-page-7.x-tail-ext4.log'));
      assert.strictEqual(j.verdict, 'reproduced');
      assert.ok(j.lines.some((l) => /recovery action for dax page: Recovered/.test(l)), 'the kernel\'s line is decisive');
      assert.ok(j.lines.some((l) => /^REPRO: whichpage: no SIGBUS/.test(l)));
      assert.ok(j.lines.some((l) => /poisoned page 0x\w+ present=1/.test(l)));
      assert.ok(j.lines.some((l) => /^REPRO: pmd page1: pagemap present=1/.test(l)), 'the PMD evidence is shown');
    });

    it('a SIGBUS naming the head while the tail was poisoned is "reproduced"', () => {
      const j = judgeConsole('which-page', fixture('which-page-7.x-head-and-tail.log'));
      assert.strictEqual(j.verdict, 'reproduced');
      assert.ok(j.lines.some((l) => /got SIGBUS code 4 addr/.test(l)));
      assert.ok(j.lines.some((l) => /head window 0x\w+ present=0/.test(l)));
    });

    it('SIGBUS at the poisoned address and the page unmapped is "not reproduced"', () => {
      const j = judgeConsole('which-page', fixture('which-page-7.x-no-pmd.log'));
      assert.strictEqual(j.verdict, 'not reproduced');
      assert.ok(j.lines.some((l) => /Sending SIGBUS to repro/.test(l)));
    });

    const run = (body: string) => judgeConsole('which-page', `REPRO-BOOT 7.2.13+deb14-amd64 x\nREPRO-RUN whichpage /mnt/A tail pmd\nREPRO: whichpage: 2 MiB extent at file offset 0x0, device offset 0x400000\nREPRO: pmd page1: pagemap present=1 file-or-shared-anon=1 exclusive=1 pfn=0x100401\n${body}`);
    const poisoned = 'REPRO: whichpage: poisoning the tail page at 0x7f6a0c8b6000\n';

    it('the right SIGBUS with the page still mapped is "reproduced" (the poisoned page stays reachable)', () => {
      assert.strictEqual(run(`${poisoned}REPRO: pid 9 got SIGBUS code 4 addr 0x7f6a0c8b6000 (poisoned 0x7f6a0c8b6000)\nREPRO: after poison: poisoned page 0x7f6a0c8b6000 present=1\n`).verdict, 'reproduced');
      assert.strictEqual(run(`${poisoned}REPRO: pid 9 got SIGBUS code 4 addr 0x7f6a0c8b6000 (poisoned 0x7f6a0c8b6000)\nREPRO: after poison: poisoned page 0x7f6a0c8b6000 present=0\n`).verdict, 'not reproduced');
    });

    it('a SIGBUS without an address is not the poisoned address', () => {
      assert.strictEqual(run(`${poisoned}REPRO: pid 9 got SIGBUS code 4 addr (nil) (poisoned 0x7f6a0c8b6000)\nREPRO: after poison: poisoned page 0x7f6a0c8b6000 present=0\n`).verdict, 'reproduced');
    });

    it('no PMD, no extent, a failed madvise or no result could not run', () => {
      const noPmd = judgeConsole('which-page', 'REPRO-BOOT x\nREPRO-RUN whichpage\nREPRO: pmd page1: pagemap present=0 file-or-shared-anon=0 exclusive=0 pfn=0x0\n' + poisoned);
      assert.deepStrictEqual([noPmd.verdict, noPmd.why], ['could not run', 'the 2 MiB fault mapped no PMD (page 1 not present)']);
      const noExtent = judgeConsole('which-page', 'REPRO-BOOT x\nREPRO-RUN whichpage\nREPRO: whichpage: no 2 MiB-aligned extent in /mnt/A (8388608 bytes)\nREPRO-END done\n');
      assert.deepStrictEqual([noExtent.verdict, noExtent.why], ['could not run', 'no 2 MiB-aligned extent to map as a PMD']);
      const eperm = run(`${poisoned}REPRO: madvise(MADV_HWPOISON) returned -1 Operation not permitted\nREPRO: whichpage: no SIGBUS\nREPRO: after poison: poisoned page 0x7f6a0c8b6000 present=1\n`);
      assert.deepStrictEqual([eperm.verdict, eperm.why], ['could not run', 'madvise(MADV_HWPOISON) failed: -1 Operation not permitted']);
      assert.strictEqual(run(poisoned).verdict, 'could not run');
      assert.strictEqual(run('').verdict, 'could not run');
    });
  });

  it('strips CR, ANSI escapes and timestamps', () => {
    assert.deepStrictEqual(consoleLines('\x1b[2J[   12.833869] BUG: x\r\n\r\nREPRO: y\r\n'), ['BUG: x', 'REPRO: y']);
  });
});

describe('repro: initramfs manifest', () => {
  const dep = [
    'kernel/fs/xfs/xfs.ko.xz: kernel/lib/libcrc32c.ko.xz',
    'kernel/lib/libcrc32c.ko.xz:',
    'kernel/crypto/crc32c_generic.ko.xz:',
    'kernel/drivers/nvdimm/nd_pmem.ko.xz: kernel/drivers/nvdimm/nd_btt.ko.xz kernel/drivers/nvdimm/libnvdimm.ko.xz',
    'kernel/drivers/nvdimm/nd_btt.ko.xz: kernel/drivers/nvdimm/libnvdimm.ko.xz',
    'kernel/drivers/nvdimm/libnvdimm.ko.xz:',
    'kernel/drivers/nvdimm/nd_e820.ko.xz: kernel/drivers/nvdimm/libnvdimm.ko.xz',
    'kernel/mm/hwpoison-inject.ko.xz:',
    'kernel/drivers/block/virtio_blk.ko.xz: kernel/drivers/virtio/virtio.ko.xz kernel/drivers/virtio/virtio_ring.ko.xz',
    'kernel/drivers/virtio/virtio.ko.xz:',
    'kernel/drivers/virtio/virtio_ring.ko.xz:',
  ].join('\n');

  it('orders modules after their dependencies, each once, and names what is built in', () => {
    const { order, missing } = moduleLoadOrder(parseModulesDep(dep), WANTED_MODULES);
    const names = order.map(moduleName);
    assert.deepStrictEqual(names, ['crc32c_generic', 'libcrc32c', 'xfs', 'libnvdimm', 'nd_btt', 'nd_pmem', 'nd_e820', 'hwpoison_inject', 'virtio', 'virtio_ring', 'virtio_blk']);
    assert.deepStrictEqual(missing, ['ext4', 'virtio_pci'], 'not in modules.dep: ext4 (not in this list), virtio_pci (built into 6.12)');
    for (const [i, file] of order.entries()) for (const d of parseModulesDep(dep).get(file) ?? []) assert.ok(order.indexOf(d) < i, `${d} before ${file}`);
  });

  it('a module built into the kernel is not missing (modules.builtin)', () => {
    const builtin = parseModulesBuiltin('kernel/drivers/virtio/virtio_pci.ko\nkernel/fs/ext4/ext4.ko\n');
    assert.deepStrictEqual([...builtin], ['virtio_pci', 'ext4']);
    const { missing } = moduleLoadOrder(parseModulesDep(dep), WANTED_MODULES, builtin);
    assert.deepStrictEqual(missing, []);
    assert.deepStrictEqual(moduleLoadOrder(parseModulesDep(dep), WANTED_MODULES).missing, ['ext4', 'virtio_pci']);
  });

  it('follows a split kernel package (7.x) to its linux-binary and linux-modules packages', () => {
    const depends = 'dracut | initramfs-tools (>= 0.120+deb8u2) | linux-initramfs-tool, linux-base-7.2.13+deb14-amd64 (= 7.2.13-1), linux-binary-7.2.13+deb14-amd64 (= 7.2.13-1), linux-modules-7.2.13+deb14-amd64 (= 7.2.13-1)';
    assert.deepStrictEqual(splitKernelPackages(depends), ['linux-binary-7.2.13+deb14-amd64', 'linux-modules-7.2.13+deb14-amd64']);
    assert.deepStrictEqual(splitKernelPackages('kmod, linux-base (>= 4.3~), initramfs-tools (>= 0.120+deb8u2) | linux-initramfs-tool'), []);
  });

  it('reads library paths from ldd, the interpreter included, and skips the vdso', () => {
    const libs = parseLdd('\tlinux-vdso.so.1 (0x00007ffd)\n\tlibblkid.so.1 => /lib/x86_64-linux-gnu/libblkid.so.1 (0x00007f)\n\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f)\n\t/lib64/ld-linux-x86-64.so.2 (0x00007f)\n');
    assert.deepStrictEqual(libs, ['/lib/x86_64-linux-gnu/libblkid.so.1', '/lib/x86_64-linux-gnu/libc.so.6', '/lib64/ld-linux-x86-64.so.2']);
  });

  it('lists init, busybox, the program, tools, libraries and decompressed modules, parents first', () => {
    const { order } = moduleLoadOrder(parseModulesDep(dep), ['xfs']);
    const entries = initramfsManifest({ initScript: '/r/init.sh', programBinary: '/c/repro', busybox: '/bin/busybox', tools: { 'mkfs.xfs': '/usr/sbin/mkfs.xfs', xfs_io: '/usr/sbin/xfs_io' }, libraries: ['/lib64/ld-linux-x86-64.so.2', '/lib/x86_64-linux-gnu/libc.so.6'], modulesDir: '/k/lib/modules/v', moduleOrder: order });
    const paths = entries.map((e) => e.path);
    for (const p of ['/init', '/bin/busybox', '/bin/sh', '/bin/repro', '/sbin/mkfs.xfs', '/sbin/xfs_io', '/lib64/ld-linux-x86-64.so.2', '/lib/modules/xfs.ko', '/modules.list']) assert.ok(paths.includes(p), p);
    for (const [i, e] of entries.entries()) {
      const parent = e.path.slice(0, e.path.lastIndexOf('/'));
      if (parent) assert.ok(paths.slice(0, i).includes(parent), `${parent} before ${e.path}`);
    }
    const xfs = entries.find((e) => e.path === '/lib/modules/xfs.ko');
    assert.deepStrictEqual(xfs, { kind: 'file', path: '/lib/modules/xfs.ko', from: '/k/lib/modules/v/kernel/fs/xfs/xfs.ko.xz', mode: 0o644, decompress: 'xz' });
    const list = entries.find((e) => e.path === '/modules.list');
    assert.strictEqual(list?.kind === 'text' && list.text, 'libcrc32c.ko\nxfs.ko\n');
    assert.strictEqual(guestModuleFile('kernel/mm/hwpoison-inject.ko'), 'hwpoison-inject.ko');
  });

  it('quotes the plan for the guest shell', () => {
    assert.strictEqual(planText({ name: 'a', mkfs: "-m reflink=1,rmapbt=0", share: true, program: "poison /mnt/A it's" }), "NAME='a'\nMKFS_OPTS='-m reflink=1,rmapbt=0'\nSHARE=1\nPROGRAM='poison /mnt/A it'\\''s'\n");
    assert.strictEqual(planText({ name: 'b', fs: 'ext4', mkfs: '-b 4096', share: false, program: 'whichpage /mnt/A tail pmd', size: '8m' }), "NAME='b'\nMKFS_OPTS='-b 4096'\nSHARE=0\nPROGRAM='whichpage /mnt/A tail pmd'\nSIZE='8m'\nFS='ext4'\n");
  });

  it('writes newc cpio: headers, names and data 4-byte aligned, a trailer', () => {
    const buf = writeCpio([{ path: '/bin', mode: S_IFDIR | 0o755 }, { path: '/bin/sh', mode: S_IFLNK | 0o777, data: Buffer.from('busybox') }, { path: '/plan', mode: S_IFREG | 0o644, data: Buffer.from('X=1\n') }]);
    const names: string[] = [];
    let off = 0;
    while (off < buf.length) {
      const h = buf.toString('ascii', off, off + 110);
      assert.strictEqual(h.slice(0, 6), '070701');
      const size = parseInt(h.slice(54, 62), 16);
      const nameSize = parseInt(h.slice(94, 102), 16);
      const name = buf.toString('ascii', off + 110, off + 110 + nameSize - 1);
      names.push(name);
      off = Math.ceil((off + 110 + nameSize) / 4) * 4;
      if (name === 'plan') assert.strictEqual(buf.toString('ascii', off, off + size), 'X=1\n');
      off = Math.ceil((off + size) / 4) * 4;
    }
    assert.deepStrictEqual(names, ['bin', 'bin/sh', 'plan', 'TRAILER!!!']);
    assert.strictEqual(buf.length % 4, 0);
  });
});

describe('repro: scenarios', () => {
  it('every scenario names a rule that exists, has a hazard run and a control per era', () => {
    const rules = new Set(ruleMetas().map((m) => m.id));
    for (const s of SCENARIOS) {
      assert.ok(rules.has(s.ruleId), `${s.id}: ${s.ruleId}`);
      for (const era of s.eras) {
        const v = s.variants(era);
        assert.ok(v.some((x) => x.expect === 'reproduced') && v.some((x) => x.expect === 'not reproduced'), `${s.id} ${era}`);
        assert.strictEqual(new Set(v.map((x) => x.id)).size, v.length);
      }
    }
  });

  it('7.x: Debian\'s unstable kernel through a private apt source; which-page runs there only, ext4 and XFS hazards, the three controls', () => {
    assert.ok(REPRO_ERAS.includes('7.x'));
    assert.match(DEFAULT_KERNEL_PACKAGES['7.x'], /^linux-image-7\.\d+\.\d+\+deb\d+-amd64$/);
    assert.match(KERNEL_APT_SOURCES['7.x'] ?? '', /^deb http:\/\/deb\.debian\.org\/debian unstable main$/);
    const wp = findScenario('which-page-pmd-tail')!;
    assert.deepStrictEqual([wp.ruleId, wp.hazard, wp.eras], ['fsdax/which-page', 'which-page', ['7.x']]);
    const v = wp.variants('7.x');
    const byId = new Map(v.map((x) => [x.id, x]));
    assert.deepStrictEqual(v.filter((x) => x.expect === 'reproduced').map((x) => x.id), ['tail-ext4', 'tail-xfs', 'head-and-tail']);
    assert.deepStrictEqual(v.filter((x) => x.expect === 'not reproduced').map((x) => x.id), ['head', 'no-pmd', 'rmapbt']);
    assert.strictEqual(byId.get('tail-ext4')!.fs, 'ext4');
    assert.match(byId.get('tail-xfs')!.mkfs, /rmapbt=0/);
    assert.match(byId.get('rmapbt')!.mkfs, /rmapbt=1/);
    assert.match(byId.get('no-pmd')!.program, / tail nopmd$/);
    assert.match(byId.get('head')!.program, / head pmd$/);
    for (const s of SCENARIOS.filter((x) => x.id !== 'which-page-pmd-tail')) assert.ok(!s.eras.includes('7.x'), `${s.id}: the 0x1 marker is gone in 7.x`);
  });

  it('prints one line per run with verdict and seconds', () => {
    const line = formatResultLine({ scenario: 'dax-lock-shared', era: '6.12', variant: 'shared', expect: 'reproduced', verdict: 'reproduced', lines: [], asExpected: true, seconds: 12.34, boots: 1 });
    assert.match(line, /^dax-lock-shared\s+6\.12\s+shared\s+ok\s+reproduced\s+12\.3 s$/);
    const bad = formatResultLine({ scenario: 's', era: '6.1', variant: 'v', expect: 'reproduced', verdict: 'could not run', why: 'missing qemu-system-x86_64', lines: [], asExpected: false, seconds: 0, boots: 0 });
    assert.match(bad, /could not run \(missing qemu-system-x86_64\)/);
  });
});

describe('repro: captured runs in the hover', () => {
  /** GitHub's heading anchors: lower case, punctuation but - and _ dropped, spaces to -. */
  const anchors = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'docs', 'repro.md'), 'utf8').split('\n')
    .filter((l) => /^#+ /.test(l)).map((l) => l.replace(/^#+ /, '').toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-'));

  it('every captured run names a scenario and its rule, and its anchor exists in docs/repro.md', () => {
    for (const c of CAPTURED) {
      assert.strictEqual(SCENARIOS.find((s) => s.id === c.scenario)?.ruleId, c.ruleId, c.scenario);
      assert.ok(anchors.includes(c.anchor), `${c.anchor} not in ${anchors.join(', ')}`);
    }
  });

  it('links only the finding the run decides, only in the eras it ran in', () => {
    assert.strictEqual(capturedRunFor({ ruleId: 'fsdax/dax-lock-shared', function: 'mf_generic_kill_procs', era: '6.2-6.14' })?.scenario, 'dax-lock-shared');
    assert.strictEqual(capturedRunFor({ ruleId: 'fsdax/anon-test', function: 'follow_page_pte', era: '5.19-6.1' })?.scenario, 'gup-unshare-livelock');
    assert.strictEqual(capturedRunFor({ ruleId: 'fsdax/anon-test', function: 'collect_procs', era: '6.2-6.14' }), undefined);
    assert.strictEqual(capturedRunFor({ ruleId: 'fsdax/dax-lock-shared', function: 'mf_generic_kill_procs', era: '6.15+' }), undefined);
    assert.strictEqual(capturedRunFor({ ruleId: 'fsdax/which-page', function: 'mf_generic_kill_procs', era: '6.15+' })?.scenario, 'which-page-pmd-tail');
    assert.strictEqual(capturedRunFor({ ruleId: 'fsdax/which-page', function: 'mf_generic_kill_procs', era: '6.2-6.14' }), undefined);
  });

  it('the hover of such a finding shows what happened and the link', () => {
    const range = { start: { line: 3, character: 2 }, end: { line: 3, character: 20 } };
    const f: Finding = { ruleId: 'fsdax/dax-lock-shared', messageId: 'x', severity: 'error', message: 'm', file: 'mm/memory-failure.c', range, function: 'mf_generic_kill_procs', expr: 'dax_lock_folio(folio)', era: '6.2-6.14', explanation: 'memory-failure-fallback', path: [], fingerprint: 'f' };
    const hover = hoverFinding([f], { line: 3, character: 5 }, (file) => `file:///t/${file}`);
    const text = (hover?.contents as { value: string }).value;
    assert.ok(text.includes(capturedRunUrl(CAPTURED[0])), text);
    assert.match(text, /Reproduced on Debian 6\.12\.118 and 6\.1\.192/);
    const other = hoverFinding([{ ...f, function: 'elsewhere' }], { line: 3, character: 5 }, (file) => `file:///t/${file}`);
    assert.ok(!(other?.contents as { value: string }).value.includes('Reproduced'));
    const wp = hoverFinding([{ ...f, ruleId: 'fsdax/which-page', expr: 'folio->index', era: '6.15+' }], { line: 3, character: 5 }, (file) => `file:///t/${file}`);
    assert.match((wp?.contents as { value: string }).value, /Reproduced on Debian 7\.2\.13 \(QEMU\)/);
  });
});
