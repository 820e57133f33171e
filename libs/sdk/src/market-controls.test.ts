import { HaltMode, type Signal, SignalKind } from "@breakwater/proto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MarketControls } from "./market-controls.js";

let seq = 0;
function signal(fields: Partial<Signal>): Signal {
  seq++;
  return {
    sequence: seq,
    signalId: `s-${seq}`,
    kind: SignalKind.SIGNAL_KIND_ADVISORY,
    issuedAtMs: 1_000,
    effectiveAtMs: 1_000,
    expiresAtMs: 0,
    scope: { assets: [], markets: [], venues: [], chains: [] },
    reason: "test",
    ruleId: "test",
    evidence: [],
    action: { $case: "advisory", value: { code: "t", message: "" } },
    leaderTerm: 1,
    keyId: "",
    signature: Buffer.alloc(0),
    ...fields,
  };
}
const halt = (
  scope: Partial<Signal["scope"] & object>,
  mode = HaltMode.HALT_MODE_FULL,
  times: Partial<Signal> = {},
) =>
  signal({
    kind: SignalKind.SIGNAL_KIND_CIRCUIT_BREAKER,
    scope: { assets: [], markets: [], venues: [], chains: [], ...scope },
    action: { $case: "circuitBreaker", value: { level: 1, durationMs: 900_000, mode } },
    ...times,
  });
const resume = (resumesSequence: number, scope: Partial<Signal["scope"] & object> = {}) =>
  signal({
    kind: SignalKind.SIGNAL_KIND_RESUME,
    scope: { assets: [], markets: [], venues: [], chains: [], ...scope },
    action: { $case: "resume", value: { resumesSequence } },
  });
const margin = (initial: number, maintenance: number, scope: Partial<Signal["scope"] & object>) =>
  signal({
    kind: SignalKind.SIGNAL_KIND_MARGIN_ADJUSTMENT,
    scope: { assets: [], markets: [], venues: [], chains: [], ...scope },
    action: {
      $case: "marginAdjustment",
      value: { initialMultiplier: initial, maintenanceMultiplier: maintenance },
    },
  });

const priceLimit = (
  lower: number,
  upper: number,
  scope: Partial<Signal["scope"] & object>,
  times: Partial<Signal> = {},
) =>
  signal({
    kind: SignalKind.SIGNAL_KIND_PRICE_LIMIT,
    scope: { assets: [], markets: [], venues: [], chains: [], ...scope },
    action: { $case: "priceLimit", value: { lower, upper, durationMs: 0 } },
    ...times,
  });

describe("MarketControls", () => {
  it("a price limit holds from effective_at to expires_at; the tightest of market, asset and book applies; a resume ends it", () => {
    const wide = priceLimit(4_650, 5_350, {}, { effectiveAtMs: 1_000, expiresAtMs: 9_000 });
    const downOnly = priceLimit(4_800, 0, { assets: ["ES"] }, { effectiveAtMs: 1_000, expiresAtMs: 0 });
    const c = new MarketControls().apply(wide).apply(downOnly);
    const es = { market: "ES-PERP", asset: "ES" };
    expect(c.priceLimitOf(es, 999)).toBeUndefined();
    expect(c.priceLimitOf(es, 2_000)).toMatchObject({
      lower: 4_800,
      upper: 5_350,
      sequence: downOnly.sequence,
    });
    expect(c.priceLimitOf({ market: "NQ-PERP", asset: "NQ" }, 2_000)).toMatchObject({ lower: 4_650 });
    expect(c.priceLimitOf(es, 9_000)).toMatchObject({ lower: 4_800, upper: 0 });
    expect(c.haltOf(es, 2_000)).toBeUndefined(); // trading continues within the limit
    const restored = MarketControls.fromJSON(JSON.parse(JSON.stringify(c.toJSON())));
    expect(restored.priceLimitOf(es, 2_000)).toEqual(c.priceLimitOf(es, 2_000));
    c.apply(resume(downOnly.sequence));
    expect(c.priceLimitOf(es, 2_000)).toMatchObject({ lower: 4_650, sequence: wide.sequence });
    expect(MarketControls.fromJSON({ halts: [], margins: [] }).priceLimitOf(es, 0)).toBeUndefined();
  });

  it("a halt of an asset halts its markets from effective_at until expires_at, and not other assets", () => {
    const h = halt({ assets: ["ETH"] }, HaltMode.HALT_MODE_FULL, {
      effectiveAtMs: 1_000,
      expiresAtMs: 5_000,
    });
    const c = new MarketControls().apply(h);
    expect(c.haltOf({ market: "ETH-PERP", asset: "ETH" }, 999)).toBeUndefined();
    expect(c.haltOf({ market: "ETH-PERP", asset: "ETH" }, 1_000)).toMatchObject({
      sequence: h.sequence,
      untilMs: 5_000,
    });
    expect(c.haltOf({ market: "ETH-PERP", asset: "ETH" }, 5_000)).toBeUndefined();
    expect(c.haltOf({ market: "BTC-PERP", asset: "BTC" }, 2_000)).toBeUndefined();
  });

  it("a resume ends the halt it names, on every market that halt covered", () => {
    const h = halt({ markets: ["ETH-PERP", "ETH-USD"] });
    const c = new MarketControls().apply(h);
    expect(c.haltOf({ market: "ETH-USD" }, 2_000)).toBeDefined();
    c.apply(resume(h.sequence));
    expect(c.haltOf({ market: "ETH-PERP" }, 2_000)).toBeUndefined();
    expect(c.haltOf({ market: "ETH-USD" }, 2_000)).toBeUndefined();
  });

  it("a resume of an older halt leaves a newer one on the same market", () => {
    const older = halt({ markets: ["ETH-PERP"] });
    const newer = halt({ markets: ["ETH-PERP"] });
    const c = new MarketControls().apply(older).apply(newer).apply(resume(older.sequence));
    expect(c.haltOf({ market: "ETH-PERP" }, 2_000)?.sequence).toBe(newer.sequence);
  });

  it("a halt with no market or asset covers the whole book; a full halt wins over reduce-only", () => {
    const c = new MarketControls()
      .apply(halt({ assets: ["ETH"] }, HaltMode.HALT_MODE_REDUCE_ONLY))
      .apply(halt({}, HaltMode.HALT_MODE_FULL));
    expect(c.haltOf({ market: "SOL-PERP", asset: "SOL" }, 2_000)?.mode).toBe(HaltMode.HALT_MODE_FULL);
    expect(c.haltOf({ market: "ETH-PERP", asset: "ETH" }, 2_000)?.mode).toBe(HaltMode.HALT_MODE_FULL);
  });

  it("margins: the largest multiplier of market, asset and book applies; 1/1 restores normal", () => {
    const c = new MarketControls()
      .apply(margin(1.5, 1.2, { assets: ["ETH"] }))
      .apply(margin(1.2, 1.4, { markets: ["ETH-PERP"] }));
    expect(c.marginOf({ market: "ETH-PERP", asset: "ETH" })).toMatchObject({
      initial: 1.5,
      maintenance: 1.4,
    });
    c.apply(margin(1, 1, { assets: ["ETH"] }));
    expect(c.marginOf({ market: "ETH-PERP", asset: "ETH" })).toMatchObject({
      initial: 1.2,
      maintenance: 1.4,
    });
    expect(c.marginOf({ market: "BTC-PERP", asset: "BTC" })).toMatchObject({
      initial: 1,
      maintenance: 1,
      sequence: 0,
    });
  });

  it("property: the JSON a store keeps gives the same answers as the controls it came from", () => {
    const arbSignal = fc.oneof(
      fc.record({
        k: fc.constant("halt"),
        asset: fc.constantFrom("ETH", "BTC", ""),
        mode: fc.constantFrom(1, 2),
        exp: fc.nat(10_000),
      }),
      fc.record({ k: fc.constant("resume"), back: fc.nat(5) }),
      fc.record({
        k: fc.constant("margin"),
        asset: fc.constantFrom("ETH", "BTC"),
        m: fc.double({ min: 1, max: 3, noNaN: true }),
      }),
    );
    fc.assert(
      fc.property(fc.array(arbSignal, { maxLength: 30 }), fc.nat(12_000), (steps, atMs) => {
        const c = new MarketControls();
        for (const step of steps) {
          if (step.k === "halt")
            c.apply(
              halt(step.asset ? { assets: [step.asset] } : {}, step.mode, {
                effectiveAtMs: 0,
                expiresAtMs: step.exp,
              }),
            );
          else if (step.k === "resume") c.apply(resume(Math.max(0, seq - step.back)));
          else c.apply(margin(step.m, step.m, { assets: [step.asset] }));
        }
        const restored = MarketControls.fromJSON(JSON.parse(JSON.stringify(c.toJSON())));
        for (const ref of [
          { market: "ETH-PERP", asset: "ETH" },
          { market: "BTC-PERP", asset: "BTC" },
          { market: "X" },
        ]) {
          expect(restored.haltOf(ref, atMs)).toEqual(c.haltOf(ref, atMs));
          expect(restored.marginOf(ref)).toEqual(c.marginOf(ref));
        }
      }),
    );
  });
});
