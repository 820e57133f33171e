import type { Signal } from "@breakwater/proto";
import { evidence, NOTHING, pct, SpecRule } from "./rule-support.js";
import type {
  ChainLivenessParams,
  DynamicMarginParams,
  MarginDemand,
  PolicyObservation,
  RuleOutcome,
} from "./types.js";

/** Rules that only ask for margin: the margin governor decides what is published. */
abstract class DemandRule<K extends string, P> extends SpecRule<K, P> {
  evaluate(obs: PolicyObservation, nowMs: number): RuleOutcome {
    const p = this.paramsOf(obs);
    if (!p) return NOTHING;
    return { drafts: [], demands: this.demands(obs, p, nowMs) };
  }
  restore(_signal: Signal): void {}
  protected abstract demands(obs: PolicyObservation, p: P, nowMs: number): MarginDemand[];
}

/**
 * Chain liveness: when the share of the asset's exposure that sits on stale
 * chains is at or above `minStaleShare`, margin tightens on that asset (no
 * halt anywhere). A chain its watcher reports degraded (an L2 sequencer down,
 * a stale feed, a reorg deeper than its window) counts as stale unless
 * `countDegraded` is false; the evidence names each chain with its reason.
 * The share is by gross notional when the assessment carries it per chain,
 * otherwise by the number of chains holding the asset. A chain counts once it
 * has been stale for `graceMs` without a break (as every assessment reports
 * it, on the decision clock), so a watcher's restart does not tighten margin.
 */
export class ChainLivenessRule extends DemandRule<"chain-liveness", ChainLivenessParams> {
  /** chain → since when every assessment has reported it stale or degraded. */
  private readonly staleSince = new Map<string, number>();

  protected demands(obs: PolicyObservation, p: ChainLivenessParams, nowMs: number): MarginDemand[] {
    const reasons = new Map((obs.degradedChains ?? []).map((d) => [d.chain, d]));
    const degraded = p.countDegraded === false ? [] : [...reasons.values()].map((d) => d.chain);
    const reported = new Set([...(obs.staleChains ?? []), ...degraded]);
    // An assessment sees the chains its asset sits on: it ends the stale run of those it reports fresh.
    for (const chain of obs.chains) {
      if (!reported.has(chain)) this.staleSince.delete(chain);
      else if (!this.staleSince.has(chain)) this.staleSince.set(chain, nowMs);
    }
    const graceMs = p.graceMs ?? 0;
    const stale = [...reported].filter(
      (c) => obs.chains.includes(c) && nowMs - (this.staleSince.get(c) ?? nowMs) >= graceMs,
    );
    const share = staleShare(obs, stale);
    const stressed = stale.length > 0 && share >= p.minStaleShare;
    const named = stale.sort().map((c) => {
      const r = reasons.get(c);
      return r ? `${c} (${r.status}${r.detail ? `: ${r.detail}` : ""})` : c;
    });
    return [
      {
        asset: obs.asset,
        ruleId: this.spec.id,
        multiplier: stressed ? p.multiplier : 1,
        evidence: [
          evidence("stale_exposure_share", share, p.minStaleShare, named.join(", ") || "none stale"),
        ],
      },
    ];
  }
}

function staleShare(obs: PolicyObservation, stale: readonly string[]): number {
  const byChain = obs.chainNotional;
  if (byChain) {
    let total = 0;
    let onStale = 0;
    for (const [chain, notional] of Object.entries(byChain)) {
      total += notional;
      if (stale.includes(chain)) onStale += notional;
    }
    if (total > 0) return onStale / total;
  }
  return obs.chains.length > 0 ? stale.length / obs.chains.length : 0;
}

/** Dynamic margin from volatility: 1 + weight × (volatility / baseline − 1) above the baseline. */
export class DynamicMarginRule extends DemandRule<"dynamic-margin", DynamicMarginParams> {
  protected demands(obs: PolicyObservation, p: DynamicMarginParams, _nowMs: number): MarginDemand[] {
    if (obs.volatility === undefined || !(obs.volatility > 0)) return [];
    const excess = Math.max(0, obs.volatility / p.baselineVolatility - 1);
    return [
      {
        asset: obs.asset,
        ruleId: this.spec.id,
        multiplier: 1 + p.volatilityWeight * excess,
        evidence: [evidence("volatility", obs.volatility, p.baselineVolatility, `excess ${pct(excess)}`)],
      },
    ];
  }
}
