import { HaltMode, type Signal, SignalKind } from "@breakwater/proto";
import { describe, expect, it } from "vitest";
import { signalLine } from "./events.js";

const halt: Signal = {
  sequence: 7,
  signalId: "circuit-breaker-l1:ETH:a1",
  kind: SignalKind.SIGNAL_KIND_CIRCUIT_BREAKER,
  issuedAtMs: 1_000,
  effectiveAtMs: 1_500,
  expiresAtMs: 901_500,
  scope: { assets: ["ETH"], markets: ["ETH-PERP"], venues: ["perp-a"], chains: ["sim-a"] },
  reason: "ETH fell 8%",
  ruleId: "circuit-breaker-l1",
  evidence: [],
  action: {
    $case: "circuitBreaker",
    value: { level: 1, durationMs: 900_000, mode: HaltMode.HALT_MODE_FULL },
  },
  leaderTerm: 1,
  keyId: "",
  signature: Buffer.alloc(0),
};

describe("signalLine", () => {
  it("default: a circuit breaker line carries sequence, scope, times, latency and level", () => {
    expect(signalLine("perp-a", halt, 1_012, { late: false, expired: false })).toEqual({
      event: "signal",
      venue: "perp-a",
      sequence: 7,
      kind: "circuit_breaker",
      scope: { assets: ["ETH"], markets: ["ETH-PERP"], venues: ["perp-a"], chains: ["sim-a"] },
      issuedAtMs: 1_000,
      effectiveAtMs: 1_500,
      receivedAtMs: 1_012,
      latencyMs: 12,
      level: 1,
      late: false,
      expired: false,
      reason: "ETH fell 8%",
    });
  });

  it("behavior: a price limit line carries its band and duration; a margin change its multipliers", () => {
    const limit: Signal = {
      ...halt,
      kind: SignalKind.SIGNAL_KIND_PRICE_LIMIT,
      action: { $case: "priceLimit", value: { lower: 4650, upper: 0, durationMs: 0 } },
    };
    const margin: Signal = {
      ...halt,
      kind: SignalKind.SIGNAL_KIND_MARGIN_ADJUSTMENT,
      action: { $case: "marginAdjustment", value: { initialMultiplier: 1.5, maintenanceMultiplier: 1.25 } },
    };
    const limitLine = signalLine("perp-a", limit, 1_010, { late: false, expired: false });
    expect(limitLine).toMatchObject({
      kind: "price_limit",
      priceLimit: { lower: 4650, upper: 0, durationMs: 0 },
    });
    expect(limitLine.level).toBeUndefined();
    expect(signalLine("perp-a", margin, 1_010, { late: false, expired: false })).toMatchObject({
      kind: "margin_adjustment",
      margin: { initial: 1.5, maintenance: 1.25 },
    });
  });

  it("behavior: signals other than circuit breakers have no level", () => {
    const advisory: Signal = {
      ...halt,
      kind: SignalKind.SIGNAL_KIND_ADVISORY,
      action: { $case: "advisory", value: { code: "c", message: "m" } },
    };
    const line = signalLine("perp-a", advisory, 2_000, { late: true, expired: false });
    expect(line).not.toHaveProperty("level");
    expect(line).toMatchObject({ kind: "advisory", late: true });
  });
});
