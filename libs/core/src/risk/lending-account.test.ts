import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type AccountReserve,
  type EModeCategory,
  healthFactor,
  healthFactorAt,
  type LendingAccount,
  type LendingReserve,
  solveLendingAccount,
} from "./lending-account.js";

// Reserves with Aave v3-like parameters (thresholds and bonuses in bps).
const WETH: LendingReserve = {
  asset: "WETH",
  decimals: 18,
  liquidationThresholdBps: 8250,
  liquidationBonusBps: 10500,
  eModeCategory: 1,
  price: 3000,
};
const WSTETH: LendingReserve = {
  asset: "wstETH",
  decimals: 18,
  liquidationThresholdBps: 8100,
  liquidationBonusBps: 10600,
  eModeCategory: 1,
  price: 3500,
};
const USDC: LendingReserve = {
  asset: "USDC",
  decimals: 6,
  liquidationThresholdBps: 7800,
  liquidationBonusBps: 10450,
  eModeCategory: 2,
  price: 1,
};
const DAI: LendingReserve = {
  asset: "DAI",
  decimals: 18,
  liquidationThresholdBps: 7700,
  liquidationBonusBps: 10400,
  eModeCategory: 2,
  price: 1,
};
/** ETH-correlated eMode: 93% threshold, 1% bonus, no price source. */
const ETH_EMODE: EModeCategory = {
  id: 1,
  liquidationThresholdBps: 9300,
  liquidationBonusBps: 10100,
  sourcePrice: 0,
};

const units = (n: number, decimals: number) => BigInt(Math.round(n * 1e6)) * 10n ** BigInt(decimals - 6);
const supply = (reserve: LendingReserve, n: number, usedAsCollateral = true): AccountReserve => ({
  reserve,
  supplied: units(n, reserve.decimals),
  borrowed: 0n,
  usedAsCollateral,
});
const borrow = (reserve: LendingReserve, n: number): AccountReserve => ({
  reserve,
  supplied: 0n,
  borrowed: units(n, reserve.decimals),
  usedAsCollateral: false,
});
const leg = (risk: ReturnType<typeof solveLendingAccount>, asset: string, side: "supply" | "borrow") =>
  risk.legs.find((l) => l.asset === asset && l.side === side)!;

describe("solveLendingAccount: golden accounts (figures by hand)", () => {
  it("default: two collaterals: WETH is liquidated at $1,478.79, USDC has no liquidation price", () => {
    // 10 WETH @ 3000, threshold 82.5%; 10,000 USDC @ 1, threshold 78%; 20,000 DAI of debt.
    const account: LendingAccount = {
      reserves: [supply(WETH, 10), supply(USDC, 10_000), borrow(DAI, 20_000)],
    };
    const risk = solveLendingAccount(account);
    // weighted collateral = 10·3000·0.825 + 10000·1·0.78 = 24,750 + 7,800 = 32,550
    expect(risk.weightedCollateral).toBeCloseTo(32_550, 9);
    expect(risk.collateralValue).toBeCloseTo(40_000, 9);
    expect(risk.debtValue).toBeCloseTo(20_000, 9);
    // HF = 32,550 / 20,000 = 1.6275
    expect(risk.healthFactor).toBeCloseTo(1.6275, 12);
    expect(risk.liquidatable).toBe(false);
    expect(risk.closeFactor).toBe(0.5);
    // WETH: 10·0.825·p + 7,800 = 20,000 → p = 12,200 / 8.25 = 1,478.7878…
    const weth = leg(risk, "WETH", "supply");
    expect(weth.liquidationPrice).toBeCloseTo(12_200 / 8.25, 9);
    expect(weth.liquidationPrice!.toFixed(2)).toBe("1478.79");
    // at that price: close factor 50% of the (only) debt, 10,000, plus the 5% bonus = 10,500 of WETH
    // = 10,500 / 1,478.7878 = 10,500 · 8.25 / 12,200 = 7.1004098… WETH
    expect(weth.liquidatableAmount).toBeCloseTo((10_500 * 8.25) / 12_200, 9);
    // USDC: 10,000·0.78·q + 24,750 = 20,000 → q = −0.609: WETH alone covers the debt, no price liquidates it
    // (the leg-average formula gave USDC $2.458, i.e. "already liquidatable")
    const usdc = leg(risk, "USDC", "supply");
    expect(usdc.liquidationPrice).toBeUndefined();
    expect(usdc.liquidatableAmount).toBe(0);
    // DAI debt: 32,550 = 20,000·d → d = 1.6275 (a rise of DAI to $1.6275 liquidates)
    const dai = leg(risk, "DAI", "borrow");
    expect(dai.liquidationPrice).toBeCloseTo(1.6275, 12);
    // repaid: 50% of 20,000 DAI = 10,000 (one collateral pays for it: 30,000 / 1.05 / 1.6275 = 17,555 DAI ≥ 10,000)
    expect(dai.liquidatableAmount).toBeCloseTo(10_000, 9);
  });

  it("behavior: a debt in a volatile asset is liquidated by a rise: WETH debt at $3,900", () => {
    // 50,000 USDC collateral (78%), 10 WETH of debt @ 3000
    const risk = solveLendingAccount({ reserves: [supply(USDC, 50_000), borrow(WETH, 10)] });
    // HF = 50,000·0.78 / 30,000 = 39,000 / 30,000 = 1.3
    expect(risk.healthFactor).toBeCloseTo(1.3, 12);
    // WETH: 39,000 = 10·p → p = 3,900 > 3,000
    const weth = leg(risk, "WETH", "borrow");
    expect(weth.liquidationPrice).toBeCloseTo(3_900, 9);
    expect(weth.liquidationPrice!).toBeGreaterThan(WETH.price);
    // repaid at $3,900: 50% of 10 WETH = 5 (USDC pays for 50,000 / 1.045 / 3,900 = 12.27 WETH ≥ 5)
    expect(weth.liquidatableAmount).toBeCloseTo(5, 9);
    // USDC: 50,000·0.78·q = 30,000 → q = 30,000 / 39,000 = 0.76923 (a depeg)
    const usdc = leg(risk, "USDC", "supply");
    expect(usdc.liquidationPrice).toBeCloseTo(30_000 / 39_000, 12);
    // seized at that price: 50% of 30,000 = 15,000 · 1.045 = 15,675 of USDC / 0.76923 = 15,675 · 1.3 = 20,377.5 USDC
    expect(usdc.liquidatableAmount).toBeCloseTo(20_377.5, 6);
  });

  it("behavior: eMode: the category's 93% threshold and 1% bonus replace the reserve's", () => {
    // 100 wstETH @ 3500 collateral, 100 WETH @ 3000 debt, both in the ETH-correlated category 1
    const reserves = [supply(WSTETH, 100), borrow(WETH, 100)];
    const inEMode = solveLendingAccount({ reserves, eMode: ETH_EMODE });
    // HF = 100·3500·0.93 / 300,000 = 325,500 / 300,000 = 1.085
    expect(inEMode.healthFactor).toBeCloseTo(1.085, 12);
    // wstETH: 100·0.93·p = 300,000 → p = 3,225.806…
    const st = leg(inEMode, "wstETH", "supply");
    expect(st.liquidationPrice).toBeCloseTo(300_000 / 93, 9);
    // seized: 50% of 300,000 = 150,000 · 1.01 = 151,500 / 3,225.806 = 151,500 · 93 / 300,000 = 46.965 wstETH
    expect(st.liquidatableAmount).toBeCloseTo(46.965, 9);
    // WETH debt: 325,500 = 100·p → p = 3,255
    expect(leg(inEMode, "WETH", "borrow").liquidationPrice).toBeCloseTo(3_255, 9);
    // the same account outside eMode: HF = 100·3500·0.81 / 300,000 = 283,500 / 300,000 = 0.945 ≤ 0.95:
    // liquidatable now, with the whole debt repayable
    const outside = solveLendingAccount({ reserves });
    expect(outside.healthFactor).toBeCloseTo(0.945, 12);
    expect(outside.liquidatable).toBe(true);
    expect(outside.closeFactor).toBe(1);
    // wstETH: 100·0.81·p = 300,000 → p = 3,703.70 (above 3,500: crossed)
    expect(leg(outside, "wstETH", "supply").liquidationPrice).toBeCloseTo(300_000 / 81, 9);
    // seized now: 100% of 300,000 · 1.06 = 318,000 / 3,500 = 90.857 wstETH
    expect(leg(outside, "wstETH", "supply").liquidatableAmount).toBeCloseTo(318_000 / 3_500, 9);
  });

  it("behavior: eMode with a price source: the category's assets move with the source, so HF stops following ETH", () => {
    const sourced: EModeCategory = { ...ETH_EMODE, sourcePrice: 3000 };
    // both legs priced at 3,000: HF = 100·3000·0.93 / (100·3000) = 0.93 whatever ETH does
    const risk = solveLendingAccount({ reserves: [supply(WSTETH, 100), borrow(WETH, 90)], eMode: sourced });
    // HF = 100·3000·0.93 / (90·3000) = 279,000 / 270,000 = 1.0333…
    expect(risk.healthFactor).toBeCloseTo(279_000 / 270_000, 12);
    // a = 100·0.93 = 93 per $ of source, b = 90: HF(p) = 93p / 90p, no price of the source reaches 1
    expect(leg(risk, "wstETH", "supply").liquidationPrice).toBeUndefined();
    expect(leg(risk, "WETH", "borrow").liquidationPrice).toBeUndefined();
    // with a debt priced on its own (USDC, outside the category): 80 WETH and 30,000 USDC owed,
    // HF(p) = 93p / (80p + 30,000) = 1 → 13p = 30,000 → p = 2,307.69 of the source;
    // wstETH follows the source: 3,500 · 2,307.69 / 3,000 = 2,692.31
    const mixed = solveLendingAccount({
      reserves: [supply(WSTETH, 100), borrow(WETH, 80), borrow(USDC, 30_000)],
      eMode: sourced,
    });
    expect(leg(mixed, "wstETH", "supply").liquidationPrice).toBeCloseTo((3_500 * (30_000 / 13)) / 3_000, 9);
  });

  it("behavior: crossing HF 0.95: the close factor goes from 50% to 100% of the debt", () => {
    // 10 WETH @ 3000 (82.5%), debt 25,500 DAI: HF = 24,750 / 25,500 = 0.97059 (liquidatable, above 0.95)
    const before = solveLendingAccount({ reserves: [supply(WETH, 10), borrow(DAI, 25_500)] });
    expect(before.healthFactor).toBeCloseTo(24_750 / 25_500, 12);
    expect(before.liquidatable).toBe(true);
    expect(before.closeFactor).toBe(0.5);
    // seized now: 50% of 25,500 = 12,750 · 1.05 = 13,387.5 / 3,000 = 4.4625 WETH
    expect(leg(before, "WETH", "supply").liquidatableAmount).toBeCloseTo(4.4625, 12);
    // WETH: 8.25·p = 25,500 → p = 3,090.91 (above 3,000: crossed)
    expect(leg(before, "WETH", "supply").liquidationPrice).toBeCloseTo(25_500 / 8.25, 9);
    // borrowing 1,000 more: HF = 24,750 / 26,500 = 0.93396 ≤ 0.95
    const after = solveLendingAccount({ reserves: [supply(WETH, 10), borrow(DAI, 26_500)] });
    expect(after.healthFactor).toBeCloseTo(24_750 / 26_500, 12);
    expect(after.closeFactor).toBe(1);
    // seized now: 100% of 26,500 · 1.05 = 27,825 / 3,000 = 9.275 WETH
    expect(leg(after, "WETH", "supply").liquidatableAmount).toBeCloseTo(9.275, 12);
    // DAI repaid now: all 26,500 DAI (WETH pays for 30,000 / 1.05 = 28,571 ≥ 26,500)
    expect(leg(after, "DAI", "borrow").liquidatableAmount).toBeCloseTo(26_500, 9);
  });

  it("behavior: a collateral toggled off leaves the health factor and cannot be seized", () => {
    // the first account with USDC's collateral flag off: weighted collateral = 24,750
    const risk = solveLendingAccount({
      reserves: [supply(WETH, 10), supply(USDC, 10_000, false), borrow(DAI, 20_000)],
    });
    // HF = 24,750 / 20,000 = 1.2375
    expect(risk.healthFactor).toBeCloseTo(1.2375, 12);
    // WETH: 8.25·p = 20,000 → p = 2,424.24 (with USDC on it was 1,478.79)
    expect(leg(risk, "WETH", "supply").liquidationPrice).toBeCloseTo(20_000 / 8.25, 9);
    const usdc = leg(risk, "USDC", "supply");
    expect(usdc.counted).toBe(false);
    expect(usdc.liquidationPrice).toBeUndefined();
    expect(usdc.liquidatableAmount).toBe(0);
    expect(risk.collateralValue).toBeCloseTo(30_000, 9);
  });

  it("behavior: aTokens received by transfer raise the collateral: 10 → 15 WETH moves the liquidation from $2,424.24 to $1,616.16", () => {
    const before = solveLendingAccount({ reserves: [supply(WETH, 10), borrow(DAI, 20_000)] });
    // 10·0.825·p = 20,000 → p = 2,424.2424
    expect(leg(before, "WETH", "supply").liquidationPrice).toBeCloseTo(20_000 / 8.25, 9);
    const after = solveLendingAccount({ reserves: [supply(WETH, 15), borrow(DAI, 20_000)] });
    // 15·0.825·p = 20,000 → p = 20,000 / 12.375 = 1,616.1616
    expect(leg(after, "WETH", "supply").liquidationPrice).toBeCloseTo(20_000 / 12.375, 9);
    // HF = 15·3000·0.825 / 20,000 = 37,125 / 20,000 = 1.85625
    expect(after.healthFactor).toBeCloseTo(1.85625, 12);
    // seized at $1,616.16: 10,000 · 1.05 = 10,500 / 1,616.16 = 6.496875 WETH
    expect(leg(after, "WETH", "supply").liquidatableAmount).toBeCloseTo((10_500 * 12.375) / 20_000, 9);
  });

  it("behavior: no debt: infinite health, no liquidation prices", () => {
    const risk = solveLendingAccount({ reserves: [supply(WETH, 1)] });
    expect(risk.healthFactor).toBe(Infinity);
    expect(risk.legs[0]!.liquidationPrice).toBeUndefined();
    expect(healthFactor({ reserves: [] })).toBe(Infinity);
  });

  it("behavior: one asset both supplied and owed moves both legs with one price", () => {
    // 10 WETH supplied (82.5%), 4 WETH owed, 5,000 DAI owed:
    // HF(p) = 8.25p / (4p + 5,000) = 1 → 4.25p = 5,000 → p = 1,176.47; WETH falling liquidates
    const risk = solveLendingAccount({
      reserves: [
        { reserve: WETH, supplied: units(10, 18), borrowed: units(4, 18), usedAsCollateral: true },
        borrow(DAI, 5_000),
      ],
    });
    expect(leg(risk, "WETH", "supply").liquidationPrice).toBeCloseTo(5_000 / 4.25, 9);
    // the WETH debt is not liquidated by a rise of WETH (that raises HF): no price for the debt leg
    expect(leg(risk, "WETH", "borrow").liquidationPrice).toBeUndefined();
  });
});

describe("solveLendingAccount: properties", () => {
  const reservePool: LendingReserve[] = ["A", "B", "C", "D", "E"].map((asset, i) => ({
    asset,
    decimals: [18, 6, 8, 18, 12][i]!,
    liquidationThresholdBps: 0,
    liquidationBonusBps: 0,
    eModeCategory: 0,
    price: 1,
  }));
  // prices on a log scale (1e-4 … 1e5), amounts in hundredths up to 1,000,000
  const priceArb = fc.integer({ min: -400, max: 500 }).map((e) => 10 ** (e / 100));
  const amountArb = fc.integer({ min: 1, max: 100_000_000 });
  const accountArb = fc
    .record({
      reserves: fc.uniqueArray(
        fc.record({
          index: fc.integer({ min: 0, max: reservePool.length - 1 }),
          threshold: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 9500 })),
          bonus: fc.integer({ min: 10_001, max: 11_500 }),
          eModeCategory: fc.integer({ min: 0, max: 2 }),
          price: priceArb,
          supplied: fc.oneof(fc.constant(0), amountArb),
          borrowed: fc.oneof(fc.constant(0), amountArb),
          usedAsCollateral: fc.boolean(),
        }),
        { minLength: 1, maxLength: 5, selector: (r) => r.index },
      ),
      eMode: fc.option(
        fc.record({
          id: fc.integer({ min: 1, max: 2 }),
          liquidationThresholdBps: fc.integer({ min: 1, max: 9700 }),
          liquidationBonusBps: fc.integer({ min: 10_001, max: 10_500 }),
          sourcePrice: fc.oneof(fc.constant(0), priceArb),
        }),
        { nil: undefined },
      ),
    })
    .map(
      ({ reserves, eMode }): LendingAccount => ({
        eMode,
        reserves: reserves.map((r) => {
          const base = reservePool[r.index]!;
          // hundredths → the reserve's smallest unit
          const unit = 10n ** BigInt(base.decimals - 2);
          return {
            reserve: {
              ...base,
              liquidationThresholdBps: r.threshold,
              liquidationBonusBps: r.bonus,
              eModeCategory: r.eModeCategory,
              price: r.price,
            },
            supplied: BigInt(r.supplied) * unit,
            borrowed: BigInt(r.borrowed) * unit,
            usedAsCollateral: r.usedAsCollateral,
          };
        }),
      }),
    );

  it("property: HF at each reported liquidation price is 1 within 1e-9", () => {
    const solved = { supply: 0, borrow: 0 };
    fc.assert(
      fc.property(accountArb, (account) => {
        const risk = solveLendingAccount(account);
        for (const l of risk.legs) {
          if (l.liquidationPrice === undefined) continue;
          solved[l.side]++;
          expect(Math.abs(healthFactorAt(account, l.asset, l.liquidationPrice) - 1)).toBeLessThan(1e-9);
        }
      }),
      { numRuns: 1_000 },
    );
    // the runs reach liquidation prices, of both sides
    expect(solved.supply).toBeGreaterThan(100);
    expect(solved.borrow).toBeGreaterThan(50);
  });

  it("property: a liquidation never takes more than the leg holds, and collateral falls, debt rises, to its price", () => {
    fc.assert(
      fc.property(accountArb, (account) => {
        const risk = solveLendingAccount(account);
        for (const l of risk.legs) {
          expect(l.liquidatableAmount).toBeGreaterThanOrEqual(0);
          expect(l.liquidatableAmount).toBeLessThanOrEqual(l.amount * (1 + 1e-12));
          if (l.liquidationPrice === undefined || risk.liquidatable) continue;
          // healthy now: the price must move against the leg to reach HF = 1
          const own = account.reserves.find((r) => r.reserve.asset === l.asset)!.reserve.price;
          if (l.side === "supply") expect(l.liquidationPrice).toBeLessThan(own * (1 + 1e-9));
          else expect(l.liquidationPrice).toBeGreaterThan(own * (1 - 1e-9));
        }
      }),
      { numRuns: 1_000 },
    );
  });
});
