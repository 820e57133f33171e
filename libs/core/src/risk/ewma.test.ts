import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EwmaCovariance, VolatilityTracker } from "./ewma.js";

describe("EwmaCovariance", () => {
  it("golden: λ = 0.94 over three returns, hand-computed with weights λ², λ, 1 over their sum", () => {
    const ewma = new EwmaCovariance(0.94);
    const eth = [0.01, -0.02, 0.015];
    const btc = [0.005, -0.01, 0.02];
    eth.forEach((r, i) => {
      ewma.update(
        new Map([
          ["ETH", r],
          ["BTC", btc[i]!],
        ]),
      );
    });
    const W = 0.8836 + 0.94 + 1; // 2.8236
    // σ²(ETH) = (0.8836·1e-4 + 0.94·4e-4 + 2.25e-4) / 2.8236 = 6.8936e-4 / 2.8236
    expect(ewma.volatility("ETH") ** 2).toBeCloseTo(6.8936e-4 / W, 15);
    // σ²(BTC) = (0.8836·0.25e-4 + 0.94·1e-4 + 4e-4) / 2.8236 = 5.1609e-4 / 2.8236
    expect(ewma.volatility("BTC") ** 2).toBeCloseTo(5.1609e-4 / W, 15);
    // cov = (0.8836·0.5e-4 + 0.94·2e-4 + 3e-4) / 2.8236 = 5.3218e-4 / 2.8236
    expect(ewma.covarianceOf("ETH", "BTC")).toBeCloseTo(5.3218e-4 / W, 15);
    // the normalizers cancel: 5.3218 / √(6.8936 · 5.1609)
    expect(ewma.correlation("ETH", "BTC")).toBeCloseTo(5.3218 / Math.sqrt(6.8936 * 5.1609), 12);
    expect(ewma.correlation("BTC", "ETH")).toBe(ewma.correlation("ETH", "BTC"));
    expect(ewma.correlation("ETH", "ETH")).toBe(1);
  });

  it("property: after n samples the variance is Σ λᵏ r²ₙ₋ₖ / Σ λᵏ, for any λ and returns", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.01, max: 0.999999, noNaN: true }),
        fc.array(fc.double({ min: -0.5, max: 0.5, noNaN: true }), { minLength: 1, maxLength: 60 }),
        (lambda, returns) => {
          const ewma = new EwmaCovariance(lambda);
          for (const r of returns) ewma.update(new Map([["X", r]]));
          let num = 0;
          let den = 0;
          returns.forEach((r, i) => {
            const w = lambda ** (returns.length - 1 - i);
            num += w * r * r;
            den += w;
          });
          const expected = num / den;
          expect(ewma.volatility("X") ** 2).toBeCloseTo(expected, 12);
        },
      ),
    );
  });

  it("behavior: an asset missing from a sample keeps its variance; the pair waits for both", () => {
    const ewma = new EwmaCovariance(0.5);
    ewma.update(new Map([["ETH", 0.02]]));
    ewma.update(new Map([["BTC", 0.01]]));
    expect(ewma.volatility("ETH")).toBeCloseTo(0.02, 15);
    expect(Number.isNaN(ewma.correlation("ETH", "BTC"))).toBe(true);
    ewma.update(
      new Map([
        ["ETH", -0.02],
        ["BTC", 0.01],
      ]),
    );
    expect(ewma.covarianceOf("ETH", "BTC")).toBeCloseTo(-0.0002, 15);
    expect(ewma.correlation("ETH", "BTC")).toBe(-1);
  });

  it("behavior: rejects a decay outside (0, 1)", () => {
    expect(() => new EwmaCovariance(1)).toThrow(RangeError);
  });
});

describe("VolatilityTracker", () => {
  it("golden: log returns on the sampling grid, scaled to the horizon", () => {
    // a half-life that makes the per-sample λ 0.94 on one-second samples
    const halfLifeMs = (1_000 * Math.log(0.5)) / Math.log(0.94);
    const vol = new VolatilityTracker({ halfLifeMs, sampleMs: 1_000, horizonMs: 4_000 });
    expect(vol.ewma.lambda).toBeCloseTo(0.94, 12);
    const prices = new Map([["ETH", 100]]);
    expect(vol.observe(500, () => prices)).toBe(true);
    prices.set("ETH", 110);
    expect(vol.observe(900, () => prices)).toBe(false); // same grid cell
    expect(vol.observe(1_000, () => prices)).toBe(true);
    prices.set("ETH", 99);
    expect(vol.observe(2_500, () => prices)).toBe(true);
    const r1 = Math.log(110 / 100);
    const r2 = Math.log(99 / 110);
    const variance = (0.94 * r1 * r1 + r2 * r2) / 1.94;
    expect(vol.ewma.volatility("ETH")).toBeCloseTo(Math.sqrt(variance), 15);
    expect(vol.volatility("ETH")).toBeCloseTo(Math.sqrt(variance) * 2, 15);
  });

  it("behavior: the memory is a time: RiskMetrics' 11.2-day half-life on minute samples, daily λ 0.94, not ruled by the first return", () => {
    const vol = new VolatilityTracker({ sampleMs: 60_000, horizonMs: 86_400_000 });
    expect(vol.dailyLambda).toBeCloseTo(0.94, 6);
    expect(vol.ewma.lambda).toBeCloseTo(0.5 ** (60_000 / vol.halfLifeMs), 15);
    expect(vol.ewma.lambda).toBeGreaterThan(0.9999);
    // one 10% jump, then 200 minutes of ±0.1%: the estimate is near the mean square, not the jump
    const ewma = vol.ewma;
    ewma.update(new Map([["ETH", 0.1]]));
    for (let i = 0; i < 200; i++) ewma.update(new Map([["ETH", i % 2 === 0 ? 0.001 : -0.001]]));
    const meanSquare = (0.01 + 200 * 1e-6) / 201;
    expect(ewma.volatility("ETH")).toBeCloseTo(Math.sqrt(meanSquare), 4);
    expect(ewma.volatility("ETH")).toBeLessThan(0.01);
  });
});
