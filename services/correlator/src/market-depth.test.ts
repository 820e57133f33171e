import { DEFAULT_DEPTH } from "@breakwater/core";
import { describe, expect, it } from "vitest";
import { MarketDepth } from "./market-depth.js";

describe("MarketDepth", () => {
  it("default: the venues configuring an asset add up, and the source names them", () => {
    const depth = new MarketDepth(
      { ETH: { notionalPer1Pct: 1e6, exponent: 1 } },
      {
        "perp-b": { ETH: { notionalPer1Pct: 3e6, exponent: 1 } },
        "perp-a": { ETH: { notionalPer1Pct: 2e6, exponent: 1 }, BTC: { notionalPer1Pct: 4e6, exponent: 1 } },
      },
      500,
    );
    const eth = depth.of("ETH");
    // the venues' entries win over the asset's own: 2e6 + 3e6 per 1%, 25e6 for a 5% move
    expect(eth.source).toBe("venues:perp-a,perp-b");
    expect(eth.model).toEqual({ notionalPer1Pct: 5e6, exponent: 1 });
    expect(eth.notionalFor(500)).toBeCloseTo(25e6, 6);
    expect(depth.of("BTC").source).toBe("venues:perp-a");
  });

  it("behavior: without venue entries, the asset's own entry, else the default model", () => {
    const depth = new MarketDepth({ SOL: { notionalPer1Pct: 1e6, exponent: 2 } }, {}, 500);
    // 1e6 × 5^(1/2) = 2,236,068 for 5%
    expect(depth.of("SOL")).toMatchObject({ source: "asset", model: { notionalPer1Pct: 1e6, exponent: 2 } });
    expect(depth.of("SOL").notionalFor(500)).toBeCloseTo(2_236_067.977, 2);
    expect(depth.of("DOGE")).toMatchObject({ source: "default", model: DEFAULT_DEPTH });
  });

  it("behavior: venues with different exponents sum exactly, and the cascade's model matches the sum at the reference move", () => {
    const depth = new MarketDepth(
      {},
      {
        a: { ETH: { notionalPer1Pct: 1e6, exponent: 1 } },
        b: { ETH: { notionalPer1Pct: 1e6, exponent: 2 } },
      },
      400,
    );
    const eth = depth.of("ETH");
    // at 4%: 1e6 × 4 + 1e6 × 4^(1/2) = 6e6
    expect(eth.notionalFor(400)).toBeCloseTo(6e6, 6);
    // weighted exponent 1.5; scaled so that n × 4^(1/1.5) = 6e6
    expect(eth.model.exponent).toBe(1.5);
    expect(eth.model.notionalPer1Pct * 4 ** (1 / 1.5)).toBeCloseTo(6e6, 4);
  });
});
