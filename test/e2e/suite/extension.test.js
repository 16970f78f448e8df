// The installed extension in a real VS Code, on a kernel-like fixture workspace
// (a copy of test/fixtures/trees/cross-file): diagnostics on the right lines from
// the workspace index, hover text, a suppression code action applied.
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const vscode = require('vscode');
const { waitFor: waitUntil } = require('./wait');
const { askDriver, hasDriver, hoverUntil, textWhen } = require('./driver');

const ours = (uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'fsdax-audit');
const summary = (ds) => ds.map((d) => `${d.range.start.line}:${typeof d.code === 'object' ? d.code.value : d.code}`).sort();

const waitFor = (probe, what, timeoutMs = 45000) => waitUntil(probe, what, timeoutMs);

describe('fsdax-audit in VS Code', () => {
  let uri;

  // The driver screenshots the workbench while the extension host is still up
  // (after the run it exits and the diagnostics go).
  after(async () => {
    await vscode.commands.executeCommand('workbench.actions.view.problems');
    await new Promise((r) => setTimeout(r, 1000));
    await askDriver({ action: 'screenshot', name: 'vscode-e2e.png' });
  });

  before(async () => {
    const folder = vscode.workspace.workspaceFolders[0].uri.fsPath;
    uri = vscode.Uri.file(path.join(folder, 'fs', 'b.c'));
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
  });

  it('activates from the installed VSIX', async () => {
    const ext = vscode.extensions.getExtension('fsdax-audit.fsdax-audit');
    assert.ok(ext, 'extension fsdax-audit.fsdax-audit is installed');
    await waitFor(() => ext.isActive, 'activation');
  });

  it('starts the language server with its node options where the extension host is node', async function () {
    // SERVER_NODE_OPTIONS (server/src/protocol.ts): on an Electron host (VS Code desktop) the client leaves them out.
    // The processes' command lines are read from /proc: on a desktop without it there is nothing to check.
    if (!fs.existsSync('/proc/self/cmdline')) this.skip();
    const server = path.join(vscode.extensions.getExtension('fsdax-audit.fsdax-audit').extensionPath, 'dist', 'server.js');
    const cmdlines = () => fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).flatMap((pid) => {
      try { return [fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')]; } catch { return []; }
    });
    const args = await waitFor(() => cmdlines().find((a) => a.includes(server)), `a process running ${server}`);
    if (process.versions.electron) assert.ok(!args.includes('--v8-pool-size=1'), args.join(' '));
    else assert.ok(args.slice(0, args.indexOf(server)).includes('--v8-pool-size=1'), args.join(' '));
  });

  it('shows interprocedural diagnostics on the flagged lines', async () => {
    const ds = await waitFor(() => { const d = ours(uri); return d.length === 2 ? d : undefined; }, 'two fsdax-audit diagnostics in fs/b.c');
    assert.deepStrictEqual(summary(ds), ['10:fsdax/index-read', '5:fsdax/mapping-read']);
    const mapping = ds.find((d) => d.code.value === 'fsdax/mapping-read');
    // The client routes the server's https link to the webview (explanation-links.ts).
    assert.strictEqual(`${mapping.code.target.scheme}://${mapping.code.target.authority}${mapping.code.target.path}`, `${vscode.env.uriScheme}://fsdax-audit.fsdax-audit/explain`);
    assert.strictEqual(mapping.code.target.query, 'scenario=shared-mapping&era=6.2-6.14');
    assert.ok(mapping.relatedInformation.some((r) => r.location.uri.fsPath.endsWith(path.join('mm', 'a.c'))), 'path goes through mm/a.c');
  });

  it('stores the workspace index cache in the extension\'s global storage, not in ~/.cache', async () => {
    // The e2e driver gives the run its own HOME and user data dir under the result file's folder.
    const home = path.dirname(process.env.E2E_RESULT_FILE);
    const find = (dir, depth) => {
      if (depth < 0 || !fs.existsSync(dir)) return [];
      return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) return find(p, depth - 1);
        return /[\\/]globalStorage[\\/]fsdax-audit\.fsdax-audit[\\/]index[\\/][^\\/]+\.json$/.test(p) ? [p] : [];
      });
    };
    const [file] = await waitFor(() => { const f = find(path.join(home, 'user-data'), 6); return f.length > 0 ? f : undefined; }, 'the index cache file');
    const stored = JSON.parse(fs.readFileSync(file, 'utf8'));
    assert.ok(JSON.stringify(stored).includes('fs/b.c'), 'the cache lists the tree\'s files');
    assert.deepStrictEqual(find(path.join(home, 'cache'), 4), [], 'nothing under XDG_CACHE_HOME');
  });

  it('hovers the flagged read: headline and fix first, then the path, the explanation link and the details', async () => {
    const mapping = ours(uri).find((d) => d.code.value === 'fsdax/mapping-read');
    assert.ok(mapping.message.length <= 100, mapping.message);
    // Problems: one related row per call level, in short phrases.
    assert.deepStrictEqual(mapping.relatedInformation.map((r) => r.message), ['memory_failure(pfn): any pfn, pmem included → report_owner()']);
    // The server's hover opens with the headline; VS Code shows the diagnostic's message at the top
    // of the same hover, so the client drops that paragraph and the rest follows it.
    const hovers = await vscode.commands.executeCommand('vscode.executeHoverProvider', uri, new vscode.Position(5, 30));
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    const paragraphs = text.split('\n\n');
    assert.match(paragraphs[0], /^\*\*Fix:\*\* take \{mapping, index\} from the filesystem/, text);
    assert.match(paragraphs[1], /^\*\*Path:\*\* \[memory_failure\(\)\]\(file:.*mm\/a\.c#L16,2\) → \[report_owner\(\)\]/);
    assert.match(paragraphs[2], /^\[Explanation: step through the scenario\]\(command:fsdaxAudit\.showExplanation/);
    assert.strictEqual(text.split(mapping.message).length, 1, 'the headline is not repeated');
    assert.match(text, /Era 6\.2-6\.14/);
    // What the user reads: the hover as rendered, headline and fix in its first lines.
    await vscode.commands.executeCommand('workbench.action.closeAuxiliaryBar');
    const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { selection: new vscode.Range(5, 30, 5, 30) });
    // Opening the document again republishes its diagnostics: wait for the finding, and render the
    // hover again while its marker part is missing (seen once in CI: it began with the fix); a hover
    // that never shows the headline still fails below.
    await waitFor(() => (ours(uri).some((d) => d.code.value === 'fsdax/mapping-read') ? true : undefined), 'the finding after reopening');
    const headline = mapping.message;
    const rendered = await hoverUntil(editor, new vscode.Position(5, 30), { action: 'text', selector: '.monaco-hover' },
      (r) => !r.ok || r.text.split('\n').map((l) => l.trim()).filter(Boolean)[0]?.startsWith(headline), { attempts: 4, settleMs: 1500 });
    assert.ok(rendered.ok || !hasDriver(), rendered.error);
    if (rendered.ok) {
      const lines = rendered.text.split('\n').map((l) => l.trim()).filter(Boolean);
      // VS Code renders a diagnostic's message as plain text (the backticks stay).
      assert.ok(lines[0].startsWith(headline), `the headline first:\n${rendered.text}`);
      const fix = lines.findIndex((l) => l.startsWith('Fix:'));
      assert.ok(fix >= 0 && fix <= 4, `the fix in the first lines:\n${rendered.text}`);
      assert.strictEqual(rendered.text.split(headline).length, 2, `the headline once:\n${rendered.text}`);
      await askDriver({ action: 'screenshot', name: 'hover.png' });
    }
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  // The group (the table of contents) takes contributes.configuration.title. Each setting's own
  // "Category: Label" VS Code derives from its key alone (settingKeyToDisplayFormat/wordifyKey:
  // fsdaxAudit.indexCache -> "Fsdax Audit: Index Cache", with a fixed list of acronyms), whatever
  // the manifest says; only renaming every key would change it.
  it('lists its settings under "FS-DAX Audit" in the Settings editor', async () => {
    await vscode.commands.executeCommand('workbench.action.openSettings', '@ext:fsdax-audit.fsdax-audit');
    const shown = await textWhen('.settings-editor', (t) => /^FS-DAX Audit$/m.test(t) && /Settings? Found$/m.test(t));
    await askDriver({ action: 'screenshot', name: 'settings.png' });
    assert.ok(shown.ok || !hasDriver(), shown.error);
    if (shown.ok) {
      assert.match(shown.text, /^FS-DAX Audit$/m, shown.text);
      assert.match(shown.text, /^11 Settings Found$/m, shown.text);
    }
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('shows the user-facing README on its extension page', async () => {
    // Offline, `extension.open` asks the gallery first and fails: open it from the installed list, as a user would.
    await vscode.commands.executeCommand('workbench.extensions.search', '@installed FS-DAX Audit');
    await new Promise((r) => setTimeout(r, 2000));
    const click = await askDriver({ action: 'click', selector: '.extension-list-item', hasText: 'FS-DAX Audit' });
    if (!hasDriver()) return; // desktop VS Code (electron.mjs): no browser to click with
    assert.ok(click.ok, click.error);
    const shown = await askDriver({ action: 'webviewPage', contains: 'Use it on a tree' });
    if (shown.ok) {
      await askDriver({ action: 'screenshot', name: 'extension-page.png' });
      assert.ok(!shown.text.includes('npm test'), 'not the developer README');
      // VS Code's extension page drops an image path inside the VSIX; vsce points them at the repository (offline: not loaded).
      assert.match(shown.text, /What it shows/);
    }
    assert.ok(shown.ok, shown.error);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    await vscode.commands.executeCommand('workbench.view.explorer');
  });

  it('applies the suppression code action and the finding goes away', async () => {
    const mapping = ours(uri).find((d) => d.code.value === 'fsdax/mapping-read');
    const actions = await vscode.commands.executeCommand('vscode.executeCodeActionProvider', uri, mapping.range, vscode.CodeActionKind.QuickFix.value);
    const suppress = actions.find((a) => /Suppress fsdax\/mapping-read/.test(a.title));
    assert.ok(suppress, `actions: ${actions.map((a) => a.title).join(' | ')}`);
    assert.ok(await vscode.workspace.applyEdit(suppress.edit));
    const doc = await vscode.workspace.openTextDocument(uri);
    assert.strictEqual(doc.lineAt(5).text, '\t/* fsdax-audit: ignore fsdax/mapping-read -- <reason> */');
    // Until the placeholder is replaced by a reason, the comment is itself reported.
    await waitFor(() => (ours(uri).some((d) => d.code.value === 'fsdax/suppression') ? true : undefined), 'the missing reason to be reported');
    const at = doc.lineAt(5).text.indexOf('<reason>');
    const typed = new vscode.WorkspaceEdit();
    typed.replace(uri, new vscode.Range(5, at, 5, at + '<reason>'.length), 'mapping comes from the filesystem here');
    assert.ok(await vscode.workspace.applyEdit(typed));
    const ds = await waitFor(() => { const d = ours(uri); return d.length === 1 ? d : undefined; }, 'the suppressed finding to go');
    assert.deepStrictEqual(summary(ds), ['11:fsdax/index-read']);
  });
});
