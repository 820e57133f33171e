import { describe, expect, it } from "vitest";
import { acksOf, mergeTimeline, timelineSignalOf } from "./timeline.js";

const signal = (sequence: number, extra: Record<string, unknown> = {}) => ({
  sequence,
  signalId: `s${sequence}`,
  kind: "SIGNAL_KIND_CIRCUIT_BREAKER",
  issuedAtMs: 1_000 + sequence,
  effectiveAtMs: 1_500 + sequence,
  scope: { assets: ["ETH"], venues: [] },
  reason: "ETH fell 8%",
  ruleId: "breaker",
  ...extra,
});

describe("the signal timeline", () => {
  it("default: a log entry becomes a timeline signal with short kind names", () => {
    expect(timelineSignalOf(signal(3), { "perp-a": "applied" })).toEqual({
      sequence: 3,
      kind: "circuit_breaker",
      signalId: "s3",
      ruleId: "breaker",
      assets: ["ETH"],
      venues: [],
      issuedAtMs: 1_003,
      effectiveAtMs: 1_503,
      reason: "ETH fell 8%",
      acks: { "perp-a": "applied" },
    });
  });

  it("behavior: a leader's term-start entry and entries without a sequence are left out", () => {
    expect(timelineSignalOf(signal(1, { scope: { internal: true } }))).toBeUndefined();
    expect(timelineSignalOf(signal(0))).toBeUndefined();
    expect(timelineSignalOf(null)).toBeUndefined();
    expect(timelineSignalOf("garbage")).toBeUndefined();
  });

  it("behavior: acks of a signal are read in short names, and a body without acks is none", () => {
    expect(acksOf({ acks: { "perp-a": "ACK_STATE_APPLIED", "perp-b": "ACK_STATE_RECEIVED" } })).toEqual({
      "perp-a": "applied",
      "perp-b": "received",
    });
    expect(acksOf({ outstanding: 0, late: [] })).toEqual({});
    expect(acksOf(null)).toEqual({});
  });

  it("behavior: merging keeps the newest signals in sequence order, a re-read replacing the old copy", () => {
    const a = [1, 2, 3].map((n) => timelineSignalOf(signal(n))!);
    const b = [3, 4, 5].map((n) => timelineSignalOf(signal(n), { v: "applied" })!);
    const merged = mergeTimeline(a, b, 4);
    expect(merged.map((s) => s.sequence)).toEqual([2, 3, 4, 5]);
    expect(merged[1]!.acks).toEqual({ v: "applied" });
  });
});
