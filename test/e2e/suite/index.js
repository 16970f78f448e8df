// Runs inside the VS Code extension host (code-server or desktop VS Code): mocha
// over the *.test.js files here. Writes {failures, passed[], failed[]} to
// $E2E_RESULT_FILE (write + rename, so the driver never reads a partial file).
const fs = require('fs');
const path = require('path');
const Mocha = require('mocha');

exports.run = function run() {
  const mocha = new Mocha({ ui: 'bdd', timeout: 60000, color: false });
  for (const f of fs.readdirSync(__dirname).filter((n) => n.endsWith('.test.js')).sort()) mocha.addFile(path.join(__dirname, f));
  const passed = [];
  const failed = [];
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const out = process.env.E2E_RESULT_FILE;
      if (out) {
        fs.writeFileSync(`${out}.tmp`, JSON.stringify({ failures, passed, failed }, null, 2));
        fs.renameSync(`${out}.tmp`, out);
      }
      if (failures > 0) reject(new Error(`${failures} e2e test(s) failed`)); else resolve();
    });
    runner.on('pass', (t) => passed.push(t.fullTitle()));
    runner.on('fail', (t, err) => failed.push({ title: t.fullTitle(), error: String(err && err.stack || err) }));
  });
};
