import type { Signal } from "@breakwater/proto";
import { evidence, NOTHING, SpecRule } from "./rule-support.js";
import type { CascadeRiskParams, MarginDemand, PolicyObservation, RuleOutcome } from "./types.js";

/**
 * Cascade risk: when the notional liquidatable by a move of `ladder_move_bps`
 * exceeds `pressureThreshold` of the depth that absorbs such a move (the
 * evidence names the depth's source: venues, asset or default), margin
 * tightens on the asset and on the assets correlated with it, before the
 * price moves.
 *
 * Correlations are the live EWMA estimates the assessment carries, with the
 * policy's `correlated` figures as a floor: an asset counts with the larger of
 * its live and its static correlation, and is tightened when that reaches
 * `minCorrelation` (an asset only the live estimates name counts too). Every
 * observation re-states the demand of every asset it covers (a calm one
 * withdraws it), and an asset that no longer correlates enough, or that the
 * live estimates stop naming, gets its demand withdrawn once.
 */
export class CascadeRiskRule extends SpecRule<"cascade-risk", CascadeRiskParams> {
  /** Observed asset → the correlated assets its last observation demanded for (multiplier above 1). */
  private readonly demanded = new Map<string, Set<string>>();

  evaluate(obs: PolicyObservation, _nowMs: number): RuleOutcome {
    const p = this.paramsOf(obs);
    if (!p) return NOTHING;
    return { drafts: [], demands: this.demands(obs, p) };
  }

  restore(_signal: Signal): void {}

  private demands(obs: PolicyObservation, p: CascadeRiskParams): MarginDemand[] {
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
      evidence("depth_notional", depth, 0, obs.depthSource ? `depth from ${obs.depthSource}` : ""),
    ];
    const multiplier = stressed ? p.multiplier : 1;
    const out: MarginDemand[] = [{ asset: obs.asset, ruleId: this.spec.id, multiplier, evidence: ev }];
    const before = this.demanded.get(obs.asset);
    const now = new Set<string>();
    for (const c of correlationsOf(obs, p)) {
      const counts = c.correlation >= p.minCorrelation;
      if (!counts && !before?.has(c.asset)) continue;
      const m = counts ? multiplier : 1;
      if (m > 1) now.add(c.asset);
      out.push({
        asset: c.asset,
        ruleId: `${this.spec.id}@${obs.asset}`,
        multiplier: m,
        evidence: [...ev, evidence("correlation", c.correlation, p.minCorrelation, c.detail)],
      });
    }
    // assets named no more (neither live nor in the policy) withdraw their demand once
    for (const asset of before ?? [])
      if (!out.some((d) => d.asset === asset))
        out.push({
          asset,
          ruleId: `${this.spec.id}@${obs.asset}`,
          multiplier: 1,
          evidence: [...ev, evidence("correlation", 0, p.minCorrelation, `with ${obs.asset}: no estimate`)],
        });
    if (now.size > 0) this.demanded.set(obs.asset, now);
    else this.demanded.delete(obs.asset);
    return out;
  }
}

interface EffectiveCorrelation {
  readonly asset: string;
  readonly correlation: number;
  /** Which figure counts, and both. */
  readonly detail: string;
}

/** Every asset the live estimates or the policy name, at the larger of its live and static correlation. */
function correlationsOf(obs: PolicyObservation, p: CascadeRiskParams): EffectiveCorrelation[] {
  const live = new Map((obs.correlations ?? []).map((c) => [c.asset, c.correlation]));
  const floor = new Map(p.correlated.map((c) => [c.asset, c.correlation]));
  const assets = [...new Set([...floor.keys(), ...live.keys()])].filter((a) => a !== obs.asset).sort();
  return assets.map((asset) => {
    const l = live.get(asset);
    const f = floor.get(asset);
    const fromLive = l !== undefined && (f === undefined || l >= f);
    const correlation = fromLive ? l : f!;
    const figures = [
      l === undefined ? "no live estimate" : `live ${round(l)}`,
      f === undefined ? "no policy floor" : `policy floor ${round(f)}`,
    ].join(", ");
    return {
      asset,
      correlation,
      detail: `with ${obs.asset}: ${fromLive ? "live EWMA" : "policy floor"} (${figures})`,
    };
  });
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;
