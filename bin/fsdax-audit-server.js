#!/usr/bin/env node
// Language server for any LSP client: `fsdax-audit-server --stdio`.
require('../out/server/src/lsp/main.js');
