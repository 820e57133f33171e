import { PositionStatus } from "@breakwater/proto";
import { describe, expect, it } from "vitest";
import { positionUpdate as update } from "../testing.js";
import { ExposureBook } from "./exposure.js";

describe("ExposureBook.marketsOf", () => {
  it("default: lists every market holding an open position in the asset", () => {
    const book = new ExposureBook();
    book.apply(update({ account: "a", market: "ETH-PERP" }));
    book.apply(update({ account: "b", market: "ETH-USD-LEND", venueId: "lend-a" }));
    book.apply(update({ account: "c", market: "BTC-PERP", asset: "BTC" }));
    expect(book.marketsOf("ETH")).toEqual(["ETH-PERP", "ETH-USD-LEND"]);
    expect(book.marketsOf("BTC")).toEqual(["BTC-PERP"]);
    expect(book.marketsOf("SOL")).toEqual([]);
  });

  it("behavior: a market drops out when its last position closes, and returns on a retraction", () => {
    const book = new ExposureBook();
    book.apply(update({ account: "a" }));
    book.apply(update({ account: "b" }));
    book.apply(update({ account: "a", status: PositionStatus.POSITION_STATUS_CLOSED, size: "0" }));
    expect(book.marketsOf("ETH")).toEqual(["ETH-PERP"]);
    const close = update({ account: "b", status: PositionStatus.POSITION_STATUS_LIQUIDATED, size: "0" });
    book.apply(close);
    expect(book.marketsOf("ETH")).toEqual([]);
    book.retract(close.eventId);
    expect(book.marketsOf("ETH")).toEqual(["ETH-PERP"]);
  });

  it("behavior: moving a position to another asset moves its market", () => {
    const book = new ExposureBook();
    book.apply(update({ account: "a", market: "X", asset: "ETH" }));
    book.apply(update({ account: "a", market: "X", asset: "BTC" }));
    expect(book.marketsOf("ETH")).toEqual([]);
    expect(book.marketsOf("BTC")).toEqual(["X"]);
  });
});
