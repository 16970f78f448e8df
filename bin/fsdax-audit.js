#!/usr/bin/env node
// A reader that stops early (`fsdax-audit ... | head`) ends the run quietly with SIGPIPE's status, as other Unix tools do.
process.stdout.on('error', (e) => { if (e.code === 'EPIPE') process.exit(141); throw e; });
require('../out/server/src/cli/main.js').main(process.argv).then((code) => { process.exitCode = code; });
