import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { black76, impliedVolatility } from "./black76.js";

describe("impliedVolatility", () => {
  it("golden: recovers σ = 20% from the at-the-money call price 7.965567455405804", () => {
    const iv = impliedVolatility(
      { forward: 100, strike: 100, years: 1, rate: 0, call: true },
      7.965567455405804,
    );
    expect(iv).toBeCloseTo(0.2, 10);
  });

  it("behavior: prices outside the no-arbitrage bounds have no implied volatility", () => {
    const terms = { forward: 100, strike: 90, years: 0.5, rate: 0, call: true };
    expect(impliedVolatility(terms, 10)).toBeUndefined(); // = intrinsic
    expect(impliedVolatility(terms, 100)).toBeUndefined(); // = forward
    expect(impliedVolatility(terms, Number.NaN)).toBeUndefined();
    expect(impliedVolatility({ ...terms, years: 0 }, 12)).toBeUndefined();
  });

  it("property: black76 then impliedVolatility round-trips σ", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 50, max: 200, noNaN: true }),
        fc.double({ min: 0.05, max: 2, noNaN: true }),
        fc.double({ min: 0.05, max: 2, noNaN: true }),
        fc.boolean(),
        (strike, years, sigma, call) => {
          const terms = { forward: 100, strike, years, rate: 0.01, call };
          const price = black76({ ...terms, sigma }).price;
          const df = Math.exp(-0.01 * years);
          const intrinsic = df * Math.max(call ? 100 - strike : strike - 100, 0);
          fc.pre(price - intrinsic > 1e-6);
          const iv = impliedVolatility(terms, price)!;
          expect(Math.abs(black76({ ...terms, sigma: iv }).price - price)).toBeLessThan(1e-7);
        },
      ),
    );
  });
});
