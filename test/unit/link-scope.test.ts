// A kernel tree is many programs: calls bind within one kernel (generic code plus
// one architecture), and code that no FS-DAX page reaches is not analysed.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AuditSession } from '../../server/src/analysis/audit';
import type { AuditOptions } from '../../server/src/analysis/audit-types';
import { LinkScope, linkUnitOf } from '../../server/src/analysis/link-scope';
import { detectFsdaxArchitectures } from '../../server/src/host/tree-files';
import { allRules } from '../../server/rules/index';

const era: AuditOptions['era'] = { era: '6.2-6.14', known: true, evidence: 'test' };

/** A driver pins user pages and hands one to an arch hook, defined by two architectures and by a userspace tool. */
const tree: Record<string, string> = {
  'drivers/scsi/st.c': `void flush_hook(struct page *page);

int map_user(unsigned long uaddr)
{
	struct page *pages[1];

	if (pin_user_pages_fast(uaddr, 1, 0, pages) != 1)
		return -EFAULT;
	flush_hook(pages[0]);
	return 0;
}
`,
  'arch/arm/mm/flush.c': 'void flush_hook(struct page *page)\n{\n\tpr_info("%lu\\n", page->index);\n}\n',
  'arch/x86/mm/flush.c': 'void flush_hook(struct page *page)\n{\n\tpr_info("%lu\\n", page->index);\n}\n',
  'tools/testing/hook.c': 'void flush_hook(struct page *page)\n{\n\tpr_info("%lu\\n", page->index);\n}\n',
  // x86 code calling a hook only arm defines (and generic code): never the arm one.
  'arch/x86/kernel/pin.c': `void other_hook(struct page *page);

int pin_one(unsigned long uaddr)
{
	struct page *page;

	if (get_user_pages_fast(uaddr, 1, 0, &page) != 1)
		return -EFAULT;
	other_hook(page);
	return 0;
}
`,
  'arch/arm/mm/other.c': 'void other_hook(struct page *page)\n{\n\tpr_info("%lu\\n", page->index);\n}\n',
};

function findingFiles(fsdaxArchitectures?: string[]): string[] {
  const session = new AuditSession({ era, fsdaxArchitectures, rules: allRules });
  for (const [p, t] of Object.entries(tree)) session.setFile(p, t);
  return session.audit().findings.map((f) => f.file).sort();
}

describe('link scope', () => {
  it('tells kernel code, one architecture and what is not the kernel apart', () => {
    assert.deepStrictEqual(linkUnitOf('mm/gup.c'), { kind: 'kernel' });
    assert.deepStrictEqual(linkUnitOf('arch/x86/mm/pat/set_memory.c'), { kind: 'arch', arch: 'x86' });
    for (const p of ['tools/perf/util/util.c', 'scripts/mod/modpost.c', 'usr/gen_init_cpio.c', 'Documentation/x.c', 'arch/x86/boot/compressed/string.c']) {
      assert.strictEqual(linkUnitOf(p).kind, 'outside', p);
    }
    const scope = new LinkScope(['x86']);
    assert.ok(scope.analysable('arch/x86/mm/flush.c') && scope.analysable('mm/gup.c'));
    assert.ok(!scope.analysable('arch/arm/mm/flush.c') && !scope.analysable('tools/testing/hook.c'));
    assert.ok(scope.linkable('mm/gup.c', 'arch/arm/mm/flush.c') && scope.linkable('arch/arm/mm/flush.c', 'mm/gup.c'));
    assert.ok(!scope.linkable('arch/x86/kernel/pin.c', 'arch/arm/mm/other.c'));
  });

  it('binds a generic call to every architecture\'s definition, but not to a tool\'s, and not across architectures', () => {
    assert.deepStrictEqual(findingFiles(), ['arch/arm/mm/flush.c', 'arch/x86/mm/flush.c']);
  });

  it('leaves out the arch/ code of architectures without FS-DAX', () => {
    assert.deepStrictEqual(findingFiles(['x86', 'arm64']), ['arch/x86/mm/flush.c']);
  });

  it('reads the architectures with FS-DAX from the tree\'s Kconfig', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fsdax-kconfig-'));
    try {
      assert.strictEqual(detectFsdaxArchitectures(root), undefined, 'no mm/Kconfig: every architecture');
      fs.mkdirSync(path.join(root, 'mm'));
      fs.writeFileSync(path.join(root, 'mm', 'Kconfig'), 'config ZONE_DEVICE\n\tbool "Device memory"\n\tdepends on MEMORY_HOTPLUG\n\tdepends on ARCH_HAS_PTE_DEVMAP\n\nconfig OTHER\n');
      for (const [arch, kconfig] of [['x86', '\tselect ARCH_HAS_PTE_DEVMAP\t\tif X86_64\n'], ['arm', '\tselect ARCH_HAS_DMA_PREP_COHERENT\n'], ['arm64', '\tselect ARCH_HAS_PTE_DEVMAP\n']]) {
        fs.mkdirSync(path.join(root, 'arch', arch), { recursive: true });
        fs.writeFileSync(path.join(root, 'arch', arch, 'Kconfig'), `config ${arch.toUpperCase()}\n${kconfig}`);
      }
      assert.deepStrictEqual(detectFsdaxArchitectures(root), ['arm64', 'x86']);
      fs.writeFileSync(path.join(root, 'mm', 'Kconfig'), 'config ZONE_DEVICE\n\tbool "Device memory"\n\tdepends on FOO\n');
      assert.strictEqual(detectFsdaxArchitectures(root), undefined, 'ZONE_DEVICE with no architecture dependency: every architecture');
      // 7.x: no devmap bit; ZONE_DEVICE needs memory hotplug and a vmemmap, which architectures provide.
      fs.writeFileSync(path.join(root, 'mm', 'Kconfig'), 'menuconfig MEMORY_HOTPLUG\n\tbool "Memory hotplug"\n\tdepends on SPARSEMEM_VMEMMAP\n\tdepends on ARCH_ENABLE_MEMORY_HOTPLUG\n\tdepends on 64BIT\n\n' +
        'config SPARSEMEM_VMEMMAP\n\tdef_bool y\n\tdepends on SPARSEMEM && SPARSEMEM_VMEMMAP_ENABLE\n\nconfig ZONE_DEVICE\n\tbool "Device memory"\n\tdepends on MEMORY_HOTPLUG\n\tdepends on SPARSEMEM_VMEMMAP\n');
      fs.writeFileSync(path.join(root, 'arch', 'arm', 'Kconfig'), 'config ARM\n\tselect SPARSEMEM_VMEMMAP_ENABLE\n');
      fs.writeFileSync(path.join(root, 'arch', 'x86', 'Kconfig'), 'config X86\n\tselect ARCH_ENABLE_MEMORY_HOTPLUG if X86_64\n\tselect SPARSEMEM_VMEMMAP_ENABLE\n');
      assert.deepStrictEqual(detectFsdaxArchitectures(root), ['x86'], 'arm has a vmemmap but no memory hotplug');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
