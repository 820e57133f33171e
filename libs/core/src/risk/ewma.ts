import { Interner } from "../exposure/interner.js";
import { clamp } from "../math/clamp.js";

/**
 * Exponentially weighted (RiskMetrics) variances and covariances of returns,
 * with weights normalized over the samples seen: after n samples the figure is
 * `Σ λᵏ r²ₙ₋ₖ / Σ λᵏ` (k = 0…n−1), so it is the plain mean of the first few
 * samples and tends to `σ²ₜ = λσ²ₜ₋₁ + (1−λ)r²ₜ` once `n ≫ 1/(1−λ)`. Without the
 * normalization a long memory (a per-minute λ of 0.99996 for an 11-day half-life)
 * would keep the first return's square for days. An asset missing from a
 * sample keeps its figures; a pair is updated only on samples with both.
 *
 * @example
 * const ewma = new EwmaCovariance(0.94);
 * ewma.update(new Map([["ETH", 0.01], ["BTC", 0.005]]));
 * ewma.volatility("ETH"); // 0.01
 */
export class EwmaCovariance {
  readonly assets = new Interner();
  private variance: number[] = [];
  /** Σ λᵏ over the asset's samples: the normalizer. */
  private weight: number[] = [];
  private samples: number[] = [];
  /** key i·65536 + j with i < j → covariance, its normalizer, samples */
  private readonly covariance = new Map<number, { cov: number; weight: number; n: number }>();

  constructor(readonly lambda = 0.94) {
    if (!(lambda > 0 && lambda < 1)) throw new RangeError(`lambda must be in (0, 1), got ${lambda}`);
  }

  update(returns: ReadonlyMap<string, number>): void {
    const present: { id: number; r: number }[] = [];
    for (const [asset, r] of returns) {
      if (!Number.isFinite(r)) continue;
      const id = this.assets.idOf(asset);
      const n = this.samples[id] ?? 0;
      const weight = n === 0 ? 1 : this.lambda * this.weight[id]! + 1;
      this.variance[id] = n === 0 ? r * r : this.variance[id]! + (r * r - this.variance[id]!) / weight;
      this.weight[id] = weight;
      this.samples[id] = n + 1;
      present.push({ id, r });
    }
    for (let x = 0; x < present.length; x++) {
      for (let y = x + 1; y < present.length; y++) {
        const a = present[x]!;
        const b = present[y]!;
        const key = Math.min(a.id, b.id) * 65_536 + Math.max(a.id, b.id);
        const prev = this.covariance.get(key);
        const product = a.r * b.r;
        if (!prev) this.covariance.set(key, { cov: product, weight: 1, n: 1 });
        else {
          prev.weight = this.lambda * prev.weight + 1;
          prev.cov += (product - prev.cov) / prev.weight;
          prev.n++;
        }
      }
    }
  }

  /** Per-sample volatility (σ), or NaN before the asset's first return. */
  volatility(asset: string): number {
    const id = this.assets.find(asset);
    return id < 0 || !this.samples[id] ? Number.NaN : Math.sqrt(this.variance[id]!);
  }

  samplesOf(asset: string): number {
    const id = this.assets.find(asset);
    return id < 0 ? 0 : (this.samples[id] ?? 0);
  }

  covarianceOf(a: string, b: string): number {
    if (a === b) return this.volatility(a) ** 2;
    const i = this.assets.find(a);
    const j = this.assets.find(b);
    if (i < 0 || j < 0) return Number.NaN;
    return this.covariance.get(Math.min(i, j) * 65_536 + Math.max(i, j))?.cov ?? Number.NaN;
  }

  /** EWMA correlation in [-1, 1], or NaN when the pair has no common sample or a zero variance. */
  correlation(a: string, b: string): number {
    if (a === b) return this.samplesOf(a) > 0 ? 1 : Number.NaN;
    const cov = this.covarianceOf(a, b);
    const denom = this.volatility(a) * this.volatility(b);
    if (!Number.isFinite(cov) || !(denom > 0)) return Number.NaN;
    return clamp(cov / denom, -1, 1);
  }
}

/** RiskMetrics' daily λ = 0.94 as a half-life in time: ln 0.5 / ln 0.94 days ≈ 11.2 days. */
export const RISKMETRICS_HALF_LIFE_MS = Math.round((Math.log(0.5) / Math.log(0.94)) * 86_400_000);

export interface VolatilityOptions {
  /**
   * The memory of the EWMA in time (default RISKMETRICS_HALF_LIFE_MS): a return
   * this old weighs half a new one, whatever the sampling; the per-sample λ is
   * `0.5^(sampleMs / halfLifeMs)`.
   */
  readonly halfLifeMs?: number;
  /** Returns are taken between samples of the reference prices this far apart, chain time (default 60 s). */
  readonly sampleMs?: number;
  /** Volatilities are reported over this horizon, `σ·√(horizon/sample)` (default 1 day). */
  readonly horizonMs?: number;
}

/**
 * Samples reference prices on a fixed chain-time grid and feeds their log
 * returns to an EwmaCovariance. Driven by observation times (not a wall
 * clock), so replaying the same events gives the same figures.
 */
export class VolatilityTracker {
  readonly ewma: EwmaCovariance;
  readonly sampleMs: number;
  readonly horizonMs: number;
  readonly halfLifeMs: number;
  private nextSampleMs = Number.NEGATIVE_INFINITY;
  private last = new Map<string, number>();

  constructor(opts: VolatilityOptions = {}) {
    this.sampleMs = opts.sampleMs ?? 60_000;
    this.horizonMs = opts.horizonMs ?? 86_400_000;
    this.halfLifeMs = opts.halfLifeMs ?? RISKMETRICS_HALF_LIFE_MS;
    if (!(this.sampleMs > 0 && this.horizonMs > 0 && this.halfLifeMs > 0))
      throw new RangeError("sampleMs, horizonMs and halfLifeMs must be positive");
    this.ewma = new EwmaCovariance(0.5 ** (this.sampleMs / this.halfLifeMs));
  }

  /**
   * Called with each observation's chain time; when it crosses the next grid
   * point, `prices()` is sampled (assets with a positive price) and the log
   * returns since the previous sample are recorded. Returns true on a sample.
   */
  observe(chainTimeMs: number, prices: () => ReadonlyMap<string, number>): boolean {
    if (chainTimeMs < this.nextSampleMs) return false;
    const now = new Map<string, number>();
    for (const [asset, p] of prices()) if (p > 0 && Number.isFinite(p)) now.set(asset, p);
    const returns = new Map<string, number>();
    for (const [asset, p] of now) {
      const before = this.last.get(asset);
      if (before !== undefined) returns.set(asset, Math.log(p / before));
    }
    if (returns.size > 0) this.ewma.update(returns);
    this.last = now;
    this.nextSampleMs = (Math.floor(chainTimeMs / this.sampleMs) + 1) * this.sampleMs;
    return true;
  }

  /** The λ this memory means on daily returns (RiskMetrics' figure: 0.94 for ~11.2 days). */
  get dailyLambda(): number {
    return 0.5 ** (86_400_000 / this.halfLifeMs);
  }

  /** Volatility over the horizon. */
  volatility(asset: string): number {
    return this.ewma.volatility(asset) * Math.sqrt(this.horizonMs / this.sampleMs);
  }

  correlation(a: string, b: string): number {
    return this.ewma.correlation(a, b);
  }
}
