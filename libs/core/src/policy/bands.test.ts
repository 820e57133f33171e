import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type BandRounding,
  type BandSpec,
  type BandTier,
  bandOf,
  bandSpecProblems,
  insideBand,
  roundToTick,
  scaleFactorOf,
  tierWidth,
} from "./bands.js";

/**
 * The LULD Plan's percentage parameters (Appendix A): Tier 1 NMS stocks 5%
 * above $3.00, Tier 2 10%; both 20% from $0.75 up to and including $3.00, and
 * the lesser of $0.15 or 75% below $0.75. Bands are rounded to the nearest
 * penny; 9:30-9:45 and 15:35-16:00 ET they are doubled (Tier 1, and Tier 2 at
 * or below $3.00).
 */
const LOW_TIERS: BandTier[] = [
  { below: 0.75, percent: 0.75, amount: 0.15, combine: "lesser" },
  { atMost: 3, percent: 0.2 },
];
const TIER_1: BandSpec = {
  tiers: [...LOW_TIERS, { percent: 0.05 }],
  tickSize: 0.01,
  rounding: "nearest",
  scale: [],
};
const TIER_2: BandSpec = {
  tiers: [...LOW_TIERS, { percent: 0.1 }],
  tickSize: 0.01,
  rounding: "nearest",
  scale: [],
};
const DOUBLED_1 = [
  { from: "09:30", to: "09:45", factor: 2 },
  { from: "15:35", to: "16:00", factor: 2 },
];
const DOUBLED_2 = DOUBLED_1.map((w) => ({ ...w, maxReference: 3 }));

describe("band functions", () => {
  it.each<[string, BandSpec, number, number, number, number]>([
    // reference, factor → bands (hand arithmetic from the percentages above)
    ["Tier 1 at $10: 5%", TIER_1, 10, 1, 9.5, 10.5],
    ["Tier 1 at $3.01: 5% ($0.1505, rounded)", TIER_1, 3.01, 1, 2.86, 3.16],
    ["Tier 1 at $3.00: 20% (up to and including $3.00)", TIER_1, 3, 1, 2.4, 3.6],
    ["Tier 1 at $2: 20%", TIER_1, 2, 1, 1.6, 2.4],
    ["Tier 1 at $0.75: 20%", TIER_1, 0.75, 1, 0.6, 0.9],
    ["Tier 1 at $0.74: the lesser of $0.15 and 75% ($0.555)", TIER_1, 0.74, 1, 0.59, 0.89],
    ["Tier 1 at $0.40: the lesser of $0.15 and 75% ($0.30)", TIER_1, 0.4, 1, 0.25, 0.55],
    ["Tier 1 at $0.10: 75% ($0.075) is the lesser", TIER_1, 0.1, 1, 0.03, 0.18],
    ["Tier 1 at $10, doubled: 10%", TIER_1, 10, 2, 9, 11],
    ["Tier 1 at $2, doubled: 40%", TIER_1, 2, 2, 1.2, 2.8],
    ["Tier 1 at $0.40, doubled: the lesser of $0.30 and 150%", TIER_1, 0.4, 2, 0.1, 0.7],
    ["Tier 2 at $10: 10%", TIER_2, 10, 1, 9, 11],
    ["Tier 2 at $2: 20%", TIER_2, 2, 1, 1.6, 2.4],
  ])("default: %s", (_name, spec, reference, factor, lower, upper) => {
    const band = bandOf(spec, reference, factor);
    expect([band.lower, band.upper]).toEqual([lower, upper]);
  });

  it("behavior: at $0.40, $0.53 is inside; $0.55 and $0.25 (the bands) are the limit state", () => {
    const band = bandOf(TIER_1, 0.4);
    expect([0.53, 0.26, 0.54].map((p) => insideBand(band, p))).toEqual([true, true, true]);
    expect([0.55, 0.25, 0.6, 0.2].map((p) => insideBand(band, p))).toEqual([false, false, false, false]);
  });

  it("behavior: doubling windows apply to Tier 1 at any price, to Tier 2 only at or below $3.00", () => {
    const open = () => true;
    expect(scaleFactorOf(DOUBLED_1, 10, open)).toBe(2);
    expect(scaleFactorOf(DOUBLED_2, 10, open)).toBe(1);
    expect(scaleFactorOf(DOUBLED_2, 3, open)).toBe(2);
    expect(scaleFactorOf(DOUBLED_1, 10, () => false)).toBe(1);
    // overlapping windows do not compound; a narrowing factor applies when it is the only one open
    expect(scaleFactorOf([...DOUBLED_1, { from: "09:30", to: "09:40", factor: 3 }], 10, open)).toBe(3);
    expect(scaleFactorOf([{ from: "00:00", to: "24:00", factor: 0.5 }], 10, open)).toBe(0.5);
  });

  it.each<[BandRounding, number, number]>([
    ["nearest", 9.85, 10.16], // 9.845 and 10.155: half a tick rounds up
    ["outward", 9.84, 10.16],
    ["inward", 9.85, 10.15],
  ])("behavior: rounding %s at a 0.01 tick for a 1.55%% band at $10", (rounding, lower, upper) => {
    const band = bandOf({ tiers: [{ percent: 0.0155 }], tickSize: 0.01, rounding, scale: [] }, 10);
    expect([band.lower, band.upper]).toEqual([lower, upper]);
  });

  it("behavior: a price amount tier, and the greater of both; no tick: no rounding; the lower band never goes below 0", () => {
    expect(tierWidth({ amount: 0.5 }, 100)).toBe(0.5);
    expect(tierWidth({ percent: 0.01, amount: 0.5, combine: "greater" }, 100)).toBe(1);
    expect(
      bandOf({ tiers: [{ percent: 0.0123 }], tickSize: 0, rounding: "nearest", scale: [] }, 100).upper,
    ).toBeCloseTo(101.23, 12);
    expect(bandOf({ tiers: [{ amount: 5 }], tickSize: 0.01, rounding: "nearest", scale: [] }, 2).lower).toBe(
      0,
    );
  });

  it.each<[string, BandSpec, string]>([
    ["no tiers", { ...TIER_1, tiers: [] }, "tiers: at least one tier"],
    [
      "a bound on the last tier",
      { ...TIER_1, tiers: [{ atMost: 3, percent: 0.2 }] },
      "tiers.0: the last tier has no bound",
    ],
    [
      "no bound on a middle tier",
      { ...TIER_1, tiers: [{ percent: 0.2 }, { percent: 0.1 }] },
      "tiers.0: every tier but the last",
    ],
    [
      "falling bounds",
      { ...TIER_1, tiers: [{ atMost: 3, percent: 0.2 }, { below: 1, percent: 0.2 }, { percent: 0.1 }] },
      "tiers.1: tier bounds must rise",
    ],
    ["no width", { ...TIER_1, tiers: [{}] }, "tiers.0: a tier has a percent, an amount, or both"],
    [
      "both without combine",
      { ...TIER_1, tiers: [{ percent: 0.75, amount: 0.15 }] },
      "tiers.0.combine: with both",
    ],
    [
      "combine with one",
      { ...TIER_1, tiers: [{ percent: 0.75, combine: "lesser" }] },
      "tiers.0.combine: combine needs both",
    ],
  ])("validation: %s", (_name, spec, expected) => {
    const problems = bandSpecProblems(spec).map((p) => `${p.path.join(".")}: ${p.message}`);
    expect(problems.some((p) => p.startsWith(expected))).toBe(true);
  });

  it("validation: the LULD tiers are valid", () => {
    expect(bandSpecProblems(TIER_1)).toEqual([]);
    expect(bandSpecProblems(TIER_2)).toEqual([]);
  });

  it("property: bands sit on ticks, within half a tick of the unrounded band, around the reference, and nest by rounding", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }).map((c) => c / 100),
        fc.constantFrom(TIER_1, TIER_2),
        fc.constantFrom(1, 2),
        (reference, spec, factor) => {
          const nearest = bandOf(spec, reference, factor);
          const outward = bandOf({ ...spec, rounding: "outward" }, reference, factor);
          const inward = bandOf({ ...spec, rounding: "inward" }, reference, factor);
          for (const b of [nearest, outward, inward]) {
            for (const edge of [b.lower, b.upper]) expect(roundToTick(edge, 0.01)).toBe(edge);
            expect(b.lower).toBeGreaterThanOrEqual(0);
            expect(b.lower).toBeLessThanOrEqual(reference);
            expect(b.upper).toBeGreaterThanOrEqual(reference);
          }
          if (reference - nearest.width > 0.005)
            expect(Math.abs(nearest.lower - (reference - nearest.width))).toBeLessThanOrEqual(0.005 + 1e-9);
          expect(Math.abs(nearest.upper - (reference + nearest.width))).toBeLessThanOrEqual(0.005 + 1e-9);
          expect(outward.lower).toBeLessThanOrEqual(nearest.lower);
          expect(outward.upper).toBeGreaterThanOrEqual(nearest.upper);
          expect(inward.lower).toBeGreaterThanOrEqual(nearest.lower);
          expect(inward.upper).toBeLessThanOrEqual(nearest.upper);
          // the width is the tier's, times the factor; the lesser-of tier never exceeds either part
          expect(nearest.width).toBeCloseTo(tierWidth(spec.tiers[nearest.tier]!, reference) * factor, 12);
          if (reference < 0.75)
            expect(nearest.width).toBeLessThanOrEqual(Math.min(0.15, 0.75 * reference) * factor + 1e-12);
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it("property: roundToTick is idempotent and moves a price by at most half a tick (nearest) or under a tick", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        fc.constantFrom(0.01, 0.05, 0.25, 1, 5),
        fc.constantFrom("nearest", "down", "up") as fc.Arbitrary<"nearest" | "down" | "up">,
        (price, tick, direction) => {
          const r = roundToTick(price, tick, direction);
          expect(roundToTick(r, tick, direction)).toBe(r);
          const limit = direction === "nearest" ? tick / 2 : tick;
          expect(Math.abs(r - price)).toBeLessThanOrEqual(limit + tick * 1e-6 + 1e-9 * price);
        },
      ),
      { numRuns: 2_000 },
    );
  });
});
