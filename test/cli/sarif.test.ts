// SARIF 2.1.0 output: validated by Microsoft's official validator
// (@microsoft/sarif-multitool), then checked field by field for what code
// scanning needs. Rule behaviour is not tested here (fixtures do that).
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type * as Sarif from 'sarif';
import { allRules, ruleAdvice } from '../../server/rules/index';
import { copyTree, FIXTURE_TREES, runCli, SAMPLE_TREE, SAMPLE_TREE_FINDINGS, scratchDir } from './helpers';

// Notes the validator gives that we accept, each for a reason (docs/sarif.md):
// SARIF2002 message arguments (our messages are filled by the core), SARIF2003
// version-control provenance (trees are often tarballs), SARIF2006 reachable URIs
// (no network here), SARIF2009 '/' in rule ids (the project's fsdax/<name> ids).
const ACCEPTED_NOTES = new Set(['SARIF2002', 'SARIF2003', 'SARIF2006', 'SARIF2009']);

function validate(file: string): Sarif.Result[] {
  const bin = require('@microsoft/sarif-multitool') as string;
  assert.ok(fs.existsSync(bin), `the SARIF validator binary is missing at ${bin}; did npm ci approve its install script?`);
  const out = `${file}.validation.sarif`;
  const r = spawnSync(bin, ['validate', file, '--output', out, '--log', 'ForceOverwrite', '--level', 'Error;Warning;Note'], { encoding: 'utf8' });
  assert.strictEqual(r.status, 0, `validator failed to run:\n${r.stdout}\n${r.stderr}`);
  return (JSON.parse(fs.readFileSync(out, 'utf8')) as Sarif.Log).runs[0].results ?? [];
}

async function sarifOf(args: string[]): Promise<{ log: Sarif.Log; file: string }> {
  const file = path.join(scratchDir(), 'report.sarif');
  const r = await runCli(['--format', 'sarif', '--output', file, ...args]);
  assert.ok(r.code === 0 || r.code === 1, r.stderr);
  return { log: JSON.parse(fs.readFileSync(file, 'utf8')), file };
}

describe('cli sarif', function () {
  this.timeout(120000);

  it('validates with the official SARIF validator: 0 errors, 0 warnings, only explained notes', async () => {
    const tree = copyTree(SAMPLE_TREE);
    fs.writeFileSync(path.join(tree, 'mm', 'blob.c'), Buffer.from([0, 1, 2, 3]));
    fs.appendFileSync(path.join(tree, 'fs', 'b.c'), '\n/* fsdax-audit: ignore fsdax/index-read */\nint unused_ignore;\n');
    const { file } = await sarifOf([tree]);
    const results = validate(file);
    const byLevel = (l: string) => results.filter((x) => x.level === l).map((x) => `${x.ruleId}: ${JSON.stringify(x.message)}`);
    assert.deepStrictEqual(byLevel('error'), []);
    assert.deepStrictEqual(byLevel('warning'), []);
    const unexplained = results.filter((x) => !ACCEPTED_NOTES.has(x.ruleId ?? ''));
    assert.deepStrictEqual(unexplained.map((x) => x.ruleId), []);
  });

  it('--diff: new and path-changed results carry baselineState, the run the base; the log validates', async () => {
    const tree = copyTree(path.join(FIXTURE_TREES, 'context'));
    const git = (...args: string[]) => assert.strictEqual(spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', '-C', tree, ...args]).status, 0);
    git('init', '-q');
    git('add', '-A');
    git('commit', '-q', '-m', 'base');
    const file = path.join(tree, 'mm', 'pmem-failure.c');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('return mf_dev_pagemap(pfn, flags);', 'return pmemfs_notify_failure(pfn_folio(pfn), flags) + mf_page_offset(pfn_to_page(pfn));'));
    const callee = path.join(tree, 'fs', 'pmemfs', 'notify.c');
    fs.writeFileSync(callee, fs.readFileSync(callee, 'utf8').replace('\tif (!mapping)\n', '\tpr_info("%lu\\n", folio_pgoff(folio));\n\tif (!mapping)\n'));
    const { log, file: out } = await sarifOf(['--fail-on', 'never', '--root', tree, '--diff', 'HEAD']);
    const states = log.runs[0].results!.map((r) => `${r.ruleId} ${r.baselineState}`);
    assert.deepStrictEqual(states, ['fsdax/mapping-deref updated', 'fsdax/index-read new', 'fsdax/index-read updated', 'fsdax/index-read updated']);
    assert.deepStrictEqual(log.runs[0].properties, { era: '6.2-6.14', eraKnown: true, eraEvidence: 'include/linux/page-flags.h defines PAGE_MAPPING_DAX_SHARED', scope: 'context', diffBase: 'HEAD', diffCommit: log.runs[0].properties!.diffCommit, diffRemoved: 0 });
    const results = validate(out);
    assert.deepStrictEqual(results.filter((x) => x.level === 'error' || x.level === 'warning').map((x) => x.ruleId), []);
  });

  it('the validator does catch a broken log (the check can fail)', () => {
    const file = path.join(scratchDir(), 'broken.sarif');
    fs.writeFileSync(file, JSON.stringify({ version: '2.1.0', runs: [{ tool: { driver: {} }, results: [{ message: {} }] }] }));
    assert.ok(validate(file).some((x) => x.level === 'error'));
  });

  it('tool.driver carries version, informationUri and every rule with help and default level', async () => {
    const { log } = await sarifOf(['--fail-on', 'never', SAMPLE_TREE]);
    assert.strictEqual(log.version, '2.1.0');
    const driver = log.runs[0].tool.driver;
    assert.strictEqual(driver.name, 'fsdax-audit');
    assert.match(driver.version ?? '', /^\d+\.\d+\.\d+/);
    assert.match(driver.informationUri ?? '', /^https:\/\//);
    const ids = (driver.rules ?? []).map((r) => r.id);
    assert.deepStrictEqual(ids, [...allRules.map((r) => r.meta.id), 'fsdax/suppression'].sort());
    for (const rule of driver.rules ?? []) {
      const meta = allRules.find((r) => r.meta.id === rule.id)?.meta;
      assert.match(rule.name ?? '', /^[A-Z][A-Za-z]+$/);
      assert.ok(rule.shortDescription?.text && rule.fullDescription?.text && rule.help?.text && rule.help.markdown, rule.id);
      assert.match(rule.helpUri ?? '', new RegExp(`/explanations/${meta?.explanation ?? 'suppressions'}\\.html$`));
      assert.ok(rule.help?.text.includes(rule.helpUri!));
      // The advice is the rule's own (the hover shows the same words).
      const advice = ruleAdvice(rule.id);
      assert.ok(advice && rule.help?.markdown?.includes(`**Instead:** ${advice}`), `${rule.id}: no advice in help`);
      assert.ok(rule.help?.text.includes(`Instead: ${advice.replace(/`/g, '')}`));
      const level = { error: 'error', warning: 'warning', info: 'note' }[meta?.severity ?? 'warning'];
      assert.strictEqual(rule.defaultConfiguration?.level, level, rule.id);
    }
  });

  it('results: ruleIndex, level, relative locations, 1-based regions, functions, code flows, fingerprints, era', async () => {
    const { log } = await sarifOf(['--fail-on', 'never', SAMPLE_TREE]);
    const run = log.runs[0];
    assert.deepStrictEqual(run.properties, { era: '6.2-6.14', eraKnown: true, eraEvidence: 'include/linux/page-flags.h defines PAGE_MAPPING_DAX_SHARED', scope: 'context' });
    assert.match(run.originalUriBaseIds?.SRCROOT?.uri ?? '', /^file:\/\/\/.*\/$/);
    const results = run.results ?? [];
    assert.strictEqual(results.length, SAMPLE_TREE_FINDINGS);
    const fingerprints = new Set<string>();
    for (const r of results) {
      assert.strictEqual(run.tool.driver.rules?.[r.ruleIndex!].id, r.ruleId);
      assert.ok(['error', 'warning', 'note'].includes(r.level!));
      assert.match(r.message.text ?? '', /\.$/);
      const loc = r.locations![0];
      assert.strictEqual(loc.physicalLocation?.artifactLocation?.uriBaseId, 'SRCROOT');
      assert.match(loc.physicalLocation?.artifactLocation?.uri ?? '', /^(mm|fs)\/[\w-]+\.c$/);
      const region = loc.physicalLocation!.region!;
      assert.ok(region.startLine! >= 1 && region.startColumn! >= 1 && region.endLine! >= region.startLine! && region.endColumn! >= 1);
      const fn = loc.logicalLocations![0];
      assert.strictEqual(fn.kind, 'function');
      assert.strictEqual(fn.fullyQualifiedName, `${loc.physicalLocation!.artifactLocation!.uri}:${fn.name}`);
      const fp = r.partialFingerprints?.['fsdaxFingerprint/v1'] ?? '';
      assert.match(fp, /^[0-9a-f]{32}:\d+$/);
      assert.ok(!fingerprints.has(fp), 'partial fingerprints are unique');
      fingerprints.add(fp);
    }
    // The memory-failure deref: a path source -> calls -> site.
    const deref = results.find((r) => r.ruleId === 'fsdax/mapping-deref' && r.locations![0].physicalLocation!.region!.startLine === 19)!;
    assert.ok(deref, 'mm/memory-failure.c:19 mapping-deref');
    const steps = deref.codeFlows![0].threadFlows[0].locations;
    assert.ok(steps.length >= 3);
    assert.strictEqual(steps[0].location?.logicalLocations?.[0].name, 'memory_failure');
    assert.deepStrictEqual(steps[steps.length - 1].location?.physicalLocation?.region?.startLine, 19);
    assert.deepStrictEqual(steps.map((s) => s.executionOrder), steps.map((_, i) => i + 1));
    assert.strictEqual(deref.locations![0].physicalLocation!.region!.snippet?.text, 'folio->mapping');
  });

  it('partial fingerprints survive a line shift', async () => {
    const tree = copyTree(SAMPLE_TREE);
    const before = (await sarifOf([tree])).log.runs[0].results!.map((r) => r.partialFingerprints!['fsdaxFingerprint/v1']).sort();
    for (const f of ['mm/a.c', 'fs/b.c', 'mm/memory-failure.c']) {
      fs.writeFileSync(path.join(tree, f), '\n\n' + fs.readFileSync(path.join(tree, f), 'utf8'));
    }
    const after = (await sarifOf([tree])).log.runs[0].results!.map((r) => r.partialFingerprints!['fsdaxFingerprint/v1']).sort();
    assert.deepStrictEqual(after, before);
  });

  it('unreadable and binary files become tool execution notifications', async () => {
    const tree = copyTree(SAMPLE_TREE);
    fs.writeFileSync(path.join(tree, 'mm', 'blob.c'), Buffer.from([0, 1, 2, 3]));
    const { log } = await sarifOf([tree]);
    const notes = log.runs[0].invocations![0].toolExecutionNotifications!;
    assert.ok(notes.some((n) => n.locations?.[0].physicalLocation?.artifactLocation?.uri === 'mm/blob.c' && /\[binary\]\.$/.test(n.message.text ?? '')));
  });
});
