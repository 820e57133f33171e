import type { Signal } from "@breakwater/proto";
import type { SignalDraft } from "../signal.js";

/** What the coordinator knows about one asset at one moment (from a risk assessment). */
export interface AssetObservation {
  readonly assessmentId: string;
  readonly asset: string;
  readonly price: number;
  /** Time of the price (chain time). */
  readonly priceTimeMs: number;
  readonly venues: readonly string[];
  readonly markets: readonly string[];
  readonly chains: readonly string[];
}

/**
 * A policy rule: pure, deterministic, fed observations in order.
 * `nowMs` is the coordinator's clock, used for periods and cooldowns.
 */
export interface PolicyRule {
  readonly id: string;
  evaluate(observation: AssetObservation, nowMs: number): SignalDraft[];
  /** Timers on the coordinator's clock: decisions due at `nowMs` without a new observation. */
  tick?(nowMs: number): SignalDraft[];
  /** Rebuilds the rule's memory of what it already decided from a logged signal. */
  restore(signal: Signal): void;
}
