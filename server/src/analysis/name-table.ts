// analysis layer: a table of distinct names kept as bytes, each with a number. The identifier
// index's (name-index.ts), and a reader thread's for the names of a chunk of files (name-scan.ts
// packScans), so that the index looks each of a chunk's distinct names up once. Pure.
export const FNV_OFFSET = 0x811c9dc5;
export const FNV_PRIME = 0x01000193;

/** FNV-1a of b[from, to): how names are hashed by the pre-scan (name-scan.ts) and in these tables. */
export function hashBytes(b: Uint8Array, from: number, to: number): number {
  let h = FNV_OFFSET;
  for (let i = from; i < to; i++) h = Math.imul(h ^ b[i], FNV_PRIME);
  return h >>> 0;
}

/** Distinct names as ASCII bytes, each with a number; found by an open-addressing hash on the bytes. */
export class NameTable {
  private bytes = new Uint8Array(1 << 16);
  private used = 0;
  private ends = new Uint32Array(1 << 10);
  private hashes = new Uint32Array(1 << 10);
  private slots = new Int32Array(1 << 11).fill(-1);
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
    if (this.count * 2 > this.slots.length) {
      this.slots = new Int32Array(this.slots.length * 2).fill(-1);
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
    const mask = this.slots.length - 1;
    const len = to - from;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const id = this.slots[s];
      if (id === -1) return -1;
      if (this.hashes[id] !== h) continue;
      const at = id === 0 ? 0 : this.ends[id - 1];
      if (this.ends[id] - at !== len) continue;
      let same = true;
      for (let k = 0; k < len; k++) if (this.bytes[at + k] !== src[from + k]) { same = false; break; }
      if (same) return id;
    }
  }

  private place(id: number): void {
    const mask = this.slots.length - 1;
    let s = this.hashes[id] & mask;
    while (this.slots[s] !== -1) s = (s + 1) & mask;
    this.slots[s] = id;
  }
}

export function grow(a: Uint32Array): Uint32Array {
  const bigger = new Uint32Array(a.length * 2);
  bigger.set(a);
  return bigger;
}
