// Bundles the VS Code client and the language server with esbuild into dist/.
// The native tree-sitter modules stay outside the bundle (they load .node files
// at run time) and ship as node_modules in the VSIX; `vscode` is the host's.
import { build } from 'esbuild';

const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: true, logLevel: 'warning' };
await build({ ...common, entryPoints: ['client/src/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] });
await build({ ...common, entryPoints: ['server/src/lsp/main.ts'], outfile: 'dist/server.js', external: ['tree-sitter', 'tree-sitter-c'] });
