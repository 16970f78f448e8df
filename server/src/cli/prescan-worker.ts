// cli front-end: a worker thread of the --jobs pool (read-tree.ts). Reads files
// and runs the core's pre-scan on them; loads no tree-sitter and no model (each import of
// this file is loaded by every thread before its first chunk: test/unit/read-tree.test.ts).
import * as fs from 'fs';
import { parentPort, workerData } from 'worker_threads';
import { LinkScope } from '../analysis/link-scope';
import { contentHash, prescanSource } from '../analysis/prescan';
import { packScans, type NameScan } from '../analysis/name-scan';
import type { ChunkRequest, ChunkResult } from './read-tree';
import { stampOf, type FileStamp } from '../host/file-stamp';

const options = workerData as { fsdaxArchitectures?: string[]; hash?: boolean };
const scope = new LinkScope(options.fsdaxArchitectures);

/**
 * One buffer for every file this thread reads, grown to the largest: a buffer per file (readFileSync)
 * leaves this thread's malloc arena fragmented, and glibc keeps an arena's pages after the thread
 * ends (a whole kernel's read on 2 threads: ~130 MB of the CLI's peak RSS). The pre-scan keeps no
 * reference to the bytes (prescan.ts: names are copied out).
 */
let scratch = Buffer.allocUnsafeSlow(1 << 20);
function readWhole(abs: string): { bytes: Buffer; stamp?: FileStamp } {
  const fd = fs.openSync(abs, 'r');
  try {
    // With the cache on, the file's stamp, taken before it is read (file-stamp.ts); the listing took none.
    const statAt = Date.now();
    const stamp = options.hash ? stampOf(fs.fstatSync(fd), statAt) : undefined;
    let size = 0;
    for (;;) {
      if (size === scratch.length) {
        const bigger = Buffer.allocUnsafeSlow(scratch.length * 2);
        scratch.copy(bigger, 0, 0, size);
        scratch = bigger;
      }
      const n = fs.readSync(fd, scratch, size, scratch.length - size, null);
      if (n === 0) return { bytes: scratch.subarray(0, size), stamp };
      size += n;
    }
  } finally {
    fs.closeSync(fd);
  }
}

parentPort!.on('message', (request: ChunkRequest) => {
  const scans: Array<NameScan | undefined> = [];
  const files = request.files.map(({ abs, rel }): ChunkResult['files'][number] => {
    try {
      // Files the analysis will not look at need no names (link-scope.ts).
      const { bytes, stamp } = readWhole(abs);
      const { names, ...scan } = prescanSource(rel, bytes, scope.analysable(rel));
      scans.push(names);
      return { rel, scan, hash: options.hash ? contentHash(bytes) : undefined, ...(stamp ? { stamp } : {}) };
    } catch (e) {
      scans.push(undefined);
      return { rel, error: (e as Error).message };
    }
  });
  const names = packScans(scans);
  parentPort!.postMessage({ chunk: request.chunk, files, names } satisfies ChunkResult, [names.blob.buffer, names.ends.buffer, names.defined.buffer, names.macros.buffer, names.counts.buffer]);
});
