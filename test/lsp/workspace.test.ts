// LSP protocol tests beyond a single edit: the index follows files changed on
// disk (workspace/didChangeWatchedFiles), and the IPC transport VS Code uses works.
import * as assert from 'assert';
import { fork } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  createProtocolConnection, IPCMessageReader, IPCMessageWriter, InitializeRequest, DidChangeWatchedFilesNotification,
  FileChangeType, ShutdownRequest, ExitNotification,
} from 'vscode-languageserver-protocol/node';
import { FIXTURES, REPO, TestClient, uriOf } from './lsp-client';

describe('language server: workspace and transports', function () {
  this.timeout(60000);
  let client: TestClient | undefined;
  let tmp: string | undefined;
  afterEach(async () => {
    await client?.stop();
    client = undefined;
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('re-audits an open file when a file it depends on changes on disk', async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fsdax-lsp-'));
    fs.cpSync(path.join(FIXTURES, 'trees', 'cross-file'), tmp, { recursive: true });
    const b = path.join(tmp, 'fs', 'b.c');
    const a = path.join(tmp, 'mm', 'a.c');
    client = new TestClient();
    await client.initialize(tmp);
    const uri = await client.open(b, fs.readFileSync(b, 'utf8'));
    await client.waitForDiagnostics(uri, (p) => p.diagnostics.length === 2);
    fs.writeFileSync(a, fs.readFileSync(a, 'utf8').replace('\treport_owner(folio);\n', ''));
    await client.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: uriOf(a), type: FileChangeType.Changed }] });
    const pub = await client.waitForDiagnostics(uri, (p) => p.diagnostics.length === 1);
    assert.strictEqual(pub.diagnostics[0].code, 'fsdax/index-read');
    assert.strictEqual(pub.version, 1);
  });

  it('speaks LSP over node IPC (the transport the VS Code client uses)', async () => {
    const proc = fork(path.join(REPO, 'bin', 'fsdax-audit-server.js'), ['--node-ipc'], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    const connection = createProtocolConnection(new IPCMessageReader(proc), new IPCMessageWriter(proc));
    connection.listen();
    try {
      const init = await connection.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: null, capabilities: {}, workspaceFolders: null });
      assert.strictEqual(init.serverInfo?.name, 'fsdax-audit');
      await connection.sendRequest(ShutdownRequest.type);
      await connection.sendNotification(ExitNotification.type);
    } finally {
      connection.dispose();
      setTimeout(() => { if (proc.exitCode === null) proc.kill('SIGKILL'); }, 2000).unref();
    }
  });
});
