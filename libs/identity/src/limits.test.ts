import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConcurrencyLimits, RateLimits } from "./limits.js";

describe("per-identity limits", () => {
  it("behavior: a burst is allowed, then requests pass at the refill rate, per key", () => {
    let now = 0;
    const limits = new RateLimits(10, 3, () => now);
    expect([limits.take("a"), limits.take("a"), limits.take("a"), limits.take("a")]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(limits.take("b")).toBe(true);
    now += 100; // one token
    expect([limits.take("a"), limits.take("a")]).toEqual([true, false]);
  });

  it("property: over any schedule, grants never exceed burst + rate × elapsed", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 500 }), { maxLength: 200 }), (gaps) => {
        let now = 0;
        const limits = new RateLimits(5, 4, () => now);
        let granted = 0;
        for (const gap of gaps) {
          now += gap;
          if (limits.take("k")) granted++;
        }
        expect(granted).toBeLessThanOrEqual(4 + Math.floor((now / 1_000) * 5) + 1);
      }),
    );
  });

  it("behavior: concurrent holdings stop at the maximum and free on release, once", () => {
    const c = new ConcurrencyLimits();
    const r1 = c.acquire("v", 2);
    const r2 = c.acquire("v", 2);
    expect(c.acquire("v", 2)).toBeUndefined();
    r1?.();
    r1?.();
    expect(c.count("v")).toBe(1);
    expect(c.acquire("v", 2)).toBeDefined();
    r2?.();
  });
});
