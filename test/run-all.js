#!/usr/bin/env node
// Runs every test suite and prints one closing line "N passed, N failed, N skipped"
// summed over all suites (CI reads that line's "N passed, N failed" prefix, not
// mocha's own summary); the lines above it name each skip, what it lacks and the
// command that provides it. Nothing here installs anything or asks for sudo: a suite
// whose prerequisites are missing is skipped (under CI=true, where .ci/run installed
// them, it fails instead).
// Suites: the mocha unit, fixture and LSP protocol tests (out/test/**/*.test.js; a test
// needing nvim or a cached kernel tree skips through test/prerequisites.ts), then the
// real VS Code e2e (test/e2e/run.mjs, its own process; setup: bash scripts/setup-e2e.sh).
// FSDAX_E2E=0 leaves the e2e out locally. Then the real-kernel reproducer
// (scripts/repro-ci.sh: one scenario per era under QEMU, hazard and control); each
// run is one test. FSDAX_REPRO=0 leaves it out locally; without QEMU it skips. Then one
// patched-tree proof (scripts/repro-tree-ci.sh: the 7.x tree built before and after the
// which-page fix); each row of its before/after table is one test. FSDAX_REPRO=0 or
// FSDAX_REPRO_TREE=0 leaves it out locally; without the build tools or the tree it skips, and
// also until its kernels are built (FSDAX_REPRO_TREE_BUILD=1 builds them; CI always does).
const path = require('path');
const fs = require('fs');
const { spawnSync } = require('child_process');
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
    const skipped = [];
    const runner = mocha.run(() => resolve({ passed, failed, skipped }));
    runner.on('pass', () => passed++);
    runner.on('fail', () => failed++);
    // test/prerequisites.ts sets skipReason: what is missing and the command that provides it.
    runner.on('pending', (t) => skipped.push(`${t.fullTitle()}: ${t.skipReason ?? 'marked pending'}`));
  });
}

function runE2e() {
  const driver = path.join(__dirname, 'e2e', 'run.mjs');
  if (!fs.existsSync(driver)) return { passed: 0, failed: 0 };
  if (process.env.FSDAX_E2E === '0' && process.env.CI !== 'true') {
    return { passed: 0, failed: 0, skipped: ['VS Code e2e: left out with FSDAX_E2E=0'] };
  }
  const r = spawnSync(process.execPath, [driver], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  process.stdout.write(r.stdout ?? '');
  const line = (r.stdout ?? '').split('\n').reverse().find((l) => l.startsWith('e2e-result '));
  if (!line) {
    console.error(`run-all: the e2e driver printed no result (exit ${r.status}, signal ${r.signal})`);
    return { passed: 0, failed: 1 };
  }
  const { passed, failed, skipped, reason } = JSON.parse(line.slice('e2e-result '.length));
  return { passed, failed, skipped: skipped ? [`VS Code e2e: ${reason ?? 'prerequisites missing'}`] : [] };
}

function runRepro() {
  const script = path.join(__dirname, '..', 'scripts', 'repro-ci.sh');
  if (!fs.existsSync(script)) return { passed: 0, failed: 0 };
  if (process.env.FSDAX_REPRO === '0' && process.env.CI !== 'true') {
    return { passed: 0, failed: 0, skipped: ['real-kernel reproducer: left out with FSDAX_REPRO=0'] };
  }
  const r = spawnSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], cwd: path.join(__dirname, '..') });
  process.stdout.write(r.stdout ?? '');
  // One line per run: "<scenario> <era> <variant> ok|UNEXPECTED <verdict> <seconds> s".
  const runs = (r.stdout ?? '').split('\n').filter((l) => /^\S+\s+\S+\s+\S+\s+(ok|UNEXPECTED)\s/.test(l));
  const passed = runs.filter((l) => /^\S+\s+\S+\s+\S+\s+ok\s/.test(l)).length;
  let failed = runs.length - passed;
  if (r.status !== 0 && failed === 0) failed = 1; // a missing prerequisite under CI, or a crash before any run
  // Outside CI, missing host tools: "repro-ci: skipped (not under CI): missing: qemu-system-x86_64 (apt-get install ...), ...".
  const skip = (r.stdout ?? '').split('\n').find((l) => l.startsWith('repro-ci: skipped'));
  return { passed, failed, skipped: skip && runs.length === 0 ? [`real-kernel reproducer: ${skip.replace(/^repro-ci: skipped[^:]*: /, '')}`] : [] };
}

function runTreeProof() {
  const script = path.join(__dirname, '..', 'scripts', 'repro-tree-ci.sh');
  if (!fs.existsSync(script)) return { passed: 0, failed: 0 };
  if ((process.env.FSDAX_REPRO === '0' || process.env.FSDAX_REPRO_TREE === '0') && process.env.CI !== 'true') {
    return { passed: 0, failed: 0, skipped: [`patched-tree proof: left out with ${process.env.FSDAX_REPRO === '0' ? 'FSDAX_REPRO=0' : 'FSDAX_REPRO_TREE=0'}`] };
  }
  const r = spawnSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], cwd: path.join(__dirname, '..') });
  process.stdout.write(r.stdout ?? '');
  // One row per variant: "<scenario> <era> <variant> <before> <after> ok|FAIL".
  const verdict = '(?:reproduced|not reproduced|inconclusive)';
  const rows = (r.stdout ?? '').split('\n').filter((l) => new RegExp(`^\\S+\\s+\\S+\\s+\\S+\\s+${verdict}\\s+${verdict}\\s+(ok|FAIL)$`).test(l));
  const passed = rows.filter((l) => / ok$/.test(l)).length;
  let failed = rows.length - passed;
  if (r.status !== 0 && failed === 0) failed = 1; // a missing prerequisite under CI, a failed build, or a crash
  // Outside CI, missing tools or tree: "repro-tree-ci: skipped (not under CI): missing: flex (apt-get install flex), ...".
  const skip = (r.stdout ?? '').split('\n').find((l) => l.startsWith('repro-tree-ci: skipped'));
  return { passed, failed, skipped: skip && rows.length === 0 ? [`patched-tree proof: ${skip.replace(/^repro-tree-ci: skipped[^:]*: /, '')}`] : [] };
}

(async () => {
  const files = findTests(path.join(__dirname, '..', 'out', 'test'));
  const total = { passed: 0, failed: 0, skipped: [] };
  const add = (r) => { total.passed += r.passed; total.failed += r.failed; total.skipped.push(...(r.skipped ?? [])); };
  if (files.length === 0) {
    console.error('run-all: no compiled tests under out/test; did the build run?');
    total.failed++;
  } else {
    add(await runMocha(files));
  }
  add(runE2e());
  add(runRepro());
  add(runTreeProof());
  if (total.passed + total.failed === 0) total.failed++;
  console.log('');
  for (const s of total.skipped) console.log(`skipped: ${s}`);
  console.log(`${total.passed} passed, ${total.failed} failed, ${total.skipped.length} skipped`);
  process.exitCode = total.failed > 0 ? 1 : 0;
})();
