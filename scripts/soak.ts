// npm run soak [-- --version 6.12 --jobs 2 --time-limit 60 --max-rss-mb 2048 --every N
//                 --skip-full --full-time-limit 3600 --full-max-rss-mb 8192]
// Every .c/.h of a cached kernel tree (the whole tree, not only mm/+fs/):
//  1. per file, in child processes with a time limit: parseSource + auditFiles
//     of that file alone (a hang is killed and the file named);
//  2. once: the CLI over the whole tree (--format json), peak RSS measured.
// Ends with one line: files, bytes, errors, timeouts, peak RSS, seconds.
// Exit 0 only with no error, timeout, crash, and peak RSS under the bound.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { listCFiles, requireKernelTree } from './kernel-tree';
import { runPool } from './task-pool';
import type { SoakResult, SoakTask } from './soak-child';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const MB = 1024 * 1024;
const fmtMB = (b: number) => `${(b / MB).toFixed(0)} MB`;
const REPO = path.join(__dirname, '..', '..');

async function perFile(root: string, files: string[], jobs: number, timeoutMs: number) {
  const tally = { files: 0, bytes: 0, errors: 0, timeouts: 0, crashes: 0, tooLarge: 0, peakRss: 0 };
  const slowest: Array<[number, string]> = [];
  let done = 0;
  const tasks: SoakTask[] = files.map((f) => ({ file: f, rel: path.relative(root, f).split(path.sep).join('/') }));
  await runPool<SoakTask, SoakResult>({
    script: path.join(__dirname, 'soak-child.js'), tasks, concurrency: jobs, timeoutMs,
    onOutcome(task, o) {
      tally.files++;
      if (o.kind === 'timeout') { tally.timeouts++; console.log(`TIMEOUT ${task.rel}: over ${timeoutMs / 1000} s, child killed`); }
      else if (o.kind === 'crash') { tally.crashes++; console.log(`CRASH ${task.rel}: ${o.detail}`); }
      else {
        const r = o.result;
        tally.bytes += r.bytes;
        tally.peakRss = Math.max(tally.peakRss, r.rss);
        if (r.tooLarge) tally.tooLarge++;
        if (r.error) { tally.errors++; console.log(`ERROR ${task.rel}: ${r.error}`); }
        slowest.push([r.ms, task.rel]);
        slowest.sort((a, b) => b[0] - a[0]);
        slowest.length = Math.min(slowest.length, 5);
      }
      if (++done % 5000 === 0) process.stderr.write(`soak: ${done}/${tasks.length} files\n`);
    },
  });
  return { ...tally, slowest };
}

/** Resident set of a live process in bytes (Linux /proc), 0 when unknown. */
function rssOf(pid: number | undefined): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch { return 0; }
}

/** The CLI over the whole tree once, as a user would run it; peak RSS via a preload. */
function fullAudit(root: string, timeoutMs: number, maxRss: number): Promise<{ ok: boolean; detail: string; peakRss: number; seconds: number }> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fsdax-soak-'));
  const report = path.join(tmp, 'report.json');
  const rssFile = path.join(tmp, 'rss');
  const started = Date.now();
  const child = spawn(process.execPath, ['--require', path.join(__dirname, 'soak-rss.js'), path.join(REPO, 'bin', 'fsdax-audit.js'),
    '--format', 'json', '--output', report, '--fail-on', 'never', '--no-cache', '--root', root, root], { env: { ...process.env, SOAK_RSS_FILE: rssFile }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  let killedFor = '';
  const timer = setTimeout(() => { killedFor = `over the ${timeoutMs / 1000} s limit`; child.kill('SIGKILL'); }, timeoutMs);
  // RSS watchdog: the whole-tree audit must not take the machine down with it.
  let watchedPeak = 0;
  const watchdog = setInterval(() => {
    const rss = rssOf(child.pid);
    watchedPeak = Math.max(watchedPeak, rss);
    if (rss > maxRss && !killedFor) { killedFor = `RSS ${fmtMB(rss)} over the ${fmtMB(maxRss)} bound after ${((Date.now() - started) / 1000).toFixed(0)} s`; child.kill('SIGKILL'); }
  }, 1000);
  return new Promise((resolve) => child.on('exit', (code, signal) => {
    clearTimeout(timer);
    clearInterval(watchdog);
    const seconds = (Date.now() - started) / 1000;
    const peakRss = fs.existsSync(rssFile) ? Number(fs.readFileSync(rssFile, 'utf8')) : watchedPeak;
    let detail = `exit ${signal ?? code}${killedFor ? ` (killed: ${killedFor})` : ''}`;
    let ok = code === 0 && !/^\s+at /m.test(stderr);
    try {
      const doc = JSON.parse(fs.readFileSync(report, 'utf8'));
      detail += `, ${doc.stats.files} files (${doc.stats.parsedFiles} parsed), ${doc.stats.functions} functions, ${doc.findings.length} findings, ${doc.problems.length} problems`;
    } catch { ok = false; detail += ', no JSON report'; }
    if (stderr.trim()) detail += `; stderr: ${stderr.trim().split('\n')[0].slice(0, 200)}`;
    fs.rmSync(tmp, { recursive: true, force: true });
    resolve({ ok, detail, peakRss, seconds });
  }));
}

async function main(): Promise<void> {
  const version = arg('version', '6.12');
  const jobs = Number(arg('jobs', String(os.cpus().length)));
  const timeoutMs = Number(arg('time-limit', '60')) * 1000;
  const maxRss = Number(arg('max-rss-mb', '2048')) * MB;
  const every = Number(arg('every', '1'));
  const root = requireKernelTree(version);
  const started = Date.now();
  // The whole tree; --every N keeps every Nth file, for a quick smoke run.
  const files = listCFiles(root, ['.']).filter((_, i) => i % every === 0);
  console.log(`soak linux-${version}: ${files.length} .c/.h files, ${jobs} jobs, ${timeoutMs / 1000} s per file`);
  const t = await perFile(root, files, jobs, timeoutMs);
  const perFileSeconds = (Date.now() - started) / 1000;
  console.log(`per file (parseSource + auditFiles alone): ${t.files} files, ${(t.bytes / 1e6).toFixed(1)} MB, ${t.errors} errors, ` +
    `${t.timeouts} timeouts, ${t.crashes} crashes, ${t.tooLarge} over the size limit (not parsed), peak child RSS ${fmtMB(t.peakRss)}, ${perFileSeconds.toFixed(0)} s`);
  console.log(`slowest: ${t.slowest.map(([ms, f]) => `${f} ${(ms / 1000).toFixed(1)} s`).join('; ')}`);
  let full = { ok: true, detail: 'skipped', peakRss: 0, seconds: 0 };
  if (!process.argv.includes('--skip-full')) {
    full = await fullAudit(root, Number(arg('full-time-limit', '3600')) * 1000, Number(arg('full-max-rss-mb', '8192')) * MB);
    console.log(`full audit (CLI over the whole tree): ${full.ok ? 'ok' : 'FAILED'}, ${full.detail}, peak RSS ${fmtMB(full.peakRss)}, ${full.seconds.toFixed(0)} s`);
  }
  const peak = Math.max(t.peakRss, full.peakRss);
  const seconds = (Date.now() - started) / 1000;
  const errors = t.errors + t.crashes + (full.ok ? 0 : 1);
  console.log(`soak: files ${t.files}, bytes ${(t.bytes / 1e6).toFixed(1)} MB, errors ${errors}, timeouts ${t.timeouts}, peak RSS ${fmtMB(peak)}, seconds ${seconds.toFixed(0)}`);
  if (t.peakRss > maxRss) console.log(`soak: per-file peak RSS ${fmtMB(t.peakRss)} is over the ${fmtMB(maxRss)} bound`);
  process.exitCode = errors + t.timeouts > 0 || t.peakRss > maxRss ? 1 : 0;
}

main();
