import { normalCdf, normalPdf } from "../math/normal.js";

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
