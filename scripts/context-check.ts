// npm run context-check [-- --versions 6.12,6.1]
// Not a test (needs the cached kernel trees): for every file that has findings in
// the whole mm/+fs/ audit of a real tree, audits that file alone in the context
// of its tree (`fsdax-audit --root T T/<file>`) and compares the JSON entries
// byte for byte with the whole-tree ones located in it. Runs the CLI code path
// (main()) with --no-cache, so each file is really analysed again. Prints the
// files checked and the mismatches per tree; exits 1 on any mismatch.
import { main } from '../server/src/cli/main';
import * as path from 'path';
import { requireKernelTree } from './kernel-tree';
import { concerns } from '../server/src/cli/scope';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

interface Entry { file: string; related?: Array<{ file: string }> }

async function report(args: string[]): Promise<{ findings: Entry[]; stats: { files: number } }> {
  let out = '';
  let err = '';
  const code = await main(['node', 'fsdax-audit', '--format', 'json', '--fail-on', 'never', '--no-cache', '--no-progress', ...args], {
    stdout: { write: (s: string) => { out += s; return true; } },
    stderr: { write: (s: string) => { err += s; return true; } },
  });
  if (code !== 0) throw new Error(`fsdax-audit ${args.join(' ')} exited ${code}: ${err}`);
  return JSON.parse(out);
}

async function checkTree(version: string): Promise<number> {
  const root = requireKernelTree(version);
  const started = Date.now();
  const whole = await report(['--root', root]);
  const files = [...new Set(whole.findings.flatMap((f) => [f.file, ...(f.related ?? []).map((r) => r.file)]))].sort();
  let mismatches = 0;
  let perFile = 0;
  for (const file of files) {
    const t = Date.now();
    const alone = await report(['--root', root, path.join(root, file)]);
    perFile += Date.now() - t;
    const expected = whole.findings.filter((f) => concerns(f, (x) => x === file)).map((f) => JSON.stringify(f));
    const actual = alone.findings.map((f) => JSON.stringify(f));
    const same = expected.length === actual.length && expected.every((e, i) => e === actual[i]);
    if (!same) {
      mismatches++;
      const missing = expected.filter((e) => !actual.includes(e)).length;
      const extra = actual.filter((a) => !expected.includes(a)).length;
      console.log(`  MISMATCH ${file}: whole tree ${expected.length}, alone ${actual.length} (${missing} missing, ${extra} extra${missing + extra === 0 ? ', order differs' : ''})`);
    } else {
      console.log(`  ok ${file}: ${actual.length} findings`);
    }
  }
  console.log(`linux-${version}: ${whole.findings.length} whole-tree findings in ${files.length} files (${whole.stats.files} files in context); ` +
    `files checked ${files.length}, mismatches ${mismatches}; ${((Date.now() - started) / 1000).toFixed(0)} s (${(perFile / Math.max(1, files.length) / 1000).toFixed(1)} s per file, uncached)`);
  return mismatches;
}

async function run(): Promise<void> {
  let mismatches = 0;
  for (const version of arg('versions', '6.12,6.1').split(',')) mismatches += await checkTree(version);
  console.log(`context-check: ${mismatches} mismatches`);
  if (mismatches > 0) process.exitCode = 1;
}

run().catch((e) => {
  process.stderr.write(`context-check: ${(e as Error).message}\n`);
  process.exitCode = 2;
});
