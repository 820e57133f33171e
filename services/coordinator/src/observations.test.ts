import { MalformedMessageError } from "@breakwater/bus";
import { TimeAheadError } from "@breakwater/core";
import { ChainStatus, type RiskAssessment } from "@breakwater/proto";
import { describe, expect, it } from "vitest";
import { FutureTimeError, observe } from "./observations.js";

const base: RiskAssessment = {
  assessmentId: "a1",
  asset: "ETH",
  referencePrice: "1834.25",
  agreeingSources: 3,
  priceTimeMs: 1_700_000_000_000,
  assessedAtMs: 1_700_000_000_100,
  venues: ["perp-a"],
  markets: ["ETH-PERP"],
  chains: ["sim-a"],
  staleChains: [],
  grossNotional: 1,
  chainNotional: [],
  degradedChains: [],
  correlations: [],
};

describe("observe", () => {
  it("default: a priced assessment becomes an observation", () => {
    expect(observe(base)).toEqual({
      kind: "priced",
      observation: {
        assessmentId: "a1",
        asset: "ETH",
        price: 1834.25,
        priceTimeMs: 1_700_000_000_000,
        venues: ["perp-a"],
        markets: ["ETH-PERP"],
        chains: ["sim-a"],
      },
    });
  });

  it("behavior: notional per chain and stale chains are carried for the chain-liveness rule", () => {
    const observed = observe({
      ...base,
      chains: ["sim-a", "sim-b"],
      staleChains: ["sim-b"],
      chainNotional: [
        { chainId: "sim-a", grossNotional: 6e6 },
        { chainId: "sim-b", grossNotional: 4e6 },
      ],
    });
    expect(observed.observation.staleChains).toEqual(["sim-b"]);
    expect(observed.observation.chainNotional).toEqual({ "sim-a": 6e6, "sim-b": 4e6 });
  });

  it("behavior: live correlations and the depth's source are carried for the cascade-risk rule; nonsense correlations are not", () => {
    const observed = observe({
      ...base,
      depthNotional: 2.5e7,
      depthSource: "venues:gmx-lab",
      correlations: [
        { asset: "STETH", correlation: 0.97, samples: 40 },
        { asset: "BAD", correlation: 7, samples: 40 },
        { asset: "", correlation: 0.5, samples: 40 },
      ],
    });
    expect(observed.observation).toMatchObject({
      depthNotional: 2.5e7,
      depthSource: "venues:gmx-lab",
      correlations: [{ asset: "STETH", correlation: 0.97 }],
    });
  });

  it("behavior: degraded and down chains are carried with their watcher's reason", () => {
    const observed = observe({
      ...base,
      chains: ["sim-a", "evm-a"],
      degradedChains: [
        { chainId: "evm-a", status: ChainStatus.CHAIN_STATUS_DEGRADED, detail: "chainlink:ETH/USD is stale" },
        { chainId: "sim-a", status: ChainStatus.CHAIN_STATUS_DOWN, detail: "" },
      ],
    });
    expect(observed.observation.degradedChains).toEqual([
      { chain: "evm-a", status: "degraded", detail: "chainlink:ETH/USD is stale" },
      { chain: "sim-a", status: "down", detail: "" },
    ]);
    expect(observe(base).observation.degradedChains).toBeUndefined();
  });

  it("behavior: an empty reference price is unpriceable, not an error", () => {
    expect(observe({ ...base, referencePrice: "", divergence: 0.3 })).toEqual({
      kind: "unpriceable",
      observation: {
        assessmentId: "a1",
        asset: "ETH",
        priceTimeMs: 1_700_000_000_000,
        venues: ["perp-a"],
        markets: ["ETH-PERP"],
        chains: ["sim-a"],
        divergence: 0.3,
        unpriceable: true,
      },
    });
  });

  it("behavior: a garbled, zero or negative price, or a missing price time, is malformed", () => {
    for (const bad of [
      { referencePrice: "1e3" },
      { referencePrice: "0" },
      { referencePrice: "-5" },
      { priceTimeMs: 0 },
    ]) {
      expect(() => observe({ ...base, ...bad })).toThrow(MalformedMessageError);
    }
  });

  it("behavior: a price time past the skew of the stored time is a FutureTimeError (malformed) caused by a TimeAheadError", () => {
    const clock = { storedAtMs: base.priceTimeMs - 3_600_000, maxFutureSkewMs: 30_000 };
    expect(() =>
      observe(base, "bw.assess.ETH", { ...clock, storedAtMs: base.priceTimeMs - 30_000 }),
    ).not.toThrow();
    let thrown: unknown;
    try {
      observe(base, "bw.assess.ETH", clock);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(FutureTimeError);
    expect(thrown).toBeInstanceOf(MalformedMessageError);
    expect((thrown as Error).message).toBe(
      "malformed message on bw.assess.ETH: price_time_ms: 3600000 ms after the assessment was stored (more than the allowed 30000 ms of clock skew)",
    );
    expect((thrown as Error).cause).toBeInstanceOf(TimeAheadError);
    expect((thrown as Error).cause).toMatchObject({
      field: "price_time_ms",
      aheadMs: 3_600_000,
      maxFutureSkewMs: 30_000,
    });
  });
});
