import { AckRequest, AckState, ExposureSnapshot, Signal, SignalKind } from "@breakwater/proto";
import { describe, expect, it } from "vitest";
import { ackRecord, EXPORT_HEADERS, scopeKey, signalRecord, snapshotRecords } from "./records.js";

const pos = { stream: "BW_SIGNALS", sequence: 42, subject: "bw.signal" };
const signal = Signal.fromPartial({
  sequence: 42,
  signalId: "cb-l1:ETH:p7",
  kind: SignalKind.SIGNAL_KIND_CIRCUIT_BREAKER,
  scope: { assets: ["ETH", "BTC", "ETH"], venues: ["perp-a"] },
  reason: "fell 7%",
});
const row = (asset: string, venueId: string) => ({
  asset,
  venueId,
  chainId: "sim-a",
  longNotional: 1,
  shortNotional: 0,
  netNotional: 1,
  grossNotional: 1,
  collateralValue: 0,
  positions: 1,
  stale: false,
});
const snapshot = ExposureSnapshot.fromPartial({
  takenAtMs: 1_000,
  rows: [row("ETH", "perp-a"), row("BTC", "perp-a"), row("ETH", "perp-b")],
  referencePrices: { ETH: "2000", BTC: "60000" },
  staleChains: ["sim-b"],
  unpriceableAssets: ["BTC"],
});
const text = (v: Uint8Array) => JSON.parse(new TextDecoder().decode(v));

describe("signalRecord", () => {
  it("default: keyed by the scope's assets, with the stream coordinates in its headers and the proto's JSON as value", () => {
    const r = signalRecord(signal, pos, { keyBy: "asset", format: "json" });
    expect(r.key).toBe("BTC,ETH");
    expect(r.headers).toEqual({
      [EXPORT_HEADERS.stream]: "BW_SIGNALS",
      [EXPORT_HEADERS.sequence]: "42",
      [EXPORT_HEADERS.subject]: "bw.signal",
      [EXPORT_HEADERS.type]: "breakwater.v1.Signal",
      [EXPORT_HEADERS.contentType]: "application/json",
    });
    expect(text(r.value)).toEqual(Signal.toJSON(signal));
    expect(text(r.value).signalId).toBe("cb-l1:ETH:p7");
  });

  it("behavior: the record's timestamp is the stream's stored time when known", () => {
    expect(signalRecord(signal, pos, { keyBy: "asset", format: "json" }).timestampMs).toBeUndefined();
    const stored = { ...pos, storedAtMs: 1_700_000_000_123 };
    expect(signalRecord(signal, stored, { keyBy: "asset", format: "json" }).timestampMs).toBe(
      1_700_000_000_123,
    );
    expect(
      snapshotRecords(snapshot, stored, { keyBy: "asset", format: "json" }).map((r) => r.timestampMs),
    ).toEqual([1_700_000_000_123, 1_700_000_000_123]);
  });

  it("behavior: keyed by venue, or unkeyed; an empty scope is the market-wide key", () => {
    expect(signalRecord(signal, pos, { keyBy: "venue", format: "json" }).key).toBe("perp-a");
    expect(signalRecord(signal, pos, { keyBy: "none", format: "json" }).key).toBeNull();
    expect(signalRecord(Signal.fromPartial({}), pos, { keyBy: "asset", format: "json" }).key).toBe("*");
    expect(scopeKey(["b", "a", "b"])).toBe("a,b");
  });

  it("behavior: protobuf carries the stored bytes unchanged (the signature still verifies)", () => {
    const raw = Signal.encode(signal).finish();
    const r = signalRecord(signal, pos, { keyBy: "asset", format: "protobuf", raw });
    expect(r.value).toBe(raw);
    expect(r.headers[EXPORT_HEADERS.contentType]).toBe(
      "application/x-protobuf; messageType=breakwater.v1.Signal",
    );
    expect(Signal.decode(signalRecord(signal, pos, { keyBy: "asset", format: "protobuf" }).value)).toEqual(
      signal,
    );
  });
});

describe("ackRecord", () => {
  const ack = AckRequest.fromPartial({ venueId: "perp-a", sequence: 7, state: AckState.ACK_STATE_APPLIED });
  it("default: keyed by venue or by the acked signal's sequence", () => {
    const p = { stream: "BW_ACKS", sequence: 3, subject: "bw.ack.perp-a" };
    expect(ackRecord(ack, p, { keyBy: "venue", format: "json" }).key).toBe("perp-a");
    expect(ackRecord(ack, p, { keyBy: "signal", format: "json" }).key).toBe("7");
    expect(text(ackRecord(ack, p, { keyBy: "none", format: "json" }).value)).toMatchObject({
      venueId: "perp-a",
      sequence: 7,
    });
  });
});

describe("snapshotRecords", () => {
  const p = { stream: "BW_SNAPSHOTS", sequence: 9, subject: "bw.snapshot" };
  it("default: split by asset, one part per asset in key order with its rows, price and flags", () => {
    const parts = snapshotRecords(snapshot, p, { keyBy: "asset", format: "json" });
    expect(parts.map((r) => [r.key, r.headers[EXPORT_HEADERS.part]])).toEqual([
      ["BTC", "1/2"],
      ["ETH", "2/2"],
    ]);
    const eth = text(parts[1]!.value);
    expect(eth.rows).toHaveLength(2);
    expect(eth.referencePrices).toEqual({ ETH: "2000" });
    expect(eth.unpriceableAssets ?? []).toEqual([]);
    expect(eth.staleChains).toEqual(["sim-b"]);
    expect(text(parts[0]!.value).unpriceableAssets).toEqual(["BTC"]);
    expect(parts.every((r) => r.headers[EXPORT_HEADERS.sequence] === "9")).toBe(true);
  });

  it("behavior: split by venue keeps every price; protobuf parts decode to snapshots", () => {
    const parts = snapshotRecords(snapshot, p, { keyBy: "venue", format: "protobuf" });
    expect(parts.map((r) => r.key)).toEqual(["perp-a", "perp-b"]);
    const a = ExposureSnapshot.decode(parts[0]!.value);
    expect(a.rows.map((r) => r.asset)).toEqual(["ETH", "BTC"]);
    expect(a.referencePrices).toEqual(snapshot.referencePrices);
  });

  it("behavior: unsplit, or without rows, a snapshot is one unkeyed record without a part", () => {
    for (const s of [snapshot, ExposureSnapshot.fromPartial({ takenAtMs: 5 })]) {
      const records = snapshotRecords(s, p, { keyBy: s === snapshot ? "none" : "asset", format: "json" });
      expect(records).toHaveLength(1);
      expect(records[0]!.key).toBeNull();
      expect(records[0]!.headers[EXPORT_HEADERS.part]).toBeUndefined();
    }
  });
});
