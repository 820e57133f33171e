// Shared by the venue end-to-end tests: assessments that make the coordinator halt, and its views.
import { type Bus, codecs, publish, subjects } from "@breakwater/bus";
import { concernsVenue, numberToDecimal } from "@breakwater/core";
import { channelCredentialsOf } from "@breakwater/identity";
import { CoordinationServiceClient, type RiskAssessment, Signal, type VenueStatus } from "@breakwater/proto";
import { sharedTestPkiNow } from "@breakwater/testkit";

export const VENUE_ID = "perp-a";

let n = 0;
/** An 8% fall of `asset` over five seconds of price time: one circuit-breaker halt for the venue. */
export async function publishFall(bus: Bus, asset: string): Promise<void> {
  const start = Date.now() - 6_000;
  for (let i = 0; i <= 5; i++) {
    const at = start + i * 1_000;
    const a: RiskAssessment = {
      assessmentId: `crash-${asset}-${i}-${n++}`,
      asset,
      referencePrice: numberToDecimal(100 * (1 - 0.08 * (i / 5))),
      agreeingSources: 3,
      priceTimeMs: at,
      assessedAtMs: Date.now(),
      venues: [VENUE_ID],
      markets: [`${asset}-PERP`],
      chains: ["sim-a"],
      staleChains: [],
      grossNotional: 1_000_000,
      chainNotional: [],
      degradedChains: [],
      correlations: [],
    };
    await publish(bus, subjects.assessment(asset), codecs.assessment.encode(a), { msgId: a.assessmentId });
  }
}

export async function signalsInScope(http: string, venueId = VENUE_ID): Promise<number[]> {
  const out: number[] = [];
  for (let after = 0; ; ) {
    const page = (await (await fetch(`${http}/v1/signals?after=${after}&limit=1000`)).json()) as {
      lastSequence: number;
      signals: unknown[];
    };
    for (const json of page.signals) {
      const s = Signal.fromJSON(json);
      if (concernsVenue(s, venueId)) out.push(s.sequence);
      after = s.sequence;
    }
    if (page.signals.length === 0 || after >= page.lastSequence) return out;
  }
}

/** The venue's status as the venue itself sees it (its own certificate, from the shared test PKI). */
export function venueStatus(grpc: string): Promise<VenueStatus> {
  const client = new CoordinationServiceClient(
    grpc,
    channelCredentialsOf(sharedTestPkiNow().venueTls(VENUE_ID)),
  );
  return new Promise((resolve, reject) =>
    client.getVenueStatus({ venueId: VENUE_ID }, (err, response) => {
      client.close();
      if (err || !response.status) return reject(err ?? new Error("no venue status"));
      resolve(response.status);
    }),
  );
}
