import { hash32, unit } from "./random.js";
import type { Scenario } from "./scenario.js";

/**
 * Slow, bounded wiggles on top of the scripted shocks: three sine waves per
 * asset with seed-derived phases, anchored so the price at genesis is the
 * scenario's starting price. The wiggle stays within ±0.8%, so without a shock
 * no drawdown comes near a circuit breaker's threshold.
 */
const WAVES = [
  { periodMs: 47_000, amplitude: 0.00075 },
  { periodMs: 131_000, amplitude: 0.00125 },
  { periodMs: 397_000, amplitude: 0.002 },
] as const;

/**
 * The market price of every asset as a pure function of the scenario and the
 * time since genesis. All chains read the same path, so a scripted crash shows
 * up on every chain's oracle at the same moment.
 */
export class MarketPricePath {
  private readonly phases = new Map<string, number[]>();

  constructor(private readonly scenario: Scenario) {
    for (const asset of Object.keys(scenario.assets)) {
      this.phases.set(
        asset,
        WAVES.map((_, k) => 2 * Math.PI * unit(hash32(`bw-sim-wave:${scenario.seed}:${asset}:${k}`))),
      );
    }
  }

  /** Market price of `asset` at `tMs` after genesis. */
  price(asset: string, tMs: number): number {
    const start = this.scenario.assets[asset];
    if (start === undefined) throw new RangeError(`unknown asset ${asset}`);
    return start * this.drift(asset, tMs) * this.shockFactor(asset, tMs);
  }

  /** The scripted shocks' effect at `tMs`: 1 before any shock, 1 + move once a shock has run its course. */
  shockFactor(asset: string, tMs: number): number {
    const period = this.scenario.repeatEveryMs;
    const t = period > 0 ? tMs % period : tMs;
    let factor = 1;
    for (const shock of this.scenario.shocks) {
      if (shock.asset !== asset || t <= shock.atMs) continue;
      const progress = shock.overMs === 0 ? 1 : Math.min(1, (t - shock.atMs) / shock.overMs);
      factor *= 1 + shock.move * progress;
    }
    return factor;
  }

  /** The unscripted wiggle: exactly 1 at genesis. */
  private drift(asset: string, tMs: number): number {
    const phases = this.phases.get(asset)!;
    let d = 1;
    WAVES.forEach((wave, k) => {
      const phase = phases[k]!;
      d += wave.amplitude * (Math.sin((2 * Math.PI * tMs) / wave.periodMs + phase) - Math.sin(phase));
    });
    return d;
  }
}
