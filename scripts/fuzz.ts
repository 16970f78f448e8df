// npm run fuzz [-- --seed N --iterations K --case I --no-kernel --kernel 6.12 --time-limit 60 --strict]
// Seeded mutation of our fixtures (and of cached kernel files, when cached)
// through parseSource, reparseSource, auditFiles and the CLI. Each case runs in
// a child process with a time limit, so a hang is reported by case, not waited on.
// Prints the seed and, for each failure, the command that rebuilds that case.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { caseRng, CorpusFile, fixtureCorpus, makeCase } from '../test/reliability/fuzz-lib';
import { checkCli, checkInProcess, Failure } from '../test/reliability/fuzz-checks';
import { kernelCacheDir, listCFiles } from './kernel-tree';
import { runPool, serveTasks } from './task-pool';

const REPO = path.join(__dirname, '..', '..');

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

/** Fixtures, plus (when cached and not --no-kernel) 200 mm/+fs/ files picked by the seed. */
function corpus(seed: number): { files: CorpusFile[]; kernel: string } {
  const files = fixtureCorpus(REPO);
  const version = arg('kernel') ?? '6.12';
  const root = path.join(kernelCacheDir(), `linux-${version}`);
  if (process.argv.includes('--no-kernel') || !fs.existsSync(path.join(root, '.complete'))) return { files, kernel: 'none' };
  const all = listCFiles(root, ['mm', 'fs']);
  // A seeded sample keeps the corpus (and so every case) a function of the seed.
  const rng = caseRng(seed, -1);
  const picked = new Set<number>();
  while (picked.size < Math.min(200, all.length)) picked.add(rng.int(all.length));
  for (const i of [...picked].sort((a, b) => a - b)) {
    files.push({ name: path.relative(root, all[i]).split(path.sep).join('/'), bytes: fs.readFileSync(all[i]) });
  }
  return { files, kernel: `linux-${version} (${picked.size} mm/+fs/ files)` };
}

interface ChildTask { seed: number; index: number }

async function main(): Promise<void> {
  const seed = Number(arg('seed') ?? Math.floor(Math.random() * 2 ** 31));
  const iterations = Number(arg('iterations') ?? '1000');
  const only = arg('case');
  const timeoutMs = Number(arg('time-limit') ?? '60') * 1000;
  const strict = process.argv.includes('--strict');
  const kernelArgs = process.argv.includes('--no-kernel') ? ' --no-kernel' : '';
  const { files, kernel } = corpus(seed);
  const indices = only !== undefined ? [Number(only)] : Array.from({ length: iterations }, (_, i) => i);
  console.log(`fuzz: seed ${seed}, ${indices.length} cases, corpus ${files.length} files (fixtures + kernel: ${kernel})`);
  const started = Date.now();
  const failures: Failure[] = [];
  const jobs = Math.max(1, os.cpus().length);
  await runPool<ChildTask, Failure[]>({
    script: __filename, args: ['--child', ...process.argv.slice(2)], tasks: indices.map((index) => ({ seed, index })), concurrency: jobs, timeoutMs,
    onOutcome(task, o) {
      const label = () => makeCase(seed, task.index, files).label;
      if (o.kind === 'done') failures.push(...o.result);
      else failures.push({ index: task.index, label: label(), stage: 'parse-bytes', message: o.kind === 'timeout' ? `over ${timeoutMs / 1000} s (child killed)` : o.detail });
    },
  });
  // The CLI runs over batches of cases in one scratch tree; a failing batch is split per case.
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'fsdax-fuzz-'));
  for (let i = 0; i < indices.length; i += 25) {
    const batch = indices.slice(i, i + 25).map((index) => makeCase(seed, index, files));
    failures.push(...checkCli(batch, path.join(scratch, 'tree')));
  }
  fs.rmSync(scratch, { recursive: true, force: true });
  failures.sort((a, b) => a.index - b.index || (a.stage < b.stage ? -1 : 1));
  for (const f of failures) {
    console.log(`${f.known ? 'KNOWN' : 'FAIL'} case ${f.index} [${f.stage}] ${f.label}: ${f.message}${f.known ? ` (${f.known})` : ''}`);
    console.log(`  reproduce: npm run fuzz -- --seed ${seed} --case ${f.index}${kernelArgs}`);
  }
  const fresh = failures.filter((f) => !f.known);
  const knownCount = failures.length - fresh.length;
  const seconds = (Date.now() - started) / 1000;
  console.log(`fuzz: seed ${seed}, ${indices.length} cases, ${fresh.length} failures, ${knownCount} known (reported) failures, ${seconds.toFixed(0)} s`);
  process.exitCode = fresh.length > 0 || (strict && knownCount > 0) ? 1 : 0;
}

if (process.argv.includes('--child')) {
  // The child rebuilds the corpus from the same arguments, so a case index is all it needs.
  let files: CorpusFile[] | undefined;
  serveTasks<ChildTask, Failure[]>(({ seed, index }) => {
    files ??= corpus(seed).files;
    return checkInProcess(makeCase(seed, index, files));
  });
} else {
  main();
}
