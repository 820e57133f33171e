import type { Signal } from "@breakwater/proto";
import { PriceSeries } from "./price-series.js";
import { evidence, haltDraft, NOTHING, pct, SpecRule } from "./rule-support.js";
import type { PolicyObservation, PriceBandParams, RuleOutcome } from "./types.js";

interface BandState {
  readonly series: PriceSeries;
  /** Chain time the price left the band (the limit state began), if it is outside now. */
  limitSinceMs: number | undefined;
  /** Reference frozen when the limit state began. */
  limitReference: number;
  /** Coordinator time until which the asset is paused (no new limit state counts). */
  pausedUntilMs: number;
}

/**
 * LULD-style price bands: a band of ±`band` around the mean price over
 * `referenceWindowMs`. A price outside it puts the asset in a limit state;
 * staying outside for `holdMs` (chain time) pauses it for `pauseMs`. Coming
 * back inside ends the limit state. Hold times are on chain time, pauses on
 * the coordinator's clock.
 */
export class PriceBandRule extends SpecRule<"price-band", PriceBandParams> {
  private readonly states = new Map<string, BandState>();

  evaluate(obs: PolicyObservation, nowMs: number): RuleOutcome {
    const p = this.paramsOf(obs);
    if (!p || obs.price === undefined || obs.unpriceable) return NOTHING;
    const state = this.state(obs.asset, p.referenceWindowMs);
    const reference = state.limitSinceMs === undefined ? state.series.mean() : state.limitReference;
    const samples = state.series.size;
    if (reference === undefined || samples < p.minSamples || nowMs < state.pausedUntilMs) {
      state.series.add({ atMs: obs.priceTimeMs, price: obs.price });
      return NOTHING;
    }
    const deviation = Math.abs(obs.price - reference) / reference;
    if (deviation <= p.band) {
      state.limitSinceMs = undefined;
      state.series.add({ atMs: obs.priceTimeMs, price: obs.price });
      return NOTHING;
    }
    // Outside the band: prices in the limit state do not move the reference.
    if (state.limitSinceMs === undefined) {
      state.limitSinceMs = obs.priceTimeMs;
      state.limitReference = reference;
      return NOTHING;
    }
    const heldMs = obs.priceTimeMs - state.limitSinceMs;
    if (heldMs < p.holdMs) return NOTHING;
    const since = state.limitSinceMs;
    state.limitSinceMs = undefined;
    state.pausedUntilMs = nowMs + p.pauseMs;
    return {
      drafts: [
        haltDraft({
          signalId: `${this.spec.id}:${obs.asset}:limit-${since}`,
          ruleId: this.spec.id,
          obs,
          level: 0,
          durationMs: p.pauseMs,
          mode: p.mode,
          reason: `${obs.asset} stayed ${pct(deviation)} away from its reference ${reference.toPrecision(6)} (band ${pct(p.band)}) for ${heldMs / 1000}s`,
          evidence: [
            evidence("band_deviation", deviation, p.band, `reference over ${p.referenceWindowMs}ms`),
            evidence("limit_state_ms", heldMs, p.holdMs, `since ${since}`),
            evidence("reference_price", reference),
            evidence("price", obs.price, 0, `at ${obs.priceTimeMs}`),
          ],
        }),
      ],
      demands: [],
    };
  }

  restore(signal: Signal): void {
    if (signal.ruleId !== this.spec.id || signal.action?.$case !== "circuitBreaker") return;
    for (const asset of signal.scope?.assets ?? []) {
      const state = this.state(asset, this.spec.params.referenceWindowMs);
      state.pausedUntilMs = Math.max(state.pausedUntilMs, signal.expiresAtMs);
    }
  }

  private state(asset: string, windowMs: number): BandState {
    let state = this.states.get(asset);
    if (!state || state.series.windowMs !== windowMs) {
      state = {
        series: new PriceSeries(windowMs),
        limitSinceMs: undefined,
        limitReference: 0,
        pausedUntilMs: 0,
      };
      this.states.set(asset, state);
    }
    return state;
  }
}
