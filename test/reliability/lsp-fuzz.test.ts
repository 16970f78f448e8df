// Language server under hostile documents: seeded fuzz cases (the same mutations
// as npm run fuzz) are opened and edited in one server; after each, the server
// still answers a hover, publishes diagnostics for the latest version only, and
// never logs a handler failure. Reproducible from the seed in the test name.
import * as assert from 'assert';
import * as path from 'path';
import { HoverRequest } from 'vscode-languageserver-protocol';
import { FIXTURES, REPO, TestClient } from '../lsp/lsp-client';
import { fixtureCorpus, makeCase } from './fuzz-lib';

const SEED = 11;
const CASES = 40;

describe('language server fuzz', () => {
  let client: TestClient | undefined;
  afterEach(async () => { await client?.stop(); client = undefined; });

  it(`survives ${CASES} hostile documents (seed ${SEED}) and keeps answering`, async function () {
    this.timeout(240000);
    client = new TestClient({ FSDAX_AUDIT_DEBOUNCE_MS: '0' });
    await client.initialize(path.join(FIXTURES, 'trees', 'cross-file'));
    const corpus = fixtureCorpus(REPO);
    for (let i = 0; i < CASES; i++) {
      const c = makeCase(SEED, i, corpus);
      // Multi-megabyte cases test the CLI and the core; through JSON-RPC they only cost time.
      if (c.content.length > 2 * 1024 * 1024) continue;
      const file = path.join(FIXTURES, 'trees', 'cross-file', 'mm', `fuzz-${i}.c`);
      const text = c.content.toString('latin1');
      const uri = await client.open(file, text);
      await client.waitForDiagnostics(uri, (p) => p.version === 1, 60000);
      const edited = c.edits[0] ?? `${text}\n`;
      await client.change(uri, 2, [{ range: { start: { line: 0, character: 0 }, end: { line: 1e6, character: 0 } }, text: edited }]);
      const last = await client.waitForDiagnostics(uri, (p) => p.version === 2, 60000);
      assert.ok(Array.isArray(last.diagnostics), `case ${i} (${c.label})`);
      const hover = await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: 0, character: 0 } });
      assert.ok(hover === null || typeof hover === 'object', `case ${i}: hover answered`);
      await client.close(uri);
    }
    const failures = client.logs.filter((l) => /failed|Error/.test(l) && !/too deeply nested/.test(l));
    assert.deepStrictEqual(failures, [], 'handler failures were logged');
  });
});
