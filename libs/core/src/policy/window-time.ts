/**
 * Where a price sits in the rules' windows: at its chain time, but never later
 * than the decision time (the coordinator's clock), so a future-dated price
 * cannot anchor a window ahead of it.
 */
export function windowTimeOf(priceTimeMs: number, decidedAtMs: number): number {
  return Math.min(priceTimeMs, decidedAtMs);
}
