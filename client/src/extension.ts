// VS Code client: wiring only. Starts the bundled language server for C files in a
// folder, registers the commands, the status bar item and the explanation webview
// (explanation-view.ts, links in explanation-links.ts), stops the client on
// deactivate. No analysis here; settings are read by the server per document.
import * as path from 'path';
import * as vscode from 'vscode';
import {
  LanguageClient, TransportKind, type ClientCapabilities, type FeatureState, type LanguageClientOptions, type ServerOptions, type StaticFeature,
} from 'vscode-languageclient/node';
import {
  AUDIT_WORKSPACE_REQUEST, EXPLANATION_CAPABILITY, SERVER_NODE_OPTIONS, SHOW_EXPLANATION_COMMAND, SHOW_EXPLANATION_REQUEST, STATUS_NOTIFICATION,
  type AuditWorkspaceResult, type FsdaxAuditClientCapabilities, type FsdaxAuditInitializationOptions, type ShowExplanationParams, type StatusParams,
} from '../../server/src/protocol';
import { explanationMiddleware, explanationOf, registerExplainUriHandler } from './explanation-links';
import { ExplanationView } from './explanation-view';

let client: LanguageClient | undefined;

/** What activate() returns: read by the e2e suite to see which scenario the webview shows. */
export interface FsdaxAuditApi { explanationShown(): { scenario: string; era: string; title: string } | undefined }

export async function activate(context: vscode.ExtensionContext): Promise<FsdaxAuditApi> {
  const status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 50);
  status.name = 'FS-DAX Audit';
  status.command = 'fsdaxAudit.auditWorkspace';
  status.text = '$(sync~spin) FS-DAX';
  status.show();
  context.subscriptions.push(status);

  const view = new ExplanationView(() => client);
  const show = (scenario?: string, era?: string) => showExplanation(view, scenario, era);
  client = createClient(context, status, view);
  context.subscriptions.push(
    view,
    registerExplainUriHandler(show),
    vscode.commands.registerCommand('fsdaxAudit.auditWorkspace', () => auditWorkspace()),
    vscode.commands.registerCommand(SHOW_EXPLANATION_COMMAND, show),
    vscode.commands.registerCommand('fsdaxAudit.restartServer', async () => { await client?.restart(); }),
  );
  await client.start();
  return { explanationShown: () => view.shown };
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}

function createClient(context: vscode.ExtensionContext, status: vscode.StatusBarItem, view: ExplanationView): LanguageClient {
  // The server is bundled next to this file (dist/server.js) by `npm run bundle`.
  const module = context.asAbsolutePath(path.join('dist', 'server.js'));
  // The server's node options, where the extension host is node (VS Code server, code-server): the
  // desktop forks the server with Electron, whose handling of them is not checked here.
  const nodeOptions = process.versions.electron ? [] : [...SERVER_NODE_OPTIONS];
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc, options: { execArgv: nodeOptions } },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: [...nodeOptions, '--nolazy', '--inspect=6009'] } },
  };
  const clientOptions: LanguageClientOptions = {
    // Files on disk only: the index and era detection need the kernel tree around the file.
    documentSelector: [{ scheme: 'file', language: 'c' }],
    middleware: explanationMiddleware(context.extension.id),
    // The index cache: one file per kernel tree root. Global storage rather than the
    // workspace's: the same tree opened from two workspaces shares one cache.
    initializationOptions: { cacheDirectory: vscode.Uri.joinPath(context.globalStorageUri, 'index').fsPath } satisfies FsdaxAuditInitializationOptions,
  };
  // The id makes vscode-languageclient honour the fsdaxAudit.trace.server setting.
  const c = new LanguageClient('fsdaxAudit', 'FS-DAX Audit', serverOptions, clientOptions);
  c.registerFeature(explanationViewFeature);
  c.onNotification(STATUS_NOTIFICATION, (p: StatusParams) => renderStatus(status, p));
  c.onRequest(SHOW_EXPLANATION_REQUEST, (p: ShowExplanationParams) => view.show(p.scenario, p.era));
  return c;
}

/** Announces experimental.fsdaxAudit.explanationView, so the server's open-explanation command comes here, not to a browser. */
const explanationViewFeature: StaticFeature = {
  fillClientCapabilities(capabilities: ClientCapabilities) {
    const ours: FsdaxAuditClientCapabilities = { explanationView: true };
    capabilities.experimental = { ...(capabilities.experimental as object | undefined), [EXPLANATION_CAPABILITY]: ours };
  },
  initialize() { /* nothing to set up: the request handler is registered on the client */ },
  getState(): FeatureState { return { kind: 'static' }; },
  clear() { /* stateless */ },
};

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
 * Opens the explanation webview for a scenario (or rule id) and era, or for the
 * fsdax-audit diagnostic under the cursor (a pick list when the cursor is on none).
 */
async function showExplanation(view: ExplanationView, scenario?: string, era?: string): Promise<void> {
  if (typeof scenario === 'string' && scenario) {
    await view.show(scenario, era);
    return;
  }
  const editor = vscode.window.activeTextEditor;
  const ours = editor ? vscode.languages.getDiagnostics(editor.document.uri).filter((d) => d.source === 'fsdax-audit') : [];
  const here = editor ? ours.find((d) => d.range.contains(editor.selection.active)) : undefined;
  const chosen = here ?? (ours.length === 0 ? undefined
    : (await vscode.window.showQuickPick(ours.map((d) => ({ label: `${codeOf(d)} line ${d.range.start.line + 1}`, detail: d.message, d }))))?.d);
  const target = chosen && explanationOf(chosen);
  if (!target) {
    void vscode.window.showInformationMessage('fsdax-audit: put the cursor on a finding to see its explanation.');
    return;
  }
  await view.show(target.scenario, target.era);
}

function codeOf(d: vscode.Diagnostic): string {
  return typeof d.code === 'object' ? String(d.code.value) : String(d.code ?? '');
}
