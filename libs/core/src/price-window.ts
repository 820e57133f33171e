/** One price observation on a clock stated by the caller (chain time for oracle prices). */
export interface PricePoint {
  readonly atMs: number;
  readonly price: number;
}

/**
 * Prices of one asset over a sliding time window. Points older than
 * `latest - windowMs` fall out; the window's edges are inclusive: a point
 * exactly `windowMs` before the latest is still inside.
 */
export class PriceWindow {
  private points: PricePoint[] = [];

  constructor(readonly windowMs: number) {
    if (!(windowMs > 0)) throw new RangeError(`windowMs must be positive, got ${windowMs}`);
  }

  /** Adds a point; points that arrive out of order are placed by time. */
  add(point: PricePoint): void {
    const pts = this.points;
    let i = pts.length;
    while (i > 0 && pts[i - 1]!.atMs > point.atMs) i--;
    pts.splice(i, 0, point);
    const cutoff = pts.at(-1)!.atMs - this.windowMs;
    let drop = 0;
    while (drop < pts.length && pts[drop]!.atMs < cutoff) drop++;
    if (drop > 0) this.points = pts.slice(drop);
  }

  get size(): number {
    return this.points.length;
  }

  latest(): PricePoint | undefined {
    return this.points.at(-1);
  }

  /** The highest point in the window (the earliest one on ties). */
  peak(): PricePoint | undefined {
    let best: PricePoint | undefined;
    for (const p of this.points) if (!best || p.price > best.price) best = p;
    return best;
  }

  /** Fall from the window's peak to the latest price, as a fraction (0.08 = 8%). */
  drawdown(): number {
    const peak = this.peak();
    const last = this.latest();
    if (!peak || !last || peak.price <= 0) return 0;
    return Math.max(0, (peak.price - last.price) / peak.price);
  }

  /** Median of the points in the window (a reference price). */
  median(): number | undefined {
    if (this.points.length === 0) return undefined;
    const sorted = this.points.map((p) => p.price).sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  }
}
