import type { Signal } from "@breakwater/proto";
import { type EngineRule, evidence, NOTHING, paramsFor, pct } from "./rule-support.js";
import type {
  CascadeRiskParams,
  ChainLivenessParams,
  DynamicMarginParams,
  MarginDemand,
  PolicyObservation,
  RuleOutcome,
  RuleSpecBase,
} from "./types.js";

/** Rules that only ask for margin: the margin governor decides what is published. */
abstract class DemandRule<K extends string, P> implements EngineRule {
  constructor(protected readonly spec: RuleSpecBase<K, P>) {}
  get id(): string {
    return this.spec.id;
  }
  get mode() {
    return this.spec.mode;
  }
  evaluate(obs: PolicyObservation, _nowMs: number): RuleOutcome {
    const p = paramsFor(this.spec.params, this.spec.overrides, obs);
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
 * Chain liveness: when a share of the chains holding the asset's exposure at
 * or above `minStaleShare` is stale, margin tightens on that asset (no halt).
 * The share counts chains (the assessment carries no per-chain notional).
 */
export class ChainLivenessRule extends DemandRule<"chain-liveness", ChainLivenessParams> {
  protected demands(obs: PolicyObservation, p: ChainLivenessParams): MarginDemand[] {
    const stale = (obs.staleChains ?? []).filter((c) => obs.chains.includes(c));
    const share = obs.chains.length > 0 ? stale.length / obs.chains.length : 0;
    const stressed = stale.length > 0 && share >= p.minStaleShare;
    return [
      {
        asset: obs.asset,
        ruleId: this.spec.id,
        multiplier: stressed ? p.multiplier : 1,
        evidence: [evidence("stale_chain_share", share, p.minStaleShare, stale.join(",") || "none stale")],
      },
    ];
  }
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
