/**
 * A margin model beside the multipliers: the initial margin of a market as a
 * fraction of its price, from the volatility of its log returns, with the
 * three anti-procyclicality tools of EMIR RTS 153/2013 art. 28 each a
 * configuration of it:
 *   (a) a buffer of at least 25%, drawn down when margins rise sharply and
 *       rebuilt afterwards at a bounded rate (`buffer`, `rebuildPerDay`);
 *   (b) at least 25% weight on stressed observations (`stressedWeight`: the
 *       stressed volatility is the highest EWMA volatility of the lookback,
 *       or a configured floor for it);
 *   (c) no lower than the margin from volatility over a 10-year lookback
 *       (`floorLookbackMs`: equally weighted variance of every return in it).
 * Pure: time comes only from the returns' timestamps.
 *
 * EWMA is configured by half-life in time, so it means the same whatever the
 * sampling: a return `dt` after the previous one decays the variance by
 * λ = 0.5^(dt / halfLife). RiskMetrics' λ = 0.94 on daily returns is a
 * half-life of ln 0.5 / ln 0.94 = 11.2 days.
 */

export const DAY_MS = 86_400_000;
/** A base margin this little above the last (float64 noise) is not a rise. */
const RISE_TOLERANCE = 1e-9;

export interface MarginModelSpec {
  /** EWMA half-life of the variance, in ms. */
  readonly halfLifeMs: number;
  /** Standard normal quantile of the margin's confidence (99%: 2.326; 99.5%: 2.576). */
  readonly quantile: number;
  /** Margin period of risk (EMIR: at least 2 days for OTC, 1 day for ETD; as ms). */
  readonly horizonMs: number;
  /** (a) buffer over the margin in calm times (0: none; EMIR: at least 0.25). */
  readonly buffer: number;
  /** (a) how much buffer comes back per day once margins stop rising (e.g. 0.05 = 5 points a day). */
  readonly rebuildPerDay: number;
  /** (b) weight of the stressed volatility in the margin's variance (0: none; EMIR: at least 0.25). */
  readonly stressedWeight: number;
  /** (b) the stressed volatility is at least this (per sqrt(day)); 0: the lookback's peak only. */
  readonly stressedVolatility: number;
  /** (b) and (c): how far back the stressed peak and the floor's returns reach (c: 10 years). */
  readonly lookbackMs: number;
  /** (c) true: never below the margin from the lookback's equally weighted volatility. */
  readonly lookbackFloor: boolean;
}

/** The margin in force and how it was reached. */
export interface MarginFigures {
  /** Published initial margin, a fraction of price. */
  readonly margin: number;
  /** The model's margin before the buffer (after stressed weighting and the floor). */
  readonly base: number;
  /** Buffer in force, a fraction of `base` (0 .. spec.buffer). */
  readonly buffer: number;
  /** Volatilities per sqrt(day): EWMA, stressed, lookback. */
  readonly ewmaVolatility: number;
  readonly stressedVolatility: number;
  readonly lookbackVolatility: number;
}

/** The daily λ equivalent to a half-life (11.2 days → 0.94). */
export function dailyLambdaOf(halfLifeMs: number): number {
  return 0.5 ** (DAY_MS / halfLifeMs);
}

/** The half-life of a daily λ (0.94 → 11.2 days). */
export function halfLifeOfDailyLambda(lambda: number): number {
  return (Math.log(0.5) / Math.log(lambda)) * DAY_MS;
}

/** Problems with a spec, each with its field (empty when valid). */
export function marginModelProblems(spec: MarginModelSpec): { path: string; message: string }[] {
  const out: { path: string; message: string }[] = [];
  const positive = ["halfLifeMs", "quantile", "horizonMs", "lookbackMs"] as const;
  for (const k of positive) if (!(spec[k] > 0)) out.push({ path: k, message: "must be positive" });
  if (!(spec.buffer >= 0)) out.push({ path: "buffer", message: "must be at least 0" });
  if (!(spec.rebuildPerDay >= 0)) out.push({ path: "rebuildPerDay", message: "must be at least 0" });
  if (!(spec.stressedWeight >= 0 && spec.stressedWeight <= 1))
    out.push({ path: "stressedWeight", message: "must be a fraction in [0, 1]" });
  return out;
}

/**
 * One market's margin. `observe` takes a price; every price after the first
 * adds a log return. Daily buckets keep the lookback (at most one bucket per
 * day of it: 10 years is 3,650 entries), so the memory is bounded.
 */
export class MarginModel {
  private lastPrice: { atMs: number; price: number } | undefined;
  /** EWMA variance per ms. */
  private variancePerMs: number | undefined;
  /** Daily buckets: sum of squared returns, total elapsed ms, peak EWMA variance per ms. */
  private buckets: { day: number; squares: number; elapsedMs: number; peak: number }[] = [];
  private bufferInForce: number;
  private published: number | undefined;
  private lastBase: number | undefined;
  private lastAtMs: number | undefined;

  constructor(readonly spec: MarginModelSpec) {
    const problems = marginModelProblems(spec);
    if (problems.length > 0)
      throw new RangeError(`margin model: ${problems.map((p) => `${p.path} ${p.message}`).join("; ")}`);
    this.bufferInForce = spec.buffer;
  }

  /** Takes a price in (in time order; an older or non-positive one is ignored) and returns the margin, once known. */
  observe(atMs: number, price: number): MarginFigures | undefined {
    if (!(price > 0) || !Number.isFinite(price)) return this.figures();
    const before = this.lastPrice;
    if (before && atMs <= before.atMs) return this.figures();
    this.lastPrice = { atMs, price };
    if (!before) return undefined;
    const dt = atMs - before.atMs;
    const r = Math.log(price / before.price);
    const perMs = (r * r) / dt;
    const lambda = 0.5 ** (dt / this.spec.halfLifeMs);
    this.variancePerMs =
      this.variancePerMs === undefined ? perMs : lambda * this.variancePerMs + (1 - lambda) * perMs;
    this.addToLookback(atMs, r * r, dt, this.variancePerMs);
    return this.update(atMs);
  }

  /** The figures as of the last price. */
  figures(): MarginFigures | undefined {
    if (this.published === undefined || this.lastBase === undefined) return undefined;
    const vols = this.volatilities();
    return {
      margin: this.published,
      base: this.lastBase,
      buffer: this.bufferInForce,
      ewmaVolatility: vols.ewma,
      stressedVolatility: vols.stressed,
      lookbackVolatility: vols.lookback,
    };
  }

  private update(atMs: number): MarginFigures {
    const { spec } = this;
    const vols = this.volatilities();
    const marginOf = (dailyVol: number) => spec.quantile * dailyVol * Math.sqrt(spec.horizonMs / DAY_MS);
    const weighted = Math.sqrt(
      (1 - spec.stressedWeight) * vols.ewma ** 2 + spec.stressedWeight * vols.stressed ** 2,
    );
    let base = marginOf(weighted);
    if (spec.lookbackFloor) base = Math.max(base, marginOf(vols.lookback));
    const previous = this.published;
    if (previous !== undefined && this.lastBase !== undefined && this.lastAtMs !== undefined) {
      // The published margin holds as long as the buffer can absorb the change: a rise draws the
      // buffer down (to nothing under a sharp rise: then the margin follows the model), a fall refills it.
      const absorbed =
        base > 0 ? Math.min(spec.buffer, Math.max(0, previous / base - 1)) : this.bufferInForce;
      // Not rising: the buffer also comes back at a bounded rate, under a sustained demand too.
      const days = (atMs - this.lastAtMs) / DAY_MS;
      this.bufferInForce =
        base > this.lastBase * (1 + RISE_TOLERANCE)
          ? absorbed
          : Math.min(spec.buffer, Math.max(absorbed, this.bufferInForce + spec.rebuildPerDay * days));
    }
    this.lastBase = base;
    this.lastAtMs = atMs;
    this.published = base * (1 + this.bufferInForce);
    return this.figures()!;
  }

  private volatilities(): { ewma: number; stressed: number; lookback: number } {
    const ewma = Math.sqrt((this.variancePerMs ?? 0) * DAY_MS);
    let peak = 0;
    let squares = 0;
    let elapsed = 0;
    for (const b of this.buckets) {
      peak = Math.max(peak, b.peak);
      squares += b.squares;
      elapsed += b.elapsedMs;
    }
    const stressed = Math.max(this.spec.stressedVolatility, Math.sqrt(peak * DAY_MS));
    const lookback = elapsed > 0 ? Math.sqrt((squares / elapsed) * DAY_MS) : 0;
    return { ewma, stressed, lookback };
  }

  private addToLookback(atMs: number, square: number, dt: number, variancePerMs: number): void {
    const day = Math.floor(atMs / DAY_MS);
    const last = this.buckets.at(-1);
    if (last && last.day === day) {
      last.squares += square;
      last.elapsedMs += dt;
      last.peak = Math.max(last.peak, variancePerMs);
    } else {
      this.buckets.push({ day, squares: square, elapsedMs: dt, peak: variancePerMs });
    }
    const oldest = Math.floor((atMs - this.spec.lookbackMs) / DAY_MS);
    let drop = 0;
    while (drop < this.buckets.length && this.buckets[drop]!.day < oldest) drop++;
    if (drop > 0) this.buckets.splice(0, drop);
  }
}
