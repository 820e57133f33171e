import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { allDayCalendar, TradingCalendar } from "../calendar/calendar.js";
import { atLeast, type ReferenceSpec, referenceTracker } from "./references.js";
import type { PricePoint } from "./types.js";

const at = (text: string) => Date.parse(text);
const US = new TradingCalendar({
  timeZone: "America/New_York",
  sessions: [{ name: "regular", days: ["mon", "tue", "wed", "thu", "fri"], open: "09:30", close: "16:00" }],
  holidays: [],
  dayStart: "00:00",
});
const windowSpec = (over: Partial<Extract<ReferenceSpec, { kind: "window" }>> = {}): ReferenceSpec => ({
  kind: "window",
  stat: "mean",
  windowMs: 300_000,
  minSamples: 1,
  moveThreshold: 0,
  ...over,
});
const T0 = at("2026-03-09T14:00:00Z");

describe("references", () => {
  it("default: the prior close is Friday's 16:00 EST price on Monday after the change to EDT, not an after-hours price", () => {
    const ref = referenceTracker({ kind: "prior-close", at: "16:00" }, US);
    ref.observe({ atMs: at("2026-03-06T20:59:00Z"), price: 5010 }); // Fri 15:59 EST
    ref.observe({ atMs: at("2026-03-06T21:00:00Z"), price: 5000 }); // Fri 16:00 EST: the close
    ref.observe({ atMs: at("2026-03-06T22:00:00Z"), price: 4990 }); // Fri 17:00, after hours
    const monday = ref.observe({ atMs: at("2026-03-09T13:30:00Z"), price: 5100 }); // Mon 09:30 EDT
    expect(monday).toMatchObject({ price: 5000, atMs: at("2026-03-06T21:00:00Z") });
    // the rally does not move it; Monday's 16:00 EDT close (20:00 UTC) does
    expect(ref.observe({ atMs: at("2026-03-09T15:00:00Z"), price: 4700 })?.price).toBe(5000);
    ref.observe({ atMs: at("2026-03-09T20:00:00Z"), price: 4800 });
    expect(ref.observe({ atMs: at("2026-03-10T13:30:00Z"), price: 4810 })?.price).toBe(4800);
  });

  it("behavior: a price that arrives late but was stamped before the close still sets the close", () => {
    const ref = referenceTracker({ kind: "prior-close", at: "16:00" }, US);
    ref.observe({ atMs: at("2026-03-09T19:50:00Z"), price: 100 });
    ref.observe({ atMs: at("2026-03-09T20:10:00Z"), price: 99 }); // after the close
    ref.observe({ atMs: at("2026-03-09T19:59:59Z"), price: 101 }); // late, from before it
    expect(ref.current()?.price).toBe(101);
  });

  it("behavior: without a price from before the close, the prior close is unknown (no reference)", () => {
    const ref = referenceTracker({ kind: "prior-close", at: "16:00" }, US);
    expect(ref.observe({ atMs: at("2026-03-09T14:00:00Z"), price: 100 })).toBeUndefined();
    expect(ref.observe({ atMs: at("2026-03-09T15:00:00Z"), price: 90 })).toBeUndefined();
  });

  it("behavior: on a 24/7 calendar, a close at 00:00 is the price at local midnight (the day's open)", () => {
    const ref = referenceTracker(
      { kind: "prior-close", at: "00:00" },
      new TradingCalendar(allDayCalendar("UTC")),
    );
    ref.observe({ atMs: at("2026-03-08T23:59:59Z"), price: 2000 });
    expect(ref.observe({ atMs: at("2026-03-09T00:00:01Z"), price: 1990 })?.price).toBe(2000);
  });

  it("validation: a prior close needs a calendar", () => {
    expect(() => referenceTracker({ kind: "prior-close", at: "16:00" })).toThrow(/calendar/);
  });

  it.each<["mean" | "high" | "low", number]>([
    ["mean", 101],
    ["high", 103],
    ["low", 99],
  ])("default: the window's %s over the preceding prices, the price itself excluded", (stat, expected) => {
    const ref = referenceTracker(windowSpec({ stat }));
    for (const [i, price] of [99, 101, 103].entries()) ref.observe({ atMs: T0 + i * 1000, price });
    expect(ref.observe({ atMs: T0 + 3000, price: 50 })?.price).toBe(expected);
  });

  it("behavior: prices older than the window no longer count; an empty window keeps the reference in force", () => {
    const ref = referenceTracker(windowSpec({ windowMs: 10_000 }));
    ref.observe({ atMs: T0, price: 100 });
    ref.observe({ atMs: T0 + 5_000, price: 110 });
    expect(ref.observe({ atMs: T0 + 12_000, price: 120 })?.price).toBe(110); // T0 is out of [2s, 12s)
    expect(ref.observe({ atMs: T0 + 60_000, price: 130 })?.price).toBe(110); // nothing in the window
  });

  it("behavior: LULD: the 5-minute mean becomes the reference only when it moves 1% or more", () => {
    const ref = referenceTracker(windowSpec({ moveThreshold: 0.01 }));
    expect(ref.observe({ atMs: T0, price: 10 })).toBeUndefined();
    expect(ref.observe({ atMs: T0 + 1000, price: 10.1 })?.price).toBe(10); // mean of [10]
    // mean of [10, 10.1] = 10.05: 0.5% away, so 10 stays
    expect(ref.observe({ atMs: T0 + 2000, price: 10.2 })?.price).toBe(10);
    // mean of [10, 10.1, 10.2] = 10.1: exactly 1%, so it moves
    expect(ref.observe({ atMs: T0 + 3000, price: 10.1 })?.price).toBeCloseTo(10.1, 12);
  });

  it("behavior: a reset restarts from the pause price, or from the next price (reopening)", () => {
    const ref = referenceTracker(windowSpec({ windowMs: 3_600_000 }));
    for (let i = 0; i < 10; i++) ref.observe({ atMs: T0 + i * 1000, price: 100 });
    ref.reset({ atMs: T0 + 10_000, price: 94 });
    expect(ref.current()?.price).toBe(94);
    expect(ref.observe({ atMs: T0 + 130_000, price: 94 })?.price).toBe(94);
    ref.reset();
    expect(ref.current()).toBeUndefined();
    expect(ref.observe({ atMs: T0 + 200_000, price: 90 })).toBeUndefined(); // the reopening price
    expect(ref.observe({ atMs: T0 + 201_000, price: 91 })?.price).toBe(90);
  });

  it("validation: minSamples prices are needed before the first reference", () => {
    const ref = referenceTracker(windowSpec({ minSamples: 3 }));
    const got = [100, 100, 100, 100].map((price, i) => ref.observe({ atMs: T0 + i * 1000, price })?.price);
    expect(got).toEqual([undefined, undefined, undefined, 100]);
  });

  it("behavior: thresholds tolerate float64 rounding (10.10 is 1% above 10.00) and nothing more", () => {
    expect(atLeast((10.1 - 10) / 10, 0.01)).toBe(true);
    expect(atLeast(0.0099, 0.01)).toBe(false);
  });

  const ticks = fc
    .array(
      fc.record({ dtMs: fc.integer({ min: 1, max: 120_000 }), price: fc.integer({ min: 1, max: 10_000 }) }),
      {
        minLength: 1,
        maxLength: 120,
      },
    )
    .map((steps) => {
      let t = T0;
      return steps.map((s) => {
        t += s.dtMs;
        return { atMs: t, price: s.price / 100 };
      });
    });

  it("property: a window figure equals the brute-force figure over the preceding window (no threshold)", () => {
    fc.assert(
      fc.property(
        ticks,
        fc.constantFrom("mean", "high", "low") as fc.Arbitrary<"mean" | "high" | "low">,
        (points, stat) => {
          const spec = windowSpec({ stat, windowMs: 180_000 });
          const ref = referenceTracker(spec);
          let last: number | undefined;
          points.forEach((p, i) => {
            const got = ref.observe(p)?.price;
            const window = points.slice(0, i).filter((q) => q.atMs >= p.atMs - 180_000);
            const prices = window.map((q) => q.price);
            if (prices.length > 0)
              last =
                stat === "mean"
                  ? prices.reduce((a, b) => a + b, 0) / prices.length
                  : stat === "high"
                    ? Math.max(...prices)
                    : Math.min(...prices);
            if (last === undefined) expect(got).toBeUndefined();
            else expect(got).toBeCloseTo(last, 9);
          });
        },
      ),
    );
  });

  it("property: with a threshold, the reference changes only on a move of at least it, and never lags by more", () => {
    fc.assert(
      fc.property(ticks, fc.double({ min: 0.001, max: 0.2, noNaN: true }), (points, threshold) => {
        const ref = referenceTracker(windowSpec({ moveThreshold: threshold }));
        const plain = referenceTracker(windowSpec());
        let previous: number | undefined;
        for (const p of points) {
          const got = ref.observe(p)?.price;
          const figure = plain.observe(p)?.price;
          if (got === undefined) continue;
          if (previous !== undefined && got !== previous) {
            expect(atLeast(Math.abs(got - previous) / previous, threshold)).toBe(true);
            expect(got).toBe(figure);
          }
          if (figure !== undefined) expect(atLeast(Math.abs(figure - got) / got, threshold)).toBe(false);
          previous = got;
        }
      }),
    );
  });

  it("property: the prior close equals the last price at or before the latest trading-day 16:00 (brute force)", () => {
    const days = fc
      .array(
        fc.record({
          dtMs: fc.integer({ min: 60_000, max: 20 * 3_600_000 }),
          price: fc.integer({ min: 1, max: 9_999 }),
        }),
        { minLength: 1, maxLength: 60 },
      )
      .map((steps) => {
        let t = at("2026-02-27T12:00:00Z");
        return steps.map((s) => {
          t += s.dtMs;
          return { atMs: t, price: s.price } as PricePoint;
        });
      });
    fc.assert(
      fc.property(days, (points) => {
        const ref = referenceTracker({ kind: "prior-close", at: "16:00" }, US);
        points.forEach((p, i) => {
          const close = US.latestAtOrBefore(p.atMs, "16:00")!;
          const before = points.slice(0, i + 1).filter((q) => q.atMs <= close);
          expect(ref.observe(p)?.price).toBe(before.at(-1)?.price);
        });
      }),
    );
  });
});
