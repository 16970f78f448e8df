// cli front-end: reads the files of a run into the session. With --jobs N > 1 and
// a big enough tree, N worker threads read and pre-scan (binary, size and UTF-8
// checks, the names the analysis asks about) while the main thread takes their results in,
// chunk by chunk and in path order, so the session sees exactly what a
// sequential read gives (same order, same data: output is byte-identical for any
// --jobs). The analysis itself stays on the main thread. No file's content is kept: the
// session reads a file again if the analysis parses it.
import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import type { AuditSession } from '../analysis/session';
import type { Prescan } from '../analysis/prescan';
import { contentHash } from '../analysis/result-cache';
import { unpackScans, type PackedScans } from '../analysis/name-scan';
import { listSourceFiles, type CollectedFiles, type SourcePath } from '../host/tree-files';
import type { Progress } from './progress';

export interface ChunkRequest { chunk: number; files: SourcePath[] }
/** Per file the pre-scan without its names, which come packed for the whole chunk (one set of buffers to transfer). */
export interface ChunkResult { chunk: number; files: Array<{ rel: string; scan?: Omit<Prescan, 'names'>; hash?: string; error?: string }>; names: PackedScans }

/** What a read gave besides the session's files: what could not be read, and (with `hash`) the contentHash of every file read. */
export interface TreeRead { unreadable: CollectedFiles['unreadable']; hashes: Map<string, string> }

const CHUNK_FILES = 128;
/** Below this many files, starting workers costs more than it saves. FSDAX_AUDIT_PARALLEL_MIN_FILES overrides it (tests). */
const parallelMinFiles = () => Number(process.env.FSDAX_AUDIT_PARALLEL_MIN_FILES ?? 1024);

export async function readTreeInto(session: AuditSession, paths: string[], root: string, options: { jobs: number; fsdaxArchitectures?: readonly string[]; hash?: boolean }, progress: Progress): Promise<TreeRead> {
  const { files, unreadable } = listSourceFiles(paths, root);
  const hashes = new Map<string, string>();
  progress.phase('fsdax-audit: reading', files.length);
  // Chunks small enough that every thread gets several; not more threads than chunks.
  const chunkFiles = Math.max(1, Math.min(CHUNK_FILES, Math.ceil(files.length / (options.jobs * 4))));
  const workers = Math.min(options.jobs, Math.ceil(files.length / chunkFiles));
  if (options.jobs <= 1 || files.length < parallelMinFiles() || workers <= 1) {
    for (const { abs, rel } of files) {
      progress.tick();
      let content: Buffer;
      try { content = fs.readFileSync(abs); } catch (e) {
        unreadable.push({ file: rel, message: (e as Error).message });
        continue;
      }
      const hash = options.hash ? contentHash(content) : undefined;
      if (hash) hashes.set(rel, hash);
      session.setFileFromDisk(rel, content, { reread: () => readAgain(abs), hash });
    }
    return { unreadable, hashes };
  }
  if (process.env.FSDAX_AUDIT_DEBUG) process.stderr.write(`fsdax-audit: reading ${files.length} files with ${workers} workers\n`);
  const chunks: SourcePath[][] = [];
  for (let i = 0; i < files.length; i += chunkFiles) chunks.push(files.slice(i, i + chunkFiles));
  const done = new Map<number, ChunkResult>();
  let nextToHand = 0;
  let nextToTake = 0;
  const take = () => {
    // In path order only: a chunk that arrives early waits for the ones before it.
    for (let r = done.get(nextToTake); r; r = done.get(nextToTake)) {
      const sent = chunks[nextToTake];
      done.delete(nextToTake++);
      const names = unpackScans(r.names);
      for (const [i, f] of r.files.entries()) {
        progress.tick();
        if (f.hash) hashes.set(f.rel, f.hash);
        const abs = sent[i].abs;
        if (f.scan) session.setPrescanned(f.rel, { ...f.scan, names: names[i] }, { reread: () => readAgain(abs), hash: f.hash }); else unreadable.push({ file: f.rel, message: f.error ?? 'unreadable' });
      }
    }
  };
  const pool = Array.from({ length: workers }, () => new Worker(path.join(__dirname, 'prescan-worker.js'), { workerData: { fsdaxArchitectures: options.fsdaxArchitectures, hash: options.hash } }));
  try {
    await Promise.all(pool.map((worker) => new Promise<void>((resolve, reject) => {
      // Two chunks in flight per thread: it starts the next while the main thread takes the last one in.
      let inFlight = 0;
      const handOut = () => {
        while (inFlight < 2 && nextToHand < chunks.length) {
          const chunk = nextToHand++;
          inFlight++;
          worker.postMessage({ chunk, files: chunks[chunk] } satisfies ChunkRequest);
        }
        if (inFlight === 0) resolve();
      };
      worker.on('message', (result: ChunkResult) => {
        inFlight--;
        done.set(result.chunk, result);
        handOut();
        take();
      });
      worker.once('error', reject);
      worker.once('exit', (code) => { if (nextToHand < chunks.length || done.size > 0) reject(new Error(`a reader thread exited (code ${code})`)); });
      handOut();
    })));
    take();
    if (nextToTake !== chunks.length) throw new Error(`internal: read ${nextToTake} of ${chunks.length} chunks`);
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
  return { unreadable, hashes };
}

/** A file read again to be parsed; gone meanwhile, it reads as empty (and the session says it changed). */
function readAgain(abs: string): Buffer {
  try { return fs.readFileSync(abs); } catch { return Buffer.alloc(0); }
}
