/**
 * Price bands as published rules state them: a half-width chosen by tiers of
 * the reference price (a percentage of it, a price amount, or the lesser or
 * greater of both), optionally scaled in time-of-day windows, with the bands
 * rounded to a tick size.
 */

/**
 * One tier. Tiers are listed by rising reference price: a tier with `below`
 * covers references under it, one with `atMost` references up to and
 * including it; the last tier (neither) covers everything above.
 */
export interface BandTier {
  readonly below?: number;
  readonly atMost?: number;
  /** Half-width as a fraction of the reference (0.05 = 5%). */
  readonly percent?: number;
  /** Half-width as a price amount. */
  readonly amount?: number;
  /** With both a percent and an amount: which width applies. */
  readonly combine?: "lesser" | "greater";
}

/** A window of local time in which the half-width is multiplied (LULD: doubled at the open and close). */
export interface BandScale {
  readonly from: string;
  readonly to: string;
  readonly factor: number;
  /** Only for references at or below this price (LULD Tier 2: $3.00). */
  readonly maxReference?: number;
}

export type BandRounding = "nearest" | "outward" | "inward";

export interface BandSpec {
  readonly tiers: readonly BandTier[];
  /** Bands are rounded to multiples of it (0: not rounded). */
  readonly tickSize: number;
  /** `nearest` (LULD: to the nearest penny), `outward` (wider) or `inward` (narrower). */
  readonly rounding: BandRounding;
  readonly scale: readonly BandScale[];
}

export interface Band {
  readonly reference: number;
  readonly lower: number;
  readonly upper: number;
  /** Half-width before rounding (scaled). */
  readonly width: number;
  /** Index of the tier used. */
  readonly tier: number;
  readonly factor: number;
}

/** A price strictly between the bands is inside; at or beyond a band is the limit state. */
export function insideBand(band: Band, price: number): boolean {
  return price > band.lower && price < band.upper;
}

/** The band around `reference`, its half-width multiplied by `factor` (a scale window's, or 1). */
export function bandOf(spec: BandSpec, reference: number, factor = 1): Band {
  const tier = tierIndex(spec.tiers, reference);
  const width = tierWidth(spec.tiers[tier]!, reference) * factor;
  const lower = Math.max(0, roundToTick(reference - width, spec.tickSize, lowerMode(spec.rounding)));
  const upper = roundToTick(reference + width, spec.tickSize, upperMode(spec.rounding));
  return { reference, lower, upper, width, tier, factor };
}

export function tierIndex(tiers: readonly BandTier[], reference: number): number {
  for (const [i, t] of tiers.entries()) {
    if (t.below !== undefined && reference < t.below) return i;
    if (t.atMost !== undefined && reference <= t.atMost) return i;
    if (t.below === undefined && t.atMost === undefined) return i;
  }
  return tiers.length - 1;
}

export function tierWidth(tier: BandTier, reference: number): number {
  const byPercent = tier.percent !== undefined ? tier.percent * reference : undefined;
  if (byPercent !== undefined && tier.amount !== undefined)
    return tier.combine === "greater" ? Math.max(byPercent, tier.amount) : Math.min(byPercent, tier.amount);
  return byPercent ?? tier.amount ?? 0;
}

type Direction = "nearest" | "down" | "up";
const lowerMode = (r: BandRounding): Direction =>
  r === "nearest" ? "nearest" : r === "outward" ? "down" : "up";
const upperMode = (r: BandRounding): Direction =>
  r === "nearest" ? "nearest" : r === "outward" ? "up" : "down";

/** Decimal places of a tick size (0.01 → 2, 0.25 → 2, 5 → 0). */
function decimalsOf(tick: number): number {
  for (let d = 0; d <= 12; d++) {
    const scaled = tick * 10 ** d;
    if (Math.abs(scaled - Math.round(scaled)) < 1e-9) return d;
  }
  return 12;
}

/**
 * `price` on a multiple of `tick` (half a tick rounds up), free of float64
 * noise: 9.5 at a 0.01 tick is 9.5, not 9.49 or 9.500000000000002.
 */
export function roundToTick(price: number, tick: number, direction: Direction = "nearest"): number {
  if (!(tick > 0)) return price;
  const ticks = Math.round((price / tick) * 1e6) / 1e6; // 949.9999999999999 is 950 ticks
  const whole =
    direction === "nearest" ? Math.round(ticks) : direction === "down" ? Math.floor(ticks) : Math.ceil(ticks);
  return Number((whole * tick).toFixed(decimalsOf(tick)));
}

/** What is wrong with a band spec, each problem with its path (empty when valid). */
export function bandSpecProblems(spec: BandSpec): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  let previous = Number.NEGATIVE_INFINITY;
  spec.tiers.forEach((t, i) => {
    const last = i === spec.tiers.length - 1;
    const bound = t.below ?? t.atMost;
    if (t.below !== undefined && t.atMost !== undefined)
      problems.push({ path: ["tiers", i], message: "a tier has one bound: below or atMost, not both" });
    if (last && bound !== undefined)
      problems.push({
        path: ["tiers", i],
        message: "the last tier has no bound (it covers every higher reference)",
      });
    if (!last && bound === undefined)
      problems.push({ path: ["tiers", i], message: "every tier but the last has a bound (below or atMost)" });
    if (bound !== undefined) {
      if (!(bound > previous))
        problems.push({ path: ["tiers", i], message: "tier bounds must rise from one tier to the next" });
      previous = bound;
    }
    if (t.percent === undefined && t.amount === undefined)
      problems.push({ path: ["tiers", i], message: "a tier has a percent, an amount, or both" });
    if (t.percent !== undefined && t.amount !== undefined && t.combine === undefined)
      problems.push({
        path: ["tiers", i, "combine"],
        message: "with both a percent and an amount, say lesser or greater",
      });
    if ((t.percent === undefined || t.amount === undefined) && t.combine !== undefined)
      problems.push({ path: ["tiers", i, "combine"], message: "combine needs both a percent and an amount" });
  });
  if (spec.tiers.length === 0) problems.push({ path: ["tiers"], message: "at least one tier" });
  return problems;
}

/**
 * The factor in force: the largest factor of the scale windows open now
 * (`inWindow`) whose reference condition holds (windows do not compound), else 1.
 */
export function scaleFactorOf(
  scale: readonly BandScale[],
  reference: number,
  inWindow: (w: BandScale) => boolean,
): number {
  let factor: number | undefined;
  for (const s of scale) {
    if (s.maxReference !== undefined && reference > s.maxReference) continue;
    if (inWindow(s)) factor = factor === undefined ? s.factor : Math.max(factor, s.factor);
  }
  return factor ?? 1;
}
