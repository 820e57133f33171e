import { type Evidence, HaltMode, type Scope, type Signal, SignalKind } from "@breakwater/proto";
import type { SignalDraft } from "../signal.js";
import type { Override, PolicyObservation, RuleMode, RuleOutcome, RuleSpecBase } from "./types.js";

/** A rule of the policy engine: pure, fed observations in order, rebuilt from the log. */
export interface EngineRule {
  readonly id: string;
  readonly mode: RuleMode;
  evaluate(obs: PolicyObservation, nowMs: number): RuleOutcome;
  /** Timers: what the rule decides at `nowMs` with no new observation (a limit state that ran out). */
  tick?(nowMs: number): RuleOutcome;
  /** Rebuilds what the rule already decided from a logged signal (idempotent). */
  restore(signal: Signal): void;
}

export const NOTHING: RuleOutcome = { drafts: [], demands: [] };

/**
 * A rule built from its spec in the policy document: the id, the mode and the
 * parameters an observation gets (overrides applied) all come from the spec,
 * the same way for every kind of rule.
 */
export abstract class SpecRule<K extends string, P> implements EngineRule {
  constructor(protected readonly spec: RuleSpecBase<K, P>) {}

  get id(): string {
    return this.spec.id;
  }
  get mode(): RuleMode {
    return this.spec.mode;
  }

  /** The parameters for `obs` (see paramsFor); undefined when an override disables the rule for it. */
  protected paramsOf(obs: PolicyObservation): P | undefined {
    return paramsFor(this.spec.params, this.spec.overrides, obs);
  }

  abstract evaluate(obs: PolicyObservation, nowMs: number): RuleOutcome;
  abstract restore(signal: Signal): void;
}

/**
 * The parameters for an observation: the rule's, then every override whose
 * assets or markets match, in order. Undefined when an override disables the rule.
 */
export function paramsFor<P>(
  base: P,
  overrides: readonly Override<P>[],
  obs: PolicyObservation,
): P | undefined {
  let params = base;
  let enabled = true;
  for (const o of overrides) {
    const matches =
      (o.assets?.includes(obs.asset) ?? false) || (o.markets?.some((m) => obs.markets.includes(m)) ?? false);
    if (!matches) continue;
    params = { ...params, ...o.params };
    if (o.enabled !== undefined) enabled = o.enabled;
  }
  return enabled ? params : undefined;
}

/** Index of the period containing `nowMs`, periods starting `offsetMs` after the epoch's multiples of `periodMs`. */
export function periodIndex(nowMs: number, periodMs: number, offsetMs: number): number {
  return Math.floor((nowMs - offsetMs) / periodMs);
}

/** End of the period containing `nowMs`. */
export function periodEnd(nowMs: number, periodMs: number, offsetMs: number): number {
  return (periodIndex(nowMs, periodMs, offsetMs) + 1) * periodMs + offsetMs;
}

export function scopeOf(obs: PolicyObservation): Scope {
  return { assets: [obs.asset], markets: [...obs.markets], venues: [...obs.venues], chains: [...obs.chains] };
}

export function haltMode(mode: "full" | "reduce-only"): HaltMode {
  return mode === "full" ? HaltMode.HALT_MODE_FULL : HaltMode.HALT_MODE_REDUCE_ONLY;
}

export function evidence(name: string, value: number, threshold = 0, detail = ""): Evidence {
  return { name, value, threshold, detail };
}

export function haltDraft(opts: {
  signalId: string;
  ruleId: string;
  obs: PolicyObservation;
  level: number;
  durationMs: number;
  mode: "full" | "reduce-only";
  reason: string;
  evidence: Evidence[];
}): SignalDraft {
  return {
    signalId: opts.signalId,
    kind: SignalKind.SIGNAL_KIND_CIRCUIT_BREAKER,
    ruleId: opts.ruleId,
    scope: scopeOf(opts.obs),
    reason: opts.reason,
    evidence: opts.evidence,
    action: {
      $case: "circuitBreaker",
      value: { level: opts.level, durationMs: opts.durationMs, mode: haltMode(opts.mode) },
    },
    durationMs: opts.durationMs,
  };
}

export const pct = (fraction: number) => `${(fraction * 100).toFixed(2)}%`;
