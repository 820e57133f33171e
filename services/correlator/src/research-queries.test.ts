import { InvalidRequestError } from "@breakwater/core";
import { positionUpdate } from "@breakwater/core/testing";
import {
  GetAssetRiskRequest,
  GetChainFreshnessRequest,
  GetGreeksRequest,
  GetLadderRequest,
  GetReferencePricesRequest,
  GetVolatilityRequest,
  PositionSide,
  RunStressRequest,
} from "@breakwater/proto";
import { describe, expect, it } from "vitest";
import { CorrelatorState } from "./correlator-state.js";
import {
  assetRisk,
  chainFreshness,
  greeks,
  ladder,
  referencePrices,
  runStress,
  STRESS_LIMITS,
  volatility,
} from "./research-queries.js";

// The queries' validation is pure: these run it without a bus or a server.

const T0 = 1_700_000_000_000;

/** A state holding one ETH position on sim-a, priced at 2000. */
function stateWithEth(): CorrelatorState {
  const s = new CorrelatorState({ staleAfterMs: 5_000, priceFreshMs: 30_000 });
  s.apply(
    { kind: "position", value: positionUpdate({ eventId: "p1", chainTimeMs: T0, observedAtMs: T0 }) },
    T0,
  );
  s.apply(
    {
      kind: "price",
      value: {
        eventId: "t1",
        chainId: "sim-a",
        source: "oracle",
        asset: "ETH",
        price: "2000",
        coordinates: undefined,
        chainTimeMs: T0,
        observedAtMs: T0,
      },
    },
    T0,
  );
  return s;
}

/** The field and reason of the InvalidRequestError `run` throws. */
function rejection(run: () => unknown): { field: string; reason: string } {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidRequestError);
    const e = err as InvalidRequestError;
    expect(e.status).toBe("invalid_argument");
    return { field: e.field, reason: e.reason };
  }
  throw new Error("expected an InvalidRequestError");
}

describe("research queries: asset filters", () => {
  const s = stateWithEth();
  it("behavior: every asset-filtered query names the asset field of a malformed asset", () => {
    for (const run of [
      () => assetRisk(s, GetAssetRiskRequest.fromPartial({ asset: "not an asset" }), T0),
      () => ladder(s, GetLadderRequest.fromPartial({ asset: "not an asset" }), T0),
      () => referencePrices(s, GetReferencePricesRequest.fromPartial({ asset: "not an asset" }), T0),
      () => volatility(s, GetVolatilityRequest.fromPartial({ asset: "not an asset" }), T0),
      () => greeks(s, GetGreeksRequest.fromPartial({ asset: "not an asset" }), T0),
    ])
      expect(rejection(run)).toEqual({ field: "asset", reason: '"not an asset" is not an asset id' });
  });

  it("default: an empty asset matches every asset", () => {
    expect(assetRisk(s, GetAssetRiskRequest.fromPartial({}), T0).assets.map((a) => a.asset)).toEqual(["ETH"]);
  });

  it("behavior: chain and venue filters name the proto field", () => {
    expect(
      rejection(() => chainFreshness(s, GetChainFreshnessRequest.fromPartial({ chainId: "Sim A" }), T0))
        .field,
    ).toBe("chain_id");
    expect(rejection(() => greeks(s, GetGreeksRequest.fromPartial({ venueId: "bad venue" }), T0)).field).toBe(
      "venue_id",
    );
  });
});

describe("research queries: ladder", () => {
  const s = stateWithEth();
  const ask = (stepBps: number, rangeBps: number) => () =>
    ladder(s, GetLadderRequest.fromPartial({ stepBps, rangeBps }), T0);

  it("default: step 50 bps over 5000 bps when left out", () => {
    const [l] = ladder(s, GetLadderRequest.fromPartial({}), T0).ladders;
    expect(l?.stepBps).toBe(50);
  });

  it("behavior: step, range and their ratio are checked in that order", () => {
    expect(rejection(ask(5_001, 0))).toEqual({
      field: "step_bps",
      reason: "must be an integer from 1 to 5000",
    });
    expect(rejection(ask(-1, 0)).field).toBe("step_bps");
    expect(rejection(ask(100, 50))).toEqual({
      field: "range_bps",
      reason: "must be an integer from step_bps (100) to 9900",
    });
    expect(rejection(ask(100, 9_950)).field).toBe("range_bps");
    expect(rejection(ask(30, 100))).toEqual({
      field: "range_bps",
      reason: "must be a multiple of step_bps (30)",
    });
    expect(ask(30, 90)()).toBeDefined();
  });
});

describe("research queries: stress", () => {
  const s = stateWithEth();
  const stress = (p: Partial<RunStressRequest>) => () => runStress(s, RunStressRequest.fromPartial(p), T0);
  const shock = { asset: "ETH", move: -0.2 };

  it("behavior: the scenario's size is bounded, naming the list", () => {
    expect(rejection(stress({}))).toEqual({ field: "shocks", reason: "give at least one shock" });
    expect(
      rejection(stress({ shocks: Array.from({ length: STRESS_LIMITS.shocks + 1 }, () => shock) })),
    ).toEqual({
      field: "shocks",
      reason: `at most ${STRESS_LIMITS.shocks} shocks (got ${STRESS_LIMITS.shocks + 1})`,
    });
    const depth = { asset: "ETH", notionalPer1pct: 1, exponent: 1 };
    expect(
      rejection(
        stress({ shocks: [shock], depth: Array.from({ length: STRESS_LIMITS.depth + 1 }, () => depth) }),
      ).field,
    ).toBe("depth");
    const fund = { venueId: "perp-a", amount: 1 };
    expect(
      rejection(
        stress({
          shocks: [shock],
          insuranceFunds: Array.from({ length: STRESS_LIMITS.insuranceFunds + 1 }, () => fund),
        }),
      ).field,
    ).toBe("insurance_funds");
    expect(rejection(stress({ shocks: [shock], maxRounds: STRESS_LIMITS.maxRounds + 1 })).field).toBe(
      "max_rounds",
    );
  });

  it("behavior: each entry's bad field is named with its index", () => {
    expect(rejection(stress({ shocks: [shock, { asset: "", move: 0.1 }] }))).toEqual({
      field: "shocks[1].asset",
      reason: "is required",
    });
    expect(rejection(stress({ shocks: [{ asset: "BTC", move: 0.1 }] }))).toEqual({
      field: "shocks[0].asset",
      reason: 'no position holds "BTC"',
    });
    expect(rejection(stress({ shocks: [{ asset: "ETH", move: -1 }] })).field).toBe("shocks[0].move");
    expect(
      rejection(stress({ shocks: [shock], depth: [{ asset: "ETH", notionalPer1pct: 0, exponent: 1 }] }))
        .field,
    ).toBe("depth[0].notional_per_1pct");
    expect(
      rejection(stress({ shocks: [shock], depth: [{ asset: "ETH", notionalPer1pct: 1, exponent: 3 }] }))
        .field,
    ).toBe("depth[0].exponent");
    expect(
      rejection(stress({ shocks: [shock], insuranceFunds: [{ venueId: "perp-a", amount: -1 }] })).field,
    ).toBe("insurance_funds[0].amount");
    expect(rejection(stress({ shocks: [shock], insuranceFunds: [{ venueId: "", amount: 1 }] })).field).toBe(
      "insurance_funds[0].venue_id",
    );
  });

  it("default: a valid scenario runs (10 rounds at most when left out)", () => {
    const r = runStress(s, RunStressRequest.fromPartial({ shocks: [shock] }), T0);
    expect(r.rounds).toBeLessThanOrEqual(10);
  });
});

describe("runStress on lending accounts", () => {
  it("behavior: an account's legs are re-solved together under the shocked path (falls no leg survives together)", () => {
    // 10 ETH (82.5%) and 10,000 USDC (78%) against 30,000 DAI: ETH alone at 2,690.909, USDC alone at 0.673077
    const s = new CorrelatorState({
      staleAfterMs: 5_000,
      priceFreshMs: 30_000,
      depth: { ETH: { notionalPer1Pct: 1e12, exponent: 1 }, USDC: { notionalPer1Pct: 1e12, exponent: 1 } },
    });
    let n = 0;
    const leg = (
      asset: string,
      side: PositionSide,
      size: string,
      liquidationPrice: string,
      liquidatableSize: string,
    ) =>
      s.apply(
        {
          kind: "position",
          value: positionUpdate({
            eventId: `l${n++}`,
            venueId: "aave",
            account: "borrower",
            market: asset,
            asset,
            side,
            size,
            liquidationPrice,
            liquidatableSize,
            chainTimeMs: T0,
            observedAtMs: T0,
          }),
        },
        T0,
      );
    leg("ETH", PositionSide.POSITION_SIDE_SUPPLY, "10", String(22_200 / 8.25), "5.853");
    leg("USDC", PositionSide.POSITION_SIDE_SUPPLY, "10000", String(5_250 / 7_800), "10000");
    leg("DAI", PositionSide.POSITION_SIDE_BORROW, "30000", "1.085", "15000");
    for (const [asset, price] of [
      ["ETH", "3000"],
      ["USDC", "1"],
      ["DAI", "1"],
    ] as const)
      s.apply(
        {
          kind: "price",
          value: {
            eventId: `t-${asset}`,
            chainId: "sim-a",
            source: "oracle",
            asset,
            price,
            coordinates: undefined,
            chainTimeMs: T0,
            observedAtMs: T0,
          },
        },
        T0,
      );
    // ETH −8% and USDC −17%: neither leg's own price is reached, the account's HF is 29,244 / 30,000
    const r = runStress(
      s,
      RunStressRequest.fromPartial({
        shocks: [
          { asset: "ETH", move: -0.08 },
          { asset: "USDC", move: -0.17 },
        ],
      }),
      T0,
    );
    expect(r.liquidatedPositions).toBe(2);
    expect(r.liquidatedNotional).toBeCloseTo(5.853 * 3000 + 15_000, 6);
  });
});
