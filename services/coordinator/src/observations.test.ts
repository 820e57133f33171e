import { MalformedMessageError } from "@breakwater/bus";
import type { RiskAssessment } from "@breakwater/proto";
import { describe, expect, it } from "vitest";
import { observe } from "./observations.js";

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
});
