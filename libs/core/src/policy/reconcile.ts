import type { Signal } from "@breakwater/proto";
import type { SignalDraft } from "../signal.js";
import type { PolicyRule } from "./rule.js";
import type { PolicyObservation } from "./types.js";

/** An observation and its decision time (coordinator's clock; for an assessment, when the stream stored it). */
export interface TimedObservation {
  readonly observation: PolicyObservation;
  readonly atMs: number;
  /** Only fills the rules' windows: what it decides is not reconciled (its own window may be incomplete). */
  readonly warmup?: boolean;
}

/** A decision the observations imply that the log does not hold. */
export interface MissingDecision {
  readonly draft: SignalDraft;
  /** Decision time of the observation that made it. */
  readonly decidedAtMs: number;
  readonly assessmentId: string;
}

export interface Reconciliation {
  /** Still owed now: to be appended now, in this order. */
  readonly owed: readonly MissingDecision[];
  /** No longer in force (a past period, an expired halt): reported, never issued. */
  readonly lapsed: readonly MissingDecision[];
}

/** Until when a decision not yet logged is still owed (see SignalDraft.validUntilMs). */
export function owedUntilMs(draft: SignalDraft, decidedAtMs: number): number {
  if (draft.validUntilMs !== undefined) return draft.validUntilMs;
  return draft.durationMs > 0 ? decidedAtMs + draft.durationMs : Number.POSITIVE_INFINITY;
}

/**
 * Rebuilds a rule set after a leader change and says what the log lacks.
 *
 * Decisions are a function of the observations, not of when they are
 * replayed: every logged signal is restored first, then each observation is
 * evaluated at its own decision time (so a fall assessed in an earlier period
 * counts in that period, never in the current one). A decision the log does
 * not hold (its append was lost, its assessment was dead-lettered, or a new
 * policy would have made it) is owed while it is still in force at `nowMs`,
 * and lapsed otherwise. Issuing the owed decisions makes the log hold exactly
 * one signal for every decision the rules count as made: never zero, never two.
 */
export function reconcile(
  rules: PolicyRule,
  logged: Iterable<Signal>,
  observations: Iterable<TimedObservation>,
  nowMs: number,
  isLogged: (signalId: string) => boolean,
): Reconciliation {
  for (const signal of logged) rules.restore(signal);
  const owed: MissingDecision[] = [];
  const lapsed: MissingDecision[] = [];
  const seen = new Set<string>();
  for (const { observation, atMs, warmup } of observations) {
    for (const draft of rules.evaluate(observation as Parameters<PolicyRule["evaluate"]>[0], atMs)) {
      if (warmup || isLogged(draft.signalId) || seen.has(draft.signalId)) continue;
      seen.add(draft.signalId);
      const missing = { draft, decidedAtMs: atMs, assessmentId: observation.assessmentId };
      (owedUntilMs(draft, atMs) > nowMs ? owed : lapsed).push(missing);
    }
  }
  return { owed, lapsed };
}
