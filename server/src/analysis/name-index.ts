// analysis layer: the identifier index the demand-driven search asks instead of the files'
// texts. Per file, the names it calls (name-scan.ts) as numbers into one table of distinct
// names kept as bytes (a whole kernel: about a million names, 20 MB, against 1.3 GB of decoded
// text); per name, the files that call it (built when first asked, then kept up to date for
// the few files that change). Pure.
import type { NameScan, SharedChunk } from './name-scan';
import { NameTable } from './name-table';

interface FileNames { path: string; calls: Uint32Array }

/** Files changed since the per-name lists were built, beyond which they are built again. */
const MAX_CHANGED_SINCE_BUILD = 256;

export class NameIndex {
  private readonly table = new NameTable();
  private readonly numbers = new Map<string, number>();
  private readonly files: Array<FileNames | undefined> = [];
  /** Per name, the files calling it: `callers[starts[id] .. starts[id + 1])`, as of the last build. */
  private lists?: { starts: Uint32Array; callers: Uint32Array; names: number };
  /** Files set or removed since the lists were built: the lists do not speak for them. */
  private readonly changed = new Set<number>();
  /** Defined names as strings, one string per name. */
  private readonly strings = new Map<number, string>();

  /** Indexes a file's scan (replacing what it had); returns the names it may define, as functions and as function-like macros. */
  set(path: string, scan: NameScan): { defined: string[]; macros: string[] } {
    let no = this.numbers.get(path);
    if (no === undefined) { no = this.files.length; this.numbers.set(path, no); this.files.push(undefined); }
    const calls = new Uint32Array(scan.ends.length);
    const known = scan.shared && this.chunkNumbers(scan.shared.chunk);
    const shared = scan.shared?.ids;
    let at = 0;
    for (let i = 0; i < scan.ends.length; i++) {
      if (known && shared) {
        let id = known[shared[i]];
        if (id < 0) id = known[shared[i]] = this.table.intern(scan.blob, at, scan.ends[i], scan.hashes[i]);
        calls[i] = id;
      } else {
        calls[i] = this.table.intern(scan.blob, at, scan.ends[i], scan.hashes[i]);
      }
      at = scan.ends[i];
    }
    this.files[no] = { path, calls };
    this.changed.add(no);
    return { defined: Array.from(scan.defined, (i) => this.definedName(calls[i])), macros: Array.from(scan.macros, (i) => this.definedName(calls[i])) };
  }

  remove(path: string): void {
    const no = this.numbers.get(path);
    if (no === undefined || !this.files[no]) return;
    this.files[no] = undefined;
    this.changed.add(no);
  }

  /** The files (paths, sorted) that call any of `names` (`\bNAME\s*\(` anywhere in their text). */
  filesCalling(names: readonly string[]): string[] {
    const ids = names.map((n) => this.table.lookup(n)).filter((id) => id >= 0);
    if (ids.length === 0) return [];
    if (!this.lists || this.changed.size > MAX_CHANGED_SINCE_BUILD) this.build();
    const lists = this.lists!;
    const found = new Set<number>();
    for (const id of ids) {
      if (id >= lists.names) continue;
      for (let k = lists.starts[id]; k < lists.starts[id + 1]; k++) if (!this.changed.has(lists.callers[k])) found.add(lists.callers[k]);
    }
    for (const no of this.changed) {
      const calls = this.files[no]?.calls;
      if (calls && ids.some((id) => calls.includes(id))) found.add(no);
    }
    return [...found].map((no) => this.files[no]!.path).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** The numbers in the table of the last chunk's names (SharedNames), -1 until one of its files has the name: its files come one after another. */
  private lastChunk?: { chunk: SharedChunk; numbers: Int32Array };

  private chunkNumbers(chunk: SharedChunk): Int32Array {
    if (this.lastChunk?.chunk !== chunk) this.lastChunk = { chunk, numbers: new Int32Array(chunk.distinct).fill(-1) };
    return this.lastChunk.numbers;
  }

  private definedName(id: number): string {
    let s = this.strings.get(id);
    if (s === undefined) { s = this.table.name(id); this.strings.set(id, s); }
    return s;
  }

  private build(): void {
    const names = this.table.count;
    const starts = new Uint32Array(names + 1);
    for (const f of this.files) if (f) for (const id of f.calls) starts[id + 1]++;
    for (let id = 0; id < names; id++) starts[id + 1] += starts[id];
    const callers = new Uint32Array(starts[names]);
    const next = starts.slice(0, names);
    this.files.forEach((f, no) => { if (f) for (const id of f.calls) callers[next[id]++] = no; });
    this.lists = { starts, callers, names };
    this.changed.clear();
  }
}
