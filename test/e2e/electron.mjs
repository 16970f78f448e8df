#!/usr/bin/env node
// Desktop VS Code runner for the same e2e suite (test/e2e/suite), with
// @vscode/test-electron. Not part of `npm test`: it downloads VS Code from
// update.code.visualstudio.com unless VSCODE_EXECUTABLE points at an installed
// `code` binary (these build machines are offline; CI uses run.mjs + code-server).
//   npm run bundle && node test/e2e/electron.mjs
//   VSCODE_EXECUTABLE=/usr/share/code/code node test/e2e/electron.mjs
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTests } from '@vscode/test-electron';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
if (!fs.existsSync(path.join(REPO, 'dist', 'extension.js'))) {
  console.error('electron: run `npm run bundle` first (the manifest points at dist/extension.js)');
  process.exit(2);
}
// The suite edits the workspace, so it gets a copy of the fixture tree.
const T = fs.mkdtempSync(path.join(os.tmpdir(), 'fsdax-electron-'));
const workspace = path.join(T, 'linux');
fs.cpSync(path.join(REPO, 'test', 'fixtures', 'trees', 'cross-file'), workspace, { recursive: true });
try {
  await runTests({
    extensionDevelopmentPath: REPO,
    extensionTestsPath: path.join(REPO, 'test', 'e2e', 'suite', 'index.js'),
    vscodeExecutablePath: process.env.VSCODE_EXECUTABLE || undefined,
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', `--user-data-dir=${path.join(T, 'user-data')}`],
  });
  console.log('electron: e2e suite passed');
} catch (e) {
  console.error(`electron: e2e suite failed: ${e.message}`);
  process.exitCode = 1;
} finally {
  fs.rmSync(T, { recursive: true, force: true });
}
