// lsp front-end entry point. The transport comes from the command line, as every
// LSP client passes it: --stdio, --node-ipc (VS Code's default for a forked
// module), or --socket=<port>.
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from './server';

const transports = ['--stdio', '--node-ipc', '--socket', '--pipe', '--clientProcessId'];
if (!process.argv.some((a) => transports.some((t) => a.startsWith(t)))) {
  process.stderr.write('usage: fsdax-audit-server --stdio | --node-ipc | --socket=<port> | --pipe=<name>\n');
  process.exit(2);
}
const connection = createConnection(ProposedFeatures.all);
// Last line of defence behind guard(): a stray rejected promise is logged, never fatal.
process.on('unhandledRejection', (e) => connection.console.error(`fsdax-audit: unhandled rejection: ${(e as Error)?.stack ?? String(e)}`));
startServer(connection);
connection.listen();
