import { MalformedMessageError } from "@breakwater/bus";
import { type AssetObservation, decimalToNumber } from "@breakwater/core";
import type { RiskAssessment } from "@breakwater/proto";

/**
 * What an assessment tells the policy: an observation, or why there is none.
 * An empty reference price means the correlator could not price the asset.
 */
export type Observed =
  | { readonly kind: "priced"; readonly observation: AssetObservation }
  | { readonly kind: "unpriceable"; readonly assessmentId: string; readonly asset: string };

/**
 * Turns a risk assessment into an observation. A reference price that is
 * present but not a positive decimal makes the message malformed (it is
 * dead-lettered); an empty one is a legitimate "unpriceable".
 */
export function observe(assessment: RiskAssessment, subject = "assessment"): Observed {
  if (assessment.referencePrice === "") {
    return { kind: "unpriceable", assessmentId: assessment.assessmentId, asset: assessment.asset };
  }
  let price: number;
  try {
    price = decimalToNumber(assessment.referencePrice, "reference_price");
  } catch (err) {
    throw new MalformedMessageError(subject, (err as Error).message, err);
  }
  if (!(price > 0)) throw new MalformedMessageError(subject, "reference_price: must be positive");
  if (!(assessment.priceTimeMs > 0)) {
    throw new MalformedMessageError(subject, "price_time_ms: must be a positive Unix time in ms");
  }
  return {
    kind: "priced",
    observation: {
      assessmentId: assessment.assessmentId,
      asset: assessment.asset,
      price,
      priceTimeMs: assessment.priceTimeMs,
      venues: assessment.venues,
      markets: assessment.markets,
      chains: assessment.chains,
    },
  };
}

interface Ordered {
  readonly order: number;
  readonly obs: AssetObservation;
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

  add(obs: AssetObservation): void {
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

  observations(): AssetObservation[] {
    return [...this.byAsset.values()]
      .flatMap((a) => a.entries)
      .sort((a, b) => a.order - b.order)
      .map((e) => e.obs);
  }
}
