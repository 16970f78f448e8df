// The index cache's key and check (analysis/result-cache.ts), its file
// (lsp/index-cache.ts) and the workspace index using it: a stored result stands
// for a tree only when nothing that changes results has changed, and it equals
// what the session computes for the same tree.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AuditSession } from '../../server/src/analysis/audit';
import type { AuditOptions, AuditResult } from '../../server/src/analysis/audit-types';
import {
  analysisKey, cacheMismatch, compareFileHashes, parseTreeResult, serializeTreeResult, RESULT_CACHE_FORMAT, type CachedTreeResult,
} from '../../server/src/analysis/result-cache';
import { contentHash } from '../../server/src/analysis/prescan';
import { defaultModel } from '../../server/src/model/model';
import { parseSource } from '../../server/src/parse/parser';
import { cacheDirectory, IndexCacheFile } from '../../server/src/host/result-store';
import { WorkspaceIndex } from '../../server/src/lsp/workspace-index';
import { listFiles } from '../fixture-runner';
import { allRules } from '../../server/rules/index';

const TREE = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'trees', 'cross-file');
const era = { era: '6.2-6.14' as const, known: true, evidence: 'test' };
const options: AuditOptions = { era, rules: allRules };

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

  it('finds its directory: the client\'s, else XDG_CACHE_HOME or ~/.cache; off with FSDAX_AUDIT_NO_CACHE', () => {
    assert.strictEqual(cacheDirectory('/x/storage', {}), '/x/storage');
    assert.strictEqual(cacheDirectory(undefined, { XDG_CACHE_HOME: '/c' }), path.join('/c', 'fsdax-audit', 'index'));
    assert.strictEqual(cacheDirectory(undefined, {}), path.join(os.homedir(), '.cache', 'fsdax-audit', 'index'));
    assert.strictEqual(cacheDirectory(42, { XDG_CACHE_HOME: 'relative' }), path.join(os.homedir(), '.cache', 'fsdax-audit', 'index'));
    assert.strictEqual(cacheDirectory('/x/storage', { FSDAX_AUDIT_NO_CACHE: '1' }), undefined);
    assert.strictEqual(cacheDirectory('/x/storage', { FSDAX_AUDIT_NO_CACHE: '0' }), '/x/storage');
    const a = new IndexCacheFile('/d', '/src/linux-6.12', () => undefined);
    assert.match(a.file, /^\/d\/linux-6\.12-[0-9a-f]{16}\.json$/);
    assert.notStrictEqual(new IndexCacheFile('/d', '/other/linux-6.12', () => undefined).file, a.file);
  });
});

describe('index cache: the workspace index', () => {
  let tmp: string;
  let dir: string;
  const logs: string[] = [];
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fsdax-cache-tree-'));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fsdax-cache-dir-'));
    fs.cpSync(TREE, tmp, { recursive: true });
    // Written a minute ago: a file written within a clock tick of its listing gets no stamp (host/file-stamp.ts).
    const past = new Date(Date.now() - 60_000);
    for (const f of listFiles(tmp)) fs.utimesSync(f, past, past);
    logs.length = 0;
  });
  afterEach(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const built = async () => {
    const index = new WorkspaceIndex(tmp, new IndexCacheFile(dir, tmp, (m) => logs.push(m)), (m) => logs.push(m));
    assert.ok(await index.build(() => undefined, () => false));
    return index;
  };
  const opts = (): AuditOptions => ({ era: { era: '6.2-6.14', known: true, evidence: 'test' }, rules: allRules });
  /** A second index over the tree, restored from the cache a first one wrote. */
  const restoredIndex = async () => {
    const first = await built();
    const computed = first.audit(opts(), undefined, new Map(), true);
    first.flushCache();
    const second = await built();
    assert.ok(second.restore(opts(), undefined));
    return Object.assign(second, { computedByFirst: computed });
  };

  it('a changed tree resumes from the kept analysis state: the first audit analyses what changed, with a fresh session\'s result', async () => {
    const first = await built();
    first.audit(opts(), undefined, new Map(), true);
    first.flushCache();
    assert.ok(fs.readdirSync(dir).some((n) => /\.state-[0-9a-f]{16}\.bin$/.test(n)), fs.readdirSync(dir).join());
    const b = path.join(tmp, 'fs', 'b.c');
    fs.writeFileSync(b, fs.readFileSync(b, 'utf8').replace('folio->mapping', 'folio'));
    const second = await built();
    assert.strictEqual(second.restore(opts(), undefined), false, 'a file changed: the stored result does not stand');
    const resumed = second.audit(opts(), undefined, new Map(), true);
    assert.ok(logs.some((l) => /resumed from its kept state \(1 files changed since\)/.test(l)), logs.join('\n'));
    const fresh = await built();
    assert.deepStrictEqual(resumed, fresh.audit(opts(), undefined, new Map(), false));
    assert.notDeepStrictEqual(resumed.findings, first.lastFullAudit!.findings, 'the change shows');
  });

  it('restores an unchanged tree with the result the session computes, and not a changed one', async () => {
    const first = await built();
    assert.strictEqual(first.restore(opts(), undefined), false);
    const computed = first.audit(opts(), undefined, new Map(), true);
    first.flushCache();
    assert.ok(logs.some((l) => /index cache written \(2 files\)/.test(l)), logs.join('\n'));

    const second = await built();
    assert.strictEqual(second.restore(opts(), undefined), true);
    const restored = second.audit(opts(), undefined, new Map(), true);
    assert.strictEqual(restored, second.lastFullAudit);
    assert.deepStrictEqual(restored, computed);
    // The session the second index makes when the cache is not used agrees with the stored result.
    const fresh = second.audit(opts(), undefined, new Map(), false);
    assert.notStrictEqual(fresh, restored);
    assert.deepStrictEqual(fresh, restored);

    // Other options: not restored (the key differs), and no crash.
    const third = await built();
    assert.strictEqual(third.restore({ era: { era: '6.15+', known: true, evidence: 'test' }, rules: allRules }, undefined), false);
    assert.ok(logs.some((l) => /not used: the analysis options differ/.test(l)), logs.join('\n'));

    fs.appendFileSync(path.join(tmp, 'fs', 'b.c'), '\n/* changed */\n');
    const fourth = await built();
    assert.strictEqual(fourth.restore(opts(), undefined), false);
    assert.ok(logs.some((l) => /not used: 1 file changed \(fs\/b\.c\)/.test(l)), logs.join('\n'));
  });

  it('a warm start reads no file whose stamp is unchanged; a rewrite that keeps size and mtime is caught by its ctime', async () => {
    const first = await built();
    first.audit(opts(), undefined, new Map(), true);
    first.flushCache();
    // Listed with their stats, then gone: a restore that read any of them would miss.
    const second = await built();
    const moved = `${tmp}-moved`;
    fs.renameSync(tmp, moved);
    try {
      assert.strictEqual(second.restore(opts(), undefined), true, logs.join('\n'));
    } finally {
      fs.renameSync(moved, tmp);
    }

    // Same size, same mtime, other bytes: the write set the ctime, which no one can set back, so the file is read at the start.
    const b = path.join(tmp, 'fs', 'b.c');
    const st = fs.statSync(b);
    const text = fs.readFileSync(b, 'utf8');
    fs.writeFileSync(b, text.replace('folio->mapping', 'folio->mappinG'));
    fs.utimesSync(b, st.atime, st.mtime);
    assert.strictEqual(fs.statSync(b).mtimeMs, st.mtimeMs);
    const third = await built();
    assert.strictEqual(third.restore(opts(), undefined), false);
    assert.ok(logs.some((l) => /not used: 1 file changed \(fs\/b\.c\)/.test(l)), logs.join('\n'));
  });

  it('a file written within a clock tick of its listing is not vouched for by its stat: the next start reads it', async () => {
    const b = path.join(tmp, 'fs', 'b.c');
    fs.writeFileSync(b, fs.readFileSync(b));
    const first = await built();
    first.audit(opts(), undefined, new Map(), true);
    first.flushCache();
    const stored = JSON.parse(fs.readFileSync(path.join(dir, fs.readdirSync(dir).find((n) => n.endsWith('.json'))!), 'utf8')).body.stats;
    assert.deepStrictEqual(Object.keys(stored), ['mm/a.c'], 'only the file written a minute ago has a stamp');
    // Gone after the listing: a start that took its stored hash on its stat would restore; this one must read it, and cannot.
    const second = await built();
    fs.rmSync(b);
    assert.strictEqual(second.restore(opts(), undefined), false, logs.join('\n'));
  });

  it('answers from the stored result only while the open documents equal the disk', async () => {
    const second = await restoredIndex();
    const bPath = path.join(tmp, 'fs', 'b.c');
    const same = parseSource('fs/b.c', fs.readFileSync(bPath, 'utf8'));
    const stored = second.audit(opts(), undefined, new Map([['fs/b.c', same]]), true);
    assert.strictEqual(stored, second.lastFullAudit);
    const edited = parseSource('fs/b.c', fs.readFileSync(bPath, 'utf8').replace('folio->mapping', 'folio'));
    const afterEdit = second.audit(opts(), undefined, new Map([['fs/b.c', edited]]), true);
    assert.strictEqual(afterEdit.findings.filter((f) => f.file === 'fs/b.c').length, stored.findings.filter((f) => f.file === 'fs/b.c').length - 1);
    // Back to the disk text: the session (which now answers) agrees with the stored result.
    assert.deepStrictEqual(second.audit(opts(), undefined, new Map([['fs/b.c', same]]), true).findings, stored.findings);
  });

  it('warms the session up in the background; the stored result answers until it is complete, then the session does', async () => {
    const second = await restoredIndex();
    const stored = second.lastFullAudit;
    const warmUp = second.warmUp(opts(), undefined);
    assert.strictEqual(second.audit(opts(), undefined, new Map(), true), stored, 'the stored result answers during the warm-up');
    await warmUp;
    assert.ok(logs.some((l) => /analysis of .* ready in the background/.test(l)), logs.join('\n'));
    const bySession = second.audit(opts(), undefined, new Map(), true);
    assert.notStrictEqual(bySession, stored, 'the session answers once warm');
    assert.deepStrictEqual(bySession, second.computedByFirst);
  });

  it('an edit before the warm-up has ended gets what a fresh session gives', async () => {
    const second = await restoredIndex();
    const warmUp = second.warmUp(opts(), undefined);
    const text = fs.readFileSync(path.join(tmp, 'fs', 'b.c'), 'utf8').replace('folio->mapping', 'folio');
    const edited = second.audit(opts(), undefined, new Map([['fs/b.c', parseSource('fs/b.c', text)]]), true);
    await warmUp;
    const fresh = new AuditSession(opts());
    for (const f of listFiles(tmp)) {
      const rel = path.relative(tmp, f).split(path.sep).join('/');
      fresh.setFile(rel, rel === 'fs/b.c' ? text : fs.readFileSync(f, 'utf8'));
    }
    assert.deepStrictEqual(edited.findings, fresh.audit().findings);
    assert.ok(!logs.some((l) => /ready in the background/.test(l)), 'the preempted warm-up does not claim to be complete');
  });

  it('drops the stored result when a file changes on disk after the restore', async () => {
    const second = await restoredIndex();
    const a = path.join(tmp, 'mm', 'a.c');
    second.updateFromDisk('mm/a.c', fs.readFileSync(a));
    assert.ok(second.restore(opts(), undefined), 'the same bytes again keep it');
    const changed = Buffer.from(fs.readFileSync(a, 'utf8').replace('\treport_owner(folio);\n', ''));
    second.updateFromDisk('mm/a.c', changed);
    const result = second.audit(opts(), undefined, new Map(), true);
    assert.strictEqual(result.findings.some((f) => f.ruleId === 'fsdax/mapping-read' && f.file === 'fs/b.c'), false);
    second.flushCache();
    fs.writeFileSync(a, changed);
    const third = await built();
    assert.ok(third.restore(opts(), undefined), 'the new disk state was stored');
    assert.deepStrictEqual(third.audit(opts(), undefined, new Map(), true), result);
  });

  it('ignores a damaged cache file with a log line and writes a good one', async () => {
    const first = await built();
    first.audit(opts(), undefined, new Map(), true);
    first.flushCache();
    const [file] = fs.readdirSync(dir);
    fs.writeFileSync(path.join(dir, file), '{"format":1,"checks');
    const second = await built();
    assert.strictEqual(second.restore(opts(), undefined), false);
    assert.ok(logs.some((l) => /ignored: not JSON/.test(l)), logs.join('\n'));
    second.audit(opts(), undefined, new Map(), true);
    second.flushCache();
    assert.deepStrictEqual(fs.readdirSync(dir).filter((n) => !/\.state-[0-9a-f]+\.bin$/.test(n)), [file], 'no temporary file left (the analysis state aside)');
    assert.ok('entry' in parseTreeResult(fs.readFileSync(path.join(dir, file), 'utf8')));
  });
});
