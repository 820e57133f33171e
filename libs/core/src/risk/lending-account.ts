// One lending account solved whole, the way Aave v3 computes health:
//
//   HF = Σ collateralᵢ · priceᵢ · thresholdᵢ / Σ debtⱼ · priceⱼ
//
// over the reserves the account uses as collateral (its collateral flag on and
// a non-zero liquidation threshold) and every reserve it owes. Within the
// account's eMode category a reserve takes the category's threshold and
// liquidation bonus, and the category's price source (when it has one) in
// place of its own price, for collateral and debt alike. An account with HF
// below 1 can be liquidated: a liquidator repays up to the close factor of
// one debt (50%, all of it once HF ≤ 0.95) and seizes that value of one
// collateral, plus the collateral's liquidation bonus.
//
// The model holds no I/O and no chain types: amounts are integers with their
// reserve's decimals, prices float64 in the pool's base currency. It sums
// Σ collateral · price · threshold exactly, where Aave's contracts first round
// the average threshold down to whole basis points (a health factor lower by
// less than 1 bp of threshold, e.g. 2.169867 for an exact 2.17).

/** HF at or below this: the whole debt may be repaid (Aave v3's CLOSE_FACTOR_HF_THRESHOLD). */
export const CLOSE_FACTOR_HF_THRESHOLD = 0.95;
/** Share of one debt a liquidation may repay while HF is above the threshold. */
export const DEFAULT_CLOSE_FACTOR = 0.5;
/** … and at or below it. */
export const MAX_CLOSE_FACTOR = 1;

/** A reserve's parameters as the account sees them. */
export interface LendingReserve {
  /** The reserve's asset (its symbol). */
  readonly asset: string;
  readonly decimals: number;
  /** Liquidation threshold in basis points; 0: the reserve cannot be collateral. */
  readonly liquidationThresholdBps: number;
  /** Liquidation bonus in basis points including the repaid value (10500 = 5% bonus). */
  readonly liquidationBonusBps: number;
  /** The reserve's eMode category (0 = none). */
  readonly eModeCategory: number;
  /** The reserve's oracle price in the base currency. */
  readonly price: number;
}

/** The account's eMode category (id 0 = none). */
export interface EModeCategory {
  readonly id: number;
  readonly liquidationThresholdBps: number;
  readonly liquidationBonusBps: number;
  /**
   * Price of the category's price source; 0 when it has none (then each
   * reserve keeps its own price). With one, every reserve of the category the
   * account holds is priced by it.
   */
  readonly sourcePrice: number;
}

/** What the account holds in one reserve. */
export interface AccountReserve {
  readonly reserve: LendingReserve;
  /** aToken balance, in the reserve's smallest unit. */
  readonly supplied: bigint;
  /** Debt (variable and stable), in the reserve's smallest unit. */
  readonly borrowed: bigint;
  /** The account's collateral flag for the reserve. */
  readonly usedAsCollateral: boolean;
}

/** One (venue, chain, account): every reserve it supplies or owes. Reserves are distinct assets. */
export interface LendingAccount {
  readonly reserves: readonly AccountReserve[];
  readonly eMode?: EModeCategory | undefined;
}

export type LegSide = "supply" | "borrow";

/** One leg (a supply or a debt in one reserve) of a solved account. */
export interface LendingLegRisk {
  /** Index of the leg's reserve in the account's `reserves`. */
  readonly reserve: number;
  readonly asset: string;
  readonly side: LegSide;
  /** In units of the asset. */
  readonly amount: number;
  /** The leg counts in the health factor: a debt always, a supply when it is collateral. */
  readonly counted: boolean;
  /** The price the health factor uses for the leg (the eMode price source's, in the category). */
  readonly price: number;
  /**
   * The price of the leg's asset at which HF reaches 1, every other price
   * held fixed: below the current price for collateral (a fall liquidates),
   * above it for a debt in a volatile asset (a rise liquidates). Undefined
   * when no move of this price in that direction brings HF to 1 (other
   * collateral covers the debt, the leg does not count, or the same price
   * source moves the account the other way). For a reserve priced by its
   * eMode category's source, the price of the asset assuming it moves with
   * the source.
   */
  readonly liquidationPrice: number | undefined;
  /**
   * Units of the asset a liquidation takes when the account is liquidated by
   * this leg's price (at `liquidationPrice`, or now when HF is already below
   * 1): collateral seized for the close factor's share of the largest debt
   * plus the bonus, or debt repaid, each bounded by what the account holds.
   */
  readonly liquidatableAmount: number;
}

export interface LendingAccountRisk {
  /** Infinity without debt. */
  readonly healthFactor: number;
  /** Σ collateral · price (collateral that counts). */
  readonly collateralValue: number;
  /** Σ collateral · price · threshold. */
  readonly weightedCollateral: number;
  readonly debtValue: number;
  /** HF < 1: liquidatable now. */
  readonly liquidatable: boolean;
  /** The close factor a liquidation would use now. */
  readonly closeFactor: number;
  /** The legs with a balance, reserve by reserve, supply before borrow. */
  readonly legs: readonly LendingLegRisk[];
}

/** A reserve of the account in float64, priced and weighted as the health factor sees it. */
interface Row {
  readonly asset: string;
  readonly supplied: number;
  readonly borrowed: number;
  /** Threshold as a fraction when the supply counts as collateral, else 0. */
  readonly threshold: number;
  /** Bonus as a factor (1.05). */
  readonly bonus: number;
  /** Index of the price the row follows: its own (row index), or -1 for the eMode source. */
  readonly source: number;
  /** The reserve's own oracle price. */
  readonly ownPrice: number;
}

const EMODE_SOURCE = -1;

function unitsOf(amount: bigint, decimals: number): number {
  return Number(amount) / 10 ** decimals;
}

function rowsOf(account: LendingAccount): Row[] {
  const e = account.eMode !== undefined && account.eMode.id !== 0 ? account.eMode : undefined;
  return account.reserves.map(({ reserve: r, supplied, borrowed, usedAsCollateral }, i) => {
    const inEMode = e !== undefined && r.eModeCategory === e.id;
    const sourced = inEMode && e.sourcePrice > 0;
    const collateral = usedAsCollateral && r.liquidationThresholdBps !== 0;
    return {
      asset: r.asset,
      supplied: unitsOf(supplied, r.decimals),
      borrowed: unitsOf(borrowed, r.decimals),
      threshold: collateral ? (inEMode ? e.liquidationThresholdBps : r.liquidationThresholdBps) / 10_000 : 0,
      bonus: (inEMode ? e.liquidationBonusBps : r.liquidationBonusBps) / 10_000,
      source: sourced ? EMODE_SOURCE : i,
      ownPrice: r.price,
    };
  });
}

/** Prices by source: a row's own at its index, the eMode source's in `emode`. */
interface Prices {
  readonly own: Float64Array;
  emode: number;
}

function pricesOf(account: LendingAccount): Prices {
  return {
    own: Float64Array.from(account.reserves, (r) => r.reserve.price),
    emode: account.eMode?.sourcePrice ?? 0,
  };
}

const priceIn = (row: Row, p: Prices): number => (row.source === EMODE_SOURCE ? p.emode : p.own[row.source]!);

function totals(rows: readonly Row[], p: Prices): { weighted: number; collateral: number; debt: number } {
  let weighted = 0;
  let collateral = 0;
  let debt = 0;
  for (const row of rows) {
    const price = priceIn(row, p);
    if (row.threshold > 0) {
      collateral += row.supplied * price;
      weighted += row.supplied * price * row.threshold;
    }
    debt += row.borrowed * price;
  }
  return { weighted, collateral, debt };
}

const healthOf = (weighted: number, debt: number): number => (debt > 0 ? weighted / debt : Infinity);

const closeFactorAt = (hf: number): number =>
  hf > CLOSE_FACTOR_HF_THRESHOLD ? DEFAULT_CLOSE_FACTOR : MAX_CLOSE_FACTOR;

/** The health factor (Infinity without debt). */
export function healthFactor(account: LendingAccount): number {
  const t = totals(rowsOf(account), pricesOf(account));
  return healthOf(t.weighted, t.debt);
}

/**
 * The health factor with `asset`'s price set to `price` and every other price
 * held fixed (a reserve priced by its eMode category's source moves the
 * source in proportion, and with it every reserve the source prices).
 */
export function healthFactorAt(account: LendingAccount, asset: string, price: number): number {
  const rows = rowsOf(account);
  const p = pricesOf(account);
  const i = rows.findIndex((r) => r.asset === asset);
  if (i < 0) throw new RangeError(`the account holds no reserve ${asset}`);
  const row = rows[i]!;
  if (row.source === EMODE_SOURCE) p.emode *= price / row.ownPrice;
  else p.own[i] = price;
  const t = totals(rows, p);
  return healthOf(t.weighted, t.debt);
}

/**
 * The price of `source` at which HF = 1 with every other price fixed, and
 * which way it must move: HF(p) = (A + a·p) / (B + b·p), where a is the
 * source's collateral weight per unit of price, b its debt, A and B the rest.
 */
function solveSource(
  rows: readonly Row[],
  p: Prices,
  source: number,
): { price: number; falls: boolean } | undefined {
  let a = 0;
  let b = 0;
  let rest = 0;
  let restDebt = 0;
  for (const row of rows) {
    if (row.source === source) {
      a += row.supplied * row.threshold;
      b += row.borrowed;
    } else {
      const price = priceIn(row, p);
      rest += row.supplied * price * row.threshold;
      restDebt += row.borrowed * price;
    }
  }
  if (a === b) return undefined; // HF does not depend on this price
  const price = (restDebt - rest) / (a - b);
  if (!(price > 0) || !Number.isFinite(price)) return undefined;
  return { price, falls: a > b };
}

/** What a liquidation takes of each leg with the prices `p` (HF `hf`). */
function takenAt(rows: readonly Row[], p: Prices, hf: number, i: number, side: LegSide): number {
  const cf = closeFactorAt(hf);
  const row = rows[i]!;
  const price = priceIn(row, p);
  if (!(price > 0)) return 0;
  if (side === "supply") {
    if (row.threshold === 0) return 0; // not collateral: cannot be seized
    let largestDebt = 0;
    for (const r of rows) largestDebt = Math.max(largestDebt, r.borrowed * priceIn(r, p));
    return Math.min(row.supplied, (cf * largestDebt * row.bonus) / price);
  }
  // a debt: repaid up to the close factor, as far as one collateral (with its bonus) pays for it
  let seizable = 0;
  for (const r of rows)
    if (r.threshold > 0) seizable = Math.max(seizable, (r.supplied * priceIn(r, p)) / r.bonus);
  return Math.min(cf * row.borrowed, seizable / price);
}

/**
 * Solves an account: its health factor, and for each leg its liquidation
 * price (HF = 1 with every other price fixed) and the size a liquidation
 * triggered by that price takes. Recompute it whenever a balance, a flag,
 * the eMode category, a reserve's parameters or a price changes.
 */
export function solveLendingAccount(account: LendingAccount): LendingAccountRisk {
  const rows = rowsOf(account);
  const now = pricesOf(account);
  const t = totals(rows, now);
  const hf = healthOf(t.weighted, t.debt);
  const liquidatable = hf < 1;
  const solved = new Map<number, ReturnType<typeof solveSource>>();
  const solve = (source: number) => {
    if (!solved.has(source)) solved.set(source, solveSource(rows, now, source));
    return solved.get(source);
  };
  const legs: LendingLegRisk[] = [];
  rows.forEach((row, i) => {
    for (const side of ["supply", "borrow"] as const) {
      const amount = side === "supply" ? row.supplied : row.borrowed;
      if (!(amount > 0)) continue;
      const counted = side === "borrow" || row.threshold > 0;
      const s = counted && t.debt > 0 ? solve(row.source) : undefined;
      // a supply is liquidated by a fall of its price, a debt by a rise
      const fits = s !== undefined && s.falls === (side === "supply");
      const sourcePrice = priceIn(row, now);
      const liquidationPrice = fits
        ? row.source === EMODE_SOURCE
          ? row.ownPrice * (s.price / sourcePrice)
          : s.price
        : undefined;
      let liquidatableAmount = 0;
      if (liquidatable) liquidatableAmount = takenAt(rows, now, hf, i, side);
      else if (fits) {
        const at: Prices = { own: now.own.slice(), emode: now.emode };
        if (row.source === EMODE_SOURCE) at.emode = s.price;
        else at.own[row.source] = s.price;
        liquidatableAmount = takenAt(rows, at, 1, i, side);
      }
      legs.push({
        reserve: i,
        asset: row.asset,
        side,
        amount,
        counted,
        price: sourcePrice,
        liquidationPrice,
        liquidatableAmount,
      });
    }
  });
  return {
    healthFactor: hf,
    collateralValue: t.collateral,
    weightedCollateral: t.weighted,
    debtValue: t.debt,
    liquidatable,
    closeFactor: closeFactorAt(hf),
    legs,
  };
}
