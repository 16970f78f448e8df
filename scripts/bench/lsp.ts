// npm run bench:lsp [-- --version 6.12 --edits 200 --no-edits --no-cache]
// Not a test. Edit-to-diagnostics latency of the language server on a real tree:
// the server indexes mm/+fs/ of the cached kernel, mm/memory-failure.c is open,
// and each single-character edit (insert, then delete, a space inside a function)
// is timed from didChange to the publishDiagnostics of that version. Next to it,
// tree-sitter's bare incremental reparse of the same edits. Also: index build
// time and the server's peak RSS. The 60 ms debounce is turned off for the run
// (FSDAX_AUDIT_DEBOUNCE_MS=0): editors add it on purpose, it is not analysis time.
// The edit stage runs with the index cache off. The cache stage: index ready time
// with an empty cache directory (cold: read + whole-tree analysis + the cache
// written) against a second server on the same directory (warm: read + hash +
// restore), then in the warm server the open file's diagnostics (from the stored
// result), the background warm-up of the analysis session, and the first edits after it.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseSource, reparseSource } from '../../server/src/parse/parser';
import { FULL_CAPABILITIES, TestClient } from '../../test/lsp/lsp-client';
import { requireKernelTree } from '../kernel-tree';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

async function main(): Promise<void> {
  const root = requireKernelTree(arg('version', '6.12'));
  const file = path.join(root, 'mm', 'memory-failure.c');
  const original = fs.readFileSync(file, 'utf8');
  const anchor = original.indexOf('if (!folio->mapping)');
  if (anchor < 0) throw new Error('anchor not found in mm/memory-failure.c');
  const line = original.slice(0, anchor).split('\n').length - 1;
  if (!process.argv.includes('--no-edits')) await editLatency(root, file, original, line);
  if (!process.argv.includes('--no-cache')) await indexCache(root, file, original, line);
}

async function editLatency(root: string, file: string, original: string, line: number): Promise<void> {
  const edits = Number(arg('edits', '200'));
  const client = new TestClient({ FSDAX_AUDIT_DEBOUNCE_MS: '0' });
  const started = Date.now();
  await client.initialize(root);
  const uri = await client.open(file, original);
  await client.waitForDiagnostics(uri, () => true, 120000);
  const firstDiagnostics = Date.now() - started;
  await client.waitFor(() => (client.progress.some((p) => p.value.kind === 'end') ? true : undefined), 300000, 'the index');
  const indexReady = Date.now() - started;
  // The index's own whole-tree audit republishes the open file: wait for quiet.
  await new Promise((r) => setTimeout(r, 500));

  const latencies: number[] = [];
  let text = original;
  for (let v = 2; v < 2 + edits; v++) {
    const insert = v % 2 === 0;
    const change = insert
      ? { range: { start: { line, character: 0 }, end: { line, character: 0 } }, text: ' ' }
      : { range: { start: { line, character: 0 }, end: { line, character: 1 } }, text: '' };
    const t0 = process.hrtime.bigint();
    await client.change(uri, v, [change]);
    await client.waitForDiagnostics(uri, (p) => p.version === v, 60000);
    latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const rssKiB = Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${client.pid}/status`, 'utf8'))?.[1] ?? 0);
  await client.stop();

  // The floor: tree-sitter's incremental reparse of the same edits, in process.
  let parsed = parseSource('mm/memory-failure.c', original);
  const lines = original.split('\n');
  const reparse: number[] = [];
  for (let i = 0; i < edits; i++) {
    lines[line] = i % 2 === 0 ? ` ${lines[line]}` : lines[line].slice(1);
    text = lines.join('\n');
    const t0 = process.hrtime.bigint();
    parsed = reparseSource(parsed, text);
    reparse.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const fmt = (xs: number[]) => `p50 ${percentile(xs, 50).toFixed(1)} ms, p95 ${percentile(xs, 95).toFixed(1)} ms`;
  console.log(`lsp bench on ${path.basename(root)} mm/+fs/, ${edits} single-character edits in mm/memory-failure.c (debounce off):`);
  console.log(`  first diagnostics ${(firstDiagnostics / 1000).toFixed(1)} s; index of mm/+fs/ ready ${(indexReady / 1000).toFixed(1)} s; server peak RSS ${(rssKiB / 1024).toFixed(0)} MiB`);
  console.log(`  edit -> diagnostics: ${fmt(latencies)}`);
  console.log(`  bare incremental reparse (preprocess + tree-sitter): ${fmt(reparse)}`);
  console.log(`  ratio p50: ${(percentile(latencies, 50) / percentile(reparse, 50)).toFixed(1)}x`);
}

async function indexCache(root: string, file: string, original: string, line: number): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fsdax-bench-cache-'));
  const start = async () => {
    const client = new TestClient({ FSDAX_AUDIT_DEBOUNCE_MS: '0', FSDAX_AUDIT_NO_CACHE: '' });
    const t0 = Date.now();
    await client.initialize(root, FULL_CAPABILITIES, { cacheDirectory: dir });
    await client.waitFor(() => (client.progress.some((p) => p.value.kind === 'end') ? true : undefined), 300000, 'the index');
    const ready = Date.now() - t0;
    const message = [...client.progress].reverse().find((p) => p.value.kind === 'report')?.value.message ?? '';
    return { client, ready, message };
  };
  try {
    const cold = await start();
    await cold.client.waitFor(() => cold.client.logs.find((l) => /index cache written/.test(l)), 60000, 'the cache write');
    await cold.client.stop();
    const [cacheFile] = fs.readdirSync(dir);
    const size = fs.statSync(path.join(dir, cacheFile)).size;

    const warm = await start();
    if (!/restored from cache/.test(warm.message)) throw new Error(`the second server did not restore: ${warm.message}`);
    let t0 = Date.now();
    const uri = await warm.client.open(file, original);
    await warm.client.waitForDiagnostics(uri, (p) => p.version === 1, 60000);
    const openMs = Date.now() - t0;
    // The analysis session is warmed up in the background after the restore; an edit before it ends would finish it.
    await warm.client.waitFor(() => warm.client.logs.find((l) => /ready in the background/.test(l)), 300000, 'the warm-up');
    const warmUpLine = warm.client.logs.find((l) => /ready in the background/.test(l))!;
    t0 = Date.now();
    await warm.client.change(uri, 2, [{ range: { start: { line, character: 0 }, end: { line, character: 0 } }, text: ' ' }]);
    await warm.client.waitForDiagnostics(uri, (p) => p.version === 2, 300000);
    const firstEdit = Date.now() - t0;
    t0 = Date.now();
    await warm.client.change(uri, 3, [{ range: { start: { line, character: 0 }, end: { line, character: 1 } }, text: '' }]);
    await warm.client.waitForDiagnostics(uri, (p) => p.version === 3, 60000);
    const secondEdit = Date.now() - t0;
    await warm.client.stop();

    console.log(`index cache on ${path.basename(root)} mm/+fs/ (cache file ${(size / 1048576).toFixed(2)} MiB):`);
    console.log(`  index ready, cold (${cold.message}): ${(cold.ready / 1000).toFixed(2)} s`);
    console.log(`  index ready, warm (${warm.message}): ${(warm.ready / 1000).toFixed(2)} s`);
    console.log(`  ratio cold/warm: ${(cold.ready / warm.ready).toFixed(1)}x`);
    console.log(`  warm: open mm/memory-failure.c -> diagnostics ${openMs} ms; first edit after the warm-up ${firstEdit} ms; next edit ${secondEdit} ms`);
    console.log(`  background warm-up of the analysis: ${/\(([\d.]+ s)\)/.exec(warmUpLine)?.[1] ?? '?'} (an edit before it ends waits for the rest of it)`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
