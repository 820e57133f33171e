import type { PricePoint } from "./types.js";

/** Prices of one asset over a sliding window of `windowMs` (edges inclusive), on the caller's clock. */
export class PriceSeries {
  private points: PricePoint[] = [];

  constructor(readonly windowMs: number) {}

  add(point: PricePoint): void {
    let i = this.points.length;
    while (i > 0 && this.points[i - 1]!.atMs > point.atMs) i--;
    this.points.splice(i, 0, point);
    const cutoff = this.points.at(-1)!.atMs - this.windowMs;
    let drop = 0;
    while (drop < this.points.length && this.points[drop]!.atMs < cutoff) drop++;
    if (drop > 0) this.points = this.points.slice(drop);
  }

  get size(): number {
    return this.points.length;
  }

  /** The most recent point (chain time). */
  latest(): PricePoint | undefined {
    return this.points.at(-1);
  }

  /** The highest point (earliest on ties). */
  high(): PricePoint | undefined {
    let best: PricePoint | undefined;
    for (const p of this.points) if (!best || p.price > best.price) best = p;
    return best;
  }

  /** The lowest point (earliest on ties). */
  low(): PricePoint | undefined {
    let best: PricePoint | undefined;
    for (const p of this.points) if (!best || p.price < best.price) best = p;
    return best;
  }

  mean(): number | undefined {
    if (this.points.length === 0) return undefined;
    return this.points.reduce((s, p) => s + p.price, 0) / this.points.length;
  }
}
