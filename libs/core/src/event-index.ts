/**
 * Event id → integer, in one typed array: ids are remembered by a 64-bit hash
 * (two independent 32-bit string hashes), not as strings, so remembering a
 * million events costs 16 bytes per table entry (one probe, one cache line)
 * and no garbage-collected objects. Two
 * distinct ids sharing both hashes (probability ≈ n²/2⁶⁵: 3·10⁻⁸ with a
 * million live ids) would be taken for the same event.
 */
export class EventIndex {
  /**
   * One interleaved table, 4 int32 per entry (h1, h2, value, unused), so a
   * probe touches one cache line instead of three. value: -1 = empty, -2 =
   * deleted, else the value.
   */
  private table: Int32Array;
  private mask: number;
  private used = 0;
  private live = 0;
  /** The hashes of the id last passed to `hash`. */
  lastH1 = 0;
  lastH2 = 0;

  constructor(capacity = 1024) {
    let n = 16;
    while (n < capacity * 2) n *= 2;
    this.table = EventIndex.emptyTable(n);
    this.mask = n - 1;
  }

  private static emptyTable(n: number): Int32Array {
    const t = new Int32Array(n * 4);
    for (let i = 2; i < t.length; i += 4) t[i] = -1;
    return t;
  }

  get size(): number {
    return this.live;
  }

  /** Computes the id's two hashes into lastH1/lastH2 (FNV-1a and a multiplicative hash). */
  hash(id: string): void {
    let a = 0x811c9dc5;
    let b = 0x9747b28c ^ id.length;
    for (let i = 0; i < id.length; i++) {
      const c = id.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 15;
    }
    this.lastH1 = a | 0;
    this.lastH2 = (b ^ (b >>> 13)) | 0;
  }

  /** Like `hash`, over the four parts of a composite key (each followed by a separator), without building the key string. */
  hashKey(p1: string, p2: string, p3: string, p4: string): void {
    let a = 0x811c9dc5;
    let b = 0x9747b28c ^ (p1.length + p2.length + p3.length + p4.length);
    for (let k = 0; k < 4; k++) {
      const part = k === 0 ? p1 : k === 1 ? p2 : k === 2 ? p3 : p4;
      for (let i = 0; i <= part.length; i++) {
        const c = i < part.length ? part.charCodeAt(i) : 0x1f;
        a = Math.imul(a ^ c, 0x01000193);
        b = Math.imul(b ^ c, 0x5bd1e995);
        b ^= b >>> 15;
      }
    }
    this.lastH1 = a | 0;
    this.lastH2 = (b ^ (b >>> 13)) | 0;
  }

  /** The value stored under the given hashes, or -1. */
  find(h1: number, h2: number): number {
    const t = this.table;
    const mask = this.mask;
    for (let i = (h1 ^ (h2 >>> 7)) & mask; ; i = (i + 1) & mask) {
      const o = i << 2;
      const v = t[o + 2]!;
      if (v === -1) return -1;
      if (v !== -2 && t[o] === h1 && t[o + 1] === h2) return v;
    }
  }

  /** Stores `v` (>= 0) under the hashes; the caller made sure they are absent. */
  insert(h1: number, h2: number, v: number): void {
    if ((this.used + 1) * 2 > this.mask + 1) this.rehash(this.live * 2 + 2 > (this.mask + 1) / 2);
    const t = this.table;
    const mask = this.mask;
    let i = (h1 ^ (h2 >>> 7)) & mask;
    while (t[(i << 2) + 2]! >= 0) i = (i + 1) & mask;
    const o = i << 2;
    if (t[o + 2] === -1) this.used++;
    t[o] = h1;
    t[o + 1] = h2;
    t[o + 2] = v;
    this.live++;
  }

  /** Removes the entry under the hashes; returns false when absent. */
  remove(h1: number, h2: number): boolean {
    const t = this.table;
    const mask = this.mask;
    for (let i = (h1 ^ (h2 >>> 7)) & mask; ; i = (i + 1) & mask) {
      const o = i << 2;
      const v = t[o + 2]!;
      if (v === -1) return false;
      if (v !== -2 && t[o] === h1 && t[o + 1] === h2) {
        t[o + 2] = -2;
        this.live--;
        return true;
      }
    }
  }

  /** Rebuilds the table without tombstones, doubling it when `grow`. */
  private rehash(grow: boolean): void {
    const old = this.table;
    const n = grow ? (this.mask + 1) * 2 : this.mask + 1;
    this.table = EventIndex.emptyTable(n);
    this.mask = n - 1;
    this.used = 0;
    this.live = 0;
    for (let o = 0; o < old.length; o += 4)
      if (old[o + 2]! >= 0) this.insert(old[o]!, old[o + 1]!, old[o + 2]!);
  }
}
