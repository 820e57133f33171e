import { PositionSide } from "@breakwater/proto";
import type { PositionColumns } from "../exposure/exposure.js";

/**
 * Lending accounts re-solved under a shocked price path, from what their legs
 * report: each leg's liquidation price, solved by its venue with every other
 * price held fixed at the prices `p⁰` of the solve.
 *
 * On a venue whose health factor is linear in each price (Aave v3: HF =
 * Σ collateral·price·threshold / Σ debt·price) the legs' liquidation prices
 * determine the account: with slack S = W − D (weighted collateral less debt)
 * a collateral leg's weight is a·t = S / (p⁰ − L) and a debt leg's amount
 * b = S / (M − q⁰). So the account's normalised slack at any prices p is
 *
 *   σ(p) = sgn S + Σ_collateral (p − p⁰) / |p⁰ − L| − Σ_debt (q − q⁰) / |M − q⁰|
 *
 * and HF(p) ≤ 1 exactly when σ(p) ≤ 0: each leg adds the share of its
 * distance to liquidation the path has covered, so a fall in one collateral
 * brings every other leg's liquidation price closer. Re-solved at p, a
 * collateral leg liquidates at p − σ·|p⁰ − L| and a debt leg at
 * q + σ·|M − q⁰| (every other price held at p).
 *
 * The reference prices stand in for p⁰ (the venue's oracle at the solve). A
 * supply leg without a liquidation price (not collateral, or one no fall of
 * its own can liquidate) is held fixed: its weight is not reported.
 */
export interface LendingAccountIndex {
  readonly accounts: number;
  /** Legs of account `a`: `legSlot[legStart[a] .. legStart[a + 1])`. */
  readonly legStart: Int32Array;
  readonly legSlot: Int32Array;
  /** Per leg: 1 for a debt, 0 for a supply. */
  readonly legDebt: Uint8Array;
  /** Per leg: ∂σ/∂price (1 / |p⁰ − L|; 0 for a leg held fixed). */
  readonly legWeight: Float64Array;
  /** Per account: sgn S at the reference prices (+1 healthy, −1 liquidatable). */
  readonly sign: Float64Array;
}

const SUPPLY = PositionSide.POSITION_SIDE_SUPPLY;
const BORROW = PositionSide.POSITION_SIDE_BORROW;

/**
 * Groups the open lending legs (supplies and borrows) of `cols` by account
 * (`accountOfSlot[s]`, −1 for a slot in no account) into the accounts that
 * owe something, with each leg's weight at the reference prices `p0`.
 */
export function lendingAccountIndex(
  cols: PositionColumns,
  accountOfSlot: Int32Array,
  p0: Float64Array,
): LendingAccountIndex {
  const { slots, open, side, asset, liquidationPrice } = cols;
  // counting sort of the lending slots by account
  let ids = 0;
  for (let s = 0; s < slots; s++) if (accountOfSlot[s]! >= ids) ids = accountOfSlot[s]! + 1;
  const owes = new Uint8Array(ids);
  const count = new Int32Array(ids + 1);
  const lending = (s: number) =>
    open[s] === 1 && accountOfSlot[s]! >= 0 && (side[s] === SUPPLY || side[s] === BORROW);
  for (let s = 0; s < slots; s++) {
    if (!lending(s)) continue;
    count[accountOfSlot[s]! + 1]!++;
    if (side[s] === BORROW) owes[accountOfSlot[s]!] = 1;
  }
  const dense = new Int32Array(ids).fill(-1);
  let accounts = 0;
  for (let id = 0; id < ids; id++) if (owes[id] === 1) dense[id] = accounts++;
  const legStart = new Int32Array(accounts + 1);
  for (let id = 0; id < ids; id++) if (dense[id]! >= 0) legStart[dense[id]! + 1] = count[id + 1]!;
  for (let a = 0; a < accounts; a++) legStart[a + 1]! += legStart[a]!;
  const legs = legStart[accounts]!;
  const legSlot = new Int32Array(legs);
  const legDebt = new Uint8Array(legs);
  const legWeight = new Float64Array(legs);
  const sign = new Float64Array(accounts);
  const fill = legStart.slice(0, accounts);
  for (let s = 0; s < slots; s++) {
    if (!lending(s)) continue;
    const a = dense[accountOfSlot[s]!]!;
    if (a < 0) continue;
    const i = fill[a]!++;
    legSlot[i] = s;
    const debt = side[s] === BORROW;
    legDebt[i] = debt ? 1 : 0;
    const l = liquidationPrice[s]!;
    const p = p0[asset[s]!]!;
    if (l > 0 && p > 0 && l !== p) {
      legWeight[i] = 1 / Math.abs(p - l);
      // a collateral below its liquidation price, or a debt above it: liquidatable now
      if (sign[a] === 0) sign[a] = debt === l > p ? 1 : -1;
    }
  }
  for (let a = 0; a < accounts; a++) if (sign[a] === 0) sign[a] = 1;
  return { accounts, legStart, legSlot, legDebt, legWeight, sign };
}

/** σ of account `a` at prices `p` (≤ 0: liquidatable), from the reference prices `p0`. */
export function accountSlack(
  idx: LendingAccountIndex,
  cols: PositionColumns,
  a: number,
  p0: Float64Array,
  p: Float64Array,
): number {
  let sigma = idx.sign[a]!;
  for (let i = idx.legStart[a]!, end = idx.legStart[a + 1]!; i < end; i++) {
    const w = idx.legWeight[i]!;
    if (w === 0) continue;
    const x = cols.asset[idx.legSlot[i]!]!;
    const dp = (p[x]! - p0[x]!) * w;
    sigma += idx.legDebt[i] === 1 ? -dp : dp;
  }
  return sigma;
}

/**
 * Re-solves every account at prices `p`: its slack into `slack[a]` and each
 * leg's liquidation price at `p` (every other price held at `p`) into
 * `liquidationAt[leg]` (0 for a leg held fixed, or where no positive price
 * liquidates). Returns how many accounts are liquidatable at `p`.
 */
export function resolveAccountsAt(
  idx: LendingAccountIndex,
  cols: PositionColumns,
  p0: Float64Array,
  p: Float64Array,
  slack: Float64Array,
  liquidationAt: Float64Array,
): number {
  let liquidatable = 0;
  for (let a = 0; a < idx.accounts; a++) {
    const sigma = accountSlack(idx, cols, a, p0, p);
    slack[a] = sigma;
    if (sigma <= 0) liquidatable++;
    for (let i = idx.legStart[a]!, end = idx.legStart[a + 1]!; i < end; i++) {
      const w = idx.legWeight[i]!;
      const price = p[cols.asset[idx.legSlot[i]!]!]!;
      const at = w === 0 ? 0 : idx.legDebt[i] === 1 ? price + sigma / w : price - sigma / w;
      liquidationAt[i] = Math.max(at, 0);
    }
  }
  return liquidatable;
}

/**
 * Account id per slot (−1 for a slot that is not open): `positions` are the
 * book's open positions in slot order (ExposureBook.positions()), each
 * (chain, venue, account) interned to one id.
 */
export function accountOfSlots(
  cols: PositionColumns,
  positions: Iterable<{ readonly chainId: string; readonly venueId: string; readonly account: string }>,
): Int32Array {
  const out = new Int32Array(cols.slots).fill(-1);
  const ids = new Map<string, number>();
  const it = positions[Symbol.iterator]();
  for (let s = 0; s < cols.slots; s++) {
    if (cols.open[s] === 0) continue;
    const next = it.next();
    if (next.done) throw new RangeError("fewer positions than open slots");
    const key = `${next.value.chainId}\u0000${next.value.venueId}\u0000${next.value.account}`;
    let id = ids.get(key);
    if (id === undefined) {
      id = ids.size;
      ids.set(key, id);
    }
    out[s] = id;
  }
  return out;
}
