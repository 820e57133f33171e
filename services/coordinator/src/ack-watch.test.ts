import { AckState, type Signal, SignalKind } from "@breakwater/proto";
import { describe, expect, it } from "vitest";
import { AckWatch, unackedAdvisory } from "./ack-watch.js";

function halt(sequence: number, venues: string[], effectiveAtMs = 1_000): Signal {
  return {
    sequence,
    signalId: `h${sequence}`,
    kind: SignalKind.SIGNAL_KIND_CIRCUIT_BREAKER,
    issuedAtMs: effectiveAtMs - 500,
    effectiveAtMs,
    expiresAtMs: 0,
    scope: { assets: ["ETH"], markets: [], venues, chains: [] },
    reason: "",
    ruleId: "cb",
    evidence: [],
    action: { $case: "circuitBreaker", value: { level: 1, durationMs: 1, mode: 1 } },
    leaderTerm: 1,
    keyId: "",
    signature: Buffer.alloc(0),
  };
}

describe("AckWatch", () => {
  it("default: venues in scope without an ack at effective time are reported once; late acks are noted", () => {
    const watch = new AckWatch(() => [], 0);
    watch.onSignal(halt(3, ["perp-a", "perp-b", "perp-c"]));
    watch.onAck("perp-a", 3, AckState.ACK_STATE_RECEIVED, 900);
    watch.onAck("perp-c", 3, AckState.ACK_STATE_APPLIED, 950);
    expect(watch.check(999)).toEqual([]);
    expect(watch.check(1_000).map((l) => l.venueId)).toEqual(["perp-b"]);
    expect(watch.check(2_000)).toEqual([]);
    expect(watch.outstanding).toBe(1);
    watch.onAck("perp-b", 3, AckState.ACK_STATE_RECEIVED, 2_500);
    expect(watch.outstanding).toBe(0);
    expect(watch.lateAcks()[0]).toMatchObject({ sequence: 3, venueId: "perp-b", ackedAtMs: 2_500 });
  });

  it("behavior: a halt for all venues expects every known venue; grace delays the check; non-halts are not watched", () => {
    const watch = new AckWatch(() => ["v1", "v2"], 200);
    watch.onSignal(halt(1, []));
    watch.onSignal({ ...halt(2, ["v1"]), kind: SignalKind.SIGNAL_KIND_ADVISORY });
    watch.onAck("v1", 1, AckState.ACK_STATE_RECEIVED, 0);
    expect(watch.check(1_100)).toEqual([]);
    expect(watch.check(1_200).map((l) => [l.sequence, l.venueId])).toEqual([[1, "v2"]]);
  });

  it("behavior: a price limit is watched like a halt, and its advisory says so", () => {
    const watch = new AckWatch(() => ["v1", "v2"], 0);
    const limit: Signal = {
      ...halt(4, ["v1", "v2"]),
      kind: SignalKind.SIGNAL_KIND_PRICE_LIMIT,
      action: { $case: "priceLimit", value: { lower: 93, upper: 0, durationMs: 0 } },
    };
    watch.onSignal(limit);
    watch.onAck("v1", 4, AckState.ACK_STATE_APPLIED, 900);
    expect(watch.check(1_000).map((l) => [l.sequence, l.venueId])).toEqual([[4, "v2"]]);
    expect(unackedAdvisory(limit, ["v2"])).toMatchObject({
      reason: "venues v2 had not acked price limit 4 by its effective time",
      action: { $case: "advisory", value: { code: "price_limit_unacked", message: "v2" } },
    });
  });

  it("behavior: the advisory names the late venues and keeps the halt's scope, with a deterministic id", () => {
    const draft = unackedAdvisory(halt(7, ["perp-a", "perp-b"]), ["perp-b"]);
    expect(draft).toMatchObject({
      signalId: "ack-watch:7",
      kind: SignalKind.SIGNAL_KIND_ADVISORY,
      scope: { assets: ["ETH"], venues: ["perp-a", "perp-b"] },
      action: { $case: "advisory", value: { code: "halt_unacked", message: "perp-b" } },
    });
  });
});
