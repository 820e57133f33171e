import {
  ChainStatus,
  PositionSide,
  PositionStatus,
  type PositionUpdate,
  type PriceTick,
} from "@breakwater/proto";
import { describe, expect, it } from "vitest";
import type { ChainEvent } from "./chain-event.js";
import { CorrelatorState } from "./correlator-state.js";

const T0 = 1_700_000_000_000;
let n = 0;

function position(p: Partial<PositionUpdate>): ChainEvent {
  return {
    kind: "position",
    value: {
      eventId: `p${n++}`,
      chainId: "sim-a",
      venueId: "perp-a",
      account: "0x1",
      market: "ETH-PERP",
      asset: "ETH",
      side: PositionSide.POSITION_SIDE_LONG,
      status: PositionStatus.POSITION_STATUS_OPEN,
      size: "1",
      entryPrice: "",
      collateralAsset: "",
      collateralAmount: "",
      liquidationPrice: "",
      coordinates: undefined,
      chainTimeMs: T0,
      observedAtMs: T0,
      ...p,
    },
  };
}

function tick(p: Partial<PriceTick>): PriceTick {
  return {
    eventId: `t${n++}`,
    chainId: "sim-a",
    source: "oracle",
    asset: "ETH",
    price: "2000",
    coordinates: undefined,
    chainTimeMs: T0,
    observedAtMs: T0,
    ...p,
  };
}

function heartbeat(chainId: string, atMs: number, status = ChainStatus.CHAIN_STATUS_HEALTHY): ChainEvent {
  return {
    kind: "heartbeat",
    value: {
      chainId,
      headNumber: 1,
      headHash: "0x1",
      headTimeMs: atMs,
      processedNumber: 1,
      observedAtMs: atMs,
      status,
      detail: "",
    },
  };
}

function fresh(): CorrelatorState {
  return new CorrelatorState({ staleAfterMs: 5_000, priceFreshMs: 30_000 });
}

describe("CorrelatorState", () => {
  it("default: rows are size × reference price per (asset, venue, chain)", () => {
    const s = fresh();
    s.apply(heartbeat("sim-a", T0), T0);
    s.apply(position({ account: "a", size: "2.5" }), T0);
    s.apply(position({ account: "b", size: "1.5", side: PositionSide.POSITION_SIDE_SHORT }), T0);
    s.apply({ kind: "price", value: tick({ price: "2000" }) }, T0);
    s.apply({ kind: "price", value: tick({ source: "pyth", price: "2002" }) }, T0);
    const snap = s.snapshot({}, T0 + 1_000);
    expect(snap.referencePrices).toEqual({ ETH: "2001" });
    expect(snap.rows).toEqual([
      {
        asset: "ETH",
        venueId: "perp-a",
        chainId: "sim-a",
        longNotional: 2.5 * 2001,
        shortNotional: 1.5 * 2001,
        netNotional: 2.5 * 2001 - 1.5 * 2001,
        grossNotional: 2.5 * 2001 + 1.5 * 2001,
        collateralValue: 0,
        positions: 2,
        stale: false,
      },
    ]);
    expect(snap.chains).toEqual([{ chainId: "sim-a", lastHeartbeatMs: T0, ageMs: 1_000, stale: false }]);
    expect(snap.staleChains).toEqual([]);
  });

  it("behavior: a stale chain keeps its positions, marked stale", () => {
    const s = fresh();
    s.apply(heartbeat("sim-a", T0), T0);
    s.apply(heartbeat("sim-b", T0 - 60_000), T0);
    s.apply(position({ chainId: "sim-b", venueId: "perp-b", size: "3" }), T0);
    s.apply({ kind: "price", value: tick({ price: "10" }) }, T0);
    const snap = s.snapshot({}, T0);
    expect(snap.staleChains).toEqual(["sim-b"]);
    expect(snap.rows).toMatchObject([{ chainId: "sim-b", longNotional: 30, stale: true }]);
  });

  it("behavior: an asset without a price has zero notional and no reference", () => {
    const s = fresh();
    s.apply(position({ asset: "SOL", market: "SOL-PERP", size: "4" }), T0);
    const snap = s.snapshot({}, T0);
    expect(snap.referencePrices).toEqual({});
    expect(snap.rows).toMatchObject([{ asset: "SOL", positions: 1, longNotional: 0, grossNotional: 0 }]);
  });

  it("behavior: filters narrow rows, prices and chains", () => {
    const s = fresh();
    s.apply(position({ account: "a" }), T0);
    s.apply(position({ account: "b", chainId: "sim-b", venueId: "perp-b" }), T0);
    s.apply(position({ account: "c", asset: "BTC", market: "BTC-PERP" }), T0);
    s.apply({ kind: "price", value: tick({ asset: "BTC", price: "60000" }) }, T0);
    s.apply({ kind: "price", value: tick({ price: "2000" }) }, T0);
    const byChain = s.snapshot({ chainId: "sim-b" }, T0);
    expect(byChain.rows.map((r) => r.chainId)).toEqual(["sim-b"]);
    expect(byChain.chains.map((c) => c.chainId)).toEqual(["sim-b"]);
    const byAsset = s.snapshot({ asset: "BTC" }, T0);
    expect(byAsset.referencePrices).toEqual({ BTC: "60000" });
    expect(byAsset.rows.map((r) => r.asset)).toEqual(["BTC"]);
    expect(s.snapshot({ venueId: "perp-a" }, T0).rows.map((r) => `${r.asset}@${r.venueId}`)).toEqual([
      "BTC@perp-a",
      "ETH@perp-a",
    ]);
  });

  it("behavior: an assessment names holders, stale chains and gross notional", () => {
    const s = fresh();
    s.apply(heartbeat("sim-a", T0), T0);
    s.apply(heartbeat("sim-b", T0, ChainStatus.CHAIN_STATUS_DOWN), T0);
    s.apply(position({ account: "a", size: "2" }), T0);
    s.apply(
      position({ account: "b", chainId: "sim-b", venueId: "lend-b", market: "ETH-LEND", size: "1" }),
      T0,
    );
    s.apply(position({ account: "c", asset: "BTC", market: "BTC-PERP" }), T0);
    const t = tick({ eventId: "sim-a:0xabc:3", price: "1500", chainTimeMs: T0 + 5 });
    s.apply({ kind: "price", value: t }, T0);
    expect(s.assess(t, T0 + 7)).toEqual({
      assessmentId: "assess:sim-a:0xabc:3",
      asset: "ETH",
      referencePrice: "1500",
      agreeingSources: 1,
      priceTimeMs: T0 + 5,
      assessedAtMs: T0 + 7,
      venues: ["lend-b", "perp-a"],
      markets: ["ETH-LEND", "ETH-PERP"],
      chains: ["sim-a", "sim-b"],
      staleChains: ["sim-b"],
      grossNotional: 3 * 1500,
      chainNotional: [
        { chainId: "sim-a", grossNotional: 2 * 1500 },
        { chainId: "sim-b", grossNotional: 1 * 1500 },
      ],
      divergence: 0,
      unpriceable: false,
      freshSources: 1,
      ladderMoveBps: 500,
      liquidatableDownNotional: 0,
      liquidatableUpNotional: 0,
      depthNotional: 5 * 10_000_000,
      volatility: 0,
    });
  });

  it("behavior: an assessment reports ladder pressure, a split as unpriceable, and vol from sampled returns", () => {
    const s = new CorrelatorState({
      staleAfterMs: 5_000,
      priceFreshMs: 30_000,
      ladderMaxAgeMs: 0,
      volSampleMs: 1_000,
      volHorizonMs: 1_000,
      depth: { ETH: { notionalPer1Pct: 1_000, exponent: 1 } },
    });
    s.apply(position({ account: "a", size: "2", liquidationPrice: "1940" }), T0); // -3%
    s.apply(
      position({ account: "b", size: "1", liquidationPrice: "2200", side: PositionSide.POSITION_SIDE_SHORT }),
      T0,
    ); // +10%
    s.apply({ kind: "price", value: tick({ price: "2000", chainTimeMs: T0 }) }, T0);
    const t = tick({ price: "2000", chainTimeMs: T0 + 1_000 });
    s.apply({ kind: "price", value: t }, T0);
    const a = s.assess(t, T0);
    expect(a).toMatchObject({ ladderMoveBps: 500, liquidatableUpNotional: 0, depthNotional: 5_000 });
    expect(a.liquidatableDownNotional).toBeCloseTo(2 * 2000 * 0.97, 6);
    const up = tick({ price: "2100", chainTimeMs: T0 + 2_000 });
    s.apply({ kind: "price", value: up }, T0);
    // returns 0 (seeds σ² = 0), then ln(2100/2000): σ² = 0.06 r²
    expect(s.assess(up, T0).volatility).toBeCloseTo(Math.sqrt(0.06) * Math.log(2100 / 2000), 12);
    s.apply({ kind: "price", value: tick({ source: "pyth", price: "1500", chainTimeMs: T0 + 2_001 }) }, T0);
    const split = s.assess(up, T0);
    expect(split).toMatchObject({
      unpriceable: true,
      referencePrice: "",
      agreeingSources: 0,
      freshSources: 2,
    });
    expect(split.divergence).toBeCloseTo(600 / 1800, 12);
    // exposure stays valued at the last agreed price, and the snapshot says the asset is unpriceable
    const snap = s.snapshot({}, T0);
    expect(snap.unpriceableAssets).toEqual(["ETH"]);
    expect(snap.referencePrices).toEqual({});
    expect(snap.rows[0]!.longNotional).toBe(2 * 2100);
  });

  it("behavior: a retraction restores the previous revision; retracting twice changes nothing", () => {
    const s = fresh();
    s.apply(position({ size: "2" }), T0);
    const orphan = position({ size: "9" });
    s.apply(orphan, T0);
    const orphanId = orphan.kind === "position" ? orphan.value.eventId : "";
    const retract: ChainEvent = {
      kind: "retraction",
      value: {
        eventId: "r1",
        chainId: "sim-a",
        retractedEventId: orphanId,
        reason: "reorg",
        observedAtMs: T0,
      },
    };
    expect(s.apply(retract, T0)).toEqual({ kind: "retraction", changed: true });
    expect(s.apply(retract, T0)).toEqual({ kind: "retraction", changed: false });
    s.apply({ kind: "price", value: tick({ price: "1" }) }, T0);
    expect(s.snapshot({}, T0).rows[0]).toMatchObject({ longNotional: 2 });
  });

  it("behavior: applying every event twice yields the same snapshot as once", () => {
    const events: ChainEvent[] = [
      heartbeat("sim-a", T0),
      position({ account: "a", size: "2" }),
      position({ account: "b", size: "3", side: PositionSide.POSITION_SIDE_SHORT }),
      { kind: "price", value: tick({ price: "100" }) },
      position({ account: "a", size: "0", status: PositionStatus.POSITION_STATUS_CLOSED }),
      { kind: "price", value: tick({ source: "b", price: "104", chainTimeMs: T0 + 1 }) },
    ];
    const once = fresh();
    const twice = fresh();
    for (const e of events) once.apply(e, T0);
    for (const e of events) {
      twice.apply(e, T0);
      twice.apply(e, T0);
    }
    expect(twice.snapshot({}, T0 + 10)).toEqual(once.snapshot({}, T0 + 10));
  });
});
