import {
  type OptionTerms as OptionContract,
  OptionKind,
  PositionSide,
  PositionStatus,
  type PositionUpdate,
  type PriceTick,
} from "@breakwater/proto";
import { describe, expect, it } from "vitest";
import { ValidationError } from "./errors.js";
import { positionUpdate } from "./testing.js";
import { MAX_IMPLIED_VOLATILITY, validatePositionUpdate, validatePriceTick } from "./validate.js";

const tick = (p: Partial<PriceTick>): PriceTick => ({
  eventId: "sim-a:0xabc:0",
  chainId: "sim-a",
  source: "oracle",
  asset: "ETH",
  price: "3000",
  coordinates: undefined,
  chainTimeMs: 1_700_000_000_000,
  observedAtMs: 1,
  ...p,
});

describe("event validation", () => {
  it("default: a well-formed tick passes", () => {
    expect(validatePriceTick(tick({}))).toBeTruthy();
  });

  it("behavior: NaN, negative and zero prices are rejected with the field named", () => {
    for (const price of ["NaN", "-1", "0", "1e3"]) {
      expect(() => validatePriceTick(tick({ price }))).toThrow(/price/);
    }
  });

  it("behavior: every problem is listed, not just the first", () => {
    try {
      validatePositionUpdate(
        positionUpdate({
          eventId: "",
          chainId: "Bad Chain",
          side: PositionSide.POSITION_SIDE_UNSPECIFIED,
          size: "-3",
          chainTimeMs: 0,
          observedAtMs: 0,
        }),
      );
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      const problems = (err as ValidationError).problems.join("\n");
      for (const field of ["event_id", "chain_id", "side", "size", "chain_time_ms"])
        expect(problems).toContain(field);
    }
  });

  describe("options positions", () => {
    const contract = (o: Partial<OptionContract> = {}): OptionContract => ({
      kind: OptionKind.OPTION_KIND_CALL,
      strike: "2000",
      expiryMs: 1_710_000_000_000,
      impliedVolatility: "0.6",
      markPrice: "",
      ...o,
    });
    const option = (o: Partial<OptionContract> = {}, p: Partial<PositionUpdate> = {}): PositionUpdate =>
      positionUpdate({
        eventId: "sim-a:0xabc:1",
        venueId: "opt-a",
        account: "0xa",
        market: "ETH-20240310-2000-C",
        side: PositionSide.POSITION_SIDE_SHORT,
        size: "3",
        chainTimeMs: 1_700_000_000_000,
        option: contract(o),
        ...p,
      });
    /** The problems an update has (empty when it passes). */
    const problemsOf = (u: PositionUpdate): string[] => {
      try {
        validatePositionUpdate(u);
        return [];
      } catch (err) {
        expect(err).toBeInstanceOf(ValidationError);
        return [...(err as ValidationError).problems];
      }
    };

    it("default: a call or put with a volatility or a mark (or both) passes", () => {
      expect(problemsOf(option())).toEqual([]);
      expect(
        problemsOf(option({ kind: OptionKind.OPTION_KIND_PUT, impliedVolatility: "", markPrice: "85.5" })),
      ).toEqual([]);
      expect(problemsOf(option({ markPrice: "0" }, { side: PositionSide.POSITION_SIDE_LONG }))).toEqual([]);
      expect(problemsOf(option({ impliedVolatility: String(MAX_IMPLIED_VOLATILITY) }))).toEqual([]);
    });

    it("behavior: each bad term is named", () => {
      const cases: [Partial<OptionContract>, string][] = [
        [{ kind: OptionKind.OPTION_KIND_UNSPECIFIED }, "option.kind: must be CALL or PUT"],
        [{ kind: 7 as OptionKind }, "option.kind: must be CALL or PUT"],
        [{ strike: "0" }, "option.strike: must be positive"],
        [{ strike: "-5" }, "option.strike: must not be negative (got -5)"],
        [{ strike: "" }, 'option.strike: "" is not a decimal number'],
        [{ expiryMs: 0 }, "option.expiry_ms: must be a positive Unix time in ms"],
        [{ expiryMs: -1 }, "option.expiry_ms: must be a positive Unix time in ms"],
        [{ impliedVolatility: "0" }, "option.implied_volatility: must be positive"],
        [{ impliedVolatility: "60%" }, 'option.implied_volatility: "60%" is not a decimal number'],
        [
          { impliedVolatility: "10.5" },
          "option.implied_volatility: must be at most 10 (annualised decimal, got 10.5)",
        ],
        [{ markPrice: "-1" }, "option.mark_price: must not be negative (got -1)"],
        [{ markPrice: "NaN" }, 'option.mark_price: "NaN" is not a decimal number'],
        [{ impliedVolatility: "", markPrice: "" }, "option: give implied_volatility or mark_price (or both)"],
      ];
      for (const [terms, problem] of cases) expect(problemsOf(option(terms))).toEqual([problem]);
    });

    it("behavior: an options position is LONG or SHORT, never a lending side", () => {
      for (const side of [PositionSide.POSITION_SIDE_SUPPLY, PositionSide.POSITION_SIDE_BORROW])
        expect(problemsOf(option({}, { side }))).toEqual(["side: an options position is LONG or SHORT"]);
      expect(problemsOf(option({}, { side: PositionSide.POSITION_SIDE_UNSPECIFIED }))).toEqual([
        "side: unspecified",
      ]);
    });

    it("behavior: a closed options position needs no volatility or mark, but its terms are still checked", () => {
      const closed = { status: PositionStatus.POSITION_STATUS_CLOSED, size: "0" };
      expect(problemsOf(option({ impliedVolatility: "", markPrice: "" }, closed))).toEqual([]);
      expect(problemsOf(option({ strike: "0" }, closed))).toEqual(["option.strike: must be positive"]);
    });

    it("behavior: without option terms the same update is a linear position and passes", () => {
      expect(problemsOf(option({}, { option: undefined, side: PositionSide.POSITION_SIDE_SUPPLY }))).toEqual(
        [],
      );
    });
  });
});
