import { MalformedMessageError } from "@breakwater/bus";
import {
  decimalToNumber,
  firstTimeAhead,
  type PolicyObservation,
  type TimeAhead,
  TimeAheadError,
} from "@breakwater/core";
import { ChainStatus, type RiskAssessment } from "@breakwater/proto";

/**
 * An assessment whose price time lies further in the future than the allowed
 * skew: malformed (dead-lettered), with the core's TimeAheadError as its cause.
 */
export class FutureTimeError extends MalformedMessageError {
  constructor(subject: string, ahead: TimeAhead, maxFutureSkewMs: number) {
    super(
      subject,
      `${ahead.field}: ${ahead.aheadMs} ms after the assessment was stored (more than the allowed ${maxFutureSkewMs} ms of clock skew)`,
      new TimeAheadError(ahead, maxFutureSkewMs, "when the assessment was stored"),
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
  if (clock) {
    const ahead = firstTimeAhead(
      [["price_time_ms", assessment.priceTimeMs]],
      clock.storedAtMs,
      clock.maxFutureSkewMs,
    );
    if (ahead) throw new FutureTimeError(subject, ahead, clock.maxFutureSkewMs);
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
  const degraded = a.degradedChains
    .filter(
      (c) => c.status === ChainStatus.CHAIN_STATUS_DEGRADED || c.status === ChainStatus.CHAIN_STATUS_DOWN,
    )
    .map((c) => ({
      chain: c.chainId,
      status: c.status === ChainStatus.CHAIN_STATUS_DOWN ? "down" : "degraded",
      detail: c.detail,
    }));
  if (degraded.length > 0) out["degradedChains"] = degraded;
  if (a.chainNotional.length > 0) {
    out["chainNotional"] = Object.fromEntries(
      a.chainNotional
        .filter((c) => Number.isFinite(c.grossNotional))
        .map((c) => [c.chainId, c.grossNotional]),
    );
  }
  const correlations = a.correlations.filter(
    (c) => c.asset !== "" && Number.isFinite(c.correlation) && Math.abs(c.correlation) <= 1,
  );
  if (correlations.length > 0)
    out["correlations"] = correlations.map((c) => ({ asset: c.asset, correlation: c.correlation }));
  if (a.depthSource) out["depthSource"] = a.depthSource;
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
