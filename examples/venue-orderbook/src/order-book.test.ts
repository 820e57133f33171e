import { HaltMode } from "@breakwater/sdk";
import { describe, expect, it } from "vitest";
import { type MarketRules, OrderBook } from "./order-book.js";

function rules(halt?: HaltMode, initial = 1): MarketRules {
  return {
    haltOf: () => (halt === undefined ? undefined : { mode: halt, sequence: 7 }),
    marginOf: () => ({ initial }),
  };
}
const order = (side: "buy" | "sell", size: number) => ({
  account: "a",
  market: "ETH-PERP",
  asset: "ETH",
  side,
  size,
  price: 3_000,
});

describe("OrderBook", () => {
  it("under a price limit, trading continues at or inside it and is rejected outside", () => {
    const book = new OrderBook({
      ...rules(),
      priceLimitOf: () => ({ lower: 2_790, upper: 3_210, sequence: 9 }),
    });
    book.deposit("a", 100_000);
    expect(book.place({ ...order("buy", 1), price: 2_790 }, 0)).toMatchObject({ accepted: true });
    expect(book.place({ ...order("buy", 1), price: 3_210 }, 0)).toMatchObject({ accepted: true });
    expect(book.place({ ...order("sell", 1), price: 2_789 }, 0)).toMatchObject({
      accepted: false,
      reason: expect.stringContaining("outside the limit"),
    });
    expect(book.place({ ...order("buy", 1), price: 3_211 }, 0)).toMatchObject({ accepted: false });
  });

  it("accepts within margin and rejects beyond it; a multiplier raises the margin required", () => {
    const book = new OrderBook(rules(undefined, 1));
    book.deposit("a", 3_000);
    expect(book.place(order("buy", 10), 0)).toMatchObject({
      accepted: true,
      position: 10,
      marginRequired: 3_000,
    });
    const tighter = new OrderBook(rules(undefined, 1.5));
    tighter.deposit("a", 3_000);
    expect(tighter.place(order("buy", 10), 0)).toMatchObject({ accepted: false });
    expect(tighter.place(order("buy", 6), 0)).toMatchObject({ accepted: true, marginRequired: 2_700 });
  });

  it("a full halt rejects every order; reduce-only accepts only orders that shrink the position", () => {
    const open = new OrderBook(rules());
    open.deposit("a", 10_000);
    open.place(order("buy", 10), 0);
    const full = new OrderBook(rules(HaltMode.HALT_MODE_FULL));
    expect(full.place(order("sell", 1), 0)).toMatchObject({
      accepted: false,
      reason: expect.stringMatching(/halted \(signal 7\)/),
    });

    const reduceOnly = new OrderBook(rules(HaltMode.HALT_MODE_REDUCE_ONLY));
    reduceOnly.deposit("a", 10_000);
    // no position: any order would grow one
    expect(reduceOnly.place(order("buy", 1), 0)).toMatchObject({
      accepted: false,
      reason: expect.stringMatching(/reduce-only/),
    });
  });

  it("under reduce-only, selling part of a long is accepted, flipping it short is not", () => {
    let halted = false;
    const book = new OrderBook({
      haltOf: () => (halted ? { mode: HaltMode.HALT_MODE_REDUCE_ONLY, sequence: 3 } : undefined),
      marginOf: () => ({ initial: 1 }),
    });
    book.deposit("a", 10_000);
    book.place(order("buy", 10), 0);
    halted = true;
    expect(book.place(order("sell", 4), 0)).toMatchObject({ accepted: true, position: 6 });
    expect(book.place(order("sell", 8), 0)).toMatchObject({ accepted: false });
    expect(book.place(order("buy", 1), 0)).toMatchObject({ accepted: false });
  });
});
