// parse/names.ts: an interned identifier does not keep the text it was read from alive.
import * as assert from 'assert';
import * as v8 from 'v8';
import * as vm from 'vm';
import { internName } from '../../server/src/parse/names';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

describe('interned names', () => {
  it('gives the same name back, short ones as they are', () => {
    const text = `void ${'x'.repeat(10)}collect_procs_fsdax(struct page *page);`;
    const name = text.slice(5, 5 + 29);
    assert.strictEqual(internName(name), name);
    assert.strictEqual(internName('folio'), 'folio');
    assert.strictEqual(internName(name.slice(0)), internName(name));
  });

  it('keeps none of the texts the names were sliced from (a plain slice keeps each)', () => {
    const retained = (keep: (name: string) => string) => {
      gc();
      const before = process.memoryUsage().heapUsed;
      const names: string[] = [];
      for (let i = 0; i < 40; i++) {
        // 1 MiB of text per version, as an edited file's versions are; the name is a slice of it.
        const text = `static int handler_number_${String(i).padStart(4, '0')}(void)\n` + 'a'.repeat(1 << 20) + String(i);
        names.push(keep(text.slice(11, 30)));
      }
      gc();
      const grown = process.memoryUsage().heapUsed - before;
      assert.strictEqual(names.length, 40);
      return grown;
    };
    const sliced = retained((n) => n);
    const interned = retained(internName);
    assert.ok(sliced > 30 * 2 ** 20, `the comparison can fail: plain slices kept ${(sliced / 2 ** 20).toFixed(1)} MiB`);
    assert.ok(interned < 4 * 2 ** 20, `interned names kept ${(interned / 2 ** 20).toFixed(1)} MiB`);
  });
});
