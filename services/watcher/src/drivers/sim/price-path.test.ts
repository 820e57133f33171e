import { describe, expect, it } from "vitest";
import { MarketPricePath } from "./price-path.js";
import { loadScenario, parseScenario } from "./scenario.js";

describe("MarketPricePath", () => {
  const scenario = loadScenario();
  const path = new MarketPricePath(scenario);

  it("default: prices start at the scenario's starting prices", () => {
    expect(path.price("ETH", 0)).toBe(3000);
    expect(path.price("BTC", 0)).toBe(60000);
    expect(path.price("SOL", 0)).toBe(150);
  });

  it("behavior: ETH falls 8% between +8 s and +12 s, as scripted", () => {
    expect(path.shockFactor("ETH", 8_000)).toBe(1);
    expect(path.shockFactor("ETH", 10_000)).toBeCloseTo(0.96, 12);
    expect(path.shockFactor("ETH", 12_000)).toBeCloseTo(0.92, 12);
    expect(path.shockFactor("ETH", 60_000)).toBeCloseTo(0.92, 12);
    const fall = path.price("ETH", 12_000) / path.price("ETH", 8_000) - 1;
    expect(fall).toBeGreaterThan(-0.082);
    expect(fall).toBeLessThan(-0.078);
    // before the shock, no drawdown anywhere near a 7% breaker
    for (let t = 0; t <= 8_000; t += 250)
      expect(Math.abs(path.price("ETH", t) / 3000 - 1)).toBeLessThan(0.01);
  });

  it("behavior: other assets do not move with the ETH shock", () => {
    expect(path.shockFactor("BTC", 12_000)).toBe(1);
    expect(Math.abs(path.price("BTC", 12_000) / path.price("BTC", 8_000) - 1)).toBeLessThan(0.005);
  });

  it("behavior: without a shock the wiggle stays within ±0.8% over an hour", () => {
    const calm = new MarketPricePath(parseScenario({ ...scenario, shocks: [] }));
    for (let t = 0; t <= 3_600_000; t += 1_000) {
      expect(Math.abs(calm.price("SOL", t) / 150 - 1)).toBeLessThanOrEqual(0.008);
    }
  });

  it("behavior: with repeatEveryMs the shock script recurs every period", () => {
    const repeating = new MarketPricePath(parseScenario({ ...scenario, repeatEveryMs: 30_000 }));
    expect(repeating.shockFactor("ETH", 12_000)).toBeCloseTo(0.92, 12);
    expect(repeating.shockFactor("ETH", 30_000)).toBe(1);
    expect(repeating.shockFactor("ETH", 38_000)).toBe(1);
    expect(repeating.shockFactor("ETH", 42_000)).toBeCloseTo(0.92, 12);
  });

  it("behavior: the same seed gives the same path, another seed another wiggle", () => {
    const again = new MarketPricePath(loadScenario());
    const other = new MarketPricePath(parseScenario({ ...scenario, seed: 7 }));
    expect(again.price("ETH", 123_456)).toBe(path.price("ETH", 123_456));
    expect(other.price("ETH", 123_456)).not.toBe(path.price("ETH", 123_456));
  });
});
