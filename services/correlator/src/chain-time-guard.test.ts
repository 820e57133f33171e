import { TimeAheadError } from "@breakwater/core";
import { positionUpdate } from "@breakwater/core/testing";
import { describe, expect, it } from "vitest";
import { ChainTimeAheadError, checkChainTime } from "./chain-time-guard.js";

const RECEIVED = 1_700_000_000_000;
const SKEW = 30_000;

describe("checkChainTime", () => {
  it("default: an event within the skew of its receipt passes", () => {
    const value = positionUpdate({ chainTimeMs: RECEIVED + SKEW, observedAtMs: RECEIVED });
    expect(() => checkChainTime({ kind: "position", value }, RECEIVED, SKEW)).not.toThrow();
  });

  it("behavior: a chain or watcher time past the skew is a ChainTimeAheadError naming the field", () => {
    const value = positionUpdate({ chainTimeMs: RECEIVED, observedAtMs: RECEIVED + 3_600_000 });
    let thrown: unknown;
    try {
      checkChainTime({ kind: "position", value }, RECEIVED, SKEW);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ChainTimeAheadError);
    expect(thrown).toBeInstanceOf(TimeAheadError);
    expect(thrown).toMatchObject({
      code: "future_chain_time",
      status: "invalid_argument",
      message: "observed_at_ms is 3600000 ms ahead of when the event was received (at most 30000 ms allowed)",
      context: {
        field: "observed_at_ms",
        aheadMs: 3_600_000,
        maxFutureSkewMs: SKEW,
        kind: "position",
        chainId: "sim-a",
      },
    });
  });
});
