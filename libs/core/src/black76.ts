/**
 * Black-76: prices and greeks of European options on a forward or future
 * (`F`), as options venues quote them: strike `K`, time to expiry in years
 * `T`, volatility `sigma` (the venue's implied volatility), discount rate `r`.
 * Vega is per 1.00 of volatility (divide by 100 for per vol point).
 *
 * @example
 * black76({ forward: 100, strike: 100, years: 1, sigma: 0.2, rate: 0, call: true }).price; // 7.9655…
 */
export interface OptionTerms {
  readonly forward: number;
  readonly strike: number;
  readonly years: number;
  readonly sigma: number;
  readonly rate: number;
  readonly call: boolean;
}

export interface Greeks {
  readonly price: number;
  readonly delta: number;
  readonly gamma: number;
  readonly vega: number;
}

/** erf to double precision: Taylor series below |x| = 2, continued fraction for erfc beyond. */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax >= 2) {
    const v = 1 - erfc(ax);
    return x < 0 ? -v : v;
  }
  let term = ax;
  let sum = ax;
  const x2 = ax * ax;
  for (let n = 1; n < 200; n++) {
    term *= -x2 / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
  }
  const v = (2 / Math.sqrt(Math.PI)) * sum;
  return x < 0 ? -v : v;
}

/** Complementary error function; accurate in the tail (no cancellation) for x >= 2. */
export function erfc(x: number): number {
  if (x < 2) return 1 - erf(x);
  // erfc(x) = exp(−x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + …)))) (Lentz)
  const ax = x;
  let f = ax;
  let c = ax;
  let d = 0;
  for (let n = 1; n < 300; n++) {
    const a = n / 2;
    d = ax + a * d;
    d = d === 0 ? 1e-300 : 1 / d;
    c = ax + a / c;
    if (c === 0) c = 1e-300;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
}

/** Standard normal CDF (the lower tail through erfc, so small probabilities keep their precision). */
export function normalCdf(x: number): number {
  return x < 0 ? 0.5 * erfc(-x / Math.SQRT2) : 1 - 0.5 * erfc(x / Math.SQRT2);
}

function normalPdf(x: number): number {
  return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
}

export function black76(t: OptionTerms): Greeks {
  if (!(t.forward > 0 && t.strike > 0 && t.years > 0 && t.sigma > 0))
    throw new RangeError("forward, strike, years and sigma must be positive");
  const sqrtT = Math.sqrt(t.years);
  const d1 = (Math.log(t.forward / t.strike) + 0.5 * t.sigma * t.sigma * t.years) / (t.sigma * sqrtT);
  const d2 = d1 - t.sigma * sqrtT;
  const df = Math.exp(-t.rate * t.years);
  const price = t.call
    ? df * (t.forward * normalCdf(d1) - t.strike * normalCdf(d2))
    : df * (t.strike * normalCdf(-d2) - t.forward * normalCdf(-d1));
  return {
    price,
    delta: t.call ? df * normalCdf(d1) : -df * normalCdf(-d1),
    gamma: (df * normalPdf(d1)) / (t.forward * t.sigma * sqrtT),
    vega: t.forward * df * normalPdf(d1) * sqrtT,
  };
}

/** One options position: `quantity` contracts (negative = short) of `terms`. */
export interface OptionPosition {
  readonly asset: string;
  readonly quantity: number;
  readonly terms: OptionTerms;
}

/** Delta, gamma and vega per underlying asset, summed over positions (× quantity). */
export function greeksByAsset(positions: Iterable<OptionPosition>): Map<string, Omit<Greeks, "price">> {
  const out = new Map<string, { delta: number; gamma: number; vega: number }>();
  for (const p of positions) {
    const g = black76(p.terms);
    const acc = out.get(p.asset) ?? { delta: 0, gamma: 0, vega: 0 };
    acc.delta += p.quantity * g.delta;
    acc.gamma += p.quantity * g.gamma;
    acc.vega += p.quantity * g.vega;
    out.set(p.asset, acc);
  }
  return out;
}

/**
 * The volatility at which Black-76 prices the option at `price` (the venue's
 * mark), by bisection on σ ∈ (1e-6, 10] (the price rises with σ). Undefined
 * when the price is outside the no-arbitrage bounds (intrinsic, upper bound)
 * or the terms are not positive.
 */
export function impliedVolatility(terms: Omit<OptionTerms, "sigma">, price: number): number | undefined {
  if (!(terms.forward > 0 && terms.strike > 0 && terms.years > 0 && Number.isFinite(price))) return undefined;
  const df = Math.exp(-terms.rate * terms.years);
  const intrinsic =
    df * Math.max(terms.call ? terms.forward - terms.strike : terms.strike - terms.forward, 0);
  const upper = df * (terms.call ? terms.forward : terms.strike);
  if (!(price > intrinsic && price < upper)) return undefined;
  let lo = 1e-6;
  let hi = 10;
  if (black76({ ...terms, sigma: hi }).price < price) return undefined;
  for (let i = 0; i < 200 && hi - lo > 1e-14; i++) {
    const mid = 0.5 * (lo + hi);
    if (black76({ ...terms, sigma: mid }).price < price) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}
