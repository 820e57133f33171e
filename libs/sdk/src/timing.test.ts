import type { Signal } from "@breakwater/proto";
import { describe, expect, it } from "vitest";
import { checkTiming } from "./timing.js";

const signal = { sequence: 4, issuedAtMs: 1_000, effectiveAtMs: 1_500, expiresAtMs: 9_000 } as Signal;

describe("checkTiming", () => {
  it("default: a signal received between issue and effect is on time", () => {
    expect(checkTiming(signal, 1_020, 1_000)).toEqual({ late: undefined, skew: undefined, expired: false });
  });

  it("behavior: received after effective_at is late by the difference", () => {
    expect(checkTiming(signal, 1_700, 1_000).late).toEqual({
      sequence: 4,
      effectiveAtMs: 1_500,
      receivedAtMs: 1_700,
      lateByMs: 200,
    });
  });

  it("behavior: issued_at far ahead of the venue clock is clock skew", () => {
    expect(checkTiming(signal, 500, 1_000).skew).toBeUndefined();
    expect(checkTiming(signal, -500, 1_000).skew).toMatchObject({ skewMs: 1_500 });
  });

  it("behavior: received after expires_at is expired; 0 never expires", () => {
    expect(checkTiming(signal, 9_000, 1_000).expired).toBe(true);
    expect(checkTiming({ ...signal, expiresAtMs: 0 }, 1e12, 1_000).expired).toBe(false);
  });
});
