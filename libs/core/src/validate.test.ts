import { PositionSide, PositionStatus, type PriceTick } from "@breakwater/proto";
import { describe, expect, it } from "vitest";
import { ValidationError } from "./errors.js";
import { validatePositionUpdate, validatePriceTick } from "./validate.js";

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
      validatePositionUpdate({
        eventId: "",
        chainId: "Bad Chain",
        venueId: "v",
        account: "a",
        market: "m",
        asset: "ETH",
        side: PositionSide.POSITION_SIDE_UNSPECIFIED,
        status: PositionStatus.POSITION_STATUS_OPEN,
        size: "-3",
        entryPrice: "",
        collateralAsset: "",
        collateralAmount: "",
        liquidationPrice: "",
        coordinates: undefined,
        chainTimeMs: 0,
        observedAtMs: 0,
      });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      const problems = (err as ValidationError).problems.join("\n");
      for (const field of ["event_id", "chain_id", "side", "size", "chain_time_ms"])
        expect(problems).toContain(field);
    }
  });
});
