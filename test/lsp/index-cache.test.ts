// LSP protocol test of the index cache across server restarts: a copy of a
// fixture tree and a cache directory (initializationOptions.cacheDirectory) shared
// by successive server processes. The signal is the index's progress message and
// log ("index built" / "index restored from cache (N files)").
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { HoverRequest, type PublishDiagnosticsParams } from 'vscode-languageserver-protocol/node';
import { FIXTURES, FULL_CAPABILITIES, REPO, TestClient } from './lsp-client';

describe('language server: the index cache across restarts', function () {
  this.timeout(60000);
  let tmp: string;
  let cacheDir: string;
  let client: TestClient | undefined;
  let a: string;
  let b: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fsdax-cache-tree-'));
    cacheDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fsdax-cache-')), 'index');
    fs.cpSync(path.join(FIXTURES, 'trees', 'cross-file'), tmp, { recursive: true });
    a = path.join(tmp, 'mm', 'a.c');
    b = path.join(tmp, 'fs', 'b.c');
  });
  afterEach(async () => {
    await client?.stop();
    client = undefined;
  });
  after(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.rmSync(path.dirname(cacheDir), { recursive: true, force: true });
  });

  /** A server on the tree with the cache on; resolves with the index's last progress message once it is ready. */
  async function start(settings: Record<string, unknown> = {}): Promise<{ c: TestClient; indexMessage: string }> {
    const c = new TestClient({ FSDAX_AUDIT_NO_CACHE: '' });
    client = c;
    c.settings = settings;
    await c.initialize(tmp, FULL_CAPABILITIES, { cacheDirectory: cacheDir });
    const indexMessage = await c.waitFor(() => c.progress.find((p) => p.value.kind === 'report' && p.value.percentage === 100)?.value.message, 20000, 'the index');
    return { c, indexMessage };
  }
  const written = (c: TestClient) => c.waitFor(() => c.logs.find((l) => /index cache written/.test(l)), 10000, 'the cache write');
  /** Opens the file and returns the first diagnostics published for it (the index is ready, so whole-tree ones). */
  async function diagnosticsOf(c: TestClient, file: string): Promise<PublishDiagnosticsParams> {
    const uri = await c.open(file, fs.readFileSync(file, 'utf8'));
    return c.waitForDiagnostics(uri);
  }
  const codes = (p: PublishDiagnosticsParams) => p.diagnostics.map((d) => `${d.range.start.line}:${d.code}`).sort();
  const allFiles = () => (fs.existsSync(cacheDir) ? fs.readdirSync(cacheDir) : []);
  /** The stored results (the analysis state, kept beside them, is looked at on its own). */
  const cacheFiles = () => allFiles().filter((n) => !/\.state-[0-9a-f]{16}\.bin$/.test(n));

  let firstB: PublishDiagnosticsParams;
  let firstA: PublishDiagnosticsParams;

  it('1) builds the index on the first run and writes the cache', async () => {
    const { c, indexMessage } = await start();
    assert.match(indexMessage, /^index built: 3 findings in 2 files$/);
    assert.ok(c.logs.some((l) => /no index cache for .* yet/.test(l)), c.logs.join('\n'));
    firstB = await diagnosticsOf(c, b);
    firstA = await diagnosticsOf(c, a);
    assert.deepStrictEqual(codes(firstB), ['10:fsdax/index-read', '5:fsdax/mapping-read']);
    assert.deepStrictEqual(codes(firstA), ['18:fsdax/mapping-read']);
    await written(c);
    assert.strictEqual(cacheFiles().length, 1, cacheFiles().join(', '));
    assert.match(cacheFiles()[0], /^fsdax-cache-tree-\w+-[0-9a-f]{16}\.json$/);
    assert.strictEqual(allFiles().filter((n) => /^fsdax-cache-tree-\w+-[0-9a-f]{16}\.state-[0-9a-f]{16}\.bin$/.test(n)).length, 1, 'and the analysis state');
  });

  it('2) restores the index from the cache on the second run, with the same diagnostics, and still follows edits', async () => {
    assert.ok(firstB, 'needs the first run');
    const { c, indexMessage } = await start();
    assert.strictEqual(indexMessage, 'index restored from cache (2 files): 3 findings');
    assert.ok(c.logs.some((l) => /index of .* restored from cache \(2 files\)/.test(l)), c.logs.join('\n'));
    assert.ok(!c.progress.some((p) => /analysing/.test(p.value.message ?? '')), 'no whole-tree analysis');
    const restoredB = await diagnosticsOf(c, b);
    assert.deepStrictEqual(restoredB, firstB);
    assert.deepStrictEqual(await diagnosticsOf(c, a), firstA);

    // The session is warmed up in the background (an edit before it ends would preempt it: test/unit/session.test.ts).
    await c.waitFor(() => c.logs.find((l) => /analysis of .* ready in the background/.test(l)), 10000, 'the warm-up');
    // An edit uses the real session: findings follow the text, and undoing the edit gives the stored ones back.
    const line = fs.readFileSync(b, 'utf8').split('\n')[5];
    const at = line.indexOf('folio->mapping');
    const edit = (text: string, from: number, to: number) => [{ range: { start: { line: 5, character: from }, end: { line: 5, character: to } }, text }];
    await c.change(restoredB.uri, 2, edit('folio', at, at + 'folio->mapping'.length));
    const edited = await c.waitForDiagnostics(restoredB.uri, (p) => p.version === 2);
    assert.deepStrictEqual(codes(edited), ['10:fsdax/index-read']);
    await c.change(restoredB.uri, 3, edit('folio->mapping', at, at + 'folio'.length));
    const undone = await c.waitForDiagnostics(restoredB.uri, (p) => p.version === 3);
    assert.deepStrictEqual({ ...undone, version: 1 }, firstB);
    // The restored state is what the file holds: nothing to write.
    await new Promise((r) => setTimeout(r, 600));
    assert.ok(!c.logs.some((l) => /index cache written/.test(l)), c.logs.join('\n'));
  });

  it('3) does not use the cache once a file changed on disk; the diagnostics show the change', async () => {
    assert.ok(firstB, 'needs the first run');
    fs.writeFileSync(a, fs.readFileSync(a, 'utf8').replace('\treport_owner(folio);\n', ''));
    const { c, indexMessage } = await start();
    assert.match(indexMessage, /^index built: 2 findings in 2 files$/);
    assert.ok(c.logs.some((l) => /index cache of .* not used: 1 file changed \(mm\/a\.c\)/.test(l)), c.logs.join('\n'));
    assert.deepStrictEqual(codes(await diagnosticsOf(c, b)), ['10:fsdax/index-read']);
    await written(c);
  });

  it('4) ignores a corrupt or foreign cache file with a log line, never crashes, and rewrites it', async () => {
    const [file] = cacheFiles();
    const good = fs.readFileSync(path.join(cacheDir, file), 'utf8');
    const damaged: Array<[string, RegExp]> = [
      [good.slice(0, Math.floor(good.length / 2)), /ignored: not JSON/],
      ['\u0000\u0001garbage', /ignored: not JSON/],
      [JSON.stringify({ format: 999, body: {} }), /ignored: format 999, this version reads 1/],
      [good.replace('fsdax/index-read', 'fsdax/index-reed'), /ignored: checksum mismatch/],
    ];
    for (const [text, expected] of damaged) {
      fs.writeFileSync(path.join(cacheDir, file), text);
      const { c, indexMessage } = await start();
      assert.match(indexMessage, /^index built: 2 findings in 2 files$/);
      assert.ok(c.logs.some((l) => expected.test(l)), c.logs.join('\n'));
      const pub = await diagnosticsOf(c, b);
      assert.deepStrictEqual(codes(pub), ['10:fsdax/index-read']);
      const hover = await c.connection.sendRequest(HoverRequest.type, { textDocument: { uri: pub.uri }, position: { line: 10, character: 30 } });
      assert.ok(hover, 'the server still answers');
      await written(c);
      await c.stop();
      client = undefined;
      assert.deepStrictEqual(cacheFiles(), [file], 'rewritten in place, no temporary file left');
      assert.doesNotMatch(c.stderr.join(''), /Error|at /);
    }
    const { indexMessage } = await start();
    assert.strictEqual(indexMessage, 'index restored from cache (2 files): 2 findings');
  });

  it('5) fsdaxAudit.indexCache false: neither reads nor writes the cache', async () => {
    const { c, indexMessage } = await start({ indexCache: false });
    assert.match(indexMessage, /^index built: /);
    assert.ok(!c.logs.some((l) => /index cache|restored from cache/.test(l)), c.logs.join('\n'));
    const before = fs.statSync(path.join(cacheDir, cacheFiles()[0])).mtimeMs;
    await diagnosticsOf(c, b);
    await new Promise((r) => setTimeout(r, 600));
    assert.strictEqual(fs.statSync(path.join(cacheDir, cacheFiles()[0])).mtimeMs, before);
    assert.ok(!c.logs.some((l) => /index cache written/.test(l)), c.logs.join('\n'));
  });

  it('6) a CLI run of the tree (another process, the same build) leaves the index warm: restored, same findings', async () => {
    const cliCache = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fsdax-cli-cache-')), 'index');
    const r = spawnSync(process.execPath, [path.join(REPO, 'bin', 'fsdax-audit.js'), '--root', tmp, '--cache-dir', cliCache, '--format', 'json', '--fail-on', 'never'], { encoding: 'utf8', env: { ...process.env, FSDAX_AUDIT_NO_CACHE: '' } });
    assert.strictEqual(r.status, 0, r.stderr);
    const c = new TestClient({ FSDAX_AUDIT_NO_CACHE: '' });
    client = c;
    await c.initialize(tmp, FULL_CAPABILITIES, { cacheDirectory: cliCache });
    const indexMessage = await c.waitFor(() => c.progress.find((p) => p.value.kind === 'report' && p.value.percentage === 100)?.value.message, 20000, 'the index');
    assert.strictEqual(indexMessage, `index restored from cache (2 files): ${JSON.parse(r.stdout).findings.length} findings`);
    fs.rmSync(path.dirname(cliCache), { recursive: true, force: true });
  });
});
