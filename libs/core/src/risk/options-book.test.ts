import {
  type OptionTerms as OptionContract,
  OptionKind,
  PositionSide,
  PositionStatus,
  type PositionUpdate,
} from "@breakwater/proto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ValidationError } from "../errors.js";
import { positionUpdate } from "../testing.js";
import { black76, impliedVolatility } from "./black76.js";
import { type AssetGreeks, type OptionPositionState, OptionsBook, YEAR_MS } from "./options-book.js";

const NOW = 1_700_000_000_000;
const IN_A_YEAR = NOW + YEAR_MS;
let n = 0;

function contract(o: Partial<OptionContract> = {}): OptionContract {
  return {
    kind: OptionKind.OPTION_KIND_CALL,
    strike: "100",
    expiryMs: IN_A_YEAR,
    impliedVolatility: "0.2",
    markPrice: "",
    ...o,
  };
}

function update(p: Partial<PositionUpdate> = {}, o: Partial<OptionContract> = {}): PositionUpdate {
  return positionUpdate({
    eventId: `o${n++}`,
    venueId: "opt-a",
    market: "ETH-C-100",
    chainTimeMs: NOW,
    observedAtMs: NOW,
    option: contract(o),
    ...p,
  });
}

// Black-76 at F = K = 100, T = 1, σ = 0.2, r = 0 (d1 = 0.1), computed by hand:
// N(0.1) = 0.539827837277029, φ(0.1) = 0.3969525474770118.
const CALL_DELTA = 0.539827837277029;
const PUT_DELTA = CALL_DELTA - 1;
const GAMMA = 0.3969525474770118 / (100 * 0.2);
const VEGA = 100 * 0.3969525474770118;
/** The at-the-money premium (call = put at F = K): σ = 0.2 is implied from it. */
const ATM_PREMIUM = "7.965567455405804";

describe("OptionsBook", () => {
  it("golden: delta, gamma and vega per asset and venue against hand-computed Black-76", () => {
    const book = new OptionsBook();
    book.apply(update({ account: "a", size: "3" }));
    // mark only: σ implied from the premium
    book.apply(
      update(
        {
          account: "b",
          venueId: "opt-b",
          market: "ETH-P-100",
          size: "2",
          side: PositionSide.POSITION_SIDE_SHORT,
        },
        { kind: OptionKind.OPTION_KIND_PUT, impliedVolatility: "", markPrice: ATM_PREMIUM },
      ),
    );
    // expired: counted, contributes nothing
    book.apply(update({ account: "c", size: "5", market: "ETH-C-OLD" }, { expiryMs: NOW }));
    // a mark below intrinsic (50): no volatility, counted as unpriced
    book.apply(
      update(
        { account: "d", venueId: "opt-b", market: "ETH-C-50" },
        { strike: "50", impliedVolatility: "", markPrice: "10" },
      ),
    );
    // another asset does not leak in
    book.apply(update({ account: "e", asset: "BTC", market: "BTC-C-100", size: "7" }));
    const g = book.greeks("ETH", 100, NOW);
    expect(g).toMatchObject({ asset: "ETH", positions: 4, unpriced: 1, expired: 1, chains: ["sim-a"] });
    expect(g.delta).toBeCloseTo(3 * CALL_DELTA - 2 * PUT_DELTA, 9); // 2.539827837277029
    expect(g.delta).toBeCloseTo(2.539827837277029, 9);
    expect(g.gamma).toBeCloseTo(GAMMA, 9); // 3γ − 2γ
    expect(g.vega).toBeCloseTo(VEGA, 7); // 3ν − 2ν
    const [a, b] = g.byVenue;
    expect(a).toMatchObject({ venueId: "opt-a", positions: 2, unpriced: 0, expired: 1 });
    expect(a!.delta).toBeCloseTo(3 * CALL_DELTA, 12);
    expect(a!.gamma).toBeCloseTo(3 * GAMMA, 12);
    expect(a!.vega).toBeCloseTo(3 * VEGA, 10);
    expect(b).toMatchObject({ venueId: "opt-b", positions: 2, unpriced: 1, expired: 0 });
    expect(b!.delta).toBeCloseTo(-2 * PUT_DELTA, 9);
    expect(b!.gamma).toBeCloseTo(-2 * GAMMA, 9);
    expect(b!.vega).toBeCloseTo(-2 * VEGA, 7);
    expect(book.greeks("ETH", 100, NOW, 0, { venueId: "opt-b" }).byVenue).toEqual([b]);
    expect(book.assets()).toEqual(["BTC", "ETH"]);
    expect(book.positionCount).toBe(5);
  });

  it("default: without a forward nothing is priced; every unexpired position is unpriced", () => {
    const book = new OptionsBook();
    book.apply(update({ account: "a" }));
    book.apply(update({ account: "b" }, { expiryMs: NOW - 1 }));
    const g = book.greeks("ETH", undefined, NOW);
    expect(g).toMatchObject({ delta: undefined, gamma: undefined, vega: undefined });
    expect(g).toMatchObject({ positions: 2, unpriced: 1, expired: 1 });
    expect(g.byVenue).toEqual([
      {
        venueId: "opt-a",
        delta: undefined,
        gamma: undefined,
        vega: undefined,
        positions: 2,
        unpriced: 1,
        expired: 1,
      },
    ]);
    expect(() => book.greeks("ETH", 0, NOW)).toThrow(RangeError);
    expect(() => book.greeks("ETH", Number.NaN, NOW)).toThrow(RangeError);
    expect(book.greeks("DOGE", 1, NOW)).toEqual({
      asset: "DOGE",
      delta: 0,
      gamma: 0,
      vega: 0,
      positions: 0,
      unpriced: 0,
      expired: 0,
      byVenue: [],
      chains: [],
    });
  });

  it("behavior: the discount rate scales delta by e^(−rT) like black76", () => {
    const book = new OptionsBook();
    book.apply(update({ size: "2" }));
    const g = book.greeks("ETH", 100, NOW, 0.05);
    const ref = black76({ forward: 100, strike: 100, years: 1, sigma: 0.2, rate: 0.05, call: true });
    expect(g.delta).toBeCloseTo(2 * ref.delta, 12);
    expect(g.delta).toBeCloseTo(2 * CALL_DELTA * Math.exp(-0.05), 12);
  });

  it("behavior: applying the same event twice is a no-op; updates are states", () => {
    const book = new OptionsBook();
    const first = update({ size: "2" });
    expect(book.apply(first)).toBe(true);
    expect(book.apply(first)).toBe(false);
    expect(book.greeks("ETH", 100, NOW).delta).toBeCloseTo(2 * CALL_DELTA, 12);
    expect(book.apply(update({ size: "5" }))).toBe(true);
    expect(book.positionCount).toBe(1);
    expect(book.greeks("ETH", 100, NOW).delta).toBeCloseTo(5 * CALL_DELTA, 12);
  });

  it("behavior: a retraction restores the previous revision; an older one leaves the newest", () => {
    const book = new OptionsBook();
    const a = update({ size: "1" });
    const b = update({ size: "4" });
    const c = update({ size: "9" });
    for (const u of [a, b, c]) book.apply(u);
    expect(book.retract(b.eventId)).toBe(true); // not the newest: nothing changes
    expect(book.greeks("ETH", 100, NOW).delta).toBeCloseTo(9 * CALL_DELTA, 12);
    expect(book.retract(c.eventId)).toBe(true); // back to a (b is gone)
    expect(book.greeks("ETH", 100, NOW).delta).toBeCloseTo(1 * CALL_DELTA, 12);
    expect(book.retract(c.eventId)).toBe(false);
    expect(book.retract(a.eventId)).toBe(true);
    expect(book.positionCount).toBe(0);
    expect(book.assets()).toEqual([]);
    expect(book.holds(a)).toBe(false);
  });

  it("behavior: CLOSED removes the position; retracting the closure reopens it", () => {
    const book = new OptionsBook();
    book.apply(update({ size: "3" }));
    const close = update({ status: PositionStatus.POSITION_STATUS_CLOSED, size: "0", option: undefined });
    expect(book.holds(close)).toBe(true);
    book.apply(close);
    expect(book.positionCount).toBe(0);
    expect(book.greeks("ETH", 100, NOW).positions).toBe(0);
    book.retract(close.eventId);
    expect(book.greeks("ETH", 100, NOW).delta).toBeCloseTo(3 * CALL_DELTA, 12);
  });

  it("behavior: at most maxRevisions revisions are kept; older retractions are unknown", () => {
    const book = new OptionsBook({ maxRevisions: 2 });
    const ups = [1, 2, 3].map((s) => update({ size: String(s) }));
    for (const u of ups) book.apply(u);
    expect(book.retract(ups[0]!.eventId)).toBe(false);
    expect(book.retract(ups[2]!.eventId)).toBe(true);
    expect(book.greeks("ETH", 100, NOW).delta).toBeCloseTo(2 * CALL_DELTA, 12);
    // the dropped revision is not restored either: retracting the rest removes the position
    expect(book.retract(ups[1]!.eventId)).toBe(true);
    expect(book.positionCount).toBe(0);
    expect(book.holds(ups[0]!)).toBe(false);
    expect(() => new OptionsBook({ maxRevisions: 0 })).toThrow(RangeError);
  });

  it("behavior: an open update without usable terms throws before anything changes", () => {
    const book = new OptionsBook();
    const bad = [
      update({ option: undefined }),
      update({}, { kind: OptionKind.OPTION_KIND_UNSPECIFIED }),
      update({ side: PositionSide.POSITION_SIDE_SUPPLY }),
      update({}, { strike: "abc" }),
      update({ size: "1e3" }),
    ];
    for (const [i, each] of bad.entries()) {
      const u = { ...each, account: `bad-${i}` };
      expect(() => book.apply(u)).toThrow(ValidationError);
      expect(book.holds(u)).toBe(false);
      expect(book.apply({ ...u, status: PositionStatus.POSITION_STATUS_CLOSED })).toBe(true);
    }
    expect(book.positionCount).toBe(0);
  });

  it("property: a long and a short of the same contract net delta, gamma and vega to 0", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(OptionKind.OPTION_KIND_CALL, OptionKind.OPTION_KIND_PUT),
        fc.integer({ min: 50, max: 200 }),
        fc.integer({ min: 1, max: 3 * 365 }),
        fc.oneof(
          fc
            .integer({ min: 5, max: 300 })
            .map((p) => ({ impliedVolatility: (p / 100).toString(), markPrice: "" })),
          fc
            .integer({ min: 1, max: 5_000 })
            .map((m) => ({ impliedVolatility: "", markPrice: (m / 100).toString() })),
        ),
        fc.integer({ min: 1, max: 10_000 }),
        (kind, strike, days, vol, size) => {
          const book = new OptionsBook();
          const terms = { kind, strike: String(strike), expiryMs: NOW + days * 86_400_000, ...vol };
          book.apply(update({ account: "l", size: String(size) }, terms));
          book.apply(
            update(
              { account: "s", venueId: "opt-b", size: String(size), side: PositionSide.POSITION_SIDE_SHORT },
              terms,
            ),
          );
          const g = book.greeks("ETH", 100, NOW);
          expect(g.positions).toBe(2);
          expect(Math.abs(g.delta!)).toBe(0);
          expect(Math.abs(g.gamma!)).toBe(0);
          expect(Math.abs(g.vega!)).toBe(0);
          const [long, short] = g.byVenue;
          expect(long!.delta! + short!.delta!).toBe(0);
          expect(long!.unpriced).toBe(short!.unpriced);
        },
      ),
    );
  });

  it("property: after any updates, replays and retractions the greeks equal a from-scratch recomputation", () => {
    const MAX_REVISIONS = 3;
    const terms = fc.record({
      asset: fc.constantFrom("ETH", "BTC"),
      side: fc.constantFrom(PositionSide.POSITION_SIDE_LONG, PositionSide.POSITION_SIDE_SHORT),
      open: fc.boolean(),
      size: fc.integer({ min: 0, max: 1_000 }).map(String),
      kind: fc.constantFrom(OptionKind.OPTION_KIND_CALL, OptionKind.OPTION_KIND_PUT),
      strike: fc.integer({ min: 60, max: 150 }).map(String),
      // some already expired
      days: fc.integer({ min: -30, max: 400 }),
      iv: fc.option(fc.integer({ min: 10, max: 200 }).map((p) => (p / 100).toString())),
      mark: fc.option(fc.integer({ min: 0, max: 6_000 }).map((m) => (m / 100).toString())),
    });
    const op = fc.oneof(
      fc.record({ kind: fc.constant("apply" as const), key: fc.integer({ min: 0, max: 3 }), terms }),
      fc.record({ kind: fc.constant("replay" as const), pick: fc.nat() }),
      // retractions of recent events, as reorgs do, and of any event
      fc.record({ kind: fc.constant("retract" as const), pick: fc.nat(), recent: fc.boolean() }),
    );
    const forwards: Record<string, number> = { ETH: 100, BTC: 90 };
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const book = new OptionsBook({ maxRevisions: MAX_REVISIONS });
        // the reference model: per key, its revisions oldest first
        const revisions = new Map<string, { eventId: string; update: PositionUpdate }[]>();
        const keyOf = new Map<string, string>();
        const sent: PositionUpdate[] = [];
        for (const o of ops) {
          if (o.kind === "apply" || o.kind === "replay") {
            let u: PositionUpdate;
            if (o.kind === "apply") {
              const t = o.terms;
              const iv = t.iv ?? "";
              u = update(
                {
                  venueId: `opt-${o.key % 2}`,
                  account: `acct-${o.key}`,
                  asset: t.asset,
                  side: t.side,
                  status: t.open
                    ? PositionStatus.POSITION_STATUS_OPEN
                    : PositionStatus.POSITION_STATUS_CLOSED,
                  size: t.size,
                },
                {
                  kind: t.kind,
                  strike: t.strike,
                  expiryMs: NOW + t.days * 86_400_000,
                  impliedVolatility: iv,
                  markPrice: t.mark ?? (iv === "" ? "1" : ""),
                },
              );
              sent.push(u);
            } else {
              if (sent.length === 0) continue;
              u = sent[o.pick % sent.length]!;
            }
            const known = keyOf.has(u.eventId);
            expect(book.apply(u)).toBe(!known);
            if (known) continue;
            const key = u.account;
            const list = revisions.get(key) ?? [];
            list.push({ eventId: u.eventId, update: u });
            keyOf.set(u.eventId, key);
            if (list.length > MAX_REVISIONS) keyOf.delete(list.shift()!.eventId);
            revisions.set(key, list);
          } else {
            if (sent.length === 0) continue;
            const i = o.recent ? sent.length - 1 - (o.pick % Math.min(sent.length, 4)) : o.pick % sent.length;
            const id = sent[i]!.eventId;
            const key = keyOf.get(id);
            expect(book.retract(id)).toBe(key !== undefined);
            if (key === undefined) continue;
            keyOf.delete(id);
            const list = revisions.get(key)!;
            list.splice(
              list.findIndex((r) => r.eventId === id),
              1,
            );
          }
        }
        const open = [...revisions.values()]
          .map((list) => list.at(-1)?.update)
          .filter((u): u is PositionUpdate => u?.status === PositionStatus.POSITION_STATUS_OPEN);
        expect(book.positionCount).toBe(open.length);
        for (const asset of ["ETH", "BTC"]) {
          const expected = fromScratch(open, asset, forwards[asset]!);
          const actual = book.greeks(asset, forwards[asset]!, NOW);
          expectClose(actual, expected);
        }
      }),
      { numRuns: 300 },
    );
  });
});

type Totals = {
  delta: number;
  gamma: number;
  vega: number;
  positions: number;
  unpriced: number;
  expired: number;
};

/** Greeks straight from the updates with black76 and the implied-volatility solver. */
function fromScratch(
  open: readonly PositionUpdate[],
  asset: string,
  forward: number,
): Totals & { gross: number } {
  const t = { delta: 0, gamma: 0, vega: 0, positions: 0, unpriced: 0, expired: 0, gross: 0 };
  for (const u of open) {
    if (u.asset !== asset) continue;
    const o = u.option!;
    t.positions++;
    if (o.expiryMs <= NOW) {
      t.expired++;
      continue;
    }
    const years = (o.expiryMs - NOW) / (365 * 86_400_000);
    const call = o.kind === OptionKind.OPTION_KIND_CALL;
    const strike = Number(o.strike);
    const sigma =
      o.impliedVolatility !== ""
        ? Number(o.impliedVolatility)
        : impliedVolatility({ forward, strike, years, rate: 0, call }, Number(o.markPrice));
    if (sigma === undefined) {
      t.unpriced++;
      continue;
    }
    const g = black76({ forward, strike, years, sigma, rate: 0, call });
    const q = (u.side === PositionSide.POSITION_SIDE_LONG ? 1 : -1) * Number(u.size);
    t.delta += q * g.delta;
    t.gamma += q * g.gamma;
    t.vega += q * g.vega;
    t.gross += Math.abs(q) * (Math.abs(g.delta) + Math.abs(g.gamma) + Math.abs(g.vega));
  }
  return t;
}

function expectClose(actual: AssetGreeks, expected: Totals & { gross: number }): void {
  const tol = 1e-9 * (1 + expected.gross);
  expect(actual).toMatchObject({
    positions: expected.positions,
    unpriced: expected.unpriced,
    expired: expected.expired,
  });
  expect(Math.abs(actual.delta! - expected.delta)).toBeLessThanOrEqual(tol);
  expect(Math.abs(actual.gamma! - expected.gamma)).toBeLessThanOrEqual(tol);
  expect(Math.abs(actual.vega! - expected.vega)).toBeLessThanOrEqual(tol);
  const sum = (f: (v: AssetGreeks["byVenue"][number]) => number) =>
    actual.byVenue.reduce((s, v) => s + f(v), 0);
  expect(sum((v) => v.positions)).toBe(actual.positions);
  expect(Math.abs(sum((v) => v.delta!) - expected.delta)).toBeLessThanOrEqual(tol);
}

describe("OptionsBook.positions", () => {
  it("default: the open states, with sign and terms as float64", () => {
    const book = new OptionsBook();
    book.apply(
      update(
        { side: PositionSide.POSITION_SIDE_SHORT, size: "2.5" },
        { kind: OptionKind.OPTION_KIND_PUT, impliedVolatility: "", markPrice: "3.25" },
      ),
    );
    expect([...book.positions()]).toEqual([
      {
        chainId: "sim-a",
        venueId: "opt-a",
        account: "0x1",
        market: "ETH-C-100",
        asset: "ETH",
        sign: -1,
        size: 2.5,
        call: false,
        strike: 100,
        expiryMs: IN_A_YEAR,
        impliedVolatility: undefined,
        markPrice: 3.25,
      } satisfies OptionPositionState,
    ]);
  });
});
