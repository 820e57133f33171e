import { type Signal, SignalKind } from "@breakwater/proto";
import { describe, expect, it } from "vitest";
import { LogInconsistencyError, LogLagError } from "./errors.js";
import { SignalIndex } from "./signal-index.js";

function signal(sequence: number, venues: string[] = [], id = `s-${sequence}`): Signal {
  return {
    sequence,
    signalId: id,
    kind: SignalKind.SIGNAL_KIND_ADVISORY,
    issuedAtMs: 1,
    effectiveAtMs: 2,
    expiresAtMs: 0,
    scope: { assets: [], markets: [], venues, chains: [] },
    reason: "",
    ruleId: "r",
    evidence: [],
    action: undefined,
    leaderTerm: 1,
    keyId: "",
    signature: Buffer.alloc(0),
  };
}

/** 1: all venues, 2: perp-b, 3: perp-a, 4: hole, 5: perp-a and perp-b */
function sample(): SignalIndex {
  const index = new SignalIndex();
  index.add(1, signal(1));
  index.add(2, signal(2, ["perp-b"]));
  index.add(3, signal(3, ["perp-a"]));
  index.add(4, undefined);
  index.add(5, signal(5, ["perp-a", "perp-b"]));
  return index;
}

describe("SignalIndex", () => {
  it("default: keeps entries by sequence and by signal id", () => {
    const index = sample();
    expect(index.last).toBe(5);
    expect(index.size).toBe(4);
    expect(index.get(3)?.signalId).toBe("s-3");
    expect(index.get(4)).toBeUndefined();
    expect(index.bySignalId("s-5")?.sequence).toBe(5);
    expect(index.list(1).map((s) => s.sequence)).toEqual([2, 3, 5]);
    expect(index.list(0, 2).map((s) => s.sequence)).toEqual([1, 2]);
  });

  it("behavior: previous in scope and the in-scope count follow the venue's scope", () => {
    const index = sample();
    expect(index.previousInScope("perp-a", 5)).toBe(5);
    expect(index.previousInScope("perp-a", 4)).toBe(3);
    expect(index.previousInScope("perp-a", 2)).toBe(1);
    expect(index.previousInScope("perp-c", 5)).toBe(1);
    expect(index.previousInScope("perp-a", 0)).toBe(0);
    expect(index.countInScope("perp-a", 1)).toBe(2);
    expect(index.countInScope("perp-c", 0)).toBe(1);
  });

  it("behavior: an entry that does not follow the last one is refused", () => {
    const index = sample();
    expect(() => index.add(7, signal(7))).toThrow(LogInconsistencyError);
    expect(() => index.add(5, signal(5))).toThrow(LogInconsistencyError);
  });

  it("behavior: a signal whose sequence differs from its position, or a repeated id, becomes a hole", () => {
    const index = sample();
    expect(index.add(6, signal(9))).toBe("sequence_mismatch");
    expect(index.add(7, signal(7, [], "s-1"))).toBe("duplicate_signal_id");
    expect(index.get(6)).toBeUndefined();
    expect(index.bySignalId("s-1")?.sequence).toBe(1);
    expect([
      index.holes("sequence_mismatch"),
      index.holes("duplicate_signal_id"),
      index.holes("malformed"),
    ]).toEqual([1, 1, 1]);
  });

  it("behavior: a log that does not start at 1 is indexed from its first sequence", () => {
    const index = new SignalIndex();
    index.add(41, signal(41));
    index.add(42, signal(42));
    expect(index.last).toBe(42);
    expect(index.list(0).map((s) => s.sequence)).toEqual([41, 42]);
    expect(index.previousInScope("x", 100)).toBe(42);
  });

  it("behavior: waitFor resolves when the sequence is read and times out otherwise", async () => {
    const index = new SignalIndex();
    const seen: number[] = [];
    index.onEntry((seq) => seen.push(seq));
    const waiting = index.waitFor(2, 1_000);
    index.add(1, signal(1));
    index.add(2, signal(2));
    await waiting;
    expect(seen).toEqual([1, 2]);
    await expect(index.waitFor(3, 20)).rejects.toBeInstanceOf(LogLagError);
  });
});
