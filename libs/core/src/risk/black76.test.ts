import { normalCdf } from "@breakwater/core/math";
import { describe, expect, it } from "vitest";
import { black76, greeksByAsset } from "./black76.js";

describe("black76", () => {
  it("golden: at-the-money call, F = K = 100, T = 1, σ = 20%, r = 0 (hand-computed from N(0.1))", () => {
    const g = black76({ forward: 100, strike: 100, years: 1, sigma: 0.2, rate: 0, call: true });
    // d1 = 0.1, d2 = -0.1: price = 100·(N(0.1) − N(−0.1)), delta = N(0.1), gamma = φ(0.1)/20, vega = 100·φ(0.1)
    expect(g.price).toBeCloseTo(7.965567455405804, 12);
    expect(g.delta).toBeCloseTo(0.539827837277029, 14);
    expect(g.gamma).toBeCloseTo(0.01984762737385059, 14);
    expect(g.vega).toBeCloseTo(39.69525474770118, 11);
  });

  it("golden: in-the-money-for-the-holder put with discounting", () => {
    const g = black76({ forward: 2000, strike: 1800, years: 0.25, sigma: 0.65, rate: 0.05, call: false });
    expect(g.price).toBeCloseTo(155.95527303158192, 10);
    expect(g.delta).toBeCloseTo(-0.30934922812607113, 13);
    expect(g.gamma).toBeCloseTo(0.0005384356184481742, 15);
    expect(g.vega).toBeCloseTo(349.9831519913132, 10);
  });

  it("behavior: put-call parity C − P = e^{−rT}(F − K); the normal CDF in the tails", () => {
    const terms = { forward: 105, strike: 95, years: 0.5, sigma: 0.4, rate: 0.03 };
    const c = black76({ ...terms, call: true }).price;
    const p = black76({ ...terms, call: false }).price;
    expect(c - p).toBeCloseTo(Math.exp(-0.015) * 10, 12);
    expect(normalCdf(-4.2) / 1.3345749015902797e-5).toBeCloseTo(1, 12);
    expect(normalCdf(3.1)).toBeCloseTo(0.9990323967867816, 15);
    expect(() => black76({ ...terms, sigma: 0, call: true })).toThrow(RangeError);
  });

  it("behavior: greeks per asset sum quantity × greek", () => {
    const terms = { forward: 100, strike: 100, years: 1, sigma: 0.2, rate: 0, call: true };
    const byAsset = greeksByAsset([
      { asset: "ETH", quantity: 3, terms },
      { asset: "ETH", quantity: -1, terms },
    ]);
    expect(byAsset.get("ETH")!.delta).toBeCloseTo(2 * 0.539827837277029, 13);
  });
});
