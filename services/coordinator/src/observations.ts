import { MalformedMessageError } from "@breakwater/bus";
import { decimalToNumber, type PolicyObservation } from "@breakwater/core";
import type { RiskAssessment } from "@breakwater/proto";

/**
 * What an assessment tells the policy: an observation, priced or not (an
 * unpriceable asset is news for the oracle-divergence rule).
 */
export type Observed =
  | { readonly kind: "priced"; readonly observation: PolicyObservation }
  | { readonly kind: "unpriceable"; readonly observation: PolicyObservation };

/**
 * Turns a risk assessment into an observation. A reference price that is
 * present but not a positive decimal makes the message malformed (it is
 * dead-lettered); an empty one is a legitimate "unpriceable". The correlator's
 * optional figures (divergence, ladder pressure, volatility) are carried when set.
 */
export function observe(assessment: RiskAssessment, subject = "assessment"): Observed {
  if (!(assessment.priceTimeMs > 0)) {
    throw new MalformedMessageError(subject, "price_time_ms: must be a positive Unix time in ms");
  }
  const common = {
    assessmentId: assessment.assessmentId,
    asset: assessment.asset,
    priceTimeMs: assessment.priceTimeMs,
    venues: assessment.venues,
    markets: assessment.markets,
    chains: assessment.chains,
    ...optionalFigures(assessment),
  };
  if (assessment.referencePrice === "" || assessment.unpriceable === true) {
    return { kind: "unpriceable", observation: { ...common, unpriceable: true } };
  }
  let price: number;
  try {
    price = decimalToNumber(assessment.referencePrice, "reference_price");
  } catch (err) {
    throw new MalformedMessageError(subject, (err as Error).message, err);
  }
  if (!(price > 0)) throw new MalformedMessageError(subject, "reference_price: must be positive");
  return { kind: "priced", observation: { ...common, price } };
}

function optionalFigures(a: RiskAssessment): Partial<PolicyObservation> {
  const out: Record<string, unknown> = {};
  if (a.staleChains.length > 0) out["staleChains"] = a.staleChains;
  if (a.chainNotional.length > 0) {
    out["chainNotional"] = Object.fromEntries(
      a.chainNotional
        .filter((c) => Number.isFinite(c.grossNotional))
        .map((c) => [c.chainId, c.grossNotional]),
    );
  }
  for (const key of [
    "divergence",
    "ladderMoveBps",
    "liquidatableDownNotional",
    "liquidatableUpNotional",
    "depthNotional",
    "volatility",
  ] as const) {
    const value = a[key];
    if (typeof value === "number" && Number.isFinite(value)) out[key] = value;
  }
  return out as Partial<PolicyObservation>;
}

interface Ordered {
  readonly order: number;
  readonly obs: PolicyObservation;
}

/**
 * Keeps, per asset, only the observations within `windowMs` of that asset's
 * latest price time: what a rule needs to rebuild its windows after a restart.
 * Observations come in log order; `observations()` returns them in that order.
 */
export class RecentObservations {
  private readonly byAsset = new Map<string, { latestMs: number; entries: Ordered[] }>();
  private count = 0;

  constructor(private readonly windowMs: number) {}

  add(obs: PolicyObservation): void {
    let asset = this.byAsset.get(obs.asset);
    if (!asset) {
      asset = { latestMs: obs.priceTimeMs, entries: [] };
      this.byAsset.set(obs.asset, asset);
    }
    asset.entries.push({ order: this.count++, obs });
    asset.latestMs = Math.max(asset.latestMs, obs.priceTimeMs);
    const cutoff = asset.latestMs - this.windowMs;
    // Entries arrive mostly in time order: drop from the front; a late straggler
    // left inside is harmless (the rule's window drops it again).
    while (asset.entries.length > 0 && asset.entries[0]!.obs.priceTimeMs < cutoff) asset.entries.shift();
  }

  observations(): PolicyObservation[] {
    return [...this.byAsset.values()]
      .flatMap((a) => a.entries)
      .sort((a, b) => a.order - b.order)
      .map((e) => e.obs);
  }
}
