import type { Signal } from "@breakwater/proto";
import { type Band, bandOf, insideBand } from "./bands.js";
import { type ReferenceTracker, referenceTracker } from "./references.js";
import { evidence, haltDraft, NOTHING, pct, SpecRule } from "./rule-support.js";
import type { DynamicBreakerParams, PolicyObservation, RuleOutcome } from "./types.js";

interface AssetState {
  readonly reference: ReferenceTracker;
  /** Coordinator time until which the asset is paused. */
  pausedUntilMs: number;
}

/**
 * Dynamic circuit breakers (CME's on futures, Coinbase Derivatives'): a band
 * around a rolling reference (a window's mean, high or low over, say, 60
 * minutes); a price at or beyond it (`direction`: the lower band, the upper
 * or both) pauses the asset for `pauseMs`, and the
 * reference starts again from the price at the pause (CME) or the band's
 * limit (Coinbase: the limit becomes the new reference). So a second,
 * separate move pauses again, while prices that stay where the first move
 * took them do not (a band around the new reference holds them).
 *
 * Clocks: the reference on the prices' time; the pause on the coordinator's
 * clock. Signal ids are `<rule>:<asset>:pause-<decision time>`.
 */
export class DynamicBreakerRule extends SpecRule<"dynamic-breaker", DynamicBreakerParams> {
  private readonly states = new Map<string, AssetState>();

  evaluate(obs: PolicyObservation, nowMs: number): RuleOutcome {
    const p = this.paramsOf(obs);
    if (!p || obs.price === undefined || obs.unpriceable) return NOTHING;
    const state = this.state(obs.asset, p);
    const point = { atMs: obs.priceTimeMs, price: obs.price };
    if (nowMs < state.pausedUntilMs) return NOTHING;
    const reference = state.reference.observe(point);
    if (!reference) return NOTHING;
    const band = bandOf(p.bands, reference.price);
    if (insideBand(band, obs.price)) return NOTHING;
    const up = obs.price >= band.upper;
    if (p.direction !== "both" && p.direction !== (up ? "up" : "down")) return NOTHING;
    const limit = up ? band.upper : band.lower;
    const restart = p.resetTo === "limit" ? limit : obs.price;
    state.reference.reset({ atMs: obs.priceTimeMs, price: restart });
    state.pausedUntilMs = nowMs + p.pauseMs;
    const move = (obs.price - reference.price) / reference.price;
    return {
      drafts: [
        haltDraft({
          signalId: `${this.spec.id}:${obs.asset}:pause-${nowMs}`,
          ruleId: this.spec.id,
          obs,
          level: 0,
          durationMs: p.pauseMs,
          mode: p.mode,
          reason:
            `${obs.asset} moved ${pct(move)} from its reference ${reference.price} to ${obs.price}, ` +
            `beyond the band ${band.lower}–${band.upper}: paused; the new reference is ${restart}`,
          evidence: bandEvidence(band, reference.price, obs.price, restart, reference.source),
        }),
      ],
      demands: [],
    };
  }

  restore(signal: Signal): void {
    if (signal.ruleId !== this.spec.id || signal.action?.$case !== "circuitBreaker") return;
    const restart = signal.evidence.find((e) => e.name === "new_reference");
    for (const asset of signal.scope?.assets ?? []) {
      const state = this.state(asset, this.spec.params);
      if (signal.expiresAtMs <= state.pausedUntilMs) continue;
      state.pausedUntilMs = signal.expiresAtMs;
      if (restart) state.reference.reset({ atMs: signal.issuedAtMs, price: restart.value });
    }
  }

  private state(asset: string, p: DynamicBreakerParams): AssetState {
    let state = this.states.get(asset);
    if (!state) {
      const { stat, windowMs, minSamples } = p.reference;
      state = {
        reference: referenceTracker({ kind: "window", stat, windowMs, minSamples, moveThreshold: 0 }),
        pausedUntilMs: 0,
      };
      this.states.set(asset, state);
    }
    return state;
  }
}

function bandEvidence(band: Band, reference: number, price: number, restart: number, source: string) {
  return [
    evidence("move", Math.abs(price - reference) / reference, band.width / reference, source),
    evidence("reference_price", reference),
    evidence("band_lower", band.lower),
    evidence("band_upper", band.upper),
    evidence("price", price),
    evidence("new_reference", restart),
  ];
}
