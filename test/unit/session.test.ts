// The incremental session must agree with a fresh audit after any sequence of edits.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { AuditSession } from '../../server/src/analysis/audit';
import type { AuditOptions } from '../../server/src/analysis/audit-types';
import { listFiles } from '../fixture-runner';
import { parseSource, reparseSource } from '../../server/src/parse/parser';
import { allRules } from '../../server/rules/index';

const TREES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'trees');
const options: AuditOptions = { era: { era: '6.2-6.14', known: true, evidence: 'test' }, rules: allRules };

function load(tree: string): Map<string, string> {
  const root = path.join(TREES, tree);
  return new Map(listFiles(root).map((f) => [path.relative(root, f).split(path.sep).join('/'), fs.readFileSync(f, 'utf8')] as const));
}

function fresh(files: Map<string, string>): string {
  const s = new AuditSession(options);
  for (const [p, t] of files) s.setFile(p, t);
  return JSON.stringify(s.audit().findings);
}

describe('incremental audit session', () => {
  const edits: Array<[string, (t: string) => string]> = [
    // add a guard that removes the finding in the callee file
    ['fs/b.c', (t) => t.replace('pr_info("owner %p\\n", folio->mapping);', 'if (folio_is_zone_device(folio))\n\t\treturn;\n\tpr_info("owner %p\\n", folio->mapping);')],
    // shift every offset of a file by inserting lines at its top
    ['mm/a.c', (t) => `/* one */\n/* two */\n${t}`],
    // a new unsafe read in a function that was clean
    ['fs/b.c', (t) => t.replace('void report_clean(struct page *page)\n{\n', 'void report_clean(struct page *page)\n{\n\tpr_info("%p", page->mapping);\n')],
  ];

  it('matches a fresh audit after each edit, and after undoing them all', () => {
    const files = load('cross-file');
    const original = new Map(files);
    const session = new AuditSession(options);
    for (const [p, t] of files) session.setFile(p, t);
    assert.strictEqual(JSON.stringify(session.audit().findings), fresh(files));
    for (const [file, edit] of edits) {
      const next = edit(files.get(file)!);
      assert.notStrictEqual(next, files.get(file), `the edit of ${file} applies`);
      files.set(file, next);
      session.setFile(file, next);
      assert.strictEqual(JSON.stringify(session.audit().findings), fresh(files), `after editing ${file}`);
    }
    for (const [p, t] of original) session.setFile(p, t);
    assert.strictEqual(JSON.stringify(session.audit().findings), fresh(original), 'after undoing');
  });

  it('matches a fresh audit when an editor reparses incrementally (old trees are edited in place)', () => {
    const files = load('cross-file');
    const session = new AuditSession(options);
    for (const [p, t] of files) session.setFile(p, t);
    let parsed = parseSource('fs/b.c', files.get('fs/b.c')!);
    session.setFile('fs/b.c', parsed.view.text, parsed);
    session.audit();
    for (const [file, edit] of edits.filter(([f]) => f === 'fs/b.c')) {
      const next = edit(files.get(file)!);
      files.set(file, next);
      parsed = reparseSource(parsed, next);
      session.setFile(file, next, parsed);
      assert.strictEqual(JSON.stringify(session.audit().findings), fresh(files), `after editing ${file}`);
    }
  });

  it('an edit changes the findings it should (the comparison can fail)', () => {
    const files = load('cross-file');
    const before = fresh(files);
    files.set('fs/b.c', edits[0][1](files.get('fs/b.c')!));
    assert.notStrictEqual(fresh(files), before);
  });

  it('a deleted file takes its findings with it; a cancelled audit resumes next time', () => {
    const files = load('era-6.12');
    const session = new AuditSession(options);
    for (const [p, t] of files) session.setFile(p, t);
    let calls = 0;
    const cancelledEarly = session.audit(() => ++calls > 2);
    const complete = session.audit();
    assert.strictEqual(JSON.stringify(complete.findings), fresh(files));
    assert.ok(cancelledEarly.findings.length <= complete.findings.length);
    session.deleteFile('mm/memory-failure.c');
    files.delete('mm/memory-failure.c');
    assert.strictEqual(JSON.stringify(session.audit().findings), fresh(files));
  });
});

/** Many files with GUP sources and reads through a shared helper: an async audit of it pauses many times. */
function synthetic(n: number): Map<string, string> {
  const files = new Map<string, string>();
  files.set('mm/helper.c', 'void show_owner(struct page *page)\n{\n\tpr_info("%p\\n", page->mapping);\n}\n');
  for (let i = 0; i < n; i++) {
    files.set(`drivers/d${i}.c`, `void show_owner(struct page *page);\n\nvoid pin_${i}(unsigned long start)\n{\n\tstruct page *pages[1];\n\n` +
      `\tif (get_user_pages(start, 1, 0, pages) != 1)\n\t\treturn;\n\tshow_owner(pages[0]);\n\tpr_info("%lu\\n", pages[0]->index);\n}\n`);
  }
  return files;
}

describe('an async audit paused between steps', () => {
  const tick = () => new Promise((resolve) => setImmediate(resolve));

  it('is preempted by an edit and a synchronous audit, which give what a fresh audit gives', async () => {
    const files = synthetic(60);
    const session = new AuditSession(options);
    for (const [p, t] of files) session.setFile(p, t);
    let yields = 0;
    const background = session.auditAsync(undefined, () => yields++);
    await tick();
    assert.ok(yields > 0, 'the async audit paused at least once (the tree is big enough)');
    files.set('drivers/d7.c', files.get('drivers/d7.c')!.replace('\tshow_owner(pages[0]);\n', ''));
    session.setFile('drivers/d7.c', files.get('drivers/d7.c')!);
    files.delete('drivers/d9.c');
    session.deleteFile('drivers/d9.c');
    assert.strictEqual(JSON.stringify(session.audit().findings), fresh(files), 'the synchronous audit after the edit');
    await background;
    assert.strictEqual(JSON.stringify(session.audit().findings), fresh(files), 'once the preempted run has ended');
  });

  it('hands its unfinished work to the next run', async () => {
    const files = synthetic(60);
    const session = new AuditSession(options);
    for (const [p, t] of files) session.setFile(p, t);
    const background = session.auditAsync();
    await tick();
    const complete = session.audit();
    assert.ok(complete.findings.length > 60, `${complete.findings.length} findings`);
    assert.strictEqual(JSON.stringify(complete.findings), fresh(files));
    await background;
  });
});

describe('memory bound: released trees', () => {
  it('holding one tree at a time gives the same findings as holding all', () => {
    for (const tree of ['cross-file', 'era-6.12', 'same-name-static']) {
      const files = load(tree);
      const tight = new AuditSession(options, undefined, { maxLiveTrees: 1 });
      for (const [p, t] of files) tight.setFile(p, t);
      const result = tight.audit();
      assert.ok(result.stats.parsedFiles > 1, `${tree}: more than one file parsed`);
      assert.strictEqual(JSON.stringify(result.findings), fresh(files), tree);
      // and after an edit, which re-analyses functions whose trees were released
      const [first] = [...files.keys()].filter((p) => p.endsWith('.c'));
      files.set(first, `/* edited */\n${files.get(first)!}`);
      tight.setFile(first, files.get(first)!);
      assert.strictEqual(JSON.stringify(tight.audit().findings), fresh(files), `${tree} after an edit`);
    }
  });
});

describe('incremental audit session: forwarding macros of a header', () => {
  const mainline: AuditOptions = { era: { era: '6.15+', known: true, evidence: 'test' }, rules: allRules };
  const run = (files: Map<string, string>) => {
    const s = new AuditSession(mainline);
    for (const [p, t] of files) s.setFile(p, t);
    return s.audit().findings;
  };
  const HEADER = 'include/linux/tear.h';
  const FORWARD = '#define tear_folio(f) tear_folio_to_list(f, NULL)';
  const edits = [
    // forwards to another function: the finding follows it
    FORWARD.replace('tear_folio_to_list(f, NULL)', 'count_folio_tail(f, 0)'),
    // no longer passes its parameter on: the callee sees no page from it
    FORWARD.replace('tear_folio_to_list(f, NULL)', 'tear_folio_to_list(NULL, NULL)'),
    FORWARD,
  ];

  it('a caller that expanded a header macro is analysed again when the macro changes, as a fresh audit', () => {
    const files = load('forwarding-macro');
    assert.ok(files.get(HEADER)!.includes(FORWARD));
    const session = new AuditSession(mainline);
    for (const [p, t] of files) session.setFile(p, t);
    const at = (fs: ReturnType<typeof run>) => fs.map((f) => `${f.function}:${f.ruleId}`).sort();
    assert.deepStrictEqual(at(session.audit().findings), at(run(files)));
    const seen = new Set<string>();
    let header = files.get(HEADER)!;
    for (const next of edits) {
      header = header.replace(/#define tear_folio\(f\) [^\n]*/, next);
      files.set(HEADER, header);
      session.setFile(HEADER, header);
      const incremental = session.audit().findings;
      assert.strictEqual(JSON.stringify(incremental), JSON.stringify(run(files)), `after: ${next}`);
      seen.add(at(incremental).join());
    }
    // The comparison can fail: the three versions of the macro give three different sets of findings.
    assert.strictEqual(seen.size, 3);
  });

  it('a macro defined anew (or removed) binds the calls already analysed, as a fresh audit', () => {
    const files = load('forwarding-macro');
    const withMacro = files.get(HEADER)!;
    const without = withMacro.replace(`${FORWARD}\n`, '');
    assert.notStrictEqual(without, withMacro);
    files.set(HEADER, without);
    const session = new AuditSession(mainline);
    for (const [p, t] of files) session.setFile(p, t);
    const before = session.audit().findings;
    assert.strictEqual(JSON.stringify(before), JSON.stringify(run(files)));
    files.set(HEADER, withMacro);
    session.setFile(HEADER, withMacro);
    const after = session.audit().findings;
    assert.strictEqual(JSON.stringify(after), JSON.stringify(run(files)), 'after defining the macro');
    assert.notStrictEqual(JSON.stringify(after), JSON.stringify(before), 'the macro changes the findings');
    files.set(HEADER, without);
    session.setFile(HEADER, without);
    assert.strictEqual(JSON.stringify(session.audit().findings), JSON.stringify(run(files)), 'after removing it again');
  });

  it('a function defined anew in another file changes what its callers\' reads are used for, as a fresh audit', () => {
    const files = load('forwarding-macro');
    files.set('mm/user.c', [
      'static void user_range(struct vm_area_struct *vma, unsigned long addr, pmd_t *pmd)',
      '{',
      '\tstruct folio *folio = page_folio(vm_normal_page_pmd(vma, addr, *pmd));',
      '',
      '\tnote_owner(folio->mapping);',
      '}',
      '',
    ].join('\n'));
    const session = new AuditSession(mainline);
    for (const [p, t] of files) session.setFile(p, t);
    const before = session.audit().findings;
    const definer = 'void note_owner(struct address_space *mapping)\n{\n\tpr_info("%p\\n", mapping->host);\n}\n';
    files.set('mm/owner.c', definer);
    session.setFile('mm/owner.c', definer);
    const after = session.audit().findings;
    assert.strictEqual(JSON.stringify(after), JSON.stringify(run(files)), 'after defining the callee');
    assert.notStrictEqual(JSON.stringify(after), JSON.stringify(before), 'the callee changes the findings');
  });
});
