import { PositionSide, type PositionUpdate } from "@breakwater/proto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ExposureBook } from "../exposure/exposure.js";
import { positionUpdate } from "../testing.js";
import { accountOfSlots, lendingAccountIndex } from "./account-paths.js";
import { type CascadeInput, priceImpact, simulateCascade } from "./cascade.js";

let n = 0;
const update = (p: Partial<PositionUpdate>) =>
  positionUpdate({
    venueId: "v1",
    account: `acct-${++n}`,
    market: `${p.asset ?? "ETH"}-PERP`,
    size: "10",
    ...p,
  });

function input(
  book: ExposureBook,
  shocks: Record<string, number>,
  extra: Partial<CascadeInput> = {},
): CascadeInput {
  const names = book.assets.all();
  const s = new Float64Array(names.length);
  for (const [a, v] of Object.entries(shocks)) s[book.assets.find(a)] = v;
  return {
    cols: book.columns(),
    assetNames: names,
    venueNames: book.venues.all(),
    chainNames: book.chains.all(),
    prices: new Float64Array(names.length).fill(100),
    shocks: s,
    depth: names.map(() => ({ notionalPer1Pct: 500, exponent: 1 })),
    ...extra,
  };
}

function threeLongs(): ExposureBook {
  const book = new ExposureBook();
  book.apply(update({ liquidationPrice: "95", venueId: "v1" }));
  book.apply(update({ liquidationPrice: "93", venueId: "v2", chainId: "sim-b" }));
  book.apply(update({ liquidationPrice: "80", venueId: "v2" }));
  return book;
}

describe("priceImpact", () => {
  it("golden: linear and square-root books", () => {
    expect(priceImpact(1_000, { notionalPer1Pct: 500, exponent: 1 })).toBeCloseTo(-0.02, 15);
    expect(priceImpact(-2_000, { notionalPer1Pct: 500, exponent: 0.5 })).toBeCloseTo(0.02, 15);
    expect(priceImpact(1e12, { notionalPer1Pct: 1, exponent: 1 })).toBe(-0.99);
  });
});

describe("simulateCascade", () => {
  it("default: liquidation flow moves the price into the next liquidations, to a fixed point", () => {
    const r = simulateCascade(input(threeLongs(), { ETH: -0.05 }));
    // round 1: 95 liquidates A, sells 1000 → -2% ; round 2: 93 liquidates B → -4% ; round 3: 91, nothing
    expect(r.perRound).toEqual([
      { round: 1, positions: 1, notional: 1000 },
      { round: 2, positions: 1, notional: 1000 },
    ]);
    expect(r).toMatchObject({ rounds: 2, converged: true, liquidatedNotional: 2000, liquidatedPositions: 2 });
    expect(r.assets[0]!.finalPrice).toBeCloseTo(91, 9);
    expect(r.assets[0]!.move).toBeCloseTo(-0.09, 12);
    expect(r.byChain).toEqual([
      { chainId: "sim-a", positions: 1, notional: 1000 },
      { chainId: "sim-b", positions: 1, notional: 1000 },
    ]);
  });

  it("behavior: a lending leg sells only its liquidatable size into the depth", () => {
    const book = new ExposureBook();
    // 10 supplied at 95, of which a liquidation seizes 5: 5 · 100 = 500 sold → −1% ; the 93 long holds
    book.apply(
      update({ side: PositionSide.POSITION_SIDE_SUPPLY, liquidationPrice: "95", liquidatableSize: "5" }),
    );
    book.apply(update({ liquidationPrice: "93" }));
    const r = simulateCascade(input(book, { ETH: -0.05 }));
    expect(r.perRound).toEqual([{ round: 1, positions: 1, notional: 500 }]);
    expect(r.assets[0]!.finalPrice).toBeCloseTo(94, 9);
  });

  it("behavior: re-solved as an account, falls that liquidate no leg alone liquidate the account; one collateral and one debt go", () => {
    // 10 ETH @ 3,000 (82.5%) and 10,000 USDC @ 1 (78%) against 30,000 DAI (S = 2,550): ETH alone at 2,690.909,
    // USDC alone at 0.673077, DAI at 1.085; liquidation takes 50% of the debt plus a 5% bonus
    const book = new ExposureBook();
    const leg = (
      asset: string,
      side: PositionSide,
      size: string,
      liquidationPrice: string,
      liquidatableSize: string,
    ) =>
      book.apply(
        update({ account: "borrower", asset, market: asset, side, size, liquidationPrice, liquidatableSize }),
      );
    leg("ETH", PositionSide.POSITION_SIDE_SUPPLY, "10", String(22_200 / 8.25), "5.853");
    leg("USDC", PositionSide.POSITION_SIDE_SUPPLY, "10000", String(5_250 / 7_800), "10000");
    leg("DAI", PositionSide.POSITION_SIDE_BORROW, "30000", "1.085", "15000");
    const names = book.assets.all();
    const prices = Float64Array.from(names, (a) => (a === "ETH" ? 3000 : 1));
    const deep = names.map(() => ({ notionalPer1Pct: 1e12, exponent: 1 }));
    // ETH −8% (2,760) and USDC −17% (0.83): W' = 22,770 + 6,474 = 29,244 < 30,000
    const shocks = { ETH: -0.08, USDC: -0.17 };
    const perLeg = simulateCascade(input(book, shocks, { prices, depth: deep }));
    expect(perLeg.liquidatedPositions).toBe(0);
    const cols = book.columns();
    const accounts = lendingAccountIndex(cols, accountOfSlots(cols, book.positions()), prices);
    const whole = simulateCascade(input(book, shocks, { prices, depth: deep, accounts }));
    // the largest collateral (5.853 ETH × 3,000 = 17,559 against 10,000 USDC) is seized, the DAI repaid (15,000)
    expect(whole.perRound).toEqual([{ round: 1, positions: 2, notional: 17_559 + 15_000 }]);
    expect(whole.assets.map((a) => [a.asset, a.liquidatedNotional])).toEqual([
      ["DAI", 15_000],
      ["ETH", 17_559],
      ["USDC", 0],
    ]);
    // ETH −5% alone leaves it (σ = 0.5147)
    const mild = simulateCascade(input(book, { ETH: -0.05 }, { prices, depth: deep, accounts }));
    expect(mild.liquidatedPositions).toBe(0);
  });

  it("behavior: gaps past the liquidation price are bad debt, set against each venue's insurance fund", () => {
    const r = simulateCascade(
      input(
        threeLongs(),
        { ETH: -0.1 },
        {
          insuranceFunds: new Map([
            ["v1", 20],
            ["v2", 100],
          ]),
        },
      ),
    );
    expect(r.rounds).toBe(1);
    expect(r.byVenue).toEqual([
      { venueId: "v1", positions: 1, notional: 1000, badDebt: 50, insuranceFund: 20, uncovered: 30 },
      { venueId: "v2", positions: 1, notional: 1000, badDebt: 30, insuranceFund: 100, uncovered: 0 },
    ]);
    expect(r.badDebt).toBe(80);
    expect(r.uncoveredBadDebt).toBe(30);
  });

  it("behavior: a shock propagates to correlated assets through beta", () => {
    const book = new ExposureBook();
    book.apply(update({ liquidationPrice: "90" }));
    book.apply(update({ asset: "BTC", liquidationPrice: "97.5" }));
    const beta = new Float64Array([0, 0, 0.5, 0]); // BTC moves 0.5 × ETH
    const r = simulateCascade(input(book, { ETH: -0.05 }, { beta }));
    expect(r.assets.find((a) => a.asset === "BTC")!.liquidatedNotional).toBe(1000);
    const alone = simulateCascade(input(book, { ETH: -0.05 }));
    expect(alone.liquidatedNotional).toBe(0);
  });

  it("behavior: stops after maxRounds and says it did not converge", () => {
    const book = new ExposureBook();
    for (let i = 0; i < 20; i++) book.apply(update({ liquidationPrice: String(99 - i) }));
    const r = simulateCascade(input(book, { ETH: -0.01 }, { maxRounds: 3 }));
    expect(r).toMatchObject({ rounds: 3, converged: false });
  });

  const positions = fc.array(
    fc.record({
      asset: fc.constantFrom("ETH", "BTC"),
      long: fc.boolean(),
      liq: fc.integer({ min: 1, max: 300 }),
      size: fc.integer({ min: 1, max: 100 }),
      venue: fc.constantFrom("v1", "v2"),
    }),
    { maxLength: 30 },
  );
  const build = (ps: { asset: string; long: boolean; liq: number; size: number; venue: string }[]) => {
    const book = new ExposureBook();
    book.apply(update({ asset: "ETH" }));
    book.apply(update({ asset: "BTC" }));
    for (const p of ps)
      book.apply(
        update({
          asset: p.asset,
          venueId: p.venue,
          side: p.long ? PositionSide.POSITION_SIDE_LONG : PositionSide.POSITION_SIDE_SHORT,
          // not liquidatable yet at the reference price 100: longs below it, shorts above
          liquidationPrice: String(p.long ? Math.min(p.liq, 199) / 2 : 100 + p.liq / 2),
          size: String(p.size),
        }),
      );
    return book;
  };

  it("property: monotone in shock size (same sign), terminating within maxRounds, deterministic", () => {
    fc.assert(
      fc.property(
        positions,
        fc.double({ min: 0.001, max: 0.6, noNaN: true }),
        fc.double({ min: 1, max: 3, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.boolean(),
        (ps, shock, factor, beta, up) => {
          const book = build(ps);
          const sign = up ? 1 : -1;
          const b = new Float64Array([0, beta, beta, 0]);
          const small = simulateCascade(input(book, { ETH: sign * shock }, { beta: b, maxRounds: 8 }));
          const large = simulateCascade(
            input(book, { ETH: sign * shock * factor }, { beta: b, maxRounds: 8 }),
          );
          expect(small.rounds).toBeLessThanOrEqual(8);
          expect(large.liquidatedNotional).toBeGreaterThanOrEqual(small.liquidatedNotional);
          expect(large.liquidatedPositions).toBeGreaterThanOrEqual(small.liquidatedPositions);
          // (bad debt is not monotone: a position the small shock reaches a round later is closed
          // at that later, lower price, so its gap can be larger)
          for (const a of ["ETH", "BTC"]) {
            const s = small.assets.find((x) => x.asset === a)!.finalPrice;
            const l = large.assets.find((x) => x.asset === a)!.finalPrice;
            if (up) expect(l).toBeGreaterThanOrEqual(s - 1e-9);
            else expect(l).toBeLessThanOrEqual(s + 1e-9);
          }
          expect(simulateCascade(input(book, { ETH: sign * shock }, { beta: b, maxRounds: 8 }))).toEqual(
            small,
          );
        },
      ),
      { numRuns: 200 },
    );
  });
});
