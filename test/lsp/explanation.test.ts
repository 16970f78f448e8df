// LSP protocol tests for the explanation view: fsdaxAudit/explanation serves the
// simulator trace as strict-CSP HTML, and fsdaxAudit.openExplanation goes to the
// client's own view when it announces one (VS Code), to window/showDocument otherwise.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { ExecuteCommandRequest, HoverRequest, type MarkupContent } from 'vscode-languageserver-protocol/node';
import { checkStrictHtml } from '../csp-check';
import {
  EXPLANATION_REQUEST, SHOW_EXPLANATION_REQUEST, type ExplanationParams, type ExplanationResult, type ShowExplanationParams,
} from '../../server/src/protocol';
import { FIXTURES, FULL_CAPABILITIES, TestClient } from './lsp-client';

const TREE = path.join(FIXTURES, 'trees', 'cross-file');
const B_C = path.join(TREE, 'fs', 'b.c');
const NONCE = 'bHNwRXhwbGFuYXRpb25Ob25jZQ==';
// What code-server 4.139 (VS Code 1.139) gives as webview.cspSource.
const CSP_SOURCE = "'self' https://*.vscode-cdn.net";

describe('language server: explanation view', function () {
  this.timeout(60000);
  let client: TestClient;
  afterEach(async () => { await client?.stop(); });

  const explain = (p: Partial<ExplanationParams>) =>
    client.connection.sendRequest<ExplanationResult>(EXPLANATION_REQUEST, { nonce: NONCE, cspSource: CSP_SOURCE, ...p } as ExplanationParams);

  it('serves a scenario\'s trace in the asked era as strict-CSP HTML; a rule id names its scenario', async () => {
    client = new TestClient();
    await client.initialize(TREE);
    const r = await explain({ scenario: 'shared-index', era: '6.15+' });
    assert.deepStrictEqual([r.scenario, r.era, r.title], ['shared-index', '6.15+', 'A share count read as an index (6.15+)']);
    checkStrictHtml(r.html, NONCE);
    assert.match(r.html, /<section class="trace" id="era-6\.15-plus"/);
    const byRule = await explain({ scenario: 'fsdax/mapping-read', era: '<=5.18' });
    assert.deepStrictEqual([byRule.scenario, byRule.era], ['shared-mapping', '<=5.18']);
  });

  it('defaults the era to the open tree\'s, and answers empty for an unknown scenario or a nonce that could break out', async () => {
    client = new TestClient();
    await client.initialize(TREE);
    const uri = await client.open(B_C, fs.readFileSync(B_C, 'utf8'));
    await client.waitForDiagnostics(uri, (p) => p.diagnostics.length === 2);
    assert.strictEqual((await explain({ scenario: 'anon-test' })).era, '6.2-6.14');
    assert.strictEqual((await explain({ scenario: 'anon-test', era: '7.0' })).era, '6.2-6.14');
    assert.strictEqual((await explain({ scenario: 'no-such-scenario' })).html, '');
    assert.strictEqual((await explain({ scenario: 'anon-test', nonce: '"><script>' })).html, '');
    assert.strictEqual((await explain({ scenario: 'anon-test', cspSource: "* 'unsafe-inline'" })).html, '');
    assert.ok(client.logs.some((l) => /explanation failed/.test(l)), 'the refused nonce is logged');
    assert.ok((await explain({ scenario: 'anon-test' })).html, 'the server still answers');
  });

  it('opens the explanation in the client\'s own view when it announces experimental.fsdaxAudit.explanationView', async () => {
    client = new TestClient();
    const shown: ShowExplanationParams[] = [];
    client.connection.onRequest(SHOW_EXPLANATION_REQUEST, (p: ShowExplanationParams) => { shown.push(p); return true; });
    await client.initialize(TREE, { ...FULL_CAPABILITIES, experimental: { fsdaxAudit: { explanationView: true } } });
    await client.connection.sendRequest(ExecuteCommandRequest.type, { command: 'fsdaxAudit.openExplanation', arguments: ['shared-index', '5.19-6.1'] });
    assert.deepStrictEqual(shown, [{ scenario: 'shared-index', era: '5.19-6.1' }]);
    assert.deepStrictEqual(client.shownDocuments, [], 'no browser page for a client with its own view');
  });

  it('hovers a finding with the simulator\'s short trace and a link to the scenario in its era', async () => {
    client = new TestClient();
    await client.initialize(TREE);
    const uri = await client.open(B_C, fs.readFileSync(B_C, 'utf8'));
    await client.waitForDiagnostics(uri, (p) => p.diagnostics.length === 2);
    const hover = await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: 10, character: 30 } });
    const text = (hover?.contents as MarkupContent).value;
    assert.match(text, /\*\*A share count read as an index\*\* \(6\.2-6\.14\)/);
    assert.match(text, /\*\*Goes wrong:\*\*/);
    assert.match(text, /\| field \| value \|/);
    assert.match(text.split('\n\n')[1], /^\*\*Fix:\*\* .*each owner of a shared page has its own offset$/);
    assert.match(text, /\]\(https:\/\/[^)]*\/explanations\/shared-index\.html#era-6\.2-6\.14\)/);
  });
});
