import {
  type OptionTerms as OptionContract,
  OptionKind,
  PositionSide,
  PositionStatus,
  type PositionUpdate,
  type PriceTick,
} from "@breakwater/proto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AmountOutOfBoundsError, ValidationError } from "./errors.js";
import { positionUpdate } from "./testing.js";
import {
  DEFAULT_AMOUNT_BOUNDS,
  MAX_IMPLIED_VOLATILITY,
  validatePositionUpdate,
  validatePriceTick,
} from "./validate.js";

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

describe("liquidatable size", () => {
  const problems = (u: PositionUpdate): string[] => {
    try {
      validatePositionUpdate(u);
      return [];
    } catch (err) {
      return [...(err as ValidationError).problems];
    }
  };
  it("behavior: optional, a decimal, at most the size", () => {
    expect(problems(positionUpdate({ size: "10", liquidatableSize: "7.1" }))).toEqual([]);
    expect(problems(positionUpdate({ size: "10", liquidatableSize: "" }))).toEqual([]);
    expect(problems(positionUpdate({ size: "10" }))).toEqual([]);
    expect(problems(positionUpdate({ size: "10", liquidatableSize: "10.5" }))).toEqual([
      "liquidatable_size: must not exceed size",
    ]);
    expect(problems(positionUpdate({ size: "10", liquidatableSize: "x" }))).toEqual([
      'liquidatable_size: "x" is not a decimal number',
    ]);
  });
});

describe("amount bounds", () => {
  const huge = (zeros: number) => `1${"0".repeat(zeros)}`;

  it("behavior: prices of 1 followed by 308 or 400 zeros are rejected as out of bounds, with the reason", () => {
    for (const price of [huge(308), huge(400), `${huge(400)}.5`]) {
      expect(() => validatePriceTick(tick({ price }))).toThrow(AmountOutOfBoundsError);
    }
    expect(() => validatePriceTick(tick({ price: huge(400) }))).toThrow(/price: .* is not a finite number/);
    expect(() => validatePriceTick(tick({ price: huge(308) }))).toThrow(
      /price: .* exceeds the bound 1000000000000/,
    );
    try {
      validatePriceTick(tick({ price: huge(400) }));
    } catch (err) {
      expect((err as AmountOutOfBoundsError).code).toBe("amount_out_of_bounds");
      expect((err as Error).message.length).toBeLessThan(200); // the reason, not the 401 digits
    }
  });

  it("behavior: sizes, collateral, entry and liquidation prices, strikes and notional are bounded too", () => {
    const cases: Partial<PositionUpdate>[] = [
      { size: huge(308) },
      { size: huge(400) },
      { entryPrice: huge(308) },
      { liquidationPrice: huge(400) },
      { collateralAmount: huge(308), collateralAsset: "USDC" },
      { size: "1000000000000", entryPrice: "10000" }, // 1e16 of notional
    ];
    for (const c of cases)
      expect(() => validatePositionUpdate(positionUpdate(c))).toThrow(AmountOutOfBoundsError);
    expect(() =>
      validatePositionUpdate(
        positionUpdate({
          side: PositionSide.POSITION_SIDE_LONG,
          option: {
            kind: OptionKind.OPTION_KIND_CALL,
            strike: huge(308),
            expiryMs: 1_710_000_000_000,
            impliedVolatility: "0.6",
            markPrice: "",
          },
        }),
      ),
    ).toThrow(/option\.strike: .* exceeds the bound/);
  });

  it("behavior: an asset's overrides replace the defaults for that asset only", () => {
    const boundsOf = (asset: string) => (asset === "SHIB" ? { maxSize: 1e18, maxNotional: 1e16 } : undefined);
    const big = { size: "100000000000000000", entryPrice: "0.00002" }; // 1e17 units
    expect(() => validatePositionUpdate(positionUpdate({ ...big, asset: "SHIB" }), boundsOf)).not.toThrow();
    expect(() => validatePositionUpdate(positionUpdate({ ...big, asset: "ETH" }), boundsOf)).toThrow(
      /size: .* exceeds the bound 1000000000000000/,
    );
    const tight = () => ({ maxPrice: 100 });
    expect(() => validatePriceTick(tick({ price: "101" }), tight)).toThrow(AmountOutOfBoundsError);
    expect(validatePriceTick(tick({ price: "100" }), tight)).toBeTruthy();
    // a field present but undefined (as a config schema may give it) keeps the default
    const partial = () => ({ maxPrice: undefined, maxSize: 1e18 });
    expect(() => validatePriceTick(tick({ price: "1000000000001" }), partial)).toThrow(
      AmountOutOfBoundsError,
    );
  });

  it("property: whatever passes validation yields finite amounts within bounds, and a finite notional", () => {
    const decimal = fc
      .tuple(fc.stringMatching(/^(0|[1-9][0-9]{0,420})$/), fc.option(fc.stringMatching(/^[0-9]{1,30}$/)))
      .map(([i, f]) => (f === null ? i : `${i}.${f}`));
    fc.assert(
      fc.property(decimal, decimal, (size, entryPrice) => {
        let passed: PositionUpdate;
        try {
          passed = validatePositionUpdate(positionUpdate({ size, entryPrice }));
        } catch (err) {
          expect(err).toBeInstanceOf(ValidationError);
          return;
        }
        const s = Number(passed.size);
        const p = Number(passed.entryPrice);
        expect(Number.isFinite(s) && s <= DEFAULT_AMOUNT_BOUNDS.maxSize).toBe(true);
        expect(Number.isFinite(p) && p <= DEFAULT_AMOUNT_BOUNDS.maxPrice).toBe(true);
        expect(s * p).toBeLessThanOrEqual(DEFAULT_AMOUNT_BOUNDS.maxNotional);
        // a million such positions still sum to a finite figure
        expect(Number.isFinite(s * p * 1e6)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
