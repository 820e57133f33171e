// One cross-margined perp account solved whole, the way Drift computes its
// maintenance health:
//
//   total collateral = Σ spot depositᵢ · priceᵢ · assetWeightᵢ
//                    − Σ spot borrowⱼ · priceⱼ · liabilityWeightⱼ
//                    + Σ perp pnlₖ,   pnlₖ = baseₖ · priceₖ + quoteₖ
//   margin requirement = Σ |baseₖ| · priceₖ · maintenanceRatioₖ
//
// and the account can be liquidated once total collateral falls below the
// margin requirement. A perp position's liquidation price holds every other
// price fixed: free collateral moves with the position's price by
// baseₖ − |baseₖ| · ratioₖ per unit, so it is the price where free collateral
// reaches zero. Simplified against Drift: positive unrealized pnl counts in
// full (Drift weights it by the market's unrealized asset weight), and the
// spot weights are the maintenance ones without size-based scaling.
//
// Pure float64 risk math (amounts are converted at the edge, never back).

/** A perp position in base units, its quote amount (entry and pnl settled) and its market. */
export interface PerpLeg {
  readonly base: number;
  /** The position's quote asset amount (negative for a long bought with quote). */
  readonly quote: number;
  /** The market's oracle price. */
  readonly price: number;
  /** Maintenance margin ratio (0.05 = 20x). */
  readonly maintenanceRatio: number;
}

/** A spot balance in token units: positive a deposit, negative a borrow. */
export interface SpotLeg {
  readonly amount: number;
  readonly price: number;
  /** Maintenance asset weight for a deposit (≤ 1). */
  readonly assetWeight: number;
  /** Maintenance liability weight for a borrow (≥ 1). */
  readonly liabilityWeight: number;
}

export interface PerpMarginAccount {
  readonly perps: readonly PerpLeg[];
  readonly spots: readonly SpotLeg[];
}

/** Total collateral at maintenance: weighted spot balances plus perp pnl. */
export function totalCollateral(a: PerpMarginAccount): number {
  let total = 0;
  for (const s of a.spots)
    total += s.amount >= 0 ? s.amount * s.price * s.assetWeight : s.amount * s.price * s.liabilityWeight;
  for (const p of a.perps) total += p.base * p.price + p.quote;
  return total;
}

/** The maintenance margin requirement of the perp positions. */
export function maintenanceRequirement(a: PerpMarginAccount): number {
  let req = 0;
  for (const p of a.perps) req += Math.abs(p.base) * p.price * p.maintenanceRatio;
  return req;
}

/** Total collateral minus the requirement: negative = liquidatable. */
export function freeCollateral(a: PerpMarginAccount): number {
  return totalCollateral(a) - maintenanceRequirement(a);
}

/**
 * The price of perp leg `k` at which the account becomes liquidatable, every
 * other price held fixed; undefined when no positive price does it (a
 * position that only gains from its price moving toward liquidation, or an
 * account already liquidatable at every price) or the leg is flat.
 */
export function perpLiquidationPrice(a: PerpMarginAccount, k: number): number | undefined {
  const leg = a.perps[k];
  if (!leg || leg.base === 0) return undefined;
  const slope = leg.base - Math.abs(leg.base) * leg.maintenanceRatio;
  if (slope === 0) return undefined;
  const price = leg.price - freeCollateral(a) / slope;
  return price > 0 && Number.isFinite(price) ? price : undefined;
}
