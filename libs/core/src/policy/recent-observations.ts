import type { TimedObservation } from "./reconcile.js";
import { windowTimeOf } from "./window-time.js";

interface Ordered {
  readonly order: number;
  readonly timed: TimedObservation;
}

/** Where a rule places an observation in its windows (see windowTimeOf). */
export function windowTimeMs(t: TimedObservation): number {
  return windowTimeOf(t.observation.priceTimeMs, t.atMs);
}

/**
 * Keeps, per asset, what the rules need to rebuild after a leader change:
 * the observations within `windowMs` of that asset's latest window time, each
 * to be re-evaluated exactly as it was first, and before them one more window
 * of warm-up observations that only fill the rules' windows (an observation's
 * decision depends on the prices up to `windowMs` before it). Observations
 * come in log order; `observations()` returns them in that order.
 */
export class RecentObservations {
  private readonly byAsset = new Map<string, { latestMs: number; entries: Ordered[] }>();
  private count = 0;

  constructor(private readonly windowMs: number) {}

  add(timed: TimedObservation): void {
    const at = windowTimeMs(timed);
    let asset = this.byAsset.get(timed.observation.asset);
    if (!asset) {
      asset = { latestMs: at, entries: [] };
      this.byAsset.set(timed.observation.asset, asset);
    }
    asset.entries.push({ order: this.count++, timed });
    asset.latestMs = Math.max(asset.latestMs, at);
    const cutoff = asset.latestMs - 2 * this.windowMs;
    // Entries arrive mostly in time order: drop from the front; a late straggler
    // left inside is harmless (the rule's window drops it again).
    let drop = 0;
    while (drop < asset.entries.length && windowTimeMs(asset.entries[drop]!.timed) < cutoff) drop++;
    if (drop > 0) asset.entries.splice(0, drop);
  }

  observations(): TimedObservation[] {
    return [...this.byAsset.values()]
      .flatMap((a) =>
        a.entries.map((e) =>
          windowTimeMs(e.timed) < a.latestMs - this.windowMs
            ? { ...e, timed: { ...e.timed, warmup: true } }
            : e,
        ),
      )
      .sort((a, b) => a.order - b.order)
      .map((e) => e.timed);
  }
}
