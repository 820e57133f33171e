import { PositionSide, type PositionUpdate } from "@breakwater/proto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ExposureBook } from "../exposure/exposure.js";
import { positionUpdate } from "../testing.js";
import { liquidatableAt, liquidationLadders } from "./liquidation-ladder.js";

let n = 0;
const update = (p: Partial<PositionUpdate>) => positionUpdate({ account: `acct-${++n}`, ...p });

function ladderOf(book: ExposureBook, prices: Record<string, number>) {
  const p = new Float64Array(book.assets.size);
  for (const [a, v] of Object.entries(prices)) p[book.assets.find(a)] = v;
  return liquidationLadders(book.columns(), book.assets.all(), p);
}

describe("liquidationLadders", () => {
  it("behavior: a position counts with its liquidatable size, not its whole size", () => {
    const book = new ExposureBook();
    // an Aave collateral leg: 10 ETH, of which a liquidation at 1,478.79 seizes 7.1004 (half the debt + bonus)
    book.apply(
      update({
        side: PositionSide.POSITION_SIDE_SUPPLY,
        size: "10",
        liquidationPrice: "1478.79",
        liquidatableSize: "7.1004",
      }),
    );
    book.apply(update({ size: "3", liquidationPrice: "1478.79" })); // a perp: all of it
    const [eth] = liquidationLadders(book.columns(), book.assets.all(), Float64Array.of(3000), {
      rangeBps: 9500,
    });
    // 1,478.79 / 3,000 − 1 = −50.71%: the −5,100 bps rung
    const rung = eth!.rungs.find((r) => r.moveBps === -5100)!;
    expect(rung.positions).toBe(2);
    expect(rung.size).toBeCloseTo(10.1004, 12);
    expect(rung.notional).toBeCloseTo(10.1004 * 3000 * 0.49, 9);
  });

  it("default: every 0.5% from -50% to +50%, each position on the first rung that reaches its liquidation", () => {
    const book = new ExposureBook();
    book.apply(update({ size: "2", liquidationPrice: "99" })); // -1% exactly → -100 bps
    book.apply(update({ size: "3", liquidationPrice: "98.7" })); // -1.3% → -150 bps
    book.apply(update({ size: "5", liquidationPrice: "102", side: PositionSide.POSITION_SIDE_SHORT })); // +200
    book.apply(update({ size: "7", liquidationPrice: "101" })); // a long already under water → rung 0
    book.apply(update({ size: "11", liquidationPrice: "40" })); // -60% → beyond
    book.apply(update({ size: "13" })); // no liquidation price
    const [eth] = ladderOf(book, { ETH: 100 });
    expect(eth!.rungs).toHaveLength(201);
    expect(eth!.rungs[0]!.moveBps).toBe(-5000);
    expect(eth!.rungs[200]!.moveBps).toBe(5000);
    const at = (bps: number) => eth!.rungs.find((r) => r.moveBps === bps)!;
    expect(at(0)).toMatchObject({ positions: 1, size: 7, notional: 700, cumulativeNotional: 700 });
    expect(at(-50)).toMatchObject({ positions: 0, cumulativeNotional: 700 });
    expect(at(-100)).toMatchObject({ positions: 1, size: 2, notional: 2 * 99 });
    expect(at(-100).cumulativeNotional).toBeCloseTo(700 + 198, 9);
    expect(at(-150)).toMatchObject({ positions: 1, size: 3 });
    expect(at(-150).notional).toBeCloseTo(3 * 98.5, 9);
    expect(at(-5000).cumulativeNotional).toBeCloseTo(700 + 198 + 295.5, 9);
    expect(at(200).notional).toBeCloseTo(5 * 102, 9);
    expect(at(5000).cumulativeNotional).toBeCloseTo(510, 9); // a rise liquidates shorts only
    expect(eth!.beyondRange).toEqual({ positions: 1, notional: 1100 });
    expect(eth!.withoutLiquidationPrice).toBe(1);
    expect(liquidatableAt(eth!, -120)).toBeCloseTo(898, 9);
  });

  it("behavior: an asset without a price has no ladder; one asset can be asked alone", () => {
    const book = new ExposureBook();
    book.apply(update({ liquidationPrice: "90" }));
    book.apply(update({ asset: "BTC", market: "BTC-PERP", liquidationPrice: "90" }));
    expect(ladderOf(book, { ETH: 100 }).map((l) => l.asset)).toEqual(["ETH"]);
    const p = new Float64Array([100, 100]);
    expect(liquidationLadders(book.columns(), book.assets.all(), p, {}, 1).map((l) => l.asset)).toEqual([
      "BTC",
    ]);
  });

  it("behavior: rejects a step that does not divide the range", () => {
    const book = new ExposureBook();
    expect(() => liquidationLadders(book.columns(), [], new Float64Array(), { stepBps: 30 })).toThrow(
      /rangeBps/,
    );
  });

  it("property: each rung's cumulative notional equals a brute-force count of what that move liquidates", () => {
    const pos = fc.record({
      long: fc.boolean(),
      liq: fc.integer({ min: 1, max: 400 }),
      size: fc.integer({ min: 1, max: 100 }),
    });
    fc.assert(
      fc.property(fc.array(pos, { minLength: 1, maxLength: 40 }), (ps) => {
        const book = new ExposureBook();
        for (const p of ps)
          book.apply(
            update({
              side: p.long ? PositionSide.POSITION_SIDE_LONG : PositionSide.POSITION_SIDE_SHORT,
              liquidationPrice: String(p.liq / 2),
              size: String(p.size),
            }),
          );
        const ladder = ladderOf(book, { ETH: 100 })[0]!;
        const sum = (xs: typeof ps) => xs.reduce((t, p) => t + p.size, 0);
        const L = (p: (typeof ps)[number]) => p.liq / 2;
        expect(ladder.rungs[100]!.size).toBe(sum(ps.filter((p) => (p.long ? L(p) >= 100 : L(p) <= 100))));
        for (const rung of ladder.rungs) {
          if (rung.moveBps === 0) continue;
          const moved = 100 * (1 + rung.moveBps / 10_000);
          const crossed =
            rung.moveBps < 0
              ? ps.filter((p) => p.long && L(p) < 100 && L(p) >= moved - 1e-9)
              : ps.filter((p) => !p.long && L(p) > 100 && L(p) <= moved + 1e-9);
          const onLadder = ladder.rungs
            .filter((r) =>
              rung.moveBps < 0
                ? r.moveBps < 0 && r.moveBps >= rung.moveBps
                : r.moveBps > 0 && r.moveBps <= rung.moveBps,
            )
            .reduce((t, r) => t + r.size, 0);
          expect(onLadder).toBe(sum(crossed));
          expect(rung.cumulativeNotional).toBeGreaterThanOrEqual(0);
        }
        const beyond = ps.filter((p) => (p.long ? L(p) < 50 - 1e-9 : L(p) > 150 + 1e-9));
        expect(ladder.beyondRange.positions).toBe(beyond.length);
      }),
    );
  });
});
