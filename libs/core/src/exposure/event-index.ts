/**
 * Id → integer, in one typed array: ids (event ids, composite position keys)
 * are remembered by a 96-bit hash (three independent 32-bit string hashes),
 * not as strings, so remembering a million ids costs 16 bytes per table
 * entry, at most 3/4 full (a probe mostly stays in one cache line) and no garbage-collected objects. Two
 * distinct ids sharing all three hashes (probability ≈ n²/2⁹⁷: about 6·10⁻¹⁸
 * with a million live ids) would be taken for the same id; ids sharing only
 * some of the hashes stay distinct.
 */
export class EventIndex {
  /**
   * One interleaved table, 4 int32 per entry (h1, h2, h3, value), so a probe
   * touches one cache line. value: -1 = empty, -2 = deleted, else the value.
   */
  private table: Int32Array;
  private mask: number;
  private used = 0;
  private live = 0;
  /** The hashes of the id last passed to `hash` or `hashKey`. */
  lastH1 = 0;
  lastH2 = 0;
  lastH3 = 0;

  constructor(capacity = 1024) {
    let n = 16;
    while (n * 3 < capacity * 4) n *= 2;
    this.table = EventIndex.emptyTable(n);
    this.mask = n - 1;
  }

  private static emptyTable(n: number): Int32Array {
    const t = new Int32Array(n * 4);
    for (let i = 3; i < t.length; i += 4) t[i] = -1;
    return t;
  }

  get size(): number {
    return this.live;
  }

  /** Computes the id's three hashes into lastH1/lastH2/lastH3 (FNV-1a and two multiplicative hashes). */
  hash(id: string): void {
    let a = 0x811c9dc5;
    let b = 0x9747b28c ^ id.length;
    let c = 0x2545f491 ^ (id.length << 8);
    for (let i = 0; i < id.length; i++) {
      const ch = id.charCodeAt(i);
      a = Math.imul(a ^ ch, 0x01000193);
      b = Math.imul(b ^ ch, 0x5bd1e995);
      b ^= b >>> 15;
      c = Math.imul(c + ch, 0x9e3779b1);
      c ^= c >>> 16;
    }
    this.finish(a, b, c);
  }

  /** Like `hash`, over the four parts of a composite key (each followed by a separator), without building the key string. */
  hashKey(p1: string, p2: string, p3: string, p4: string): void {
    const length = p1.length + p2.length + p3.length + p4.length;
    let a = 0x811c9dc5;
    let b = 0x9747b28c ^ length;
    let c = 0x2545f491 ^ (length << 8);
    for (let k = 0; k < 4; k++) {
      const part = k === 0 ? p1 : k === 1 ? p2 : k === 2 ? p3 : p4;
      for (let i = 0; i <= part.length; i++) {
        const ch = i < part.length ? part.charCodeAt(i) : 0x1f;
        a = Math.imul(a ^ ch, 0x01000193);
        b = Math.imul(b ^ ch, 0x5bd1e995);
        b ^= b >>> 15;
        c = Math.imul(c + ch, 0x9e3779b1);
        c ^= c >>> 16;
      }
    }
    this.finish(a, b, c);
  }

  private finish(a: number, b: number, c: number): void {
    this.lastH1 = a | 0;
    this.lastH2 = (b ^ (b >>> 13)) | 0;
    c = Math.imul(c ^ (c >>> 15), 0x85ebca6b);
    this.lastH3 = (c ^ (c >>> 13)) | 0;
  }

  /** The value stored under the given hashes, or -1. */
  find(h1: number, h2: number, h3: number): number {
    const t = this.table;
    const mask = this.mask;
    for (let i = (h1 ^ (h2 >>> 7)) & mask; ; i = (i + 1) & mask) {
      const o = i << 2;
      const v = t[o + 3]!;
      if (v === -1) return -1;
      if (v !== -2 && t[o] === h1 && t[o + 1] === h2 && t[o + 2] === h3) return v;
    }
  }

  /** Stores `v` (>= 0) under the hashes; the caller made sure they are absent. */
  insert(h1: number, h2: number, h3: number, v: number): void {
    // at most 3/4 full (tombstones included); a rebuild grows the table when live entries alone fill half of it
    if ((this.used + 1) * 4 > (this.mask + 1) * 3) this.rehash(this.live * 2 + 2 > this.mask + 1);
    const t = this.table;
    const mask = this.mask;
    let i = (h1 ^ (h2 >>> 7)) & mask;
    while (t[(i << 2) + 3]! >= 0) i = (i + 1) & mask;
    const o = i << 2;
    if (t[o + 3] === -1) this.used++;
    t[o] = h1;
    t[o + 1] = h2;
    t[o + 2] = h3;
    t[o + 3] = v;
    this.live++;
  }

  /** Removes the entry under the hashes; returns false when absent. */
  remove(h1: number, h2: number, h3: number): boolean {
    const t = this.table;
    const mask = this.mask;
    for (let i = (h1 ^ (h2 >>> 7)) & mask; ; i = (i + 1) & mask) {
      const o = i << 2;
      const v = t[o + 3]!;
      if (v === -1) return false;
      if (v !== -2 && t[o] === h1 && t[o + 1] === h2 && t[o + 2] === h3) {
        t[o + 3] = -2;
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
      if (old[o + 3]! >= 0) this.insert(old[o]!, old[o + 1]!, old[o + 2]!, old[o + 3]!);
  }
}
