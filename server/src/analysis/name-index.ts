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

/** A file's names as numbers: those it calls, and of those, the ones it may define as functions and as function-like macros. */
interface FileNames { path: string; calls: Uint32Array; defined: Uint32Array; macros: Uint32Array }

/** Files changed since the per-name lists were built, beyond which they are built again. */
const MAX_CHANGED_SINCE_BUILD = 256;

/**
 * Per name, the files whose `pick` list has it: `files[starts[id] .. starts[id + 1])`, built when
 * first asked, then kept up to date for the few files that change (those are looked at one by one).
 */
class Postings {
  private lists?: { starts: Uint32Array; files: Uint32Array; names: number };
  /** Files set or removed since the lists were built: the lists do not speak for them. */
  private readonly changed = new Set<number>();

  constructor(private readonly pick: (f: FileNames) => Uint32Array) {}

  touch(no: number): void {
    this.changed.add(no);
  }

  /** The numbers of the files having any of `ids` (`names`: the table's count). */
  find(ids: readonly number[], files: ReadonlyArray<FileNames | undefined>, names: number): Set<number> {
    if (!this.lists || this.changed.size > MAX_CHANGED_SINCE_BUILD) this.build(files, names);
    const lists = this.lists!;
    const found = new Set<number>();
    for (const id of ids) {
      if (id >= lists.names) continue;
      for (let k = lists.starts[id]; k < lists.starts[id + 1]; k++) if (!this.changed.has(lists.files[k])) found.add(lists.files[k]);
    }
    for (const no of this.changed) {
      const f = files[no];
      if (f && ids.some((id) => this.pick(f).includes(id))) found.add(no);
    }
    return found;
  }

  private build(files: ReadonlyArray<FileNames | undefined>, names: number): void {
    const starts = new Uint32Array(names + 1);
    for (const f of files) if (f) for (const id of this.pick(f)) starts[id + 1]++;
    for (let id = 0; id < names; id++) starts[id + 1] += starts[id];
    const listed = new Uint32Array(starts[names]);
    const next = starts.slice(0, names);
    files.forEach((f, no) => { if (f) for (const id of this.pick(f)) listed[next[id]++] = no; });
    this.lists = { starts, files: listed, names };
    this.changed.clear();
  }
}

const byPath = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export class NameIndex {
  private readonly table = new NameTable();
  private readonly numbers = new Map<string, number>();
  private readonly files: Array<FileNames | undefined> = [];
  private readonly callers = new Postings((f) => f.calls);
  private readonly definers = new Postings((f) => f.defined);
  private readonly macroDefiners = new Postings((f) => f.macros);
  /** Defined names as strings, one string per name, made when first asked (a whole kernel's 330,000 were a tenth of taking its files in). */
  private readonly strings = new Map<number, string>();

  /** Indexes a file's scan (replacing what it had). */
  set(path: string, scan: NameScan): void {
    let no = this.numbers.get(path);
    if (no === undefined) { no = this.files.length; this.numbers.set(path, no); this.files.push(undefined); }
    const calls = new Uint32Array(scan.ends.length);
    let at = 0;
    for (let i = 0; i < scan.ends.length; i++) { calls[i] = this.table.intern(scan.blob, at, scan.ends[i], scan.hashes[i]); at = scan.ends[i]; }
    this.files[no] = { path, calls, defined: scan.defined.map((i) => calls[i]), macros: scan.macros.map((i) => calls[i]) };
    this.touch(no);
  }

  remove(path: string): void {
    const no = this.numbers.get(path);
    if (no === undefined || !this.files[no]) return;
    this.files[no] = undefined;
    this.touch(no);
  }

  /** The files (paths, sorted) that call any of `names` (`\bNAME\s*\(` anywhere in their text). */
  filesCalling(names: readonly string[]): string[] {
    return this.pathsOf(this.callers, names);
  }

  /** The files (paths, sorted) with a line that may define `name` as a function (name-scan.ts DEFINITION_RE). */
  filesDefining(name: string): string[] {
    return this.pathsOf(this.definers, [name]);
  }

  /** The files (paths, sorted) with a `#define name(` line. */
  filesDefiningMacro(name: string): string[] {
    return this.pathsOf(this.macroDefiners, [name]);
  }

  /** The names a file may define, functions first, then function-like macros (as its scan listed them). */
  definedIn(path: string): string[] {
    const f = this.fileOf(path);
    if (!f) return [];
    return [...Array.from(f.defined, (id) => this.definedName(id)), ...Array.from(f.macros, (id) => this.definedName(id))];
  }

  /** Whether a file defines function-like macros. */
  hasMacros(path: string): boolean {
    return (this.fileOf(path)?.macros.length ?? 0) > 0;
  }

  private fileOf(path: string): FileNames | undefined {
    const no = this.numbers.get(path);
    return no === undefined ? undefined : this.files[no];
  }

  private touch(no: number): void {
    this.callers.touch(no);
    this.definers.touch(no);
    this.macroDefiners.touch(no);
  }

  private pathsOf(postings: Postings, names: readonly string[]): string[] {
    const ids = names.map((n) => this.table.lookup(n)).filter((id) => id >= 0);
    if (ids.length === 0) return [];
    return [...postings.find(ids, this.files, this.table.count)].map((no) => this.files[no]!.path).sort(byPath);
  }

  private definedName(id: number): string {
    let s = this.strings.get(id);
    if (s === undefined) { s = this.table.name(id); this.strings.set(id, s); }
    return s;
  }
}
