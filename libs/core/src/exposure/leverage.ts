/**
 * Leverage buckets of the exposure book's histogram. A position's leverage is
 * the one its liquidation distance implies at entry, `entry / |entry − liq|`
 * (isolated margin, maintenance buffer ignored): it depends on the position
 * alone, not on prices, so the histogram stays exact under incremental
 * updates. Positions without an entry or a liquidation price fall in the last
 * bucket, "unknown".
 */
export const LEVERAGE_BUCKETS: readonly { readonly from: number | null; readonly to: number | null }[] = [
  { from: 0, to: 1 },
  { from: 1, to: 2 },
  { from: 2, to: 3 },
  { from: 3, to: 5 },
  { from: 5, to: 10 },
  { from: 10, to: 20 },
  { from: 20, to: 50 },
  { from: 50, to: 100 },
  { from: 100, to: null },
  { from: null, to: null },
];

const UNKNOWN = LEVERAGE_BUCKETS.length - 1;

/** The leverage `entry / |entry − liq|`, or NaN when either price is missing. */
export function impliedLeverage(entryPrice: number, liquidationPrice: number): number {
  if (!(entryPrice > 0) || !(liquidationPrice > 0) || entryPrice === liquidationPrice) return Number.NaN;
  return entryPrice / Math.abs(entryPrice - liquidationPrice);
}

/** Index into LEVERAGE_BUCKETS. */
export function leverageBucketOf(entryPrice: number, liquidationPrice: number): number {
  const lev = impliedLeverage(entryPrice, liquidationPrice);
  if (Number.isNaN(lev)) return UNKNOWN;
  for (let i = 0; i < UNKNOWN; i++) {
    const to = LEVERAGE_BUCKETS[i]!.to;
    if (to === null || lev < to) return i;
  }
  return UNKNOWN - 1;
}
