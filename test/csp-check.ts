// Test helper: fails with the first strict-CSP breach in a page rendered with a
// nonce: the CSP meta first, nothing remote, no script or style without the
// nonce, no resource-loading elements, no inline handlers or style attributes.
import * as assert from 'assert';

/** Fails with the first CSP breach found in a page rendered with this nonce. */
export function checkStrictHtml(html: string, nonce: string): void {
  const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html);
  assert.ok(meta, 'no CSP meta');
  const csp = meta[1].replace(/&#39;/g, "'");
  assert.match(csp, /^default-src 'none';/);
  assert.ok(csp.includes(`script-src 'nonce-${nonce}'`), csp);
  assert.ok(!/unsafe-(inline|eval)/.test(csp), csp);
  assert.ok(html.indexOf(meta[0]) < html.indexOf('<style'), 'the CSP meta must come before any style or script');
  const withoutCsp = html.replace(meta[0], '');
  assert.ok(!/https?:\/\//i.test(withoutCsp), 'a remote URL in the page');
  for (const tag of html.match(/<script\b[^>]*>/g) ?? []) assert.strictEqual(tag, `<script nonce="${nonce}">`, `script without the nonce: ${tag}`);
  for (const tag of html.match(/<style\b[^>]*>/g) ?? []) assert.strictEqual(tag, `<style nonce="${nonce}">`, `style without the nonce: ${tag}`);
  assert.ok(!/<(link|img|iframe|object|embed|base)\b/i.test(html), 'an element that loads a resource');
  // Attribute names of real tags only: escaped trace text may well read "onerror=".
  for (const raw of html.match(/<[a-z][^>]*>/gi) ?? []) {
    const tag = raw.replace(/"[^"]*"/g, '""');
    assert.ok(!/\son[a-z]+\s*=/i.test(tag), `an inline event handler: ${tag}`);
    assert.ok(!/\sstyle\s*=/i.test(tag), `an inline style attribute (the CSP blocks it, so it would silently not apply): ${tag}`);
  }
}
