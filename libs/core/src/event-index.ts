/**
 * Event id → integer, in typed arrays: ids are remembered by a 64-bit hash
 * (two independent 32-bit string hashes), not as strings, so remembering a
 * million events costs 12 bytes each and no garbage-collected objects. Two
 * distinct ids sharing both hashes (probability ≈ n²/2⁶⁵: 3·10⁻⁸ with a
 * million live ids) would be taken for the same event.
 */
export class EventIndex {
  private h1: Int32Array;
  private h2: Int32Array;
  /** -1 = empty, -2 = deleted, else the value. */
  private value: Int32Array;
  private used = 0;
  private live = 0;
  /** The hashes of the id last passed to `hash`. */
  lastH1 = 0;
  lastH2 = 0;

  constructor(capacity = 1024) {
    let n = 16;
    while (n < capacity * 2) n *= 2;
    this.h1 = new Int32Array(n);
    this.h2 = new Int32Array(n);
    this.value = new Int32Array(n).fill(-1);
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

  /** The value stored under the given hashes, or -1. */
  find(h1: number, h2: number): number {
    const mask = this.value.length - 1;
    for (let i = (h1 ^ (h2 >>> 7)) & mask; ; i = (i + 1) & mask) {
      const v = this.value[i]!;
      if (v === -1) return -1;
      if (v !== -2 && this.h1[i] === h1 && this.h2[i] === h2) return v;
    }
  }

  /** Stores `v` (>= 0) under the hashes; the caller made sure they are absent. */
  insert(h1: number, h2: number, v: number): void {
    if ((this.used + 1) * 2 > this.value.length) this.rehash(this.live * 2 + 2 > this.value.length / 2);
    const mask = this.value.length - 1;
    let i = (h1 ^ (h2 >>> 7)) & mask;
    while (this.value[i]! >= 0) i = (i + 1) & mask;
    if (this.value[i] === -1) this.used++;
    this.h1[i] = h1;
    this.h2[i] = h2;
    this.value[i] = v;
    this.live++;
  }

  /** Removes the entry under the hashes; returns false when absent. */
  remove(h1: number, h2: number): boolean {
    const mask = this.value.length - 1;
    for (let i = (h1 ^ (h2 >>> 7)) & mask; ; i = (i + 1) & mask) {
      const v = this.value[i]!;
      if (v === -1) return false;
      if (v !== -2 && this.h1[i] === h1 && this.h2[i] === h2) {
        this.value[i] = -2;
        this.live--;
        return true;
      }
    }
  }

  /** Rebuilds the table without tombstones, doubling it when `grow`. */
  private rehash(grow: boolean): void {
    const oldH1 = this.h1;
    const oldH2 = this.h2;
    const oldV = this.value;
    const n = grow ? oldV.length * 2 : oldV.length;
    this.h1 = new Int32Array(n);
    this.h2 = new Int32Array(n);
    this.value = new Int32Array(n).fill(-1);
    this.used = 0;
    this.live = 0;
    for (let i = 0; i < oldV.length; i++) if (oldV[i]! >= 0) this.insert(oldH1[i]!, oldH2[i]!, oldV[i]!);
  }
}
