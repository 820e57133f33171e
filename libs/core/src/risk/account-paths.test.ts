import { PositionSide } from "@breakwater/proto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { PositionColumns } from "../exposure/exposure.js";
import { accountSlack, lendingAccountIndex, resolveAccountsAt } from "./account-paths.js";
import { healthFactor, type LendingAccount, solveLendingAccount } from "./lending-account.js";

const SUPPLY = PositionSide.POSITION_SIDE_SUPPLY;
const BORROW = PositionSide.POSITION_SIDE_BORROW;

/** Columns of legs given as [account, side, asset id, liquidation price, liquidatable size]. */
function columnsOf(legs: readonly [number, number, number, number, number][]): {
  cols: PositionColumns;
  accountOfSlot: Int32Array;
} {
  const n = legs.length;
  return {
    cols: {
      slots: n,
      open: new Uint8Array(n).fill(1),
      side: Uint8Array.from(legs, (l) => l[1]),
      asset: Int32Array.from(legs, (l) => l[2]),
      venue: new Int32Array(n),
      chain: new Int32Array(n),
      liquidationPrice: Float64Array.from(legs, (l) => l[3]),
      liquidatableSize: Float64Array.from(legs, (l) => l[4]),
    },
    accountOfSlot: Int32Array.from(legs, (l) => l[0]),
  };
}

describe("lending accounts re-solved under a shocked path", () => {
  // 10 ETH @ 3,000 (82.5%) and 10,000 USDC @ 1 (78%) against 30,000 DAI: W = 24,750 + 7,800 = 32,550, S = 2,550.
  // ETH liquidates at (30,000 − 7,800) / 8.25 = 2,690.909; USDC at (30,000 − 24,750) / 7,800 = 0.673077;
  // the DAI debt at 32,550 / 30,000 = 1.085
  const ETH = 0;
  const USDC = 1;
  const DAI = 2;
  const p0 = Float64Array.from([3000, 1, 1]);
  const { cols, accountOfSlot } = columnsOf([
    [0, SUPPLY, ETH, 22_200 / 8.25, 5],
    [0, SUPPLY, USDC, 5_250 / 7_800, 10_000],
    [0, BORROW, DAI, 1.085, 15_000],
  ]);
  const idx = lendingAccountIndex(cols, accountOfSlot, p0);

  it("default: a 5% fall of ETH moves the USDC collateral's and the DAI debt's liquidation prices (golden figures)", () => {
    const path = Float64Array.from([2850, 1, 1]);
    const slack = new Float64Array(1);
    const at = new Float64Array(3);
    expect(resolveAccountsAt(idx, cols, p0, path, slack, at)).toBe(0);
    // σ = 1 − 150 / 309.0909 = 0.514706; exactly: W' = 23,512.5 + 7,800 = 31,312.5, (W' − D) / S = 1,312.5 / 2,550
    expect(slack[0]).toBeCloseTo(1_312.5 / 2_550, 12);
    // ETH still at 2,690.909 (its own fall is what σ measures)
    expect(at[0]).toBeCloseTo(22_200 / 8.25, 9);
    // USDC now at (30,000 − 23,512.5) / 7,800 = 0.831731 (from 0.673077)
    expect(at[1]).toBeCloseTo(6_487.5 / 7_800, 12);
    // DAI now at 31,312.5 / 30,000 = 1.04375 (from 1.085)
    expect(at[2]).toBeCloseTo(1.04375, 12);
  });

  it("behavior: falls that liquidate no leg alone liquidate the account together", () => {
    // ETH −8% (2,760 > 2,690.9) and USDC −17% (0.83 > 0.673): W' = 22,770 + 6,474 = 29,244 < 30,000
    const path = Float64Array.from([2760, 0.83, 1]);
    expect(accountSlack(idx, cols, 0, p0, path)).toBeCloseTo((29_244 - 30_000) / 2_550, 12);
    expect(accountSlack(idx, cols, 0, p0, path)).toBeLessThan(0);
  });

  it("behavior: an account already under water at the reference prices is liquidatable at once", () => {
    // 10 ETH (82.5%) against 25,500 DAI: ETH liquidates at 3,090.91, above 3,000
    const under = columnsOf([
      [7, SUPPLY, ETH, 25_500 / 8.25, 4.4625],
      [7, BORROW, DAI, 24_750 / 25_500, 12_750],
    ]);
    const u = lendingAccountIndex(under.cols, under.accountOfSlot, p0);
    expect(u.sign[0]).toBe(-1);
    // σ = (24,750 − 25,500) / 750 = −1 at the reference prices; ETH must rise to 3,090.91 to cure it
    expect(accountSlack(u, under.cols, 0, p0, p0)).toBe(-1);
    expect(accountSlack(u, under.cols, 0, p0, Float64Array.from([3100, 1, 1]))).toBeGreaterThan(0);
  });

  it("behavior: supplies without debt are no account; a supply without a liquidation price is held fixed", () => {
    const c = columnsOf([
      [1, SUPPLY, ETH, 0, 0],
      [2, SUPPLY, USDC, 0, 0],
      [2, BORROW, ETH, 4_000, 5],
    ]);
    const i = lendingAccountIndex(c.cols, c.accountOfSlot, p0);
    expect(i.accounts).toBe(1);
    expect([...i.legWeight]).toEqual([0, 1 / 1000]);
  });

  it("property: at each re-solved liquidation price the account's health factor is 1 within 1e-9", () => {
    const assets = ["A", "B", "C", "D"];
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            price: fc.double({ min: 0.5, max: 5_000, noNaN: true }),
            threshold: fc.integer({ min: 5_000, max: 9_300 }),
            supplied: fc.integer({ min: 1, max: 1_000_000 }),
            borrowed: fc.integer({ min: 1, max: 1_000_000 }),
            debt: fc.boolean(),
          }),
          { minLength: 2, maxLength: 4 },
        ),
        fc.array(fc.double({ min: -0.3, max: 0.3, noNaN: true }), { minLength: 4, maxLength: 4 }),
        (rows, moves) => {
          if (!rows.some((r) => r.debt) || rows.every((r) => r.debt)) return;
          const reserve = (i: number, price: number) => ({
            asset: assets[i]!,
            decimals: 0,
            liquidationThresholdBps: rows[i]!.threshold,
            liquidationBonusBps: 10_500,
            eModeCategory: 0,
            price,
          });
          // each asset either supplied (as collateral) or borrowed, not both
          const account = (prices: readonly number[]): LendingAccount => ({
            reserves: rows.map((r, i) => ({
              reserve: reserve(i, prices[i]!),
              supplied: r.debt ? 0n : BigInt(r.supplied),
              borrowed: r.debt ? BigInt(r.borrowed) : 0n,
              usedAsCollateral: !r.debt,
            })),
          });
          const start = rows.map((r) => r.price);
          const solved = solveLendingAccount(account(start));
          const hf0 = solved.healthFactor;
          // accounts a venue could hold (HF 0.5–5), not at the boundary itself
          if (!(hf0 >= 0.5 && hf0 <= 5) || Math.abs(hf0 - 1) < 1e-6) return;
          const legs = rows.map((r, i) => {
            const leg = solved.legs.find((l) => l.reserve === i && l.side === (r.debt ? "borrow" : "supply"));
            return [0, r.debt ? BORROW : SUPPLY, i, leg?.liquidationPrice ?? 0, 1] as [
              number,
              number,
              number,
              number,
              number,
            ];
          });
          const { cols: c, accountOfSlot: a } = columnsOf(legs);
          const base = Float64Array.from(start);
          const i = lendingAccountIndex(c, a, base);
          // legs without a liquidation price are held fixed (their weight is not reported): they do not move
          const path = Float64Array.from(start, (p, k) => (i.legWeight[k] === 0 ? p : p * (1 + moves[k]!)));
          const slack = new Float64Array(1);
          const at = new Float64Array(legs.length);
          resolveAccountsAt(i, c, base, path, slack, at);
          // σ ≤ 0 exactly when HF ≤ 1 at the path (away from the boundary)
          const hf = healthFactor(account([...path]));
          if (Math.abs(hf - 1) > 1e-9) expect(slack[0]! <= 0).toBe(hf <= 1);
          for (let k = 0; k < legs.length; k++) {
            if (i.legWeight[k] === 0 || !(at[k]! > 0)) continue;
            const moved = [...path];
            moved[k] = at[k]!;
            expect(Math.abs(healthFactor(account(moved)) - 1)).toBeLessThan(1e-9);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
