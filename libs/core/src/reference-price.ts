import { ValidationError } from "./errors.js";

/** One price observation from one (chain, source) pair, on chain time. */
export interface PriceObservation {
  readonly asset: string;
  readonly chainId: string;
  /** The oracle or feed, e.g. "chainlink:ETH/USD". */
  readonly source: string;
  /** Exact positive decimal string. */
  readonly price: string;
  readonly chainTimeMs: number;
}

/** An asset's multi-source reference price. */
export interface ReferencePrice {
  readonly asset: string;
  /** Exact decimal string: the median of the fresh sources' latest prices. */
  readonly price: string;
  /** `price` as a float64, for risk math only. */
  readonly value: number;
  /** How many fresh (chain, source) pairs the median was taken over. */
  readonly sources: number;
  /** Chain time of the newest observation of the asset. */
  readonly newestMs: number;
  /** Chains whose sources contributed to the median, sorted. */
  readonly chains: readonly string[];
}

interface Latest {
  readonly chainId: string;
  readonly price: string;
  readonly chainTimeMs: number;
}

/**
 * Reference prices per asset: the median of the latest price of every fresh
 * (chain, source) pair. A pair is fresh when its latest observation is at most
 * `freshMs` older (chain time) than the newest observation of that asset, so a
 * feed that stopped updating drops out of the median instead of dragging it.
 * Medians of an even count average the middle two exactly (no float goes into
 * the decimal string).
 *
 * @example
 * const book = new ReferencePriceBook(30_000);
 * book.observe({ asset: "ETH", chainId: "sim-a", source: "oracle", price: "2000", chainTimeMs: 1 });
 * book.referenceOf("ETH")?.price; // "2000"
 */
export class ReferencePriceBook {
  /** asset → "chain|source" → latest observation */
  private readonly latest = new Map<string, Map<string, Latest>>();
  private readonly newest = new Map<string, number>();
  private readonly cached = new Map<string, ReferencePrice>();

  constructor(readonly freshMs = 30_000) {
    if (!(freshMs >= 0) || !Number.isFinite(freshMs))
      throw new RangeError(`freshMs must be a non-negative number of milliseconds, got ${freshMs}`);
  }

  /**
   * Records an observation and returns the asset's reference price after it.
   * An observation older than the pair's latest one does not replace it, so
   * redelivered or out-of-order ticks never move the price backwards.
   */
  observe(obs: PriceObservation): ReferencePrice {
    parseDecimal(obs.price, "price");
    let pairs = this.latest.get(obs.asset);
    if (!pairs) {
      pairs = new Map();
      this.latest.set(obs.asset, pairs);
    }
    const key = `${obs.chainId}|${obs.source}`;
    const previous = pairs.get(key);
    if (!previous || obs.chainTimeMs >= previous.chainTimeMs) {
      pairs.set(key, { chainId: obs.chainId, price: obs.price, chainTimeMs: obs.chainTimeMs });
      this.cached.delete(obs.asset);
    }
    if (obs.chainTimeMs > (this.newest.get(obs.asset) ?? Number.NEGATIVE_INFINITY)) {
      this.newest.set(obs.asset, obs.chainTimeMs);
      this.cached.delete(obs.asset);
    }
    return this.referenceOf(obs.asset)!;
  }

  /** The asset's current reference price, or undefined when it was never observed. */
  referenceOf(asset: string): ReferencePrice | undefined {
    const hit = this.cached.get(asset);
    if (hit) return hit;
    const pairs = this.latest.get(asset);
    const newestMs = this.newest.get(asset);
    if (!pairs || newestMs === undefined) return undefined;
    const fresh = [...pairs.values()].filter((p) => newestMs - p.chainTimeMs <= this.freshMs);
    const price = medianDecimal(fresh.map((p) => p.price));
    const ref: ReferencePrice = {
      asset,
      price,
      value: Number(price),
      sources: fresh.length,
      newestMs,
      chains: [...new Set(fresh.map((p) => p.chainId))].sort(),
    };
    this.cached.set(asset, ref);
    return ref;
  }

  /** Every asset with a reference price, sorted. */
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
  const digits = d.units.toString().padStart(d.scale + 1, "0");
  const whole = digits.slice(0, digits.length - d.scale);
  const fraction = digits.slice(digits.length - d.scale).replace(/0+$/, "");
  return fraction ? `${whole}.${fraction}` : whole;
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
