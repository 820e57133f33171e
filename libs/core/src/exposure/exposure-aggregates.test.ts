import { PositionSide, PositionStatus, type PositionUpdate } from "@breakwater/proto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { positionUpdate } from "../testing.js";
import { entityResolver } from "./entity.js";
import {
  cellsFromScratch,
  ExposureBook,
  type ExposureCell,
  type PositionState,
  positionKey,
  positionStateOf,
} from "./exposure.js";
import { LEVERAGE_BUCKETS, leverageBucketOf } from "./leverage.js";

const EVM_A = "0x00000000000000000000000000000000000000aa";

const update = (p: Partial<PositionUpdate>) => positionUpdate({ account: EVM_A, ...p });

/** The reference model: every revision of every position, retractions remove one. */
class NaiveBook {
  private readonly revisions = new Map<string, { id: string; state: PositionState | undefined }[]>();
  apply(u: PositionUpdate): void {
    const key = positionKey(u);
    const revs = this.revisions.get(key) ?? [];
    revs.push({ id: u.eventId, state: positionStateOf(u) });
    this.revisions.set(key, revs);
  }
  retract(id: string): void {
    for (const revs of this.revisions.values()) {
      const i = revs.findIndex((r) => r.id === id);
      if (i >= 0) revs.splice(i, 1);
    }
  }
  positions(): PositionState[] {
    return [...this.revisions.values()].flatMap((r) => {
      const s = r.at(-1)?.state;
      return s ? [s] : [];
    });
  }
}

function expectCellsClose(actual: ExposureCell[], expected: ExposureCell[]): void {
  expect(actual.map((c) => [c.asset, c.venueId, c.chainId, c.positions])).toEqual(
    expected.map((c) => [c.asset, c.venueId, c.chainId, c.positions]),
  );
  actual.forEach((c, i) => {
    const e = expected[i]!;
    for (const k of ["longSize", "shortSize", "supplySize", "borrowSize", "collateralPostedSize"] as const)
      expect(c[k]).toBeCloseTo(e[k], 6);
  });
}

describe("ExposureBook aggregates", () => {
  it("default: collateral posted in an asset counts in that asset's cell on the venue", () => {
    const book = new ExposureBook();
    book.apply(update({ collateralAsset: "USDC", collateralAmount: "500" }));
    book.apply(
      update({ account: "0xb", venueId: "perp-b", collateralAsset: "USDC", collateralAmount: "250" }),
    );
    expect(
      book.cellsMatching({ asset: "USDC" }).map((c) => [c.venueId, c.collateralPostedSize, c.positions]),
    ).toEqual([
      ["perp-a", 500, 0],
      ["perp-b", 250, 0],
    ]);
  });

  it("behavior: the same EVM address on two chains is one entity; the entity map joins others", () => {
    const book = new ExposureBook({ entityOf: entityResolver({ "solana:Fund9": "fund-x" }) });
    book.apply(update({ chainId: "evm-a", size: "2" }));
    book.apply(update({ chainId: "evm-b", account: EVM_A.toUpperCase().replace("0X", "0x"), size: "3" }));
    book.apply(update({ chainId: "solana", account: "Fund9", size: "5" }));
    book.apply(update({ chainId: "solana", account: "Other", size: "1" }));
    const c = book.concentrationOf("ETH");
    expect(c.entities).toBe(3);
    expect(c.top.map((t) => [t.entity, t.size])).toEqual([
      [EVM_A, 5],
      ["fund-x", 5],
      ["solana:Other", 1],
    ]);
    expect(c.hhi).toBeCloseTo((25 + 25 + 1) / 121, 12);
    expect(book.cellsMatching({ entity: EVM_A }).map((x) => [x.chainId, x.longSize])).toEqual([
      ["evm-a", 2],
      ["evm-b", 3],
    ]);
  });

  it("behavior: leverage comes from the liquidation distance at entry", () => {
    const book = new ExposureBook();
    book.apply(update({ entryPrice: "2000", liquidationPrice: "1800" })); // 10x
    book.apply(update({ account: "0xb", entryPrice: "2000", liquidationPrice: "1000" })); // 2x
    book.apply(update({ account: "0xc" })); // unknown
    const hist = book.leverageOf("ETH");
    expect(hist.find((b) => b.from === 10)!.positions).toBe(1);
    expect(hist.find((b) => b.from === 2)!.positions).toBe(1);
    expect(hist.at(-1)!.positions).toBe(1);
  });

  it("behavior: positions whose keys share 64 of the 96 hash bits stay distinct", () => {
    const book = new ExposureBook();
    const index = (
      book as unknown as {
        slotOfKey: {
          hashKey(a: string, b: string, c: string, d: string): void;
          lastH1: number;
          lastH2: number;
        };
      }
    ).slotOfKey;
    const real = index.hashKey.bind(index);
    index.hashKey = (a, b, c, d) => {
      real(a, b, c, d);
      index.lastH1 = 7;
      index.lastH2 = 11;
    };
    for (const account of ["a", "b", "c"]) {
      book.apply(update({ account, size: "1" }));
      book.apply(update({ account, size: "2" }));
    }
    book.apply(update({ account: "b", venueId: "perp-b", size: "5" }));
    expect(book.positionCount).toBe(4);
    expect(book.cellsMatching().map((c) => [c.venueId, c.longSize, c.positions])).toEqual([
      ["perp-a", 6, 3],
      ["perp-b", 5, 1],
    ]);
  });

  it("behavior: only maxRevisions revisions are kept; an older event is unknown", () => {
    const book = new ExposureBook({ maxRevisions: 2 });
    const ids = ["1", "2", "3"].map((size) => {
      const u = update({ size });
      book.apply(u);
      return u.eventId;
    });
    expect(book.retract(ids[0]!)).toBe(false);
    expect(book.retract(ids[2]!)).toBe(true);
    expect(book.cellsMatching()[0]!.longSize).toBe(2);
    expect(book.retract(ids[1]!)).toBe(true);
    expect(book.positionCount).toBe(0);
  });

  it("property: every aggregate equals a from-scratch recomputation after any updates and retractions", () => {
    const op = fc.record({
      account: fc.constantFrom(EVM_A, "0xb", "acc-c"),
      chain: fc.constantFrom("sim-a", "sim-b"),
      venue: fc.constantFrom("v1", "v2"),
      asset: fc.constantFrom("ETH", "BTC"),
      side: fc.constantFrom(
        PositionSide.POSITION_SIDE_LONG,
        PositionSide.POSITION_SIDE_SHORT,
        PositionSide.POSITION_SIDE_SUPPLY,
        PositionSide.POSITION_SIDE_BORROW,
      ),
      size: fc.integer({ min: 0, max: 1e8 }).map((c) => (c / 100).toFixed(2)),
      collateral: fc.option(fc.tuple(fc.constantFrom("USDC", "ETH"), fc.integer({ min: 1, max: 1e5 }))),
      entry: fc.integer({ min: 0, max: 3000 }),
      liq: fc.integer({ min: 0, max: 3000 }),
      /** Percent of the size a liquidation takes (none: all of it). */
      liquidatable: fc.option(fc.integer({ min: 0, max: 100 })),
      close: fc.boolean(),
      retract: fc.boolean(),
      which: fc.nat(),
      replay: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const book = new ExposureBook({ maxRevisions: 100, initialCapacity: 1 });
        const naive = new NaiveBook();
        const applied: PositionUpdate[] = [];
        for (const o of ops) {
          if (o.retract && applied.length > 0) {
            const id = applied[o.which % applied.length]!.eventId;
            book.retract(id);
            naive.retract(id);
            applied.splice(o.which % applied.length, 1);
            continue;
          }
          if (o.replay && applied.length > 0) {
            expect(book.apply(applied[o.which % applied.length]!)).toBe(false);
            continue;
          }
          const u = update({
            account: o.account,
            chainId: o.chain,
            venueId: o.venue,
            market: `${o.asset}-M`,
            asset: o.asset,
            side: o.side,
            size: String(o.size),
            collateralAsset: o.collateral?.[0] ?? "",
            collateralAmount: o.collateral ? String(o.collateral[1]) : "",
            entryPrice: o.entry ? String(o.entry) : "",
            liquidationPrice: o.liq ? String(o.liq) : "",
            liquidatableSize:
              o.liquidatable === null ? "" : ((Number(o.size) * o.liquidatable) / 100).toFixed(4),
            status: o.close ? PositionStatus.POSITION_STATUS_CLOSED : PositionStatus.POSITION_STATUS_OPEN,
          });
          book.apply(u);
          naive.apply(u);
          applied.push(u);
        }
        const current = naive.positions();
        expect(book.positionCount).toBe(current.length);
        // the scanned columns follow the current revision, retractions restoring the one before exactly
        const liquidatable = (ps: Iterable<PositionState>) =>
          new Map([...ps].map((p) => [positionKey(p), [p.liquidationPrice, p.liquidatableSize]]));
        expect(liquidatable(book.positions())).toEqual(liquidatable(current));
        expectCellsClose(book.cellsMatching(), cellsFromScratch(current));
        const entityOf = entityResolver();
        for (const asset of ["ETH", "BTC"]) {
          const mine = current.filter((p) => p.asset === asset);
          expect(book.marketsOf(asset)).toEqual(mine.length ? [`${asset}-M`] : []);
          const hist = book.leverageOf(asset);
          LEVERAGE_BUCKETS.forEach((_, i) => {
            const inBucket = mine.filter((p) => leverageBucketOf(p.entryPrice, p.liquidationPrice) === i);
            expect(hist[i]!.positions).toBe(inBucket.length);
            expect(hist[i]!.size).toBeCloseTo(
              inBucket.reduce((s, p) => s + p.size, 0),
              4,
            );
          });
          const byEntity = new Map<string, number>();
          for (const p of mine) {
            const e = entityOf(p.chainId, p.account);
            byEntity.set(e, (byEntity.get(e) ?? 0) + p.size);
          }
          const total = [...byEntity.values()].reduce((a, b) => a + b, 0);
          const c = book.concentrationOf(asset);
          expect(c.entities).toBe(byEntity.size);
          if (total > 0) {
            const hhi = [...byEntity.values()].reduce((s, v) => s + (v / total) ** 2, 0);
            expect(c.hhi).toBeCloseTo(hhi, 6);
            expect(c.top[0]!.size).toBeCloseTo(Math.max(...byEntity.values()), 4);
          }
          for (const e of byEntity.keys()) {
            expectCellsClose(
              book.cellsMatching({ entity: e, asset }),
              cellsFromScratch(current.filter((p) => entityOf(p.chainId, p.account) === e)).filter(
                (x) => x.asset === asset,
              ),
            );
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
