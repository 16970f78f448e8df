// Helpers for the CLI tests: run the CLI in-process (fast, captures output) or
// as a real process (exit codes, stack traces), and make scratch trees.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../../server/src/cli/main';
import { listFiles, readExpectations } from '../fixture-runner';

export const REPO = path.join(__dirname, '..', '..', '..');
export const SAMPLE_TREE = path.join(REPO, 'examples', 'sample-tree');
/** What the demo reports on the sample tree by default (benign reads hidden), counted from its inline expectations. */
export const SAMPLE_TREE_FINDINGS = listFiles(SAMPLE_TREE)
  .flatMap((f) => readExpectations(f, fs.readFileSync(f, 'utf8')))
  .filter((e) => !e.benign).length;
export const FIXTURE_TREES = path.join(REPO, 'test', 'fixtures', 'trees');
const BIN = path.join(REPO, 'bin', 'fsdax-audit.js');

// Tests never read or write the user's result cache; the cache tests pass their own --cache-dir.
process.env.FSDAX_AUDIT_NO_CACHE ??= '1';

export interface CliRun { code: number; stdout: string; stderr: string }

/** In-process; stderr is not a TTY unless asked, as in CI. */
export async function runCli(args: string[], options: { tty?: boolean; stdoutWrite?: (s: string) => boolean } = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'fsdax-audit', ...args], {
    stdout: { write: options.stdoutWrite ?? ((s: string) => { stdout += s; return true; }) },
    stderr: { isTTY: options.tty, columns: 100, write: (s: string) => { stderr += s; return true; } },
  });
  return { code, stdout, stderr };
}

/** As a child process, through bin/fsdax-audit.js. */
export function runBin(args: string[], cwd = REPO, env: NodeJS.ProcessEnv = {}): CliRun {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function scratchDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'fsdax-audit-cli-'));
}

/** A copy of a tree in a scratch dir, to edit. */
export function copyTree(from: string): string {
  const dir = path.join(scratchDir(), path.basename(from));
  fs.cpSync(from, dir, { recursive: true });
  return dir;
}
