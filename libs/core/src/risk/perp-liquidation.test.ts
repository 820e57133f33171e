import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isolatedPerpLiquidationPrice, isolatedPerpMarginAt } from "./perp-liquidation.js";

describe("isolatedPerpLiquidationPrice", () => {
  it("default: a 10x long of 10 ETH at 3,000 on 3,000 USDC liquidates at (30,000 · 1.01 − 3,000) / 10 = 2,730", () => {
    const p = {
      isLong: true,
      sizeUsd: 30_000,
      sizeInTokens: 10,
      collateral: 3_000,
      collateralIsIndex: false,
      minCollateralFactor: 0.01,
    };
    expect(isolatedPerpLiquidationPrice(p)).toBeCloseTo(2_730, 9);
  });

  it("behavior: a 5x short of 10 ETH at 3,000 on 6,000 USDC liquidates at (30,000 · 0.99 + 6,000) / 10 = 3,570", () => {
    const p = {
      isLong: false,
      sizeUsd: 30_000,
      sizeInTokens: 10,
      collateral: 6_000,
      collateralIsIndex: false,
      minCollateralFactor: 0.01,
    };
    expect(isolatedPerpLiquidationPrice(p)).toBeCloseTo(3_570, 9);
  });

  it("behavior: a long collateralised in the index asset (2 ETH behind 10 ETH) liquidates at 30,300 / 12 = 2,525", () => {
    const p = {
      isLong: true,
      sizeUsd: 30_000,
      sizeInTokens: 10,
      collateral: 2,
      collateralIsIndex: true,
      minCollateralFactor: 0.01,
    };
    expect(isolatedPerpLiquidationPrice(p)).toBeCloseTo(2_525, 9);
  });

  it("behavior: a short covered by as much index collateral as its size, or a long with collateral above its size, has none", () => {
    const base = { sizeUsd: 30_000, sizeInTokens: 10, minCollateralFactor: 0.01 };
    expect(
      isolatedPerpLiquidationPrice({ ...base, isLong: false, collateral: 10, collateralIsIndex: true }),
    ).toBeUndefined();
    expect(
      isolatedPerpLiquidationPrice({ ...base, isLong: true, collateral: 40_000, collateralIsIndex: false }),
    ).toBeUndefined();
  });

  it("property: the margin left at the reported price is zero (relative 1e-9)", () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.boolean(),
        fc.double({ min: 100, max: 1e8, noNaN: true }),
        fc.double({ min: 0.5, max: 1e5, noNaN: true }),
        fc.double({ min: 0, max: 2, noNaN: true }),
        fc.double({ min: 0, max: 0.2, noNaN: true }),
        (isLong, collateralIsIndex, sizeUsd, entry, leverageInverse, m) => {
          const sizeInTokens = sizeUsd / entry;
          const collateral = collateralIsIndex ? sizeInTokens * leverageInverse : sizeUsd * leverageInverse;
          const p = { isLong, sizeUsd, sizeInTokens, collateral, collateralIsIndex, minCollateralFactor: m };
          const price = isolatedPerpLiquidationPrice(p);
          if (price === undefined) return;
          expect(Math.abs(isolatedPerpMarginAt(p, price))).toBeLessThanOrEqual(1e-9 * sizeUsd * (1 + m));
        },
      ),
    );
  });
});
