/**
 * Small deterministic randomness for the simulator: a string hash to derive
 * seeds and a fast 32-bit generator. Same inputs, same numbers, on any machine.
 */

/** FNV-1a over a string, then avalanched: a 32-bit seed from any key. */
export function hash32(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h);
}

/** Mixes 32-bit integers into one well-spread 32-bit value (murmur3 finalizer). */
export function mix32(...values: number[]): number {
  let h = 0x9e3779b9;
  for (const v of values) {
    h ^= v >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** A uniform number in [0, 1) from a 32-bit value. */
export function unit(h: number): number {
  return (h >>> 0) / 4_294_967_296;
}

/** Mulberry32: a seeded stream of uniforms in [0, 1). */
export function randomStream(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
