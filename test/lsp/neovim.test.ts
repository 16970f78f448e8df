// A second, non-VS Code LSP client: headless Neovim (Debian's neovim, installed by
// scripts/setup-e2e.sh) attaches to `fsdax-audit-server --stdio` through its
// built-in client and receives the diagnostics of a fixture file.
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FIXTURES, REPO } from './lsp-client';
import { requirePrerequisite } from '../prerequisites';

const hasNvim = spawnSync('nvim', ['--version']).status === 0;

describe('neovim as an LSP client', () => {
  it('attaches to fsdax-audit-server --stdio and gets the diagnostics of a fixture file', function () {
    requirePrerequisite(this, hasNvim ? undefined : 'nvim not installed', 'bash scripts/setup-e2e.sh');
    this.timeout(60000);
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fsdax-nvim-')), 'diagnostics.txt');
    const tree = path.join(FIXTURES, 'trees', 'cross-file');
    const r = spawnSync('nvim', ['--headless', '-n', '-u', 'NONE', '-i', 'NONE', '-c', `luafile ${path.join(REPO, 'test', 'editors', 'neovim.lua')}`, path.join(tree, 'fs', 'b.c')], {
      env: { ...process.env, FSDAX_AUDIT_NO_CACHE: '1', FSDAX_SERVER_BIN: path.join(REPO, 'bin', 'fsdax-audit-server.js'), FSDAX_NVIM_OUT: out, FSDAX_ROOT: tree },
      timeout: 55000,
    });
    assert.strictEqual(r.status, 0, `nvim exited ${r.status}: ${r.stderr}`);
    const lines = fs.readFileSync(out, 'utf8').trim().split('\n');
    assert.deepStrictEqual(lines, ['11 fsdax/index-read fsdax-audit', '6 fsdax/mapping-read fsdax-audit']);
  });
});
