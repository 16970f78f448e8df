// The webview and static pages under a strict CSP (checked by test/csp-check.ts),
// one step item, field table and diagram per step, the wrong step marked, text escaped.
import * as assert from 'assert';
import { checkStrictHtml } from '../csp-check';
import { ERAS } from '../../server/src/model/types';
import {
  buildExplanationPages, eraAnchor, explanationHref, renderHtml, runEvents, runScenario, scenarioIds, type Trace,
} from '../../server/src/explain/index';

const NONCE = 'c2ltdWxhdG9yTm9uY2U0Mg==';

describe('explain: HTML', () => {
  it('every scenario in every era renders a strict webview page with a stepper and the wrong step marked', () => {
    for (const id of scenarioIds()) {
      for (const era of ERAS) {
        const t = runScenario(id, era);
        const html = renderHtml(t, { nonce: NONCE });
        checkStrictHtml(html, NONCE);
        assert.strictEqual((html.match(/<li class="step /g) ?? []).length, t.steps.length, `${id} ${era}: one item per step`);
        assert.ok(html.includes(`data-hazard="${t.hazardStep ?? 0}"`));
        assert.strictEqual((html.match(/<li class="step [^"]*\bwrong\b/g) ?? []).length, t.steps.filter((s) => s.hazard).length);
        if (t.hazardStep) assert.match(html, new RegExp(`<li class="step applied wrong" data-step="${t.hazardStep}">`));
        assert.strictEqual((html.match(/<table class="fields">/g) ?? []).length, t.steps.length, 'a field table per step');
        assert.strictEqual((html.match(/<svg class="diagram"/g) ?? []).length, t.steps.length, 'a diagram per step');
        assert.match(html, /data-go="back"[^]*data-go="forward"/);
      }
    }
  });

  it('puts the webview\'s cspSource in style-src only, and refuses a nonce or source that could break out', () => {
    const t = runScenario('shared-index', '6.2-6.14');
    const html = renderHtml(t, { nonce: NONCE, cspSource: 'vscode-webview:' });
    assert.match(html, new RegExp(`style-src vscode-webview: &#39;nonce-${NONCE}&#39;; script-src &#39;nonce-${NONCE}&#39;;`));
    assert.throws(() => renderHtml(t, { nonce: 'x" onload="alert(1)' }), /base64 nonce/);
    assert.throws(() => renderHtml(t, { nonce: 'short' }), /base64 nonce/);
    assert.throws(() => renderHtml(t, { nonce: NONCE, cspSource: "'self'; script-src *" }), /CSP source expressions/);
    assert.throws(() => renderHtml(t, { nonce: NONCE, cspSource: "'unsafe-inline'" }), /CSP source expressions/);
    assert.throws(() => renderHtml(t, { nonce: NONCE, cspSource: 'https://x" onload="y' }), /CSP source expressions/);
    // What VS Code's webview.cspSource really is (code-server 4.139 / VS Code 1.139).
    const vscodeSource = "'self' https://*.vscode-cdn.net";
    assert.match(renderHtml(t, { nonce: NONCE, cspSource: vscodeSource }), /style-src &#39;self&#39; https:\/\/\*\.vscode-cdn\.net &#39;nonce-/);
  });

  it('escapes trace text', () => {
    const evil = '<img src=x onerror=alert(1)>';
    const { initial, steps } = runEvents([{ type: 'map', file: evil, offset: 1 }, { type: 'read', reader: '"R"', field: 'both' }, { type: 'truncate', file: evil }], '6.2-6.14');
    const trace: Trace = { scenario: 'x', title: 'T & <b>', summary: 's', era: '6.2-6.14', initial, steps, hazardStep: 3, verdict: 'v' };
    const html = renderHtml(trace, { nonce: NONCE });
    checkStrictHtml(html, NONCE);
    assert.ok(!html.includes(evil) && html.includes('&lt;img src=x onerror=alert(1)&gt;'));
    assert.ok(html.includes('T &amp; &lt;b&gt;'));
  });

  it('builds one static page per scenario with a section per era, plus an index, identically each time', () => {
    const pages = buildExplanationPages();
    assert.deepStrictEqual(pages.map((p) => p.path).sort(), ['index.html', ...scenarioIds().map((id) => `${id}.html`)].sort());
    for (const page of pages) {
      const nonce = /<script nonce="([^"]+)">/.exec(page.html)?.[1];
      assert.ok(nonce, `${page.path}: no script nonce`);
      checkStrictHtml(page.html, nonce);
      if (page.path === 'index.html') continue;
      for (const era of ERAS) {
        assert.ok(page.html.includes(`<section class="trace" id="${eraAnchor(era)}"`), `${page.path}: no ${era} section`);
        assert.ok(page.html.includes(`href="#${eraAnchor(era)}"`));
      }
    }
    assert.deepStrictEqual(buildExplanationPages(), pages);
    assert.strictEqual(explanationHref('shared-index', '6.15+'), 'shared-index.html#era-6.15-plus');
    assert.strictEqual(eraAnchor('<=5.18'), 'era-le-5.18');
  });
});
