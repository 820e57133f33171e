import type { ChainEvent } from "@breakwater/bus";
import { InvalidRequestError, RISKMETRICS_HALF_LIFE_MS, YEAR_MS } from "@breakwater/core";
import { positionUpdate } from "@breakwater/core/testing";
import {
  ChainStatus,
  GetGreeksRequest,
  type OptionTerms as OptionContract,
  OptionKind,
  PositionSide,
  PositionStatus,
  type PositionUpdate,
  type PriceTick,
} from "@breakwater/proto";
import { describe, expect, it } from "vitest";
import { CorrelatorState } from "./correlator-state.js";
import { greeks } from "./research-queries.js";

const T0 = 1_700_000_000_000;
let n = 0;

function position(p: Partial<PositionUpdate>): ChainEvent {
  return {
    kind: "position",
    value: positionUpdate({ eventId: `p${n++}`, chainTimeMs: T0, observedAtMs: T0, ...p }),
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
      // the watcher of sim-b said DOWN in its newest heartbeat
      degradedChains: [{ chainId: "sim-b", status: ChainStatus.CHAIN_STATUS_DOWN, detail: "" }],
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
      depthSource: "default",
      volatility: 0,
      correlations: [],
    });
  });

  it("behavior: a chain its watcher reports DEGRADED reaches the assessment with the reason, though it is not stale", () => {
    const s = fresh();
    const degraded = heartbeat("evm-a", T0, ChainStatus.CHAIN_STATUS_DEGRADED);
    if (degraded.kind === "heartbeat") degraded.value.detail = "sequencer down since block 812";
    s.apply(degraded, T0);
    s.apply(heartbeat("sim-a", T0), T0);
    s.apply(position({ account: "a", chainId: "evm-a", size: "2" }), T0);
    const t = tick({ eventId: "sim-a:0xabc:9", price: "1500", chainTimeMs: T0 + 5 });
    s.apply({ kind: "price", value: t }, T0);
    const a = s.assess(t, T0 + 7);
    expect(a.staleChains).toEqual([]);
    expect(a.degradedChains).toEqual([
      {
        chainId: "evm-a",
        status: ChainStatus.CHAIN_STATUS_DEGRADED,
        detail: "sequencer down since block 812",
      },
    ]);
    // back to healthy: nothing to report
    s.apply(heartbeat("evm-a", T0 + 1_000), T0 + 1_000);
    expect(s.assess(t, T0 + 1_001).degradedChains).toEqual([]);
  });

  it("behavior: a lone price source that stops while another chain's heartbeats go on goes stale (clock), and is counted", () => {
    const s = new CorrelatorState({ staleAfterMs: 5_000, priceFreshMs: 30_000, priceMaxAgeMs: 60_000 });
    s.apply(position({ account: "a", chainId: "sim-a", size: "2" }), T0);
    s.apply({ kind: "price", value: tick({ price: "2000", chainTimeMs: T0 }) }, T0);
    expect(s.valuationPrice("ETH")).toBe(2000);
    expect(s.prices.referenceOf("ETH")).toMatchObject({ price: "2000", unpriceable: false });
    // only sim-b speaks now: its heartbeats' head times move the chain clock
    s.apply(heartbeat("sim-b", T0 + 60_000), T0 + 60_000);
    expect(s.prices.referenceOf("ETH")!.unpriceable).toBe(false);
    // a heartbeat stored earlier than its head time says counts only up to its storage
    s.apply(heartbeat("sim-b", T0 + 90_000), T0 + 60_000);
    expect(s.prices.referenceOf("ETH")!.unpriceable).toBe(false);
    s.apply(heartbeat("sim-b", T0 + 60_001), T0 + 60_001);
    const ref = s.prices.referenceOf("ETH")!;
    expect(ref).toMatchObject({ price: "", unpriceable: true, freshSources: 0, lastPrice: "2000" });
    expect(ref.observations[0]!.excluded).toBe("clock");
    expect(s.excludedPriceSources()).toEqual(new Map([["clock", 1]]));
    // exposure is still valued at the last agreed price (as for a split), never at nothing
    expect(s.valuationPrice("ETH")).toBe(2000);
  });

  it("behavior: an assessment carries the asset's live EWMA correlations once sampled enough, and its depth with the source", () => {
    const s = new CorrelatorState({
      staleAfterMs: 5_000,
      priceFreshMs: 30_000,
      volSampleMs: 1_000,
      correlationMinSamples: 5,
      depth: { ETH: { notionalPer1Pct: 1e6, exponent: 1 } },
      venueDepth: {
        "gmx-lab": { ETH: { notionalPer1Pct: 2e6, exponent: 1 } },
        "perp-evm": { ETH: { notionalPer1Pct: 3e6, exponent: 1 } },
      },
    });
    // ETH and STETH move together, BTC against them
    const moves = [0.01, -0.02, 0.015, -0.01, 0.02, -0.015, 0.01];
    let eth = 2000;
    let steth = 1990;
    let btc = 60_000;
    let last: PriceTick | undefined;
    moves.forEach((m, i) => {
      eth *= 1 + m;
      steth *= 1 + 0.9 * m;
      btc *= 1 - 0.5 * m;
      // a steady USDC tick opens each grid step, so each sample holds the last step's three prices
      const at = T0 + (i + 1) * 1_000;
      for (const [k, [asset, price]] of (
        [
          ["USDC", 1],
          ["STETH", steth],
          ["BTC", btc],
          ["ETH", eth],
        ] as const
      ).entries()) {
        last = tick({ asset, price: price.toFixed(6), chainTimeMs: at + k });
        s.apply({ kind: "price", value: last }, at + k);
      }
    });
    const a = s.assess(last!, T0 + 10_000);
    expect(a.correlations.map((c) => c.asset)).toEqual(["STETH", "BTC"]);
    expect(a.correlations[0]!.correlation).toBeGreaterThan(0.99);
    expect(a.correlations[1]!.correlation).toBeLessThan(-0.99);
    expect(a.correlations[0]!.samples).toBeGreaterThanOrEqual(5);
    // the venues' depth (2e6 + 3e6 per 1%) ahead of the asset's own: 25e6 for the 500 bps move
    expect(a.depthSource).toBe("venues:gmx-lab,perp-evm");
    expect(a.depthNotional).toBeCloseTo(25e6, 3);
    // too few samples for the bound: none reported
    const strict = new CorrelatorState({
      staleAfterMs: 5_000,
      priceFreshMs: 30_000,
      volSampleMs: 1_000,
      correlationMinSamples: 50,
    });
    strict.apply({ kind: "price", value: last! }, T0);
    expect(strict.assess(last!, T0).correlations).toEqual([]);
    expect(strict.assess(last!, T0).depthSource).toBe("default");
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
    // returns 0, then r = ln(2100/2000): σ² = (λ·0 + r²) / (λ + 1), λ per one-second sample of RiskMetrics' half-life
    const lambda = 0.5 ** (1_000 / RISKMETRICS_HALF_LIFE_MS);
    expect(s.assess(up, T0).volatility).toBeCloseTo(Math.log(2100 / 2000) / Math.sqrt(1 + lambda), 12);
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

  describe("options positions", () => {
    // Black-76 at F = K, T = 1 year, σ = 0.2, r = 0: d1 = 0.1, N(d1) = 0.539827837277029, φ(d1) = 0.3969525474770118
    const CALL_DELTA = 0.539827837277029;
    const PHI = 0.3969525474770118;
    const option = (o: Partial<OptionContract> = {}, p: Partial<PositionUpdate> = {}): ChainEvent =>
      position({
        venueId: "opt-a",
        market: "ETH-C-2000",
        option: {
          kind: OptionKind.OPTION_KIND_CALL,
          strike: "2000",
          expiryMs: T0 + YEAR_MS,
          impliedVolatility: "0.2",
          markPrice: "",
          ...o,
        },
        ...p,
      });
    const idOf = (e: ChainEvent) => (e.kind === "position" ? e.value.eventId : "");
    const retraction = (retractedEventId: string): ChainEvent => ({
      kind: "retraction",
      value: {
        eventId: `r-${retractedEventId}`,
        chainId: "sim-a",
        retractedEventId,
        reason: "reorg",
        observedAtMs: T0,
      },
    });
    const ask = (s: CorrelatorState, req: Partial<GetGreeksRequest> = {}) =>
      greeks(s, GetGreeksRequest.fromPartial(req), T0);

    it("default: options go to the options book, not to linear exposure; greeks on the reference price", () => {
      const s = fresh();
      s.apply(heartbeat("sim-a", T0), T0);
      s.apply(position({ account: "perp", size: "1" }), T0);
      expect(s.apply(option({}, { account: "a", size: "3" }), T0)).toEqual({
        kind: "position",
        changed: true,
      });
      s.apply(
        option(
          { kind: OptionKind.OPTION_KIND_PUT, impliedVolatility: "", markPrice: "0" },
          { account: "b", venueId: "opt-b", market: "ETH-P-2000", side: PositionSide.POSITION_SIDE_SHORT },
        ),
        T0,
      );
      s.apply({ kind: "price", value: tick({ price: "2000" }) }, T0);
      expect(s.book.positionCount).toBe(1);
      expect(s.options.positionCount).toBe(2);
      // linear exposure ignores the options: 1 ETH long only
      expect(s.snapshot({}, T0).rows).toMatchObject([
        { venueId: "perp-a", longNotional: 2000, positions: 1 },
      ]);
      const res = ask(s, { asset: "ETH" });
      expect(res).toMatchObject({ takenAtMs: T0, staleChains: [], rate: 0 });
      const [eth] = res.assets;
      expect(eth).toMatchObject({
        asset: "ETH",
        referencePrice: "2000",
        unpriceable: false,
        positions: 2,
        unpriced: 1, // a zero mark implies no volatility
        expired: 0,
        chains: ["sim-a"],
      });
      expect(eth!.delta).toBeCloseTo(3 * CALL_DELTA, 12);
      expect(eth!.gamma).toBeCloseTo((3 * PHI) / (2000 * 0.2), 14);
      expect(eth!.vega).toBeCloseTo(3 * 2000 * PHI, 9);
      expect(eth!.byVenue.map((v) => [v.venueId, v.positions, v.unpriced, v.delta])).toEqual([
        ["opt-a", 1, 0, eth!.delta],
        ["opt-b", 1, 1, 0],
      ]);
      expect(ask(s).assets.map((a) => a.asset)).toEqual(["ETH"]);
      expect(ask(s, { asset: "ETH", venueId: "opt-b" }).assets[0]).toMatchObject({ positions: 1, delta: 0 });
    });

    it("behavior: without an agreed reference price the asset is unpriceable: counts, no greeks", () => {
      const s = fresh();
      s.apply(option({}, { size: "3" }), T0);
      const never = ask(s, { asset: "ETH" }).assets[0]!;
      expect(never).toMatchObject({ unpriceable: true, referencePrice: "", positions: 1, unpriced: 1 });
      expect(never).not.toHaveProperty("delta");
      expect(never.byVenue[0]).not.toHaveProperty("delta");
      // a split: the last agreed price is not used for greeks
      s.apply({ kind: "price", value: tick({ price: "2000" }) }, T0);
      s.apply({ kind: "price", value: tick({ source: "pyth", price: "1500", chainTimeMs: T0 + 1 }) }, T0);
      expect(s.prices.referenceOf("ETH")!.unpriceable).toBe(true);
      expect(ask(s, { asset: "ETH" }).assets[0]).toMatchObject({ unpriceable: true, referencePrice: "" });
      expect(ask(s, { asset: "ETH" }).assets[0]).not.toHaveProperty("gamma");
    });

    it("behavior: a closure without terms closes the options position; retractions reach both books", () => {
      const s = fresh();
      s.apply({ kind: "price", value: tick({ price: "2000" }) }, T0);
      const opened = option({}, { size: "3" });
      const linear = position({ account: "perp", size: "1" });
      s.apply(opened, T0);
      s.apply(linear, T0);
      const closed = position({
        venueId: "opt-a",
        market: "ETH-C-2000",
        status: PositionStatus.POSITION_STATUS_CLOSED,
        size: "0",
      });
      s.apply(closed, T0);
      expect(s.options.positionCount).toBe(0);
      expect(s.book.positionCount).toBe(1);
      expect(s.apply(retraction(idOf(closed)), T0)).toEqual({ kind: "retraction", changed: true });
      expect(s.options.positionCount).toBe(1);
      expect(s.apply(retraction(idOf(opened)), T0)).toEqual({ kind: "retraction", changed: true });
      expect(s.apply(retraction(idOf(linear)), T0)).toEqual({ kind: "retraction", changed: true });
      expect(s.apply(retraction(idOf(linear)), T0)).toEqual({ kind: "retraction", changed: false });
      expect(s.options.positionCount + s.book.positionCount).toBe(0);
      expect(ask(s, { asset: "ETH" }).assets[0]).toMatchObject({
        positions: 0,
        delta: 0,
        unpriceable: false,
      });
      expect(ask(s).assets).toEqual([]);
    });

    it("behavior: stale chains are named; bad queries name the field", () => {
      const s = fresh();
      s.apply(heartbeat("sim-a", T0 - 60_000), T0);
      s.apply(option(), T0);
      expect(ask(s).staleChains).toEqual(["sim-a"]);
      expect(() => ask(s, { asset: "not an asset" })).toThrow(InvalidRequestError);
      try {
        ask(s, { venueId: "bad venue" });
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(InvalidRequestError);
        expect((err as InvalidRequestError).field).toBe("venue_id");
      }
    });

    it("behavior: replaying the options events twice yields the same greeks as once", () => {
      const events: ChainEvent[] = [
        { kind: "price", value: tick({ price: "2100" }) },
        option({}, { account: "a", size: "2" }),
        option(
          { kind: OptionKind.OPTION_KIND_PUT, strike: "1800" },
          { account: "b", side: PositionSide.POSITION_SIDE_SHORT },
        ),
        option({}, { account: "a", size: "5" }),
      ];
      const once = fresh();
      const twice = fresh();
      for (const e of events) once.apply(e, T0);
      for (const e of events) {
        twice.apply(e, T0);
        twice.apply(e, T0);
      }
      expect(ask(twice)).toEqual(ask(once));
      expect(ask(once).assets[0]!.positions).toBe(2);
    });
  });
});
