import { MalformedMessageError } from "@breakwater/bus";
import { decimalToNumber, type PolicyObservation } from "@breakwater/core";
import type { RiskAssessment } from "@breakwater/proto";

/** An assessment whose price time lies further in the future than the allowed skew. */
export class FutureTimeError extends MalformedMessageError {
  constructor(subject: string, priceTimeMs: number, storedAtMs: number, maxFutureSkewMs: number) {
    super(
      subject,
      `price_time_ms: ${priceTimeMs - storedAtMs} ms after the assessment was stored (more than the allowed ${maxFutureSkewMs} ms of clock skew)`,
    );
  }
}

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
export function observe(
  assessment: RiskAssessment,
  subject = "assessment",
  clock?: { readonly storedAtMs: number; readonly maxFutureSkewMs: number },
): Observed {
  if (!(assessment.priceTimeMs > 0) || !Number.isSafeInteger(assessment.priceTimeMs)) {
    throw new MalformedMessageError(subject, "price_time_ms: must be a positive Unix time in ms");
  }
  // Chain time is trusted only up to a bounded skew past when the stream stored the
  // assessment: a price dated in the future would otherwise anchor every window ahead.
  if (clock && assessment.priceTimeMs > clock.storedAtMs + clock.maxFutureSkewMs) {
    throw new FutureTimeError(subject, assessment.priceTimeMs, clock.storedAtMs, clock.maxFutureSkewMs);
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
