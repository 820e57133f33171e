/**
 * Liquidation price of an isolated perpetual position on a venue that
 * liquidates when the remaining collateral falls to a share of the size
 * (GMX v2: collateral + PnL ≤ minCollateralFactor · sizeInUsd), fees and
 * price impact left out.
 *
 * With size S (USD), T index tokens, collateral C and factor m, a long's
 * PnL is T·p − S and a short's S − T·p, so the position liquidates at
 *   long:  p = (S·(1 + m) − C) / T
 *   short: p = (S·(1 − m) + C) / T
 * Collateral in the index asset itself moves with the price (C = A·p):
 *   long:  p = S·(1 + m) / (A + T)
 *   short: p = S·(1 − m) / (T − A), and never when A ≥ T (the collateral
 *          gains at least what the position loses).
 */
export interface IsolatedPerpPosition {
  readonly isLong: boolean;
  /** Size in USD. */
  readonly sizeUsd: number;
  /** Size in index-asset units. */
  readonly sizeInTokens: number;
  /** Collateral: its value in USD, or, with `collateralIsIndex`, its amount in index units. */
  readonly collateral: number;
  readonly collateralIsIndex: boolean;
  /** Share of the size the collateral must cover (e.g. 0.01). */
  readonly minCollateralFactor: number;
}

/** The index price at which the position liquidates, or undefined when no positive price does. */
export function isolatedPerpLiquidationPrice(p: IsolatedPerpPosition): number | undefined {
  const { sizeUsd: s, sizeInTokens: t, collateral: c, minCollateralFactor: m } = p;
  if (!(s > 0 && t > 0 && c >= 0 && m >= 0)) return undefined;
  let price: number;
  if (p.collateralIsIndex) {
    if (p.isLong) price = (s * (1 + m)) / (c + t);
    else {
      if (c >= t) return undefined;
      price = (s * (1 - m)) / (t - c);
    }
  } else price = p.isLong ? (s * (1 + m) - c) / t : (s * (1 - m) + c) / t;
  return Number.isFinite(price) && price > 0 ? price : undefined;
}

/** The position's margin (collateral + PnL) less the factor's share of its size, at index price `price`. */
export function isolatedPerpMarginAt(p: IsolatedPerpPosition, price: number): number {
  const collateralUsd = p.collateralIsIndex ? p.collateral * price : p.collateral;
  const pnl = p.isLong ? p.sizeInTokens * price - p.sizeUsd : p.sizeUsd - p.sizeInTokens * price;
  return collateralUsd + pnl - p.minCollateralFactor * p.sizeUsd;
}
