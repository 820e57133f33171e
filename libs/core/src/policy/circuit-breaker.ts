import type { Signal } from "@breakwater/proto";
import { PriceSeries } from "./price-series.js";
import {
  type EngineRule,
  evidence,
  haltDraft,
  NOTHING,
  paramsFor,
  pct,
  periodEnd,
  periodIndex,
} from "./rule-support.js";
import type { CircuitBreakerParams, PolicyObservation, RuleOutcome, RuleSpecBase } from "./types.js";

/**
 * Circuit breaker levels on a price move within a window (Rule 80B's 7/13/20%
 * levels, CME- or Coinbase-style crypto settings). The highest level crossed
 * that has not fired this period fires; each level fires at most once per
 * asset per period (a daily reset by default). `haltMs: 0` halts for the rest
 * of the period. Signal ids are `<rule>-l<level>:<asset>:p<period>`, so a
 * redelivered or re-evaluated observation can never fire a level twice.
 */
export class CircuitBreakerRule implements EngineRule {
  private readonly windows = new Map<string, PriceSeries>();
  /** `asset/level` → period index in which it fired. */
  private readonly fired = new Map<string, number>();

  constructor(private readonly spec: RuleSpecBase<"circuit-breaker", CircuitBreakerParams>) {}

  get id(): string {
    return this.spec.id;
  }
  get mode() {
    return this.spec.mode;
  }

  evaluate(obs: PolicyObservation, nowMs: number): RuleOutcome {
    const p = paramsFor(this.spec.params, this.spec.overrides, obs);
    if (!p || obs.price === undefined || obs.unpriceable) return NOTHING;
    let window = this.windows.get(obs.asset);
    if (!window || window.windowMs !== p.windowMs) {
      window = new PriceSeries(p.windowMs);
      this.windows.set(obs.asset, window);
    }
    window.add({ atMs: obs.priceTimeMs, price: obs.price });
    // The move is judged on the latest price by chain time, so late or redelivered
    // observations (e.g. after a failover) cannot hide a fall.
    const peak = window.high()!;
    const latest = window.latest()!;
    const fall = peak.price > 0 ? Math.max(0, (peak.price - latest.price) / peak.price) : 0;
    const trough = p.direction === "both" ? window.low() : undefined;
    const rise = trough && trough.price > 0 ? (latest.price - trough.price) / trough.price : 0;
    const move = Math.max(fall, rise);
    const period = periodIndex(nowMs, p.periodMs, p.resetOffsetMs);
    const crossed = [...p.levels]
      .sort((a, b) => b.threshold - a.threshold)
      .find((l) => move >= l.threshold && this.fired.get(`${obs.asset}/${l.level}`) !== period);
    if (!crossed) return NOTHING;
    // Lower levels crossed at once count as fired too: a jump to level 2 does not fire level 1 afterwards.
    for (const l of p.levels)
      if (l.threshold <= crossed.threshold) this.fired.set(`${obs.asset}/${l.level}`, period);
    const durationMs =
      crossed.haltMs > 0 ? crossed.haltMs : periodEnd(nowMs, p.periodMs, p.resetOffsetMs) - nowMs;
    const ruleId = `${this.spec.id}-l${crossed.level}`;
    const from = fall >= rise ? peak : trough!;
    return {
      drafts: [
        haltDraft({
          signalId: `${ruleId}:${obs.asset}:p${period}`,
          ruleId,
          obs,
          level: crossed.level,
          durationMs,
          mode: crossed.mode,
          reason: `${obs.asset} ${fall >= rise ? "fell" : "rose"} ${pct(move)} from ${from.price} to ${latest.price} within ${p.windowMs / 1000}s (level ${crossed.level})`,
          evidence: [
            evidence(fall >= rise ? "drawdown" : "rise", move, crossed.threshold, `window ${p.windowMs}ms`),
            evidence("reference_price", from.price, 0, `at ${from.atMs}`),
            evidence("price", latest.price, 0, `at ${latest.atMs}`),
            evidence("period", period, 0, `period ${p.periodMs}ms, reset offset ${p.resetOffsetMs}ms`),
          ],
        }),
      ],
      demands: [],
    };
  }

  restore(signal: Signal): void {
    const match = /^(.*)-l(\d+)$/.exec(signal.ruleId);
    if (!match || match[1] !== this.spec.id) return;
    const period = /:p(-?\d+)$/.exec(signal.signalId);
    if (!period) return;
    for (const asset of signal.scope?.assets ?? []) {
      const key = `${asset}/${match[2]}`;
      this.fired.set(key, Math.max(this.fired.get(key) ?? Number.NEGATIVE_INFINITY, Number(period[1])));
      // the levels below the one logged fired with it
      for (const l of this.spec.params.levels) {
        if (l.level < Number(match[2])) this.fired.set(`${asset}/${l.level}`, Number(period[1]));
      }
    }
  }
}
