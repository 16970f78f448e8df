// Test helper: spawns the real server (bin/fsdax-audit-server.js --stdio) and
// talks JSON-RPC to it with vscode-languageserver-protocol, answering the
// requests a client must answer (configuration, progress creation, registration)
// and recording what the server sends (diagnostics, progress, status).
import { ChildProcess, spawn } from 'child_process';
import * as path from 'path';
import { pathToFileURL } from 'url';
import {
  DidCloseTextDocumentNotification,
  createProtocolConnection, StreamMessageReader, StreamMessageWriter, type ProtocolConnection,
  InitializeRequest, InitializedNotification, PublishDiagnosticsNotification, type PublishDiagnosticsParams,
  ConfigurationRequest, WorkDoneProgressCreateRequest, RegistrationRequest, ShowDocumentRequest,
  DidOpenTextDocumentNotification, DidChangeTextDocumentNotification, type ClientCapabilities,
  ShutdownRequest, ExitNotification, WorkDoneProgress, ShowMessageNotification, LogMessageNotification, type ProgressToken,
} from 'vscode-languageserver-protocol/node';
import { SERVER_NODE_OPTIONS } from '../../server/src/protocol';

export const REPO = path.join(__dirname, '..', '..', '..');
export const FIXTURES = path.join(REPO, 'test', 'fixtures');
export const uriOf = (file: string) => pathToFileURL(file).toString();

export interface ProgressEvent { token: ProgressToken; value: { kind: string; percentage?: number; message?: string; title?: string } }

export const FULL_CAPABILITIES: ClientCapabilities = {
  workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: true }, didChangeWatchedFiles: { dynamicRegistration: true }, workspaceFolders: true },
  window: { workDoneProgress: true, showDocument: { support: true } },
  textDocument: { publishDiagnostics: { relatedInformation: true, versionSupport: true }, hover: { contentFormat: ['markdown'] } },
};

export class TestClient {
  readonly connection: ProtocolConnection;
  readonly diagnostics: PublishDiagnosticsParams[] = [];
  readonly progress: ProgressEvent[] = [];
  readonly shownDocuments: string[] = [];
  readonly messages: string[] = [];
  /** window/logMessage: where guard() reports handler failures. */
  readonly logs: string[] = [];
  readonly stderr: string[] = [];
  /** What workspace/configuration answers for the fsdaxAudit section. */
  settings: Record<string, unknown> = {};
  private readonly proc: ChildProcess;
  private waiters: Array<() => void> = [];

  /** `env` on top of ours; the index cache is off (FSDAX_AUDIT_NO_CACHE=1) unless `env` says otherwise, so tests never share ~/.cache. */
  constructor(env: Record<string, string> = {}) {
    // FSDAX_SERVER=dist/server.js runs the same tests against the bundled server.
    const server = process.env.FSDAX_SERVER ? path.resolve(REPO, process.env.FSDAX_SERVER) : path.join(REPO, 'bin', 'fsdax-audit-server.js');
    // Started as the VS Code extension starts it on a node host (SERVER_NODE_OPTIONS).
    this.proc = spawn(process.execPath, [...SERVER_NODE_OPTIONS, server, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, FSDAX_AUDIT_NO_CACHE: '1', ...env } });
    this.proc.stderr!.on('data', (d) => this.stderr.push(String(d)));
    this.connection = createProtocolConnection(new StreamMessageReader(this.proc.stdout!), new StreamMessageWriter(this.proc.stdin!));
    this.connection.onNotification(PublishDiagnosticsNotification.type, (p) => { this.diagnostics.push(p); this.wake(); });
    this.connection.onNotification(ShowMessageNotification.type, (p) => this.messages.push(p.message));
    this.connection.onNotification(LogMessageNotification.type, (p) => this.logs.push(p.message));
    this.connection.onRequest(ConfigurationRequest.type, (p) => p.items.map(() => this.settings));
    // Server-created progress: listen on the token it asks us to create.
    this.connection.onRequest(WorkDoneProgressCreateRequest.type, ({ token }) => {
      this.connection.onProgress(WorkDoneProgress.type, token, (value) => { this.progress.push({ token, value }); this.wake(); });
      return null;
    });
    this.connection.onRequest(RegistrationRequest.type, () => null);
    this.connection.onRequest(ShowDocumentRequest.type, (p) => { this.shownDocuments.push(p.uri); return { success: true }; });
    this.connection.listen();
  }

  /** The server process, for RSS and cleanup. */
  get pid(): number | undefined {
    return this.proc.pid;
  }

  async initialize(rootFolder: string | undefined, capabilities: ClientCapabilities = FULL_CAPABILITIES, initializationOptions?: unknown) {
    const folders = rootFolder ? [{ uri: uriOf(rootFolder), name: path.basename(rootFolder) }] : null;
    const result = await this.connection.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: folders?.[0].uri ?? null, capabilities, workspaceFolders: folders, initializationOptions });
    await this.connection.sendNotification(InitializedNotification.type, {});
    return result;
  }

  async open(file: string, text: string, version = 1): Promise<string> {
    const uri = uriOf(file);
    await this.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'c', version, text } });
    return uri;
  }

  async close(uri: string): Promise<void> {
    await this.connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
  }

  async change(uri: string, version: number, changes: Array<{ range: { start: { line: number; character: number }; end: { line: number; character: number } }; text: string }>) {
    await this.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: changes });
  }

  /** The first diagnostics for uri (and version, when given) matching pred, published from now on or already. */
  async waitForDiagnostics(uri: string, pred: (p: PublishDiagnosticsParams) => boolean = () => true, timeoutMs = 20000): Promise<PublishDiagnosticsParams> {
    return this.waitFor(() => [...this.diagnostics].reverse().find((p) => p.uri === uri && pred(p)), timeoutMs, `diagnostics for ${uri}`);
  }

  async waitFor<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = probe();
      if (hit !== undefined) return hit;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; stderr: ${this.stderr.join('')} log: ${this.logs.join('\n')}`);
      await new Promise<void>((resolve) => { this.waiters.push(resolve); setTimeout(resolve, 100); });
    }
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    w.forEach((f) => f());
  }

  async stop(): Promise<void> {
    try {
      await Promise.race([this.connection.sendRequest(ShutdownRequest.type), new Promise((r) => setTimeout(r, 2000))]);
      await this.connection.sendNotification(ExitNotification.type);
    } catch { /* the server may already be gone */ }
    this.connection.dispose();
    setTimeout(() => { if (this.proc.exitCode === null) this.proc.kill('SIGKILL'); }, 2000).unref();
  }
}
