import { HaltMode, type Signal, SignalKind, SubscribeResponse } from "@breakwater/proto";
import { describe, expect, it } from "vitest";
import { encodeSignalResponse, serializeSubscribeResponse } from "./wire.js";

const signal: Signal = {
  sequence: 12,
  signalId: "cb:ETH",
  kind: SignalKind.SIGNAL_KIND_CIRCUIT_BREAKER,
  issuedAtMs: 1_000,
  effectiveAtMs: 1_500,
  expiresAtMs: 0,
  scope: { assets: ["ETH"], markets: [], venues: ["perp-a"], chains: [] },
  reason: "r",
  ruleId: "cb",
  evidence: [{ name: "drawdown", value: 0.08, threshold: 0.07, detail: "" }],
  action: { $case: "circuitBreaker", value: { level: 1, durationMs: 5, mode: HaltMode.HALT_MODE_FULL } },
  leaderTerm: 2,
  keyId: "k",
  signature: Buffer.alloc(64, 7),
};

describe("pre-encoded Subscribe responses", () => {
  it.each([0, 1, 11, 2 ** 40])("default: decode to the same response (previous in scope %s)", (previous) => {
    const bytes = serializeSubscribeResponse(encodeSignalResponse(signal, previous));
    expect(SubscribeResponse.decode(bytes)).toEqual({
      item: { $case: "signal", value: signal },
      previousInScope: previous,
      traceparent: "",
    });
    expect(bytes).toEqual(
      Buffer.from(
        SubscribeResponse.encode({
          item: { $case: "signal", value: signal },
          previousInScope: previous,
          traceparent: "",
        }).finish(),
      ),
    );
  });
});
