// The explanation webview in a real VS Code (runs after extension.test.js, on the
// same fs/b.c): opened by the "open explanation" code action (server command ->
// fsdaxAudit/showExplanation -> webview), by the diagnostic's code link as VS Code's
// opener resolves it, and by real clicks on that link in the Problems panel and
// in the editor hover (browser driver only). A screenshot of the webview is kept.
const assert = require('assert');
const path = require('path');
const vscode = require('vscode');
const { waitFor: waitUntil } = require('./wait');
const { askDriver, hasDriver, hoverUntil } = require('./driver');

const TITLE = 'A share count read as an index (6.2-6.14)';

const waitFor = (probe, what, timeoutMs = 20000) => waitUntil(probe, what, timeoutMs);

const webviewTabs = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs)
  .filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('fsdaxAudit.explanation'));

async function closeExplanation() {
  await vscode.window.tabGroups.close(webviewTabs());
  await waitFor(() => webviewTabs().length === 0, 'the explanation to close');
}

/** Exactly one explanation tab, titled for the scenario and era, and the extension agrees. */
async function expectExplanation(api, title = TITLE) {
  await waitFor(() => webviewTabs().some((t) => t.label === title), `the webview tab "${title}" (tabs: ${webviewTabs().map((t) => t.label).join(', ')})`);
  assert.strictEqual(webviewTabs().length, 1, 'one reused panel');
  assert.strictEqual(api.explanationShown()?.title, title);
}

describe('fsdax-audit explanation webview', () => {
  let uri;
  let api;
  let finding;

  before(async () => {
    const folder = vscode.workspace.workspaceFolders[0].uri.fsPath;
    uri = vscode.Uri.file(path.join(folder, 'fs', 'b.c'));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const ext = vscode.extensions.getExtension('fsdax-audit.fsdax-audit');
    api = await ext.activate();
    finding = await waitFor(() => vscode.languages.getDiagnostics(uri).find((d) => d.source === 'fsdax-audit' && d.code.value === 'fsdax/index-read'), 'the index-read finding');
  });

  it('the "open explanation" code action opens the webview at the finding\'s scenario and era', async () => {
    const actions = await vscode.commands.executeCommand('vscode.executeCodeActionProvider', uri, finding.range, vscode.CodeActionKind.QuickFix.value);
    const open = actions.find((a) => /Open the explanation of fsdax\/index-read/.test(a.title));
    assert.ok(open?.command, `actions: ${actions.map((a) => a.title).join(' | ')}`);
    await vscode.commands.executeCommand(open.command.command, ...open.command.arguments);
    await expectExplanation(api);
    assert.deepStrictEqual([api.explanationShown().scenario, api.explanationShown().era], ['shared-index', '6.2-6.14']);
    if (!hasDriver()) return;
    // The page really renders under its CSP: the heading is there and the nonce-gated stepper script ran.
    await vscode.commands.executeCommand('workbench.action.closeAuxiliaryBar');
    const shown = await askDriver({ action: 'webview', heading: 'A share count read as an index: 6.2-6.14' });
    assert.ok(shown.ok, shown.error);
    assert.match(shown.stepper, /^Step 1 of \d+$/);
    const shot = await askDriver({ action: 'screenshot', name: 'explanation-webview.png' });
    assert.ok(shot.ok, shot.error);
  });

  it('the command reuses the panel for another scenario and era', async () => {
    await vscode.commands.executeCommand('fsdaxAudit.showExplanation', 'fsdax/mapping-read', '6.15+');
    await expectExplanation(api, 'A shared page\'s mapping used as an address_space (6.15+)');
  });

  it('the hover links to the webview through a command trusted for that command only', async () => {
    const hovers = await vscode.commands.executeCommand('vscode.executeHoverProvider', uri, finding.range.start);
    const md = hovers.flatMap((h) => h.contents).find((c) => typeof c !== 'string' && /command:fsdaxAudit\.showExplanation\?/.test(c.value));
    assert.ok(md, 'a command link in the hover');
    assert.deepStrictEqual(md.isTrusted, { enabledCommands: ['fsdaxAudit.showExplanation'] });
    const [, args] = /\(command:fsdaxAudit\.showExplanation\?([^)]+)\)/.exec(md.value);
    assert.deepStrictEqual(JSON.parse(decodeURIComponent(args)), ['shared-index', '6.2-6.14']);
  });

  it('the diagnostic\'s code link routes to the webview when VS Code opens it', async () => {
    await closeExplanation();
    const target = finding.code.target;
    assert.strictEqual(target.scheme, vscode.env.uriScheme);
    assert.strictEqual(target.authority, 'fsdax-audit.fsdax-audit');
    assert.strictEqual(target.path, '/explain');
    // vscode.open goes through the workbench's opener service, as the hover's and the Problems panel's links do.
    await vscode.commands.executeCommand('vscode.open', target);
    await expectExplanation(api);
  });

  it('a real click on the code link in the Problems panel opens the webview', async function () {
    if (!hasDriver()) this.skip();
    await closeExplanation();
    await vscode.commands.executeCommand('workbench.actions.view.problems');
    await new Promise((r) => setTimeout(r, 500));
    const click = await askDriver({ action: 'click', selector: '.markers-panel a.monaco-link', hasText: 'fsdax/index-read' });
    assert.ok(click.ok, click.error);
    await expectExplanation(api);
  });

  it('a real click on the code link in the editor hover opens the webview', async function () {
    if (!hasDriver()) this.skip();
    await closeExplanation();
    const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), vscode.ViewColumn.One);
    // The reopened document's diagnostics are republished: wait for the finding; a hover computed
    // before has no marker part (and so no code link), shown again then (driver.js hoverUntil).
    await waitFor(() => vscode.languages.getDiagnostics(uri).find((d) => d.source === 'fsdax-audit' && d.code.value === 'fsdax/index-read'), 'the index-read finding after reopening');
    const click = await hoverUntil(editor, finding.range.start, { action: 'click', selector: '.monaco-hover a.code-link', hasText: 'fsdax/index-read' }, (r) => r.ok);
    if (!click.ok) await askDriver({ action: 'screenshot', name: 'hover-click-failure.png' });
    assert.ok(click.ok, click.error);
    await expectExplanation(api);
  });
});
