import type { TradingCalendar } from "../calendar/calendar.js";
import type { PricePoint } from "./types.js";

/**
 * What a rule measures a move from.
 * - `prior-close`: the last price at or before local time `at` on the latest
 *   trading date of the rule's calendar (Rule 80B: the prior day's 16:00 close;
 *   a 24/7 market: the price at local midnight, the day's open).
 * - `window`: the mean, high or low of the prices in the `windowMs` before each
 *   price (the price itself excluded). With `moveThreshold` the reference in
 *   force changes only when that figure has moved at least this fraction away
 *   from it (LULD: a 5-minute mean, changed when it moves 1% or more).
 */
export type ReferenceSpec =
  | { readonly kind: "prior-close"; readonly at: string }
  | {
      readonly kind: "window";
      readonly stat: "mean" | "high" | "low";
      readonly windowMs: number;
      /** Prices needed in the window before the first reference is set. */
      readonly minSamples: number;
      /** 0: the reference follows the window's figure at every price. */
      readonly moveThreshold: number;
    };

/** A reference price and where it comes from. */
export interface ReferenceValue {
  readonly price: number;
  /** When it was set: the close's time, the window's latest price, or a reset. */
  readonly atMs: number;
  readonly source: string;
}

/** Tolerance on thresholds (prices are float64): 10.10 is 1% above 10.00. */
const EPSILON = 1e-9;
export function atLeast(value: number, threshold: number): boolean {
  return value >= threshold - EPSILON * Math.max(1, Math.abs(threshold));
}

/**
 * One asset's reference under one spec. `observe` returns the reference a new
 * price is judged against (from the prices before it), then takes the price
 * in. Pure: time comes only from the prices.
 */
export interface ReferenceTracker {
  observe(point: PricePoint): ReferenceValue | undefined;
  /** The reference in force, without taking a price in. */
  current(): ReferenceValue | undefined;
  /**
   * Starts again after a pause or a new session: from `point` when given (the
   * pause price), otherwise from the next price observed (a reopening price).
   */
  reset(point?: PricePoint): void;
  /** Takes in a reference recorded earlier (a prior close from the log), unless a later one is known. */
  restore?(value: { readonly atMs: number; readonly price: number }): void;
}

export function referenceTracker(spec: ReferenceSpec, calendar?: TradingCalendar): ReferenceTracker {
  if (spec.kind === "prior-close") {
    if (!calendar)
      throw new RangeError("a prior-close reference needs a calendar (its time zone and trading dates)");
    return new PriorClose(spec.at, calendar);
  }
  return new WindowReference(spec);
}

/** The last price at or before the latest close time; unknown until a price before such a close was seen. */
class PriorClose implements ReferenceTracker {
  private latest: PricePoint | undefined;
  private closeMs = Number.NEGATIVE_INFINITY;
  private close: PricePoint | undefined;

  constructor(
    private readonly at: string,
    private readonly calendar: TradingCalendar,
  ) {}

  observe(point: PricePoint): ReferenceValue | undefined {
    const closeMs = this.calendar.latestAtOrBefore(point.atMs, this.at);
    if (closeMs !== undefined && closeMs > this.closeMs) {
      // A later close has passed: its price is the last one seen at or before it.
      this.closeMs = closeMs;
      this.close =
        point.atMs <= closeMs ? point : this.latest && this.latest.atMs <= closeMs ? this.latest : undefined;
    } else if (point.atMs <= this.closeMs && (!this.close || point.atMs >= this.close.atMs)) {
      this.close = point; // a late price from before the close
    }
    if (!this.latest || point.atMs >= this.latest.atMs) this.latest = point;
    return this.current();
  }

  current(): ReferenceValue | undefined {
    if (!this.close) return undefined;
    return {
      price: this.close.price,
      atMs: this.closeMs,
      source: `close at ${this.at} ${this.calendar.timeZone} (price at ${this.close.atMs})`,
    };
  }

  reset(): void {}

  restore(value: { readonly atMs: number; readonly price: number }): void {
    if (value.atMs <= this.closeMs) return;
    this.closeMs = value.atMs;
    this.close = { atMs: value.atMs, price: value.price };
  }
}

class WindowReference implements ReferenceTracker {
  private points: PricePoint[] = [];
  private inForce: ReferenceValue | undefined;
  /** After a reset without a price: the next price observed becomes the reference. */
  private seedNext = false;

  constructor(private readonly spec: Extract<ReferenceSpec, { kind: "window" }>) {}

  observe(point: PricePoint): ReferenceValue | undefined {
    if (this.seedNext) {
      this.seedNext = false;
      this.seed(point, "reopening price");
      return undefined;
    }
    const figure = this.figure(point.atMs);
    if (figure !== undefined) {
      const known = this.inForce;
      const moved =
        known === undefined || atLeast(Math.abs(figure - known.price) / known.price, this.spec.moveThreshold);
      if (moved) this.inForce = { price: figure, atMs: point.atMs, source: this.describe() };
    }
    this.insert(point);
    return this.inForce;
  }

  current(): ReferenceValue | undefined {
    return this.inForce;
  }

  reset(point?: PricePoint): void {
    this.points = [];
    this.inForce = undefined;
    this.seedNext = point === undefined;
    if (point) this.seed(point, "pause price");
  }

  private seed(point: PricePoint, what: string): void {
    this.points = [point];
    this.inForce = { price: point.price, atMs: point.atMs, source: `${what}, then ${this.describe()}` };
  }

  private describe(): string {
    const { stat, windowMs, moveThreshold } = this.spec;
    return `${stat} over ${windowMs}ms${moveThreshold > 0 ? `, moved at ${moveThreshold * 100}%` : ""}`;
  }

  /** The window's figure over the prices in [atMs - windowMs, atMs), when it holds enough of them. */
  private figure(atMs: number): number | undefined {
    const from = atMs - this.spec.windowMs;
    let count = 0;
    let sum = 0;
    let high = Number.NEGATIVE_INFINITY;
    let low = Number.POSITIVE_INFINITY;
    for (const p of this.points) {
      if (p.atMs < from || p.atMs >= atMs) continue;
      count++;
      sum += p.price;
      high = Math.max(high, p.price);
      low = Math.min(low, p.price);
    }
    const needed = this.inForce === undefined ? this.spec.minSamples : 1;
    if (count < needed || count === 0) return undefined;
    return this.spec.stat === "mean" ? sum / count : this.spec.stat === "high" ? high : low;
  }

  private insert(point: PricePoint): void {
    let i = this.points.length;
    while (i > 0 && this.points[i - 1]!.atMs > point.atMs) i--;
    this.points.splice(i, 0, point);
    const cutoff = this.points.at(-1)!.atMs - this.spec.windowMs;
    let drop = 0;
    while (drop < this.points.length && this.points[drop]!.atMs < cutoff) drop++;
    if (drop > 0) this.points.splice(0, drop);
  }
}
