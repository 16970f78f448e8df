// cli front-end: a worker thread of the --jobs pool (read-tree.ts). Reads files
// and runs the core's pre-scan on them; loads no tree-sitter.
import * as fs from 'fs';
import { parentPort, workerData } from 'worker_threads';
import { LinkScope } from '../analysis/link-scope';
import { prescanSource } from '../analysis/prescan';
import { contentHash } from '../analysis/result-cache';
import type { ChunkRequest, ChunkResult } from './read-tree';

const options = workerData as { fsdaxArchitectures?: string[]; hash?: boolean };
const scope = new LinkScope(options.fsdaxArchitectures);

parentPort!.on('message', (request: ChunkRequest) => {
  const files = request.files.map(({ abs, rel }): ChunkResult['files'][number] => {
    try {
      // Files the analysis will not look at need no index (link-scope.ts).
      const bytes = fs.readFileSync(abs);
      return { rel, scan: prescanSource(rel, bytes, scope.analysable(rel)), hash: options.hash ? contentHash(bytes) : undefined };
    } catch (e) {
      return { rel, error: (e as Error).message };
    }
  });
  parentPort!.postMessage({ chunk: request.chunk, files } satisfies ChunkResult);
});
