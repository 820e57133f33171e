import type { Signal } from "@breakwater/proto";
import { PriceSeries } from "./price-series.js";
import { evidence, haltDraft, NOTHING, pct, periodEnd, periodIndex, SpecRule } from "./rule-support.js";
import type { CircuitBreakerParams, PolicyObservation, RuleOutcome } from "./types.js";

/**
 * Circuit breaker levels on a price move within a window (Rule 80B's 7/13/20%
 * levels, CME- or Coinbase-style crypto settings). The highest level crossed
 * that has not fired this period fires; each level fires at most once per
 * asset per period (a daily reset by default). `haltMs: 0` halts for the rest
 * of the period. Signal ids are `<rule>-l<level>:<asset>:p<period>`, so a
 * redelivered or re-evaluated observation can never fire a level twice.
 */
export class CircuitBreakerRule extends SpecRule<"circuit-breaker", CircuitBreakerParams> {
  private readonly windows = new Map<string, PriceSeries>();
  /** `asset/level` → the latest period index in which it fired. */
  private readonly fired = new Map<string, number>();

  evaluate(obs: PolicyObservation, nowMs: number): RuleOutcome {
    const p = this.paramsOf(obs);
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
      .find((l) => move >= l.threshold && !this.firedIn(obs.asset, l.level, period));
    if (!crossed) return NOTHING;
    // Lower levels crossed at once count as fired too: a jump to level 2 does not fire level 1 afterwards.
    for (const l of p.levels)
      if (l.threshold <= crossed.threshold) this.markFired(obs.asset, l.level, period);
    const endOfPeriod = periodEnd(nowMs, p.periodMs, p.resetOffsetMs);
    const durationMs = crossed.haltMs > 0 ? crossed.haltMs : endOfPeriod - nowMs;
    const ruleId = `${this.spec.id}-l${crossed.level}`;
    const from = fall >= rise ? peak : trough!;
    return {
      drafts: [
        {
          ...haltDraft({
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
          // A level decided but not in the log is owed while its period or its halt lasts:
          // a crash decided just before a reset still halts after it.
          validUntilMs: Math.max(endOfPeriod, nowMs + durationMs),
        },
      ],
      demands: [],
    };
  }

  restore(signal: Signal): void {
    const match = /^(.*)-l(\d+)$/.exec(signal.ruleId);
    if (!match || match[1] !== this.spec.id) return;
    const period = /:p(-?\d+)$/.exec(signal.signalId);
    if (!period) return;
    const level = Number(match[2]);
    for (const asset of signal.scope?.assets ?? []) {
      // the levels below the one logged fired with it
      for (const l of this.spec.params.levels)
        if (l.level <= level) this.markFired(asset, l.level, Number(period[1]));
      this.markFired(asset, level, Number(period[1]));
    }
  }

  /**
   * True when the level fired in `period` or a later one. Periods only move
   * forward: an observation replayed from an earlier period (a rebuild that
   * restored later signals first) never makes a level fire again.
   */
  private firedIn(asset: string, level: number, period: number): boolean {
    return (this.fired.get(`${asset}/${level}`) ?? Number.NEGATIVE_INFINITY) >= period;
  }

  private markFired(asset: string, level: number, period: number): void {
    const key = `${asset}/${level}`;
    this.fired.set(key, Math.max(this.fired.get(key) ?? Number.NEGATIVE_INFINITY, period));
  }
}
