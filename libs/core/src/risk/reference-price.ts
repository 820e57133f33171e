import { formatUnits } from "../decimal.js";
import { ValidationError } from "../errors.js";
import { clamp } from "../math/clamp.js";
import { median } from "../math/median.js";

/** One price observation from one (chain, source) pair, on chain time. */
export interface PriceObservation {
  readonly asset: string;
  readonly chainId: string;
  /** The oracle or feed, e.g. "chainlink:ETH/USD". */
  readonly source: string;
  /** Exact positive decimal string. */
  readonly price: string;
  readonly chainTimeMs: number;
  /**
   * When the observation was received (the correlator passes the stream's
   * stored time, the same on every replay). Its chain time counts for
   * freshness only up to this: a source whose clock runs ahead cannot make
   * the others look stale. Absent: the chain time counts as it is.
   */
  readonly receivedAtMs?: number;
}

/** One (chain, source) pair's latest price, as the reference saw it. */
export interface SourcePrice {
  readonly chainId: string;
  readonly source: string;
  readonly price: string;
  readonly chainTimeMs: number;
  /** How much older than the asset's newest observation (chain times, each capped at its receipt). */
  readonly ageMs: number;
  /** Within `freshMs` of the newest observation and within `maxAgeMs` of the clock. */
  readonly fresh: boolean;
  /**
   * Why the pair is left out of the reference, "" when it is not:
   * `behind_newest` (more than `freshMs` older than the asset's newest tick),
   * `clock` (more than `maxAgeMs` older than the book's clock: a source, even
   * a lone one, that stopped updating), `outlier` (fresh, outside the band
   * of a priced reference), `split` (fresh, but no strict majority agrees).
   */
  readonly excluded: SourceExclusion;
  /** Fresh and within the agreement band around the median (in the reference). */
  readonly agreeing: boolean;
  /** |price − median of fresh sources| / that median (0 for a stale source). */
  readonly deviation: number;
}

/** Why a (chain, source) pair is left out of an asset's reference. */
export type SourceExclusion = "" | "behind_newest" | "clock" | "outlier" | "split";

/** An asset's multi-source reference price. */
export interface ReferencePrice {
  readonly asset: string;
  /** Exact decimal string: the median of the agreeing sources; "" when unpriceable. */
  readonly price: string;
  /** `price` as a float64, for risk math only; NaN when unpriceable. */
  readonly value: number;
  /** How many fresh (chain, source) pairs agree (the median was taken over them). */
  readonly sources: number;
  /** Fresh pairs, agreeing or not. */
  readonly freshSources: number;
  /** (max − min) / median over the fresh pairs: 0 when they all agree exactly. */
  readonly divergence: number;
  /** No strict majority of fresh sources agrees: the price is not published. */
  readonly unpriceable: boolean;
  /** The last price that was not unpriceable ("" if none yet), kept for exposure valuation. */
  readonly lastPrice: string;
  readonly lastValue: number;
  /** Time of the newest observation of the asset: the latest chain time, each capped at its receipt. */
  readonly newestMs: number;
  /** Chains whose sources agree, sorted. */
  readonly chains: readonly string[];
  /** Every pair ever seen for the asset, sorted by chain then source. */
  readonly observations: readonly SourcePrice[];
}

export interface ReferencePriceOptions {
  /** A pair is fresh when at most this much older (chain time capped at receipt) than the asset's newest tick (default 30 s). */
  readonly freshMs?: number;
  /** Agreement band: this many scaled MADs around the median (default 3). */
  readonly madMultiplier?: number;
  /** The band is never narrower than this relative deviation (default 0.005 = 0.5%). */
  readonly minBand?: number;
  /** …nor wider than this (default 0.01 = 1%): two camps more than twice this apart are a split, not noise. */
  readonly maxBand?: number;
  /**
   * A pair is stale when its tick (chain time capped at receipt) is more than
   * this older than the book's clock (`advanceClock`), whatever the other
   * pairs do: a lone source that stops updating goes stale (default: no bound).
   */
  readonly maxAgeMs?: number;
}

interface Latest {
  readonly chainId: string;
  readonly source: string;
  readonly price: string;
  readonly value: number;
  readonly chainTimeMs: number;
  /** The chain time capped at the receipt: what freshness is judged on. */
  readonly atMs: number;
}

/** The median absolute deviation of a normal sample is 0.6745σ; scaled, it estimates σ. */
const MAD_SCALE = 1.4826;

/**
 * Reference prices per asset from several sources: the latest price of every
 * (chain, source) pair; the fresh ones (at most `freshMs` older, chain time,
 * than the asset's newest tick, so a feed that stopped drops out; each chain
 * time capped at when the tick was received, so one source's clock running
 * ahead, or a forged far-future tick, cannot push the asset's clock past the
 * wall clock and leave every real source looking stale); outliers
 * rejected by median absolute deviation: a pair agrees when its relative
 * deviation from the fresh median is within `madMultiplier` scaled MADs,
 * clamped to [minBand, maxBand]. The reference is the exact decimal median
 * of the agreeing pairs, provided they are a strict majority of the fresh
 * ones: a lone source that jumps is outvoted, and a split with no clear
 * majority (two camps further apart than maxBand) is reported unpriceable.
 *
 * @example
 * const book = new ReferencePriceBook({ freshMs: 30_000 });
 * book.observe({ asset: "ETH", chainId: "sim-a", source: "oracle", price: "2000", chainTimeMs: 1 });
 * book.referenceOf("ETH")?.price; // "2000"
 */
export class ReferencePriceBook {
  readonly freshMs: number;
  readonly maxAgeMs: number;
  private readonly madMultiplier: number;
  private readonly minBand: number;
  private readonly maxBand: number;
  /** asset → "chain|source" → latest observation */
  private readonly latest = new Map<string, Map<string, Latest>>();
  private readonly newest = new Map<string, number>();
  private readonly lastGood = new Map<string, string>();
  private readonly cached = new Map<string, { ref: ReferencePrice; validUntilMs: number }>();
  private clockMs = Number.NEGATIVE_INFINITY;

  constructor(opts: number | ReferencePriceOptions = {}) {
    const o = typeof opts === "number" ? { freshMs: opts } : opts;
    this.freshMs = o.freshMs ?? 30_000;
    this.madMultiplier = o.madMultiplier ?? 3;
    this.minBand = o.minBand ?? 0.005;
    this.maxBand = o.maxBand ?? 0.01;
    this.maxAgeMs = o.maxAgeMs ?? Number.POSITIVE_INFINITY;
    if (!(this.maxAgeMs >= 0))
      throw new RangeError(`maxAgeMs must be a non-negative number of milliseconds, got ${this.maxAgeMs}`);
    if (!(this.freshMs >= 0) || !Number.isFinite(this.freshMs))
      throw new RangeError(`freshMs must be a non-negative number of milliseconds, got ${this.freshMs}`);
    if (!(this.madMultiplier > 0))
      throw new RangeError(`madMultiplier must be positive, got ${this.madMultiplier}`);
    if (!(this.minBand >= 0 && this.maxBand >= this.minBand))
      throw new RangeError(`need 0 <= minBand <= maxBand, got ${this.minBand} and ${this.maxBand}`);
  }

  /**
   * Moves the book's clock to `nowMs` (never back): the time `maxAgeMs` is
   * judged against. The correlator passes each event's chain time capped at
   * its stored time, so a replay judges as the live path did, any chain's
   * heartbeats move it, and a forged far-future time cannot.
   */
  advanceClock(nowMs: number): void {
    if (nowMs > this.clockMs) this.clockMs = nowMs;
  }

  /** The book's clock (−∞ before the first `advanceClock`). */
  get clock(): number {
    return this.clockMs;
  }

  /**
   * Records an observation and returns the asset's reference price after it.
   * An observation older than the pair's latest one does not replace it, so
   * redelivered or out-of-order ticks never move the price backwards.
   */
  observe(obs: PriceObservation): ReferencePrice {
    parseDecimal(obs.price, "price"); // a non-negative decimal, or a ValidationError
    const value = Number(obs.price);
    let pairs = this.latest.get(obs.asset);
    if (!pairs) {
      pairs = new Map();
      this.latest.set(obs.asset, pairs);
    }
    const key = `${obs.chainId}|${obs.source}`;
    const previous = pairs.get(key);
    const atMs =
      obs.receivedAtMs === undefined ? obs.chainTimeMs : Math.min(obs.chainTimeMs, obs.receivedAtMs);
    if (!previous || obs.chainTimeMs >= previous.chainTimeMs) {
      pairs.set(key, {
        chainId: obs.chainId,
        source: obs.source,
        price: obs.price,
        value,
        chainTimeMs: obs.chainTimeMs,
        atMs,
      });
      this.cached.delete(obs.asset);
    }
    if (atMs > (this.newest.get(obs.asset) ?? Number.NEGATIVE_INFINITY)) {
      this.newest.set(obs.asset, atMs);
      this.cached.delete(obs.asset);
    }
    return this.referenceOf(obs.asset)!;
  }

  /** The asset's current reference price, or undefined when it was never observed. */
  referenceOf(asset: string): ReferencePrice | undefined {
    const hit = this.cached.get(asset);
    if (hit && this.clockMs <= hit.validUntilMs) return hit.ref;
    const pairs = this.latest.get(asset);
    const newestMs = this.newest.get(asset);
    if (!pairs || newestMs === undefined) return undefined;
    const all = [...pairs.values()].sort((a, b) =>
      a.chainId === b.chainId ? (a.source < b.source ? -1 : 1) : a.chainId < b.chainId ? -1 : 1,
    );
    const behind = (p: Latest) => newestMs - p.atMs > this.freshMs;
    const old = (p: Latest) => this.clockMs - p.atMs > this.maxAgeMs;
    const fresh = all.filter((p) => !behind(p) && !old(p));
    const values = fresh.map((p) => p.value);
    const freshMedian = median(values);
    const deviation = (v: number) =>
      freshMedian > 0 ? Math.abs(v - freshMedian) / freshMedian : Math.abs(v - freshMedian);
    const band = clamp(
      this.madMultiplier * MAD_SCALE * median(values.map(deviation)),
      this.minBand,
      this.maxBand,
    );
    const agreeing = new Set(fresh.filter((p) => deviation(p.value) <= band));
    const priced = agreeing.size * 2 > fresh.length;
    const price = priced ? medianDecimal([...agreeing].map((p) => p.price)) : "";
    if (priced) this.lastGood.set(asset, price);
    const lastPrice = this.lastGood.get(asset) ?? "";
    const ref: ReferencePrice = {
      asset,
      price,
      value: priced ? Number(price) : Number.NaN,
      sources: priced ? agreeing.size : 0,
      freshSources: fresh.length,
      divergence: freshMedian > 0 ? (Math.max(...values) - Math.min(...values)) / freshMedian : 0,
      unpriceable: !priced,
      lastPrice,
      lastValue: lastPrice === "" ? Number.NaN : Number(lastPrice),
      newestMs,
      chains: priced ? [...new Set([...agreeing].map((p) => p.chainId))].sort() : [],
      observations: all.map((p) => {
        const exclusion: SourceExclusion = behind(p)
          ? "behind_newest"
          : old(p)
            ? "clock"
            : !priced
              ? "split"
              : agreeing.has(p)
                ? ""
                : "outlier";
        const isFresh = exclusion !== "behind_newest" && exclusion !== "clock";
        return {
          chainId: p.chainId,
          source: p.source,
          price: p.price,
          chainTimeMs: p.chainTimeMs,
          ageMs: newestMs - p.atMs,
          fresh: isFresh,
          excluded: exclusion,
          agreeing: priced && agreeing.has(p),
          deviation: isFresh ? deviation(p.value) : 0,
        };
      }),
    };
    // recomputed once the clock moves past the first fresh pair's bound
    let validUntilMs = Number.POSITIVE_INFINITY;
    for (const p of fresh) validUntilMs = Math.min(validUntilMs, p.atMs + this.maxAgeMs);
    this.cached.set(asset, { ref, validUntilMs });
    return ref;
  }

  /** Every asset ever observed, sorted. */
  assets(): string[] {
    return [...this.latest.keys()].sort();
  }

  /** Chains that ever priced the asset (fresh or not), sorted. */
  chainsPricing(asset: string): string[] {
    const pairs = this.latest.get(asset);
    return pairs ? [...new Set([...pairs.values()].map((p) => p.chainId))].sort() : [];
  }
}

/** A non-negative decimal as an integer and a count of fractional digits: "12.50" → 1250n, 2. */
interface Scaled {
  readonly units: bigint;
  readonly scale: number;
}

const UNSIGNED_DECIMAL = /^(0|[1-9]\d*)(?:\.(\d+))?$/;

function parseDecimal(text: string, field: string): Scaled {
  const m = UNSIGNED_DECIMAL.exec(text);
  if (!m)
    throw new ValidationError("price", [`${field}: "${text.slice(0, 40)}" is not a non-negative decimal`]);
  const fraction = m[2] ?? "";
  return { units: BigInt(m[1]! + fraction), scale: fraction.length };
}

function rescale(d: Scaled, scale: number): bigint {
  return d.units * 10n ** BigInt(scale - d.scale);
}

function compareDecimal(a: Scaled, b: Scaled): number {
  const scale = Math.max(a.scale, b.scale);
  const x = rescale(a, scale);
  const y = rescale(b, scale);
  return x < y ? -1 : x > y ? 1 : 0;
}

function formatDecimal(d: Scaled): string {
  return formatUnits(d.units, d.scale);
}

/**
 * Exact median of non-negative decimal strings. With an even count the two
 * middle values are averaged exactly: halving a decimal needs at most one more
 * fractional digit. Throws on an empty list.
 */
export function medianDecimal(values: readonly string[]): string {
  if (values.length === 0) throw new ValidationError("median", ["no values"]);
  const sorted = values.map((v) => parseDecimal(v, "value")).sort(compareDecimal);
  const mid = sorted.length >> 1;
  if (sorted.length % 2 === 1) return formatDecimal(sorted[mid]!);
  const a = sorted[mid - 1]!;
  const b = sorted[mid]!;
  const scale = Math.max(a.scale, b.scale);
  // (a + b) / 2 == (a + b) * 5 / 10: one more fractional digit, no rounding
  return formatDecimal({ units: (rescale(a, scale) + rescale(b, scale)) * 5n, scale: scale + 1 });
}
