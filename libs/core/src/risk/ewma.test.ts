import { describe, expect, it } from "vitest";
import { EwmaCovariance, VolatilityTracker } from "./ewma.js";

describe("EwmaCovariance", () => {
  it("golden: λ = 0.94 over three returns, hand-computed", () => {
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
    // σ²: 1e-4 → 0.94·1e-4 + 0.06·4e-4 = 1.18e-4 → 0.94·1.18e-4 + 0.06·2.25e-4 = 1.2442e-4
    expect(ewma.volatility("ETH") ** 2).toBeCloseTo(1.2442e-4, 15);
    // 0.25e-4 → 0.295e-4 → 0.5173e-4
    expect(ewma.volatility("BTC") ** 2).toBeCloseTo(0.5173e-4, 15);
    // 0.5e-4 → 0.59e-4 → 0.7346e-4
    expect(ewma.covarianceOf("ETH", "BTC")).toBeCloseTo(0.7346e-4, 15);
    // 0.7346 / √(1.2442 · 0.5173)
    expect(ewma.correlation("ETH", "BTC")).toBeCloseTo(0.9156607243712861, 12);
    expect(ewma.correlation("BTC", "ETH")).toBe(ewma.correlation("ETH", "BTC"));
    expect(ewma.correlation("ETH", "ETH")).toBe(1);
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
    const vol = new VolatilityTracker({ lambda: 0.94, sampleMs: 1_000, horizonMs: 4_000 });
    const prices = new Map([["ETH", 100]]);
    expect(vol.observe(500, () => prices)).toBe(true);
    prices.set("ETH", 110);
    expect(vol.observe(900, () => prices)).toBe(false); // same grid cell
    expect(vol.observe(1_000, () => prices)).toBe(true);
    prices.set("ETH", 99);
    expect(vol.observe(2_500, () => prices)).toBe(true);
    const r1 = Math.log(110 / 100);
    const r2 = Math.log(99 / 110);
    const variance = 0.94 * r1 * r1 + 0.06 * r2 * r2;
    expect(vol.ewma.volatility("ETH")).toBeCloseTo(Math.sqrt(variance), 15);
    expect(vol.volatility("ETH")).toBeCloseTo(Math.sqrt(variance) * 2, 15);
  });
});
