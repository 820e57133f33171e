import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PriceWindow } from "./price-window.js";

describe("PriceWindow", () => {
  it("default: drawdown is the fall from the window's peak to the latest price", () => {
    const w = new PriceWindow(60_000);
    w.add({ atMs: 0, price: 100 });
    w.add({ atMs: 10_000, price: 110 });
    w.add({ atMs: 20_000, price: 99 });
    expect(w.peak()?.price).toBe(110);
    expect(w.drawdown()).toBeCloseTo(0.1, 12);
  });

  it("behavior: a point exactly windowMs before the latest is still inside", () => {
    const w = new PriceWindow(60_000);
    w.add({ atMs: 0, price: 200 });
    w.add({ atMs: 60_000, price: 100 });
    expect(w.size).toBe(2);
    expect(w.drawdown()).toBeCloseTo(0.5, 12);
  });

  it("behavior: a point one ms older than the window falls out", () => {
    const w = new PriceWindow(60_000);
    w.add({ atMs: 0, price: 200 });
    w.add({ atMs: 60_001, price: 100 });
    expect(w.size).toBe(1);
    expect(w.drawdown()).toBe(0);
  });

  it("behavior: out-of-order points are placed by time", () => {
    const w = new PriceWindow(1_000);
    w.add({ atMs: 500, price: 2 });
    w.add({ atMs: 100, price: 1 });
    expect(w.latest()?.price).toBe(2);
    expect(w.median()).toBe(1.5);
  });

  it("behavior: rejects a non-positive window", () => {
    expect(() => new PriceWindow(0)).toThrow(RangeError);
  });

  it("property: drawdown is within [0, 1) and zero on a rising path", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.01, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 50 }),
        (prices) => {
          const w = new PriceWindow(1e9);
          for (const [i, price] of prices.entries()) w.add({ atMs: i, price });
          const d = w.drawdown();
          expect(d).toBeGreaterThanOrEqual(0);
          expect(d).toBeLessThan(1);
          const rising = new PriceWindow(1e9);
          for (const [i, price] of [...prices].sort((a, b) => a - b).entries())
            rising.add({ atMs: i, price });
          expect(rising.drawdown()).toBe(0);
        },
      ),
    );
  });
});
