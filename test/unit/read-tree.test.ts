// The CLI's reader threads (cli/prescan-worker.ts): each loads its module graph before its first
// chunk, while the main thread waits for that chunk. Loading the parser, tree-sitter's native
// modules or the model there cost every thread ~50 ms of a 6.12 mm/+fs/ run's ~1 s read.
import * as assert from 'assert';
import * as path from 'path';
import { Worker } from 'worker_threads';

const WORKER = path.join(__dirname, '..', '..', 'server', 'src', 'cli', 'prescan-worker.js');

/** The modules a reader thread requires, in order (the thread is ended once they are known). */
function modulesOfReaderThread(): Promise<string[]> {
  const probe = `
    const Module = require('module');
    const { parentPort } = require('worker_threads');
    const load = Module._load;
    const seen = [];
    Module._load = function (request, parent, isMain) {
      const loaded = load.apply(this, arguments);
      seen.push(Module._resolveFilename(request, parent, isMain));
      return loaded;
    };
    require(${JSON.stringify(WORKER)});
    parentPort.postMessage({ seen });`;
  return new Promise((resolve, reject) => {
    const worker = new Worker(probe, { eval: true, workerData: { hash: true } });
    worker.once('message', (m: { seen: string[] }) => { void worker.terminate(); resolve(m.seen); });
    worker.once('error', reject);
  });
}

describe('reader threads', () => {
  it('load neither tree-sitter, the parser nor the model', async () => {
    const seen = await modulesOfReaderThread();
    assert.ok(seen.some((m) => m.endsWith(path.join('analysis', 'prescan.js'))), `the pre-scan is loaded: ${seen.join(', ')}`);
    const heavy = seen.filter((m) => /tree-sitter|[\\/]parse[\\/](parser|preprocess)\.js$|[\\/]model[\\/]|[\\/]analysis[\\/](program-files|functions|result-cache)\.js$/.test(m));
    assert.deepStrictEqual(heavy, []);
  });
});
