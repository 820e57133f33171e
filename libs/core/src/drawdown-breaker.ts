import type { Signal } from "@breakwater/proto";
import { HaltMode, SignalKind } from "@breakwater/proto";
import { PriceWindow } from "./price-window.js";
import type { AssetObservation, PolicyRule } from "./rule.js";
import type { SignalDraft } from "./signal.js";

export interface DrawdownBreakerConfig {
  readonly id: string;
  /** Fall from the window's peak that trips the breaker, as a fraction (0.07 = 7%). */
  readonly threshold: number;
  readonly windowMs: number;
  readonly level: number;
  readonly haltDurationMs: number;
  readonly mode: HaltMode;
  /** The breaker fires at most once per asset within this period (Rule 80B: once a day). */
  readonly periodMs: number;
}

export const LEVEL_1_BREAKER: DrawdownBreakerConfig = {
  id: "circuit-breaker-l1",
  threshold: 0.07,
  windowMs: 5 * 60_000,
  level: 1,
  haltDurationMs: 15 * 60_000,
  mode: HaltMode.HALT_MODE_FULL,
  periodMs: 24 * 3_600_000,
};

/**
 * Circuit breaker on a price fall: when an asset's reference price falls at
 * least `threshold` below the highest price within `windowMs`, halt the asset
 * on every venue that trades it.
 */
export class DrawdownBreaker implements PolicyRule {
  private readonly windows = new Map<string, PriceWindow>();
  private readonly firedAt = new Map<string, number>();

  constructor(private readonly config: DrawdownBreakerConfig) {
    if (!(config.threshold > 0 && config.threshold < 1)) {
      throw new RangeError(`threshold must be in (0, 1), got ${config.threshold}`);
    }
  }

  get id(): string {
    return this.config.id;
  }

  evaluate(obs: AssetObservation, nowMs: number): SignalDraft[] {
    let window = this.windows.get(obs.asset);
    if (!window) {
      window = new PriceWindow(this.config.windowMs);
      this.windows.set(obs.asset, window);
    }
    window.add({ atMs: obs.priceTimeMs, price: obs.price });
    const fall = window.drawdown();
    if (fall < this.config.threshold) return [];
    const last = this.firedAt.get(obs.asset);
    if (last !== undefined && nowMs - last < this.config.periodMs) return [];
    this.firedAt.set(obs.asset, nowMs);
    const peak = window.peak()!;
    const pct = (fall * 100).toFixed(2);
    return [
      {
        signalId: `${this.config.id}:${obs.asset}:${obs.assessmentId}`,
        kind: SignalKind.SIGNAL_KIND_CIRCUIT_BREAKER,
        ruleId: this.config.id,
        scope: {
          assets: [obs.asset],
          markets: [...obs.markets],
          venues: [...obs.venues],
          chains: [...obs.chains],
        },
        reason: `${obs.asset} fell ${pct}% from ${peak.price} to ${obs.price} within ${this.config.windowMs / 1000}s`,
        evidence: [
          {
            name: "drawdown",
            value: fall,
            threshold: this.config.threshold,
            detail: `window ${this.config.windowMs}ms`,
          },
          { name: "peak_price", value: peak.price, threshold: 0, detail: `at ${peak.atMs}` },
          { name: "price", value: obs.price, threshold: 0, detail: `at ${obs.priceTimeMs}` },
        ],
        action: {
          $case: "circuitBreaker",
          value: { level: this.config.level, durationMs: this.config.haltDurationMs, mode: this.config.mode },
        },
        durationMs: this.config.haltDurationMs,
      },
    ];
  }

  restore(signal: Signal): void {
    if (signal.ruleId !== this.config.id) return;
    for (const asset of signal.scope?.assets ?? []) {
      const prev = this.firedAt.get(asset) ?? Number.NEGATIVE_INFINITY;
      this.firedAt.set(asset, Math.max(prev, signal.issuedAtMs));
    }
  }
}
