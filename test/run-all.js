#!/usr/bin/env node
// Runs every test suite and prints one closing line "N passed, N failed"
// summed over all suites (CI reads that line, not mocha's own summary).
// Suites: the mocha unit/fixture suite (out/test/**/*.test.js). Later suites
// (LSP protocol, VS Code e2e) add their counts through the same tally.
const path = require('path');
const fs = require('fs');
const Mocha = require('mocha');

function findTests(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'e2e' ? [] : findTests(p);
    return e.name.endsWith('.test.js') ? [p] : [];
  }).sort();
}

function runMocha(files) {
  return new Promise((resolve) => {
    const mocha = new Mocha({ ui: 'bdd', timeout: 120000, reporter: 'spec' });
    files.forEach((f) => mocha.addFile(f));
    let passed = 0;
    let failed = 0;
    const runner = mocha.run(() => resolve({ passed, failed }));
    runner.on('pass', () => passed++);
    runner.on('fail', () => failed++);
  });
}

(async () => {
  const files = findTests(path.join(__dirname, '..', 'out', 'test'));
  const total = { passed: 0, failed: 0 };
  if (files.length === 0) {
    console.error('run-all: no compiled tests under out/test; did the build run?');
    total.failed++;
  } else {
    const r = await runMocha(files);
    total.passed += r.passed;
    total.failed += r.failed;
  }
  if (total.passed + total.failed === 0) total.failed++;
  console.log(`${total.passed} passed, ${total.failed} failed`);
  process.exitCode = total.failed > 0 ? 1 : 0;
})();
