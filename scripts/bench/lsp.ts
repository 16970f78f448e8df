// npm run bench:lsp [-- --version 6.12 --edits 100 --rounds 3 --passes 2 --no-edits --no-cache --no-hover]
// Not a test. Edit-to-diagnostics latency of the language server on a real tree,
// side by side with its floors, in one run:
// - the server indexes mm/+fs/ of the cached kernel; in each of mm/memory-failure.c,
//   mm/gup.c, fs/dax.c and fs/btrfs/inode.c (10k lines) in turn, single-character
//   edits (insert, then delete, a space at the start of a line inside a function) are
//   timed from didChange to the publishDiagnostics of that version. This runs --rounds
//   times (3), each with a server of its own: a p95 of 40 edits is their second slowest,
//   and moves by 5 ms from one run to the next here, so the percentiles are of all
//   rounds' edits together, with each round's p95 beside them. Each server does the four files
//   --passes times (2): pass 1 is what a fresh server's first edits take, while V8 is still
//   optimizing the edit path; the later passes are the same edits once it has (docs/performance.md);
// - in process, the same edits through bare tree-sitter (tree.edit + parse(text, old)
//   on the raw text: the floor), through our reparse (incremental preprocess +
//   tree-sitter), and the core alone (reparse + set + audit of a session over the same
//   mm/+fs/, after the server has stopped): what the server adds is the rest;
// - a typing burst in mm/memory-failure.c (an edit every 20 ms, not waiting for
//   diagnostics) with a hover on a flagged read after each edit: hover latency and
//   whether it still shows the finding;
// - the server's RSS (now and peak) with the index loaded.
// The 60 ms debounce is turned off for the run (FSDAX_AUDIT_DEBOUNCE_MS=0): editors add
// it on purpose, it is not analysis time. The edit stage runs with the index cache off.
// The cache stage: index ready time with an empty cache directory (cold: read +
// whole-tree analysis + the cache written) against a second server on the same
// directory (warm), then in the warm server the open file's diagnostics (from the
// stored result), the background warm-up of the analysis session, and the first edits after it.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import Parser = require('tree-sitter');
import { HoverRequest, type Hover } from 'vscode-languageserver-protocol';
import { cLanguage, parseSource, reparseSource } from '../../server/src/parse/parser';
import { FULL_CAPABILITIES, TestClient } from '../../test/lsp/lsp-client';
import { listCFiles, requireKernelTree } from '../kernel-tree';
import { AuditSession } from '../../server/src/analysis/audit';
import { allRules } from '../../server/rules/index';
import { detectEra } from '../../server/src/model/era';
import { INDEX_LIVE_TREES } from '../../server/src/lsp/workspace-index';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const fmt = (xs: number[]) => `p50 ${percentile(xs, 50).toFixed(1).padStart(5)} ms, p95 ${percentile(xs, 95).toFixed(1).padStart(5)} ms`;
const now = () => Number(process.hrtime.bigint()) / 1e6;

/** The files of the edit stage and the text on the line each edit goes to (the first match, inside a function). */
const TARGETS: Array<{ file: string; anchor: RegExp }> = [
  // A read shown by default (collect_procs_file's mapping, dereferenced): hovers must find its finding.
  { file: 'mm/memory-failure.c', anchor: /^\tstruct address_space \*mapping = folio->mapping;/m },
  { file: 'mm/gup.c', anchor: /^\t\w.*folio->mapping|^\t\w.*->mapping/m },
  { file: 'fs/dax.c', anchor: /^\t\w.*->mapping/m },
  { file: 'fs/btrfs/inode.c', anchor: /^\t\w.*->mapping/m },
];

interface Target { file: string; rel: string; text: string; line: number }

function loadTargets(root: string): Target[] {
  return TARGETS.map(({ file, anchor }) => {
    const abs = path.join(root, file);
    const text = fs.readFileSync(abs, 'utf8');
    const m = anchor.exec(text);
    if (!m) throw new Error(`no edit anchor in ${file}`);
    return { file: abs, rel: file, text, line: text.slice(0, m.index).split('\n').length - 1 };
  });
}

/** The k-th edit after an open (1, 2, ...): insert a space at the start of the line, then delete it. */
function editFor(k: number, line: number) {
  return k % 2 === 1
    ? { range: { start: { line, character: 0 }, end: { line, character: 0 } }, text: ' ' }
    : { range: { start: { line, character: 0 }, end: { line, character: 1 } }, text: '' };
}

function rss(pid: number | undefined): { now: number; peak: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
  return { now: kib('VmRSS'), peak: kib('VmHWM') };
}

async function main(): Promise<void> {
  const root = requireKernelTree(arg('version', '6.12'));
  const targets = loadTargets(root);
  if (!process.argv.includes('--no-edits')) await editLatency(root, targets);
  if (!process.argv.includes('--no-cache')) await indexCache(root, targets[0].file, targets[0].text, targets[0].line);
}

/** In process: the same edits through bare tree-sitter on the raw text (the floor) and through our reparse. */
function floors(t: Target, edits: number): { bare: number[]; ours: number[] } {
  const parser = new Parser();
  parser.setLanguage(cLanguage());
  const lines = t.text.split('\n');
  const lineStart = lines.slice(0, t.line).reduce((n, l) => n + l.length + 1, 0);
  const size = (text: string) => ({ bufferSize: Math.max(64 * 1024, text.length * 2 + 1024) });
  let tree = parser.parse(t.text, undefined, size(t.text));
  let parsed = parseSource(t.rel, t.text, { keepPreprocessState: true });
  const bare: number[] = [];
  const ours: number[] = [];
  for (let i = 0; i < edits; i++) {
    const insert = i % 2 === 0;
    lines[t.line] = insert ? ` ${lines[t.line]}` : lines[t.line].slice(1);
    const text = lines.join('\n');
    let t0 = now();
    tree.edit({
      startIndex: lineStart, oldEndIndex: insert ? lineStart : lineStart + 1, newEndIndex: insert ? lineStart + 1 : lineStart,
      startPosition: { row: t.line, column: 0 }, oldEndPosition: { row: t.line, column: insert ? 0 : 1 }, newEndPosition: { row: t.line, column: insert ? 1 : 0 },
    });
    tree = parser.parse(text, tree, size(text));
    bare.push(now() - t0);
    t0 = now();
    parsed = reparseSource(parsed, text);
    ours.push(now() - t0);
  }
  return { bare, ours };
}

async function editLatency(root: string, targets: Target[]): Promise<void> {
  const edits = Number(arg('edits', '100'));
  const rounds = Math.max(1, Number(arg('rounds', '3')));
  const passes = Math.max(1, Number(arg('passes', '2')));
  // Per pass, per file, each round's latencies.
  const server = Array.from({ length: passes }, () => new Map<string, number[][]>(targets.map((t) => [t.rel, []])));
  let indexReady = 0;
  let indexed = { now: 0, peak: 0 };
  let busy = indexed;
  let afterFirstPass = indexed;
  let mem = indexed;
  let hover: Awaited<ReturnType<typeof hoverBurst>> | undefined;
  for (let round = 0; round < rounds; round++) {
    const last = round === rounds - 1;
    const client = new TestClient({ FSDAX_AUDIT_DEBOUNCE_MS: '0' });
    const started = Date.now();
    await client.initialize(root);
    await client.waitFor(() => (client.progress.some((p) => p.value.kind === 'end') ? true : undefined), 300000, 'the index');
    indexReady = Date.now() - started;
    // The index's cache write and the collection of what its first audit freed: a second to settle.
    await new Promise((r) => setTimeout(r, 1000));
    indexed = rss(client.pid);
    // Pass 1 is a fresh server's first edits; in the later passes V8 has optimized the edit path.
    for (const [n, pass] of server.entries()) {
      // Versions of their own per pass: a version's diagnostics from an earlier pass would be taken for this one's.
      const first = 1 + n * (edits + 1);
      for (const t of targets) {
        const uri = await client.open(t.file, t.text, first);
        await client.waitForDiagnostics(uri, (p) => p.version === first, 120000);
        await new Promise((r) => setTimeout(r, 300));
        const latencies: number[] = [];
        for (let v = first + 1; v <= first + edits; v++) {
          const t0 = now();
          await client.change(uri, v, [editFor(v - first, t.line)]);
          await client.waitForDiagnostics(uri, (p) => p.version === v, 60000);
          latencies.push(now() - t0);
        }
        await client.close(uri);
        pass.get(t.rel)!.push(latencies);
      }
      if (n === 0) afterFirstPass = rss(client.pid);
    }
    // The burst and the memory figures: the last round's server.
    if (last && !process.argv.includes('--no-hover')) hover = await hoverBurst(client, targets[0], STRESS_EVERY_MS, 1 + passes * (edits + 1));
    busy = rss(client.pid);
    // The server collects garbage once a burst is over (1 s without an audit): what it holds when the editor is idle.
    if (last) await new Promise((r) => setTimeout(r, 1500));
    mem = rss(client.pid);
    await client.stop();
  }
  // After the server has stopped, so the two do not share the cores.
  const core = coreEdits(root, targets, edits);
  console.log(`lsp bench on ${path.basename(root)} mm/+fs/ (index ready ${(indexReady / 1000).toFixed(1)} s), ${edits} single-character edits per file, debounce off, ${rounds} server${rounds > 1 ? 's' : ''}:`);
  console.log(`  ${'file'.padEnd(20)} ${'lines'.padStart(6)} | ${'bare tree-sitter reparse (floor)'.padEnd(30)} | ${'our reparse (preprocess + ts)'.padEnd(30)} | ${'reparse + audit in process'.padEnd(30)} | edit -> diagnostics (server; all rounds, then each round's p95)`);
  const serverColumn = (pass: Map<string, number[][]>, t: Target) => {
    const perRound = pass.get(t.rel)!;
    return `${fmt(perRound.flat())} (${perRound.map((l) => percentile(l, 95).toFixed(1)).join(' / ')})`;
  };
  const withinTarget = (pass: Map<string, number[][]>) => targets.filter((t) => percentile(pass.get(t.rel)!.flat(), 95) <= EDIT_P95_TARGET_MS).length;
  for (const t of targets) {
    const floor = floors(t, edits);
    const lines = t.text.split('\n').length;
    console.log(`  ${t.rel.padEnd(20)} ${String(lines).padStart(6)} | ${fmt(floor.bare)} | ${fmt(floor.ours)} | ${fmt(core.get(t.rel)!)} | ${serverColumn(server[0], t)}`);
  }
  console.log(`  edit -> diagnostics p95 (all rounds) within ${EDIT_P95_TARGET_MS} ms (issue 25's target): ${withinTarget(server[0])} of ${targets.length} files`);
  server.slice(1).forEach((pass, i) => {
    console.log(`  pass ${i + 2}, the same edits again in the same servers (after ${(i + 1) * edits * targets.length} edits each: V8 has optimized the edit path):`);
    for (const t of targets) console.log(`  ${t.rel.padEnd(20)} ${''.padStart(6)} | ${serverColumn(pass, t)}`);
    console.log(`  edit -> diagnostics p95 within ${EDIT_P95_TARGET_MS} ms in pass ${i + 2}: ${withinTarget(pass)} of ${targets.length} files`);
  });
  if (hover) console.log(`  stress burst in ${targets[0].rel} (debounce off, an edit every ${STRESS_EVERY_MS} ms, a hover after each): hover ${fmt(hover.latencies)}; ${hover.withFinding}/${hover.latencies.length} showed the finding`);
  console.log(`  server RSS with the index: ${indexed.now.toFixed(0)} MiB once built; after pass 1's ${edits * targets.length} edits ${afterFirstPass.now.toFixed(0)} MiB; ` +
    `right after all the edits ${busy.now.toFixed(0)} MiB, 1.5 s later ${mem.now.toFixed(0)} MiB; peak ${mem.peak.toFixed(0)} MiB`);
}

/**
 * The core alone, in this process: a session over the same mm/+fs/ (the index's tree limit), each
 * edit reparsed incrementally, set and audited. What the server adds on top is JSON-RPC, the
 * document sync, the conversion to LSP and its scheduling.
 */
function coreEdits(root: string, targets: Target[], edits: number): Map<string, number[]> {
  const era = detectEra((rel) => { try { return fs.readFileSync(path.join(root, rel), 'utf8'); } catch { return undefined; } });
  const session = new AuditSession({ era, rules: allRules }, undefined, { maxLiveTrees: INDEX_LIVE_TREES });
  for (const abs of listCFiles(root, ['mm', 'fs'])) session.setFileFromDisk(path.relative(root, abs), fs.readFileSync(abs), { reread: () => fs.readFileSync(abs) });
  session.audit();
  const out = new Map<string, number[]>();
  for (const t of targets) {
    const lines = t.text.split('\n');
    let parsed = parseSource(t.rel, t.text, { keepPreprocessState: true });
    session.setFile(t.rel, t.text, parsed);
    session.audit();
    const latencies: number[] = [];
    for (let i = 0; i < edits; i++) {
      lines[t.line] = i % 2 === 0 ? ` ${lines[t.line]}` : lines[t.line].slice(1);
      const text = lines.join('\n');
      const t0 = now();
      parsed = reparseSource(parsed, text);
      session.setFile(t.rel, text, parsed);
      session.audit();
      latencies.push(now() - t0);
    }
    out.set(t.rel, latencies);
  }
  return out;
}

/** Issue 25's target for edit -> diagnostics with the debounce off, on each file. */
const EDIT_P95_TARGET_MS = 20;

/** The stress burst: debounce off, an edit every 20 ms (50 characters a second), so an audit runs for every version. */
const STRESS_EVERY_MS = 20;
/** A typing burst: the editor's debounce (60 ms), an edit every 50 ms (fast typing). */
const TYPING_EVERY_MS = 50;

/** Edits every `every` ms without waiting for diagnostics; after each, a hover on the flagged read of the edited line. */
async function hoverBurst(client: TestClient, t: Target, every: number, first = 1): Promise<{ latencies: number[]; withFinding: number }> {
  const uri = await client.open(t.file, t.text, first);
  await client.waitForDiagnostics(uri, (p) => p.version === first, 120000);
  const column = t.text.split('\n')[t.line].indexOf('->mapping') - 2;
  const latencies: number[] = [];
  let withFinding = 0;
  const pending: Array<Promise<void>> = [];
  for (let k = 1; k <= 40; k++) {
    await client.change(uri, first + k, [editFor(k, t.line)]);
    const shifted = column + (k % 2 === 1 ? 1 : 0);
    const t0 = now();
    pending.push(client.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: t.line, character: shifted } }).then((h: Hover | null) => {
      latencies.push(now() - t0);
      if (h && JSON.stringify(h.contents).includes('fsdax/')) withFinding++;
    }));
    await new Promise((r) => setTimeout(r, every));
  }
  await Promise.all(pending);
  await client.close(uri);
  return { latencies, withFinding };
}

async function indexCache(root: string, file: string, original: string, line: number): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fsdax-bench-cache-'));
  const start = async (debounce = '0') => {
    const client = new TestClient({ FSDAX_AUDIT_DEBOUNCE_MS: debounce, FSDAX_AUDIT_NO_CACHE: '' });
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
    const [cacheFile] = fs.readdirSync(dir).filter((n) => n.endsWith('.json'));
    const size = fs.statSync(path.join(dir, cacheFile)).size;
    const stateFile = fs.readdirSync(dir).find((n) => n.endsWith('.bin'));
    const stateSize = stateFile ? fs.statSync(path.join(dir, stateFile)).size : 0;

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

    // The typing burst: a third server on the same cache, with the editor's debounce, once its analysis is warm.
    let typing: Awaited<ReturnType<typeof hoverBurst>> | undefined;
    if (!process.argv.includes('--no-hover')) {
      const third = await start(String(60));
      await third.client.waitFor(() => third.client.logs.find((l) => /ready in the background/.test(l)), 300000, 'the warm-up');
      typing = await hoverBurst(third.client, { file, rel: path.relative(root, file), text: original, line }, TYPING_EVERY_MS);
      await third.client.stop();
    }

    console.log(`index cache on ${path.basename(root)} mm/+fs/ (cache file ${(size / 1048576).toFixed(2)} MiB, analysis state ${(stateSize / 1048576).toFixed(2)} MiB):`);
    console.log(`  index ready, cold (${cold.message}): ${(cold.ready / 1000).toFixed(2)} s`);
    console.log(`  index ready, warm (${warm.message}): ${(warm.ready / 1000).toFixed(2)} s`);
    console.log(`  ratio cold/warm: ${(cold.ready / warm.ready).toFixed(1)}x`);
    console.log(`  warm: open mm/memory-failure.c -> diagnostics ${openMs} ms; first edit after the warm-up ${firstEdit} ms; next edit ${secondEdit} ms`);
    console.log(`  background warm-up of the analysis: ${/\(([\d.]+ s)\)/.exec(warmUpLine)?.[1] ?? '?'} (an edit before it ends waits for the rest of it)`);
    if (typing) console.log(`  typing burst in ${path.relative(root, file)} (debounce 60 ms, an edit every ${TYPING_EVERY_MS} ms, a hover after each): hover ${fmt(typing.latencies)}; ${typing.withFinding}/${typing.latencies.length} showed the finding`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
