import { type Signal, SignalKind } from "@breakwater/proto";
import { credentials } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { VenueClient } from "./venue-client.js";

function signal(effectiveAtMs: number): Signal {
  return {
    sequence: 7,
    signalId: "s-7",
    kind: SignalKind.SIGNAL_KIND_ADVISORY,
    issuedAtMs: effectiveAtMs - 100,
    effectiveAtMs,
    expiresAtMs: 0,
    scope: { assets: ["ETH"], markets: [], venues: ["perp-a"], chains: [] },
    reason: "test",
    ruleId: "test",
    evidence: [],
    action: { $case: "advisory", value: { code: "t", message: "" } },
    leaderTerm: 1,
    keyId: "",
    signature: Buffer.alloc(0),
  };
}

describe("VenueClient.applyAt", () => {
  it("behavior: never runs before effective_at on the venue's clock, even when timers fire early against it", async () => {
    // a venue clock running at half speed: every timer fires "early" as that clock sees it
    const start = Date.now();
    const clock = () => start + Math.floor((Date.now() - start) / 2);
    const client = new VenueClient({
      address: "127.0.0.1:9",
      // a stand-in coordinator without TLS
      credentials: credentials.createInsecure(),
      venueId: "perp-a",
      clock,
      handler: () => undefined,
    });
    try {
      const effectiveAtMs = clock() + 60;
      let ranAtMs = Number.NaN;
      const applied = new Promise<number>((resolve) =>
        client.on("applied", (info: { appliedAtMs: number }) => resolve(info.appliedAtMs)),
      );
      void client.applyAt(signal(effectiveAtMs), () => {
        ranAtMs = clock();
      });
      const appliedAtMs = await applied;
      expect(ranAtMs).toBeGreaterThanOrEqual(effectiveAtMs);
      expect(appliedAtMs).toBeGreaterThanOrEqual(effectiveAtMs);
    } finally {
      await client.close();
    }
  });
});
