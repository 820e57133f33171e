/**
 * Splits events into waves that can each be published at once without
 * reordering what must stay in order: the n-th event of every key goes into
 * wave n, so two events of one key (two states of one position) are never in
 * one wave, and a key's events keep their order across waves. Events with a
 * key of their own all land in the first wave.
 *
 * @example
 * orderedWaves(["a1", "b1", "a2"], (e) => e[0]!); // [["a1", "b1"], ["a2"]]
 */
export function orderedWaves<T>(events: readonly T[], keyOf: (event: T) => string): T[][] {
  const seen = new Map<string, number>();
  const waves: T[][] = [];
  for (const e of events) {
    const key = keyOf(e);
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    const wave = waves[n] ?? [];
    waves[n] = wave;
    wave.push(e);
  }
  return waves;
}
