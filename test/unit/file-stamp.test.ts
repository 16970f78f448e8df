// A stat stands for a file's content only when no second write could have kept it as it was
// (host/file-stamp.ts): never for a file written within a clock tick of the stat.
import * as assert from 'assert';
import type * as fs from 'fs';
import { sameStamp, stampOf } from '../../server/src/host/file-stamp';

const stat = (mtimeMs: number, extra: Partial<fs.Stats> = {}) => ({ mtimeMs, ctimeMs: mtimeMs, size: 100, ino: 7, ...extra }) as fs.Stats;

describe('file stamps', () => {
  it('a file with sub-second mtimes is stamped once a tenth of a second has passed since its write', () => {
    assert.strictEqual(stampOf(stat(1_000_000.25), 1_000_050), undefined, '50 ms after the write: the same tick, maybe');
    assert.strictEqual(stampOf(stat(1_000_000.25), 999_000), undefined, 'written after the stat (a clock behind the filesystem\'s)');
    assert.deepStrictEqual(stampOf(stat(1_000_000.25), 1_000_200), [1_000_000.25, 1_000_000.25, 100, 7]);
  });

  it('a file whose mtime is whole seconds (a filesystem that may keep no more) needs two seconds', () => {
    assert.strictEqual(stampOf(stat(1_000_000), 1_000_200), undefined);
    assert.strictEqual(stampOf(stat(1_000_000), 1_001_900), undefined);
    assert.ok(stampOf(stat(1_000_000), 1_002_100));
  });

  it('stamps are equal only in mtime, ctime, size and inode alike', () => {
    const a = stampOf(stat(1_000_000.5), 2_000_000)!;
    assert.ok(sameStamp(a, stampOf(stat(1_000_000.5), 3_000_000)));
    for (const other of [{ ctimeMs: 1_000_001 }, { size: 101 }, { ino: 8 }]) assert.ok(!sameStamp(a, stampOf(stat(1_000_000.5, other), 3_000_000)), JSON.stringify(other));
    assert.ok(!sameStamp(a, stampOf(stat(1_000_000.75), 3_000_000)));
    assert.ok(!sameStamp(a, undefined) && !sameStamp(undefined, undefined));
  });
});
