import type { Signal } from "@breakwater/proto";
import { evidence, NOTHING, pct, SpecRule } from "./rule-support.js";
import type {
  CascadeRiskParams,
  ChainLivenessParams,
  DynamicMarginParams,
  MarginDemand,
  PolicyObservation,
  RuleOutcome,
} from "./types.js";

/** Rules that only ask for margin: the margin governor decides what is published. */
abstract class DemandRule<K extends string, P> extends SpecRule<K, P> {
  evaluate(obs: PolicyObservation, _nowMs: number): RuleOutcome {
    const p = this.paramsOf(obs);
    if (!p) return NOTHING;
    return { drafts: [], demands: this.demands(obs, p) };
  }
  restore(_signal: Signal): void {}
  protected abstract demands(obs: PolicyObservation, p: P): MarginDemand[];
}

/**
 * Cascade risk: when the notional liquidatable by a move of `ladder_move_bps`
 * exceeds `pressureThreshold` of the depth that absorbs such a move, margin
 * tightens on the asset and on the assets correlated with it above
 * `minCorrelation`, before the price moves. Every observation re-states the
 * demand (a calm one withdraws it).
 */
export class CascadeRiskRule extends DemandRule<"cascade-risk", CascadeRiskParams> {
  protected demands(obs: PolicyObservation, p: CascadeRiskParams): MarginDemand[] {
    const depth = obs.depthNotional ?? 0;
    const liquidatable = Math.max(obs.liquidatableDownNotional ?? 0, obs.liquidatableUpNotional ?? 0);
    const pressure = depth > 0 ? liquidatable / depth : liquidatable > 0 ? Number.POSITIVE_INFINITY : 0;
    const stressed = pressure >= p.pressureThreshold;
    const ev = [
      evidence(
        "ladder_pressure",
        Number.isFinite(pressure) ? pressure : 1e9,
        p.pressureThreshold,
        `move ${obs.ladderMoveBps ?? 0}bps`,
      ),
      evidence("liquidatable_notional", liquidatable),
      evidence("depth_notional", depth),
    ];
    const multiplier = stressed ? p.multiplier : 1;
    const out: MarginDemand[] = [{ asset: obs.asset, ruleId: this.spec.id, multiplier, evidence: ev }];
    for (const c of p.correlated) {
      if (c.correlation < p.minCorrelation || c.asset === obs.asset) continue;
      out.push({
        asset: c.asset,
        ruleId: `${this.spec.id}@${obs.asset}`,
        multiplier,
        evidence: [...ev, evidence("correlation", c.correlation, p.minCorrelation, `with ${obs.asset}`)],
      });
    }
    return out;
  }
}

/**
 * Chain liveness: when the share of the asset's exposure that sits on stale
 * chains is at or above `minStaleShare`, margin tightens on that asset (no
 * halt anywhere). A chain its watcher reports degraded (an L2 sequencer down,
 * a stale feed, a reorg deeper than its window) counts as stale unless
 * `countDegraded` is false; the evidence names each chain with its reason.
 * The share is by gross notional when the assessment carries it per chain,
 * otherwise by the number of chains holding the asset.
 */
export class ChainLivenessRule extends DemandRule<"chain-liveness", ChainLivenessParams> {
  protected demands(obs: PolicyObservation, p: ChainLivenessParams): MarginDemand[] {
    const reasons = new Map((obs.degradedChains ?? []).map((d) => [d.chain, d]));
    const degraded = p.countDegraded === false ? [] : [...reasons.values()].map((d) => d.chain);
    const stale = [...new Set([...(obs.staleChains ?? []), ...degraded])].filter((c) =>
      obs.chains.includes(c),
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
  protected demands(obs: PolicyObservation, p: DynamicMarginParams): MarginDemand[] {
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
