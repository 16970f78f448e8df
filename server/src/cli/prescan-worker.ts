// cli front-end: a worker thread of the --jobs pool (read-tree.ts). Reads files
// and runs the core's pre-scan on them; loads no tree-sitter.
import * as fs from 'fs';
import { parentPort, workerData } from 'worker_threads';
import { LinkScope } from '../analysis/link-scope';
import { prescanSource } from '../analysis/prescan';
import { packScans, type NameScan } from '../analysis/name-scan';
import { contentHash } from '../analysis/result-cache';
import type { ChunkRequest, ChunkResult } from './read-tree';

const options = workerData as { fsdaxArchitectures?: string[]; hash?: boolean };
const scope = new LinkScope(options.fsdaxArchitectures);

parentPort!.on('message', (request: ChunkRequest) => {
  const scans: Array<NameScan | undefined> = [];
  const files = request.files.map(({ abs, rel }): ChunkResult['files'][number] => {
    try {
      // Files the analysis will not look at need no names (link-scope.ts).
      const bytes = fs.readFileSync(abs);
      const { names, ...scan } = prescanSource(rel, bytes, scope.analysable(rel));
      scans.push(names);
      return { rel, scan, hash: options.hash ? contentHash(bytes) : undefined };
    } catch (e) {
      scans.push(undefined);
      return { rel, error: (e as Error).message };
    }
  });
  const names = packScans(scans);
  parentPort!.postMessage({ chunk: request.chunk, files, names } satisfies ChunkResult, [names.blob.buffer, names.ends.buffer, names.defined.buffer, names.counts.buffer]);
});
