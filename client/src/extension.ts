// VS Code client: wiring only. Starts the bundled language server for C files in a
// folder, registers the commands and the status bar item, stops the client on
// deactivate. No analysis here; settings are read by the server per document.
import * as path from 'path';
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import {
  AUDIT_WORKSPACE_REQUEST, STATUS_NOTIFICATION, explanationUrl,
  type AuditWorkspaceResult, type StatusParams,
} from '../../server/src/protocol';

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 50);
  status.name = 'FS-DAX Audit';
  status.command = 'fsdaxAudit.auditWorkspace';
  status.text = '$(sync~spin) FS-DAX';
  status.show();
  context.subscriptions.push(status);

  client = createClient(context, status);
  context.subscriptions.push(
    vscode.commands.registerCommand('fsdaxAudit.auditWorkspace', () => auditWorkspace()),
    vscode.commands.registerCommand('fsdaxAudit.showExplanation', (scenario?: string) => showExplanation(scenario)),
    vscode.commands.registerCommand('fsdaxAudit.restartServer', async () => { await client?.restart(); }),
  );
  await client.start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}

function createClient(context: vscode.ExtensionContext, status: vscode.StatusBarItem): LanguageClient {
  // The server is bundled next to this file (dist/server.js) by `npm run bundle`.
  const module = context.asAbsolutePath(path.join('dist', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6009'] } },
  };
  const clientOptions: LanguageClientOptions = {
    // Files on disk only: the index and era detection need the kernel tree around the file.
    documentSelector: [{ scheme: 'file', language: 'c' }],
  };
  // The id makes vscode-languageclient honour the fsdaxAudit.trace.server setting.
  const c = new LanguageClient('fsdaxAudit', 'FS-DAX Audit', serverOptions, clientOptions);
  c.onNotification(STATUS_NOTIFICATION, (p: StatusParams) => renderStatus(status, p));
  return c;
}

function renderStatus(status: vscode.StatusBarItem, p: StatusParams): void {
  const icon = p.indexing ? '$(sync~spin)' : p.findings > 0 ? '$(warning)' : '$(check)';
  status.text = `${icon} FS-DAX ${p.era || '?'}: ${p.findings}`;
  const tree = p.treeFindings === undefined ? '' : `\nWhole tree: ${p.treeFindings} finding(s).`;
  status.tooltip = `fsdax-audit, era ${p.era || 'unknown'}: ${p.findings} finding(s) shown.${tree}${p.indexing ? '\nIndexing the kernel tree…' : ''}\nClick to audit the workspace.`;
}

async function auditWorkspace(): Promise<void> {
  if (!client) return;
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'fsdax-audit: auditing the workspace', cancellable: true },
    (_progress, token) => client!.sendRequest<AuditWorkspaceResult>(AUDIT_WORKSPACE_REQUEST, {}, token),
  );
  const message = result.roots.length === 0
    ? 'fsdax-audit: no kernel tree (a folder with mm/ and include/linux/) in this workspace.'
    : `fsdax-audit: ${result.findings} finding(s) in ${result.files} files.`;
  void vscode.window.showInformationMessage(message);
}

/**
 * Opens the explanation of a scenario, or of the fsdax-audit diagnostic under the
 * cursor. NOTE: opens the docs URL until the simulator webview (issue 7) exists.
 */
async function showExplanation(scenario?: string): Promise<void> {
  let href = scenario ? explanationUrl(scenario) : undefined;
  const editor = vscode.window.activeTextEditor;
  if (!href && editor) {
    const ours = vscode.languages.getDiagnostics(editor.document.uri).filter((d) => d.source === 'fsdax-audit');
    const here = ours.find((d) => d.range.contains(editor.selection.active));
    const chosen = here ?? (await vscode.window.showQuickPick(ours.map((d) => ({ label: `${codeOf(d)} line ${d.range.start.line + 1}`, detail: d.message, d }))))?.d;
    href = chosen && typeof chosen.code === 'object' ? chosen.code.target.toString() : undefined;
  }
  if (!href) {
    void vscode.window.showInformationMessage('fsdax-audit: put the cursor on a finding to see its explanation.');
    return;
  }
  await vscode.env.openExternal(vscode.Uri.parse(href));
}

function codeOf(d: vscode.Diagnostic): string {
  return typeof d.code === 'object' ? String(d.code.value) : String(d.code ?? '');
}
