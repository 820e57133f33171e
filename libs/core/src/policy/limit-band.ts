import type { Signal } from "@breakwater/proto";
import { TradingCalendar } from "../calendar/calendar.js";
import { type Band, bandOf, insideBand, scaleFactorOf } from "./bands.js";
import { type ReferenceTracker, referenceTracker } from "./references.js";
import { evidence, haltDraft, NOTHING, SpecRule } from "./rule-support.js";
import type { LimitBandParams, PolicyObservation, RuleOutcome, RuleSpecBase } from "./types.js";

interface AssetState {
  readonly reference: ReferenceTracker;
  /** The latest observation (what a timer's signal is scoped by). */
  last: PolicyObservation;
  /** Coordinator time the limit state began, and the band it began at. */
  limit: { readonly sinceMs: number; readonly band: Band; readonly price: number } | undefined;
  /** Coordinator time until which the asset is paused. */
  pausedUntilMs: number;
  /** After a pause: the next price restarts the reference. */
  reopen: boolean;
}

/**
 * Limit Up-Limit Down: a band around a reference (a window mean that moves
 * only past a threshold: LULD's 5-minute mean, republished on a 1% move), its
 * half-width by tiers of the reference price, scaled in local time windows
 * (doubled at the open and the close), rounded to the tick. A price at or
 * beyond a band begins a limit state; a price back inside ends it; `holdMs`
 * in it pauses the asset for `pauseMs`, and the reference restarts from the
 * first price after the pause.
 *
 * Clocks: the reference is read on the prices' time; the limit state and the
 * pause on the coordinator's clock. The limit state's end is a timer: the
 * decision writer's periodic `tick` judges it, so with no further price the
 * pause still comes `holdMs` after the limit state began (within one tick).
 * Signal ids are `<rule>:<asset>:limit-<since>`: one pause per limit state.
 */
export class LimitBandRule extends SpecRule<"limit-band", LimitBandParams> {
  private readonly states = new Map<string, AssetState>();
  private readonly calendar: TradingCalendar;

  constructor(spec: RuleSpecBase<"limit-band", LimitBandParams>) {
    super(spec);
    this.calendar = new TradingCalendar(spec.params.calendar);
  }

  evaluate(obs: PolicyObservation, nowMs: number): RuleOutcome {
    const p = this.paramsOf(obs);
    if (!p || obs.price === undefined || obs.unpriceable) return NOTHING;
    const state = this.state(obs);
    state.last = obs;
    const point = { atMs: obs.priceTimeMs, price: obs.price };
    if (nowMs < state.pausedUntilMs) return NOTHING;
    // A pause that has ended: the reference restarts from this (reopening) price.
    if (state.reopen) {
      state.reopen = false;
      state.reference.reset();
      state.reference.observe(point);
      return NOTHING;
    }
    const timedOut = this.expire(state, nowMs, p);
    if (timedOut) return timedOut;
    const reference = state.limit ? undefined : state.reference.observe(point);
    const band = state.limit?.band ?? (reference ? this.bandAt(p, reference.price, nowMs) : undefined);
    if (!band) return NOTHING;
    if (insideBand(band, obs.price)) {
      if (state.limit) {
        // Back inside: the limit state ends and this price counts for the reference again.
        state.limit = undefined;
        state.reference.observe(point);
      }
      return NOTHING;
    }
    if (!state.limit) state.limit = { sinceMs: nowMs, band, price: obs.price };
    return this.expire(state, nowMs, p) ?? NOTHING;
  }

  tick(nowMs: number): RuleOutcome {
    const drafts: RuleOutcome["drafts"] = [];
    for (const state of this.states.values()) {
      const p = this.paramsOf(state.last);
      if (!p) continue;
      const outcome = this.expire(state, nowMs, p);
      if (outcome) drafts.push(...outcome.drafts);
    }
    return drafts.length > 0 ? { drafts, demands: [] } : NOTHING;
  }

  restore(signal: Signal): void {
    if (signal.ruleId !== this.spec.id || signal.action?.$case !== "circuitBreaker") return;
    for (const asset of signal.scope?.assets ?? []) {
      const state = this.states.get(asset);
      if (!state) continue;
      state.pausedUntilMs = Math.max(state.pausedUntilMs, signal.expiresAtMs);
      state.limit = undefined;
      state.reopen = true;
    }
  }

  /** The pause, when the limit state has lasted `holdMs` by `nowMs`. */
  private expire(state: AssetState, nowMs: number, p: LimitBandParams): RuleOutcome | undefined {
    const limit = state.limit;
    if (!limit || nowMs - limit.sinceMs < p.holdMs) return undefined;
    state.limit = undefined;
    state.pausedUntilMs = nowMs + p.pauseMs;
    state.reopen = true;
    const obs = state.last;
    const side = limit.price >= limit.band.upper ? "upper" : "lower";
    const draft = haltDraft({
      signalId: `${this.spec.id}:${obs.asset}:limit-${limit.sinceMs}`,
      ruleId: this.spec.id,
      obs,
      level: 0,
      durationMs: p.pauseMs,
      mode: p.mode,
      reason:
        `${obs.asset} stayed at or beyond its ${side} band ${limit.band[side]} ` +
        `(reference ${limit.band.reference}) for ${(nowMs - limit.sinceMs) / 1000}s: trading pause`,
      evidence: [
        evidence("limit_state_ms", nowMs - limit.sinceMs, p.holdMs, `since ${limit.sinceMs}`),
        evidence("band_lower", limit.band.lower, 0, `tier ${limit.band.tier}, factor ${limit.band.factor}`),
        evidence("band_upper", limit.band.upper),
        evidence("reference_price", limit.band.reference),
        evidence("price", limit.price),
      ],
    });
    return { drafts: [draft], demands: [] };
  }

  private bandAt(p: LimitBandParams, reference: number, nowMs: number): Band {
    const factor = scaleFactorOf(p.bands.scale, reference, (w) => this.calendar.inWindow(nowMs, w));
    return bandOf(p.bands, reference, factor);
  }

  private state(obs: PolicyObservation): AssetState {
    let state = this.states.get(obs.asset);
    if (!state) {
      const { windowMs, moveThreshold, minSamples } = this.spec.params.reference;
      state = {
        reference: referenceTracker({ kind: "window", stat: "mean", windowMs, minSamples, moveThreshold }),
        last: obs,
        limit: undefined,
        pausedUntilMs: 0,
        reopen: false,
      };
      this.states.set(obs.asset, state);
    }
    return state;
  }
}
