// Asks the browser driver (test/e2e/run.mjs, playwright) to act on the workbench:
// a screenshot into test/e2e/artifacts/, or a real click. Each request is a file
// in $E2E_DRIVER_DIR (write + rename) answered by <n>.json.done. Without the
// driver (desktop VS Code via electron.mjs) every request answers { ok: false }.
const fs = require('fs');
const path = require('path');

let counter = 0;

async function askDriver(request, timeoutMs = 30000) {
  const dir = process.env.E2E_DRIVER_DIR;
  if (!dir) return { ok: false, error: 'no browser driver' };
  const file = path.join(dir, `${String(++counter).padStart(4, '0')}.json`);
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(request));
  fs.renameSync(`${file}.tmp`, file);
  const deadline = Date.now() + timeoutMs;
  while (!fs.existsSync(`${file}.done`)) {
    if (Date.now() > deadline) return { ok: false, error: `the driver did not answer ${request.action}` };
    await new Promise((r) => setTimeout(r, 100));
  }
  return JSON.parse(fs.readFileSync(`${file}.done`, 'utf8'));
}

const hasDriver = () => !!process.env.E2E_DRIVER_DIR;

/**
 * The rendered text of `selector` once `ready(text)` holds, asked again every half second until
 * `timeoutMs`: the workbench renders lazily, a slow machine later. The last answer either way (the
 * caller's assertions then say what was missing).
 */
async function textWhen(selector, ready, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const shown = await askDriver({ action: 'text', selector });
    if (!shown.ok || ready(shown.text) || Date.now() > deadline) return shown;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * Shows the editor's hover at `position` and asks the driver `request` (a text or a click in it)
 * until `done(answer)`, `attempts` times at most, moving the cursor off and back in between: a
 * hover computed while a reopened document's diagnostics are republished has no marker part and
 * is not computed again by itself. The last answer either way.
 */
async function hoverUntil(editor, position, request, done, { attempts = 3, settleMs = 0 } = {}) {
  const vscode = require('vscode');
  let answer;
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (attempt > 0) {
      editor.selection = new vscode.Selection(0, 0, 0, 0);
      await new Promise((r) => setTimeout(r, 300));
    }
    editor.selection = new vscode.Selection(position, position);
    await vscode.commands.executeCommand('editor.action.showHover');
    if (settleMs) await new Promise((r) => setTimeout(r, settleMs));
    answer = await askDriver(request);
    if (done(answer)) break;
  }
  return answer;
}

module.exports = { askDriver, hasDriver, hoverUntil, textWhen };
