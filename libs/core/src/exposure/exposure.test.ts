import { PositionSide, PositionStatus } from "@breakwater/proto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { positionUpdate as update } from "../testing.js";
import { ExposureBook, notionalOf, type PositionState, positionKey } from "./exposure.js";

describe("ExposureBook", () => {
  it("default: aggregates long and short size per asset, venue and chain", () => {
    const book = new ExposureBook();
    book.apply(update({ account: "a", size: "2" }));
    book.apply(update({ account: "b", size: "3", side: PositionSide.POSITION_SIDE_SHORT }));
    book.apply(update({ account: "c", size: "5", venueId: "perp-b", chainId: "sim-b" }));
    const cells = book.cellsMatching({ asset: "ETH" });
    expect(cells).toHaveLength(2);
    const a = book.cellsMatching({ venueId: "perp-a" })[0]!;
    expect(a).toMatchObject({ longSize: 2, shortSize: 3, positions: 2 });
    expect(notionalOf(a, 100)).toMatchObject({
      longNotional: 200,
      shortNotional: 300,
      netNotional: -100,
      grossNotional: 500,
    });
    expect(book.holdersOf("ETH")).toEqual({ venues: ["perp-a", "perp-b"], chains: ["sim-a", "sim-b"] });
  });

  it("behavior: an update replaces the position's state; the same event twice counts once", () => {
    const book = new ExposureBook();
    const first = update({ size: "2" });
    expect(book.apply(first)).toBe(true);
    expect(book.apply(first)).toBe(false);
    book.apply(update({ size: "7" }));
    expect(book.cellsMatching()[0]).toMatchObject({ longSize: 7, positions: 1 });
  });

  it("behavior: a close removes the position and its cell", () => {
    const book = new ExposureBook();
    book.apply(update({ size: "2" }));
    book.apply(update({ status: PositionStatus.POSITION_STATUS_CLOSED, size: "0" }));
    expect(book.cellsMatching()).toEqual([]);
    expect(book.positionCount).toBe(0);
  });

  it("behavior: a retraction restores the previous state exactly", () => {
    const book = new ExposureBook();
    book.apply(update({ size: "2" }));
    const orphan = update({ size: "9" });
    book.apply(orphan);
    expect(book.retract(orphan.eventId)).toBe(true);
    expect(book.cellsMatching()[0]).toMatchObject({ longSize: 2, positions: 1 });
    expect(book.retract(orphan.eventId)).toBe(false);
  });

  it("behavior: an invalid size is rejected before it touches the book", () => {
    const book = new ExposureBook();
    expect(() => book.apply(update({ size: "NaN" }))).toThrow(/not a decimal/);
    expect(book.cellsMatching()).toEqual([]);
  });

  it("property: aggregates equal a from-scratch recomputation after any updates and retractions", () => {
    const op = fc.record({
      account: fc.constantFrom("a", "b", "c"),
      venue: fc.constantFrom("v1", "v2"),
      asset: fc.constantFrom("ETH", "BTC"),
      side: fc.constantFrom(
        PositionSide.POSITION_SIDE_LONG,
        PositionSide.POSITION_SIDE_SHORT,
        PositionSide.POSITION_SIDE_SUPPLY,
      ),
      size: fc.integer({ min: 0, max: 1000 }),
      close: fc.boolean(),
      retractEarlier: fc.nat(),
      retract: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const book = new ExposureBook();
        const applied: string[] = [];
        for (const o of ops) {
          if (o.retract && applied.length > 0) {
            const id = applied.splice(o.retractEarlier % applied.length, 1)[0]!;
            book.retract(id);
            continue;
          }
          const u = update({
            account: o.account,
            venueId: o.venue,
            market: `${o.asset}-M`,
            asset: o.asset,
            side: o.side,
            size: String(o.size),
            status: o.close ? PositionStatus.POSITION_STATUS_CLOSED : PositionStatus.POSITION_STATUS_OPEN,
          });
          book.apply(u);
          applied.push(u.eventId);
        }
        const expected = new Map<
          string,
          { long: number; short: number; supply: number; positions: number }
        >();
        const latest = new Map<string, PositionState>();
        for (const p of book.positions()) latest.set(positionKey(p), p);
        for (const p of latest.values()) {
          const k = `${p.asset}|${p.venueId}|${p.chainId}`;
          const e = expected.get(k) ?? { long: 0, short: 0, supply: 0, positions: 0 };
          if (p.side === PositionSide.POSITION_SIDE_LONG) e.long += p.size;
          if (p.side === PositionSide.POSITION_SIDE_SHORT) e.short += p.size;
          if (p.side === PositionSide.POSITION_SIDE_SUPPLY) e.supply += p.size;
          e.positions++;
          expected.set(k, e);
        }
        const actual = book.cellsMatching();
        expect(actual.length).toBe(expected.size);
        for (const c of actual) {
          const e = expected.get(`${c.asset}|${c.venueId}|${c.chainId}`)!;
          expect(c.longSize).toBe(e.long);
          expect(c.shortSize).toBe(e.short);
          expect(c.supplySize).toBe(e.supply);
          expect(c.positions).toBe(e.positions);
        }
      }),
    );
  });
});
