import { HaltMode, type Signal, SignalKind, SubscribeResponse } from "@breakwater/proto";
import { describe, expect, it } from "vitest";
import { encodeBatchResponse, encodeSignalResponse, serializeSubscribeResponse } from "./wire.js";

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
      batch: undefined,
    });
    expect(bytes).toEqual(
      Buffer.from(
        SubscribeResponse.encode({
          item: { $case: "signal", value: signal },
          previousInScope: previous,
          traceparent: "",
          batch: undefined,
        }).finish(),
      ),
    );
  });

  it("behavior: a batch of pre-encoded items decodes to the items, in order, each whole", () => {
    const first = { ...signal }; // a signal's bytes are kept per signal: a fresh one takes this traceparent
    const later = { ...signal, sequence: 13, signalId: "cb:BTC" };
    const items = [encodeSignalResponse(first, 11, "00-aa-bb-01"), encodeSignalResponse(later, 12)];
    const decoded = SubscribeResponse.decode(serializeSubscribeResponse(encodeBatchResponse(items)));
    expect(decoded.item).toBeUndefined();
    expect(decoded.batch?.items).toEqual([
      {
        item: { $case: "signal", value: signal },
        previousInScope: 11,
        traceparent: "00-aa-bb-01",
        batch: undefined,
      },
      { item: { $case: "signal", value: later }, previousInScope: 12, traceparent: "", batch: undefined },
    ]);
    // a large batch (lengths past one varint byte) too
    const many = Array.from({ length: 300 }, (_, i) =>
      encodeSignalResponse({ ...signal, sequence: 100 + i }, 99 + i),
    );
    const all = SubscribeResponse.decode(serializeSubscribeResponse(encodeBatchResponse(many))).batch!.items;
    expect(all.map((r) => (r.item?.$case === "signal" ? r.item.value.sequence : 0))).toEqual(
      Array.from({ length: 300 }, (_, i) => 100 + i),
    );
    expect(all.map((r) => r.previousInScope)).toEqual(Array.from({ length: 300 }, (_, i) => 99 + i));
  });
});
