#!/usr/bin/env node
// kbuild's checker hook: make C=2 CHECK=/path/to/fsdax-audit-check mm/ (sparse's calling convention).
process.stdout.on('error', (e) => { if (e.code === 'EPIPE') process.exit(141); throw e; });
require('../out/server/src/cli/check.js').checkMain(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then((code) => { process.exitCode = code; });
