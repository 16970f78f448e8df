// analysis layer: the identifier index the demand-driven search asks instead of the files'
// texts. Per file, the names it calls (name-scan.ts) as numbers into one table of distinct
// names kept as bytes (a whole kernel: about a million names, 20 MB, against 1.3 GB of decoded
// text); per name, the files that call it (built when first asked, then kept up to date for
// the few files that change). Pure.
import { hashBytes, type NameScan } from './name-scan';

/** Distinct names as ASCII bytes, each with a number; found by an open-addressing hash on the bytes. */
class NameTable {
  private bytes = new Uint8Array(1 << 16);
  private used = 0;
  private ends = new Uint32Array(1 << 10);
  private hashes = new Uint32Array(1 << 10);
  /**
   * The open-addressing table: per slot a name's hash and number (-1: empty), side by side, so
   * a probe reads one place rather than a number, then that name's hash elsewhere (a whole
   * kernel's million names: each probe was a cache miss more).
   */
  private slots = emptySlots(1 << 11);
  count = 0;

  /** The number of name src[from, to), whose hashBytes is `h`, added when new. */
  intern(src: Uint8Array, from: number, to: number, h: number): number {
    const found = this.find(src, from, to, h);
    if (found >= 0) return found;
    const len = to - from;
    if (this.count === this.ends.length) { this.ends = grow(this.ends); this.hashes = grow(this.hashes); }
    if (this.used + len > this.bytes.length) {
      const bigger = new Uint8Array(Math.max(this.bytes.length * 2, this.used + len));
      bigger.set(this.bytes.subarray(0, this.used));
      this.bytes = bigger;
    }
    this.bytes.set(src.subarray(from, to), this.used);
    this.used += len;
    const id = this.count++;
    this.ends[id] = this.used;
    this.hashes[id] = h;
    if (this.count * 4 > this.slots.length) {
      this.slots = emptySlots(this.slots.length);
      for (let k = 0; k < this.count - 1; k++) this.place(k);
    }
    this.place(id);
    return id;
  }

  /** The number of `name`, or -1 when no file has it. */
  lookup(name: string): number {
    const b = Buffer.from(name, 'latin1');
    return this.find(b, 0, b.length, hashBytes(b, 0, b.length));
  }

  name(id: number): string {
    const at = id === 0 ? 0 : this.ends[id - 1];
    // One Buffer over the table's bytes (made again when they grow): a Buffer per name cost more than the name.
    if (this.view?.buffer !== this.bytes.buffer) this.view = Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    return this.view.toString('latin1', at, this.ends[id]);
  }

  private view?: Buffer;

  private find(src: Uint8Array, from: number, to: number, h: number): number {
    const slots = this.slots;
    const mask = (slots.length >> 1) - 1;
    const len = to - from;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const id = slots[2 * s + 1];
      if (id === -1) return -1;
      if (slots[2 * s] !== (h | 0)) continue;
      const at = id === 0 ? 0 : this.ends[id - 1];
      if (this.ends[id] - at !== len) continue;
      let same = true;
      for (let k = 0; k < len; k++) if (this.bytes[at + k] !== src[from + k]) { same = false; break; }
      if (same) return id;
    }
  }

  private place(id: number): void {
    const mask = (this.slots.length >> 1) - 1;
    let s = this.hashes[id] & mask;
    while (this.slots[2 * s + 1] !== -1) s = (s + 1) & mask;
    this.slots[2 * s] = this.hashes[id];
    this.slots[2 * s + 1] = id;
  }
}

/** A table of `entries` slots, each [hash, -1]. */
function emptySlots(entries: number): Int32Array {
  const slots = new Int32Array(2 * entries);
  for (let s = 1; s < slots.length; s += 2) slots[s] = -1;
  return slots;
}

function grow(a: Uint32Array): Uint32Array {
  const bigger = new Uint32Array(a.length * 2);
  bigger.set(a);
  return bigger;
}

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
    let at = 0;
    for (let i = 0; i < scan.ends.length; i++) { calls[i] = this.table.intern(scan.blob, at, scan.ends[i], scan.hashes[i]); at = scan.ends[i]; }
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
