// cli front-end: reads the files of a run into the session. With --jobs N > 1 and
// a big enough tree, N worker threads read and pre-scan (binary, size and UTF-8
// checks, the names the analysis asks about) while the main thread takes their results in,
// chunk by chunk and in path order, so the session sees exactly what a
// sequential read gives (same order, same data: output is byte-identical for any
// --jobs). The analysis itself stays on the main thread. No file's content is kept: the
// session reads a file again if the analysis parses it. A file whose stat is what an earlier
// run kept with its read (host/file-stamp.ts) is not read at all: its kept pre-scan and hash
// stand for it, as git's index stands for an unchanged file.
import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import type { AuditSession } from '../analysis/session';
import type { Prescan } from '../analysis/prescan';
import type { FileProblem } from '../analysis/audit-types';
import { contentHash } from '../analysis/prescan';
import { isPackedScans, packScans, unpackScans, type NameScan, type PackedScans } from '../analysis/name-scan';
import { sameStamp, stampNow, type FileStamp } from '../host/file-stamp';
import { walkSourceFiles, type CollectedFiles, type SourcePath } from '../host/tree-files';
import type { Progress } from './progress';

export interface ChunkRequest { chunk: number; files: SourcePath[] }
/** Per file the pre-scan without its names, which come packed for the whole chunk (one set of buffers to transfer). */
export interface ChunkResult { chunk: number; files: Array<{ rel: string; scan?: Omit<Prescan, 'names'>; hash?: string; stamp?: FileStamp; error?: string }>; names: PackedScans }

/**
 * A file as a run read it: a later run takes a file whose stamp is unchanged as read, neither
 * reading nor pre-scanning it again (kept with the analysis state: audit-run.ts).
 */
export interface FileRead { stamp: FileStamp; hash: string; scan: Prescan }

/** What a read gave besides the session's files: what could not be read, and (with `keep`) the contentHash of every file read and its reads. */
export interface TreeRead {
  unreadable: CollectedFiles['unreadable'];
  hashes: Map<string, string>;
  reads?: Map<string, FileRead>;
  /** Files taken as the kept reads had them, and files listed. */
  taken: number;
  listed: number;
}

export interface ReadOptions {
  jobs: number;
  fsdaxArchitectures?: readonly string[];
  /** An earlier run's reads: a file whose stamp is the one kept is taken as read then. */
  kept?: ReadonlyMap<string, FileRead>;
  /** Hash every file (the result store's key), and return the reads of the files that have a stamp. */
  keep?: boolean;
}

const CHUNK_FILES = 128;
/** Below this many files, starting workers costs more than it saves. FSDAX_AUDIT_PARALLEL_MIN_FILES overrides it (tests). */
const parallelMinFiles = () => Number(process.env.FSDAX_AUDIT_PARALLEL_MIN_FILES ?? 1024);

/**
 * Reads the files under `paths` into the session, in path order whatever reads them: the main
 * thread, worker threads, or (for a file whose stamp is unchanged) an earlier run's kept read.
 */
export async function readTreeInto(session: AuditSession, paths: string[], root: string, options: ReadOptions, progress: Progress): Promise<TreeRead> {
  // A folder to read: the threads start while it is listed (a thread takes ~70 ms to load before
  // its first chunk), and read the first chunks while the rest is listed (listing a whole kernel
  // takes over a second); they are ended unused if it proves small.
  const early = options.jobs > 1 && paths.some(isDirectory) ? startReaders(options.jobs, options) : [];
  try {
    return await readListed(session, paths, root, early, options, progress);
  } finally {
    await Promise.all(early.map((w) => w.terminate()));
  }
}

function isDirectory(p: string): boolean {
  try { return fs.statSync(p).isDirectory(); } catch { return false; }
}

function startReaders(count: number, options: ReadOptions): Worker[] {
  const workerData = { fsdaxArchitectures: options.fsdaxArchitectures, hash: !!options.keep };
  return Array.from({ length: count }, () => new Worker(path.join(__dirname, 'prescan-worker.js'), { workerData }));
}

/** Files listed between two turns of the event loop while a walk hands out chunks: results come in meanwhile. */
const LISTED_PER_TURN = 512;

async function readListed(session: AuditSession, paths: string[], root: string, early: Worker[], options: ReadOptions, progress: Progress): Promise<TreeRead> {
  const unreadable: CollectedFiles['unreadable'] = [];
  const hashes = new Map<string, string>();
  const hash = !!options.keep;
  const reads = options.keep ? new Map<string, FileRead>() : undefined;
  // Stamps from the listing where kept reads are compared with them; else each file's from its read (fstat before it).
  const listingStamps = !!options.kept && options.kept.size > 0;
  const give = (f: SourcePath, scan: Prescan, fileHash: string | undefined, readStamp?: FileStamp) => {
    progress.tick();
    if (fileHash) hashes.set(f.rel, fileHash);
    const stamp = f.stamp ?? readStamp;
    if (reads && fileHash && stamp) reads.set(f.rel, { stamp, hash: fileHash, scan });
    session.setPrescanned(f.rel, scan, { reread: () => readAgain(f.abs), hash: fileHash });
  };
  const keptRead = (f: SourcePath) => {
    const k = options.kept?.get(f.rel);
    return k && sameStamp(k.stamp, f.stamp) ? k : undefined;
  };
  // The files listed so far (in path order), their kept reads, and those to read, in chunks.
  const files: SourcePath[] = [];
  const kept: Array<FileRead | undefined> = [];
  const toRead: SourcePath[] = [];
  const chunks: SourcePath[][] = [];
  const list = (f: SourcePath) => {
    files.push(f);
    const k = keptRead(f);
    kept.push(k);
    if (!k) toRead.push(f);
  };
  let pool: ReadPool | undefined;
  // The next file to give the session (index into `files`), and the next chunk and file in it that the files to read are at.
  let nextFile = 0;
  let chunk = 0;
  let inChunk = 0;
  const take = () => {
    // In path order only: a chunk that arrives early waits for the ones before it, and a kept file for the chunks before it.
    for (; nextFile < files.length; nextFile++) {
      const f = files[nextFile];
      const k = kept[nextFile];
      if (k) { give(f, k.scan, k.hash); continue; }
      const got = pool?.done.get(chunk);
      if (!got) return;
      const r = got.result.files[inChunk];
      if (r.scan) give(f, { ...r.scan, names: got.names[inChunk] }, r.hash, r.stamp);
      else { progress.tick(); unreadable.push({ file: r.rel, message: r.error ?? 'unreadable' }); }
      if (++inChunk === got.result.files.length) { pool!.done.delete(chunk++); inChunk = 0; }
    }
  };
  const walk = walkSourceFiles(paths, root, unreadable, listingStamps);
  let listed: SourcePath[] | undefined;
  // The total is known once the walk ends; files read meanwhile count already.
  progress.phase('fsdax-audit: reading');
  // With threads started (a folder given), listed and read at once: chunks of CHUNK_FILES go to them as the walk
  // finds the files, once the tree is big enough for threads.
  for (let n = 1; ; n++) {
    const r = walk.next();
    if (r.done) { listed = r.value; break; }
    list(r.value);
    if (!pool && early.length > 0 && toRead.length >= parallelMinFiles()) pool = new ReadPool(early, chunks, () => take());
    if (pool && toRead.length - chunks.length * CHUNK_FILES >= CHUNK_FILES) { chunks.push(toRead.slice(chunks.length * CHUNK_FILES, (chunks.length + 1) * CHUNK_FILES)); pool.handOut(); }
    if (pool && n % LISTED_PER_TURN === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  // The walk yields in the list's order or not at all (tree-files.ts): a list it did not yield is taken whole.
  if (files.length === 0) listed.forEach(list);
  else if (files.length !== listed.length || files.some((f, i) => f.abs !== listed![i].abs)) throw new Error('internal: the walk yielded files out of the listing\'s order');
  progress.setTotal(files.length);
  const counts = { taken: files.length - toRead.length, listed: files.length };
  if (!pool) {
    // Chunks small enough that every thread gets several; not more threads than chunks.
    const chunkFiles = Math.max(1, Math.min(CHUNK_FILES, Math.ceil(toRead.length / (options.jobs * 4))));
    const workers = Math.min(options.jobs, Math.ceil(toRead.length / chunkFiles));
    if (options.jobs <= 1 || toRead.length < parallelMinFiles() || workers <= 1) {
      files.forEach((f, i) => {
        const k = kept[i];
        if (k) return give(f, k.scan, k.hash);
        let content: Buffer;
        const readStamp = hash && !f.stamp ? stampNow(f.abs) : undefined;
        try { content = fs.readFileSync(f.abs); } catch (e) {
          progress.tick();
          unreadable.push({ file: f.rel, message: (e as Error).message });
          return;
        }
        give(f, session.prescan(f.rel, content), hash ? contentHash(content) : undefined, readStamp);
      });
      return { unreadable, hashes, reads, ...counts };
    }
    for (let i = 0; i < toRead.length; i += chunkFiles) chunks.push(toRead.slice(i, i + chunkFiles));
    pool = new ReadPool([...early.slice(0, workers), ...startReaders(Math.max(0, workers - early.length), options)], chunks, () => take());
  } else {
    const handed = chunks.length * CHUNK_FILES;
    if (handed < toRead.length) chunks.push(toRead.slice(handed));
  }
  if (process.env.FSDAX_AUDIT_DEBUG) process.stderr.write(`fsdax-audit: reading ${toRead.length} files with ${pool.workers.length} workers\n`);
  try {
    await pool.finish();
    take();
    if (nextFile !== files.length) throw new Error(`internal: read ${chunk} of ${chunks.length} chunks`);
  } finally {
    await Promise.all(pool.workers.map((w) => w.terminate()));
  }
  return { unreadable, hashes, reads, ...counts };
}

/**
 * Reader threads and the chunks they read: `chunks` may grow while they read (a walk still
 * listing), handOut() gives each thread up to two at a time, and finish() waits until every chunk
 * there is then has come back. `onResult` hears of each result as it comes (in `done` by chunk).
 */
class ReadPool {
  readonly done = new Map<number, { result: ChunkResult; names: Array<NameScan | undefined> }>();
  private nextToHand = 0;
  private readonly inFlight: number[];
  private failed?: Error;
  private whenIdle?: { resolve: () => void; reject: (e: Error) => void };

  constructor(readonly workers: Worker[], private readonly chunks: SourcePath[][], private readonly onResult: () => void) {
    this.inFlight = workers.map(() => 0);
    workers.forEach((worker, w) => {
      worker.on('message', (result: ChunkResult) => {
        this.inFlight[w]--;
        this.done.set(result.chunk, { result, names: unpackScans(result.names) });
        this.handOut();
        this.onResult();
        this.settle();
      });
      worker.once('error', (e) => this.fail(e));
      worker.once('exit', (code) => { if (this.nextToHand < this.chunks.length || this.inFlight[w] > 0) this.fail(new Error(`a reader thread exited (code ${code})`)); });
    });
  }

  /** Two chunks in flight per thread: it starts the next while the main thread takes the last one in. */
  handOut(): void {
    this.workers.forEach((worker, w) => {
      while (this.inFlight[w] < 2 && this.nextToHand < this.chunks.length) {
        const c = this.nextToHand++;
        this.inFlight[w]++;
        worker.postMessage({ chunk: c, files: this.chunks[c] } satisfies ChunkRequest);
      }
    });
  }

  /** Every chunk handed out and back (no more will be added). */
  finish(): Promise<void> {
    this.handOut();
    return new Promise((resolve, reject) => { this.whenIdle = { resolve, reject }; this.settle(); });
  }

  private settle(): void {
    if (this.failed) this.whenIdle?.reject(this.failed);
    else if (this.nextToHand === this.chunks.length && this.inFlight.every((n) => n === 0)) this.whenIdle?.resolve();
  }

  private fail(e: Error): void {
    this.failed ??= e;
    this.settle();
  }
}

/** The reads as kept (one set of typed arrays for every file's names: V8 serializes them as bytes). */
export interface PackedReads { paths: string[]; stamps: Float64Array; hashes: string[]; sizes: Float64Array; checksums: Uint32Array; problems: Array<[number, FileProblem[]]>; names: PackedScans }

const STAMP_FIELDS = 4;

export function packReads(reads: ReadonlyMap<string, FileRead>): PackedReads {
  const paths = [...reads.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const stamps = new Float64Array(paths.length * STAMP_FIELDS);
  const sizes = new Float64Array(paths.length);
  const checksums = new Uint32Array(paths.length);
  const problems: PackedReads['problems'] = [];
  const hashes = paths.map((p, i) => {
    const r = reads.get(p)!;
    stamps.set(r.stamp, i * STAMP_FIELDS);
    sizes[i] = r.scan.size;
    checksums[i] = r.scan.checksum;
    if (r.scan.problems.length > 0) problems.push([i, r.scan.problems]);
    return r.hash;
  });
  return { paths, stamps, hashes, sizes, checksums, problems, names: packScans(paths.map((p) => reads.get(p)!.scan.names)) };
}

/** The reads kept in `value`, or undefined when it is not what packReads gives (another format, damaged). */
export function unpackReads(value: unknown): Map<string, FileRead> | undefined {
  const v = value as Partial<PackedReads> | undefined;
  const n = Array.isArray(v?.paths) ? v!.paths.length : -1;
  if (!v || n < 0 || !(v.stamps instanceof Float64Array) || v.stamps.length !== n * STAMP_FIELDS || !Array.isArray(v.hashes) || v.hashes.length !== n
    || !(v.sizes instanceof Float64Array) || v.sizes.length !== n || !(v.checksums instanceof Uint32Array) || v.checksums.length !== n
    || !Array.isArray(v.problems) || !isPackedScans(v.names, n)) return undefined;
  const problems = new Map(v.problems);
  const names = unpackScans(v.names);
  const out = new Map<string, FileRead>();
  v.paths!.forEach((p, i) => {
    const stamp = Array.from(v.stamps!.subarray(i * STAMP_FIELDS, (i + 1) * STAMP_FIELDS)) as unknown as FileStamp;
    out.set(p, { stamp, hash: v.hashes![i], scan: { problems: problems.get(i) ?? [], names: names[i], size: v.sizes![i], checksum: v.checksums![i] } });
  });
  return out;
}

/** A file read again to be parsed; gone meanwhile, it reads as empty (and the session says it changed). */
function readAgain(abs: string): Buffer {
  try { return fs.readFileSync(abs); } catch { return Buffer.alloc(0); }
}
