import { describe, expect, it } from "vitest";
import { BreakwaterError } from "../errors.js";
import { firstTimeAhead, TimeAheadError } from "./future-time.js";

const T = 1_700_000_000_000;

describe("firstTimeAhead", () => {
  it("default: times up to the skew past the reference, and any time before it, pass", () => {
    expect(firstTimeAhead([["chain_time_ms", T + 30_000]], T, 30_000)).toBeUndefined();
    expect(firstTimeAhead([["chain_time_ms", T - 86_400_000]], T, 30_000)).toBeUndefined();
    expect(firstTimeAhead([], T, 30_000)).toBeUndefined();
  });

  it("behavior: the first time past the skew is named with how far ahead it lies", () => {
    const times = [
      ["chain_time_ms", T + 1],
      ["observed_at_ms", T + 30_001],
      ["head_time_ms", T + 3_600_000],
    ] as const;
    expect(firstTimeAhead(times, T, 30_000)).toEqual({
      field: "observed_at_ms",
      atMs: T + 30_001,
      aheadMs: 30_001,
    });
  });
});

describe("TimeAheadError", () => {
  it("behavior: a typed invalid-argument error with the field, the excess and the bound as context", () => {
    const err = new TimeAheadError(
      { field: "price_time_ms", aheadMs: 3_600_000 },
      30_000,
      "when it was stored",
      {
        asset: "ETH",
      },
    );
    expect(err).toBeInstanceOf(BreakwaterError);
    expect(err).toMatchObject({
      code: "future_time",
      status: "invalid_argument",
      field: "price_time_ms",
      aheadMs: 3_600_000,
      maxFutureSkewMs: 30_000,
      context: { field: "price_time_ms", aheadMs: 3_600_000, maxFutureSkewMs: 30_000, asset: "ETH" },
    });
    expect(err.message).toBe(
      "price_time_ms is 3600000 ms ahead of when it was stored (at most 30000 ms allowed)",
    );
  });
});
