import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  freeCollateral,
  type PerpMarginAccount,
  perpLiquidationPrice,
  totalCollateral,
} from "./perp-margin-account.js";

const usdc = (amount: number) => ({ amount, price: 1, assetWeight: 1, liabilityWeight: 1 });

describe("perp margin account (Drift-style cross margin)", () => {
  it("default: a 10 SOL long at 100 with 200 USDC liquidates where collateral meets 5% maintenance", () => {
    // collateral 200 + 10·P − 1000 = 0.05 · 10 · P  →  P = 800 / 9.5
    const a: PerpMarginAccount = {
      perps: [{ base: 10, quote: -1000, price: 100, maintenanceRatio: 0.05 }],
      spots: [usdc(200)],
    };
    expect(totalCollateral(a)).toBe(200);
    expect(perpLiquidationPrice(a, 0)).toBeCloseTo(800 / 9.5, 9);
  });

  it("behavior: a short liquidates above its price, a flat leg has none, a borrow weighs by its liability weight", () => {
    const short: PerpMarginAccount = {
      perps: [{ base: -10, quote: 1000, price: 100, maintenanceRatio: 0.05 }],
      spots: [usdc(200)],
    };
    // 200 − 10·P + 1000 = 0.05 · 10 · P  →  P = 1200 / 10.5
    expect(perpLiquidationPrice(short, 0)).toBeCloseTo(1200 / 10.5, 9);
    expect(perpLiquidationPrice({ ...short, perps: [{ ...short.perps[0]!, base: 0 }] }, 0)).toBeUndefined();
    expect(
      totalCollateral({
        perps: [],
        spots: [{ amount: -2, price: 50, assetWeight: 0.8, liabilityWeight: 1.2 }],
      }),
    ).toBeCloseTo(-120, 9);
  });

  it("property: at the liquidation price free collateral is zero, and on the safe side it is positive", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.01, max: 1e4, noNaN: true }).chain((price) =>
          fc.record({
            price: fc.constant(price),
            base: fc.double({ min: -1e3, max: 1e3, noNaN: true }).filter((b) => Math.abs(b) > 1e-3),
            entry: fc.double({ min: price * 0.5, max: price * 1.5, noNaN: true }),
            ratio: fc.double({ min: 0.01, max: 0.5, noNaN: true }),
            collateral: fc.double({ min: 0, max: 1e6, noNaN: true }),
          }),
        ),
        ({ price, base, entry, ratio, collateral }) => {
          const a: PerpMarginAccount = {
            perps: [{ base, quote: -base * entry, price, maintenanceRatio: ratio }],
            spots: [usdc(collateral)],
          };
          const liq = perpLiquidationPrice(a, 0);
          if (liq === undefined) return;
          const at = (p: number): PerpMarginAccount => ({ ...a, perps: [{ ...a.perps[0]!, price: p }] });
          const scale = Math.abs(base) * Math.max(price, liq) + collateral + 1;
          expect(Math.abs(freeCollateral(at(liq)))).toBeLessThan(scale * 1e-9);
          if (freeCollateral(a) > 0) {
            // a long is safe above its liquidation price, a short below it
            expect(base > 0 ? price > liq : price < liq).toBe(true);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
