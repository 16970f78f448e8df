// The index cache's key and check (analysis/result-cache.ts): a stored result
// stands for a tree only when nothing that changes results has changed.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { AuditSession, type AuditOptions, type AuditResult } from '../../server/src/analysis/audit';
import {
  analysisKey, cacheMismatch, compareFileHashes, contentHash, parseTreeResult, serializeTreeResult, RESULT_CACHE_FORMAT, type CachedTreeResult,
} from '../../server/src/analysis/result-cache';
import { defaultModel } from '../../server/src/model/model';
import { listFiles } from '../fixture-runner';

const TREE = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'trees', 'cross-file');
const era = { era: '6.2-6.14' as const, known: true, evidence: 'test' };
const options: AuditOptions = { era };

function treeResult(): { files: Map<string, string>; result: AuditResult } {
  const session = new AuditSession(options);
  const files = new Map<string, string>();
  for (const f of listFiles(TREE)) {
    const rel = path.relative(TREE, f).split(path.sep).join('/');
    const bytes = fs.readFileSync(f);
    session.setFile(rel, bytes);
    files.set(rel, contentHash(bytes));
  }
  return { files, result: session.audit() };
}

function entryOf(): CachedTreeResult {
  const { files, result } = treeResult();
  return { tool: '1.0.0+abc', root: '/t', key: analysisKey(options, defaultModel()), files: Object.fromEntries(files), result };
}

describe('index cache: key and check', () => {
  it('hashes a string as its UTF-8 bytes', () => {
    assert.strictEqual(contentHash('é\n'), contentHash(Buffer.from('é\n', 'utf8')));
    assert.notStrictEqual(contentHash('a'), contentHash('b'));
  });

  it('keys on era (with its evidence), severities and model content, not on key order', () => {
    const model = defaultModel();
    const base = analysisKey({ era, severities: { 'fsdax/index-read': 'error', 'fsdax/anon-test': 'off' } }, model);
    assert.strictEqual(analysisKey({ era, severities: { 'fsdax/anon-test': 'off', 'fsdax/index-read': 'error' } }, defaultModel()), base);
    assert.notStrictEqual(analysisKey({ era: { ...era, era: '6.15+' }, severities: { 'fsdax/index-read': 'error', 'fsdax/anon-test': 'off' } }, model), base);
    assert.notStrictEqual(analysisKey({ era: { ...era, evidence: 'other' }, severities: { 'fsdax/index-read': 'error', 'fsdax/anon-test': 'off' } }, model), base);
    assert.notStrictEqual(analysisKey({ era, severities: { 'fsdax/index-read': 'warning', 'fsdax/anon-test': 'off' } }, model), base);
    const extended = defaultModel();
    extended.guards = [...extended.guards, { ...extended.guards[0], call: 'my_guard' }];
    assert.notStrictEqual(analysisKey({ era, severities: { 'fsdax/index-read': 'error', 'fsdax/anon-test': 'off' } }, extended), base);
    assert.notStrictEqual(analysisKey({ era, modelExtensions: [{ origin: 'x.json', value: {} }] }, model), analysisKey({ era }, model));
  });

  it('compares file hashes: same set and hashes, or what changed, was added, was removed', () => {
    const cached = { 'mm/a.c': '1', 'fs/b.c': '2' };
    assert.strictEqual(compareFileHashes(cached, new Map([['fs/b.c', '2'], ['mm/a.c', '1']])), undefined);
    assert.strictEqual(compareFileHashes(cached, new Map([['mm/a.c', '1'], ['fs/b.c', '3']])), '1 file changed (fs/b.c)');
    assert.strictEqual(compareFileHashes(cached, new Map([['mm/a.c', '1']])), '1 file removed (fs/b.c)');
    assert.strictEqual(compareFileHashes(cached, new Map([['mm/a.c', '1'], ['fs/b.c', '2'], ['fs/c.c', '4']])), '1 file added (fs/c.c)');
    assert.strictEqual(compareFileHashes({}, new Map([['a', '1'], ['b', '1'], ['c', '1'], ['d', '1']])), '4 files added (a, b, c, ...)');
    assert.strictEqual(compareFileHashes({ constructor: '1' }, new Map([['constructor', '1']])), undefined);
    assert.strictEqual(compareFileHashes({}, new Map([['constructor', '1']])), '1 file added (constructor)');
  });

  it('matches only the same tool, root, options key and files', () => {
    const entry = entryOf();
    const current = { tool: entry.tool, root: entry.root, key: entry.key, files: new Map(Object.entries(entry.files)) };
    assert.strictEqual(cacheMismatch(entry, current), undefined);
    assert.match(cacheMismatch(entry, { ...current, tool: '1.0.0+def' })!, /written by fsdax-audit 1\.0\.0\+abc/);
    assert.match(cacheMismatch(entry, { ...current, root: '/u' })!, /written for \/t/);
    assert.match(cacheMismatch(entry, { ...current, key: 'k' })!, /options differ/);
    const files = new Map(current.files);
    files.set('fs/b.c', contentHash('changed'));
    assert.strictEqual(cacheMismatch(entry, { ...current, files }), '1 file changed (fs/b.c)');
  });

  it('round-trips a real result exactly', () => {
    const entry = entryOf();
    assert.ok(entry.result.findings.length > 0);
    const back = parseTreeResult(serializeTreeResult(entry));
    assert.ok('entry' in back, JSON.stringify(back));
    assert.deepStrictEqual(back.entry, entry);
  });

  it('refuses truncated, damaged, foreign-format and misshapen text', () => {
    const text = serializeTreeResult(entryOf());
    const problem = (t: string) => { const r = parseTreeResult(t); assert.ok('problem' in r, 'accepted'); return r.problem; };
    assert.match(problem(text.slice(0, Math.floor(text.length / 2))), /not JSON/);
    assert.match(problem(''), /not JSON/);
    assert.match(problem('[1]'), /not a cache object/);
    assert.match(problem(text.replace(`"format":${RESULT_CACHE_FORMAT}`, '"format":999')), /format 999, this version reads 1/);
    assert.match(problem(text.replace('fsdax/mapping-read', 'fsdax/mapping-reed')), /checksum mismatch/);
    const misshapen = (body: unknown) => JSON.stringify({ format: RESULT_CACHE_FORMAT, checksum: contentHash(JSON.stringify(body)), body });
    const good = entryOf();
    assert.match(problem(misshapen({ ...good, tool: 1 })), /missing tool/);
    assert.match(problem(misshapen({ ...good, files: { 'a.c': 1 } })), /bad file hashes/);
    assert.match(problem(misshapen({ ...good, result: { ...good.result, findings: [{ ruleId: 'x' }] } })), /bad result/);
    assert.match(problem(misshapen({ ...good, result: { ...good.result, stats: {} } })), /bad result/);
  });
});
