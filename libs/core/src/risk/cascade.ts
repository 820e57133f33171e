import { PositionSide } from "@breakwater/proto";
import type { PositionColumns } from "../exposure/exposure.js";
import { clamp } from "../math/clamp.js";
import { accountSlack, type LendingAccountIndex } from "./account-paths.js";

/**
 * Price impact of liquidation flow on one asset: selling `q` of notional moves
 * the price by `1% × (q / notionalPer1Pct)^exponent` (exponent 1 = linear
 * book, 0.5 = square-root law), capped at 99%.
 */
export interface DepthModel {
  readonly notionalPer1Pct: number;
  readonly exponent: number;
}

export const DEFAULT_DEPTH: DepthModel = { notionalPer1Pct: 10_000_000, exponent: 1 };

/** Relative price move that `flow` of notional (positive = sold) causes. */
export function priceImpact(flow: number, depth: DepthModel): number {
  if (flow === 0) return 0;
  const move = Math.min(0.99, 0.01 * (Math.abs(flow) / depth.notionalPer1Pct) ** depth.exponent);
  return flow > 0 ? -move : move;
}

export interface CascadeInput {
  readonly cols: PositionColumns;
  readonly assetNames: readonly string[];
  readonly venueNames: readonly string[];
  readonly chainNames: readonly string[];
  /** Reference price per asset id; assets without a positive price are left out. */
  readonly prices: Float64Array;
  /** Initial move per asset id, as a fraction (-0.1 = 10% down). */
  readonly shocks: Float64Array;
  /** Depth per asset id (DEFAULT_DEPTH where missing). */
  readonly depth: readonly (DepthModel | undefined)[];
  /**
   * Propagation: `beta[j·n + i]` is the move of asset j per unit move of asset
   * i (n = number of assets), e.g. ρᵢⱼσⱼ/σᵢ. Negative entries are ignored:
   * contagion propagates through positive co-movement only.
   */
  readonly beta?: Float64Array | undefined;
  /** Insurance fund per venue name (0 where missing). */
  readonly insuranceFunds?: ReadonlyMap<string, number> | undefined;
  /** Upper bound on rounds (default 10). */
  readonly maxRounds?: number;
  /**
   * Lending accounts (built on the same columns and reference prices): their
   * legs leave the per-position index and each account is re-solved at every
   * round's prices instead, so a fall in one collateral brings its other legs'
   * liquidation closer (see account-paths.ts).
   */
  readonly accounts?: LendingAccountIndex | undefined;
}

export interface CascadeRound {
  readonly round: number;
  readonly positions: number;
  /** At the pre-shock reference prices. */
  readonly notional: number;
}

export interface CascadeResult {
  /** Rounds that liquidated something. */
  readonly rounds: number;
  /** False when the bound on rounds stopped a cascade still liquidating. */
  readonly converged: boolean;
  readonly perRound: readonly CascadeRound[];
  readonly liquidatedPositions: number;
  /** Σ liquidatable size × pre-shock reference price of every liquidated position. */
  readonly liquidatedNotional: number;
  readonly byVenue: readonly {
    readonly venueId: string;
    readonly positions: number;
    readonly notional: number;
    readonly badDebt: number;
    readonly insuranceFund: number;
    /** Bad debt the insurance fund does not cover. */
    readonly uncovered: number;
  }[];
  readonly byChain: readonly {
    readonly chainId: string;
    readonly positions: number;
    readonly notional: number;
  }[];
  readonly assets: readonly {
    readonly asset: string;
    readonly initialPrice: number;
    readonly finalPrice: number;
    /** finalPrice / initialPrice − 1 */
    readonly move: number;
    readonly shock: number;
    readonly liquidatedNotional: number;
  }[];
  readonly badDebt: number;
  readonly uncoveredBadDebt: number;
}

const DOWN = new Uint8Array(8);
DOWN[PositionSide.POSITION_SIDE_LONG] = 1;
DOWN[PositionSide.POSITION_SIDE_SUPPLY] = 1;
const MIN_MOVE = -0.99;
const MAX_MOVE = 10;

interface Accumulators {
  readonly flow: Float64Array;
  readonly assetNotional: Float64Array;
  readonly venuePositions: Float64Array;
  readonly venueNotional: Float64Array;
  readonly venueBadDebt: Float64Array;
  readonly chainPositions: Float64Array;
  readonly chainNotional: Float64Array;
}

/** Width (relative move) of the buckets the trigger index sorts positions into. */
const BUCKET = 0.001;
/** Buckets per (asset, direction): 0 = already liquidatable, 1..1000 = up to 100% away, the last = further. */
const BUCKETS = 1_002;

/**
 * Positions sorted (counting sort, O(n)) by asset, direction and how far the
 * price must move against them before they are liquidated, so a round only
 * visits the positions its move can reach instead of every position.
 */
interface TriggerIndex {
  /** Slots, grouped by (asset·2 + direction) and bucket. */
  readonly order: Int32Array;
  /** The fields a round reads, gathered in `order`'s order so rounds read memory sequentially. */
  readonly liq: Float64Array;
  readonly size: Float64Array;
  readonly venue: Int32Array;
  readonly chain: Int32Array;
  /** 1 once liquidated, by position in `order`. */
  readonly done: Uint8Array;
  /** start[(group)·BUCKETS + bucket] → first index into `order`; one extra entry at the end. */
  readonly start: Int32Array;
  /** Per group, the first bucket a round still has to look at. */
  readonly next: Int32Array;
}

function bucketOf(adverse: number): number {
  if (adverse <= 0) return 0;
  const b = 1 + Math.floor(adverse / BUCKET);
  return b >= BUCKETS ? BUCKETS - 1 : b;
}

function buildTriggerIndex(
  cols: PositionColumns,
  prices: Float64Array,
  assets: number,
  accounts: LendingAccountIndex | undefined,
): TriggerIndex {
  const { open, asset, side, liquidationPrice } = cols;
  const slots = cols.slots;
  const key = new Int32Array(slots).fill(-1);
  const start = new Int32Array(assets * 2 * BUCKETS + 1);
  const inAccount = new Uint8Array(slots);
  if (accounts) for (const s of accounts.legSlot) inAccount[s] = 1;
  for (let s = 0; s < slots; s++) {
    if (open[s] === 0 || inAccount[s] === 1) continue;
    const l = liquidationPrice[s]!;
    const a = asset[s]!;
    const p0 = prices[a]!;
    if (!(l > 0) || !(p0 > 0)) continue;
    const trigger = l / p0 - 1;
    const down = DOWN[side[s]!] === 1;
    const k = (a * 2 + (down ? 0 : 1)) * BUCKETS + bucketOf(down ? -trigger : trigger);
    key[s] = k;
    start[k + 1]!++;
  }
  for (let i = 1; i < start.length; i++) start[i]! += start[i - 1]!;
  const fill = start.slice(0, start.length - 1);
  const count = start[start.length - 1]!;
  const order = new Int32Array(count);
  const liq = new Float64Array(count);
  const size = new Float64Array(count);
  const venue = new Int32Array(count);
  const chain = new Int32Array(count);
  for (let s = 0; s < slots; s++) {
    const k = key[s]!;
    if (k < 0) continue;
    const i = fill[k]!++;
    order[i] = s;
    liq[i] = liquidationPrice[s]!;
    size[i] = cols.liquidatableSize[s]!; // what the liquidation sells or buys back
    venue[i] = cols.venue[s]!;
    chain[i] = cols.chain[s]!;
  }
  return {
    order,
    liq,
    size,
    venue,
    chain,
    done: new Uint8Array(count),
    start,
    next: new Int32Array(assets * 2),
  };
}

/**
 * One round: liquidates every position the moved prices cross. Only buckets
 * from each group's `next` up to the bucket of the round's adverse move are
 * visited; the exact test `price ≤ liquidation price` (≥ for shorts) decides,
 * and the last two buckets visited are visited again next round, so float
 * rounding at a bucket edge never skips a position.
 */
function liquidateCrossed(
  index: TriggerIndex,
  prices: Float64Array,
  current: Float64Array,
  total: Float64Array,
  acc: Accumulators,
): { count: number; notional: number } {
  const { flow, assetNotional, venuePositions, venueNotional, venueBadDebt, chainPositions, chainNotional } =
    acc;
  const { liq, size, venue, chain, done, start, next } = index;
  let count = 0;
  let notional = 0;
  const groups = next.length;
  for (let g = 0; g < groups; g++) {
    const a = g >> 1;
    const p0 = prices[a]!;
    if (!(p0 > 0)) continue;
    const p = current[a]!;
    const down = (g & 1) === 0;
    const reach = bucketOf(down ? -total[a]! : total[a]!);
    const base = g * BUCKETS;
    const from = next[g]!;
    if (reach < from) continue;
    let sold = 0;
    for (let i = start[base + from]!, end = start[base + reach + 1]!; i < end; i++) {
      if (done[i] === 1) continue;
      const l = liq[i]!;
      if (down ? p > l && p0 > l : p < l && p0 < l) continue;
      done[i] = 1;
      const q = size[i]! * p0;
      sold += q;
      const v = venue[i]!;
      venuePositions[v]!++;
      venueNotional[v]! += q;
      venueBadDebt[v]! += size[i]! * Math.max(0, down ? l - p : p - l);
      chainPositions[chain[i]!]!++;
      chainNotional[chain[i]!]! += q;
      count++;
    }
    flow[a]! += down ? sold : -sold;
    assetNotional[a]! += sold;
    notional += sold;
    next[g] = Math.max(from, reach - 1);
  }
  return { count, notional };
}

const NO_LIQUIDATION = { count: 0, notional: 0 };

/**
 * One round for the lending accounts: every account not yet liquidated whose
 * slack at the round's prices is ≤ 0 (its health factor at or below 1, its
 * legs re-solved together) is liquidated once, as one liquidation call takes
 * one collateral and one debt: the collateral leg with the largest
 * liquidatable notional is sold and the debt leg with the largest is bought
 * back (each its liquidatable size, at the reference price). Bad debt is not
 * estimated for accounts (their collateral value is not reported).
 */
function liquidateAccounts(
  idx: LendingAccountIndex,
  done: Uint8Array,
  cols: PositionColumns,
  prices: Float64Array,
  current: Float64Array,
  acc: Accumulators,
): { count: number; notional: number } {
  let count = 0;
  let notional = 0;
  for (let a = 0; a < idx.accounts; a++) {
    if (done[a] === 1 || accountSlack(idx, cols, a, prices, current) > 0) continue;
    done[a] = 1;
    let seized = -1;
    let repaid = -1;
    let seizedQ = 0;
    let repaidQ = 0;
    for (let i = idx.legStart[a]!, end = idx.legStart[a + 1]!; i < end; i++) {
      const s = idx.legSlot[i]!;
      const q = cols.liquidatableSize[s]! * prices[cols.asset[s]!]!;
      if (!(q > 0)) continue;
      if (idx.legDebt[i] === 1 ? q > repaidQ : q > seizedQ) {
        if (idx.legDebt[i] === 1) {
          repaid = s;
          repaidQ = q;
        } else {
          seized = s;
          seizedQ = q;
        }
      }
    }
    for (const [s, q, sold] of [
      [seized, seizedQ, true],
      [repaid, repaidQ, false],
    ] as const) {
      if (s < 0) continue;
      const x = cols.asset[s]!;
      acc.flow[x]! += sold ? q : -q;
      acc.assetNotional[x]! += q;
      acc.venuePositions[cols.venue[s]!]!++;
      acc.venueNotional[cols.venue[s]!]! += q;
      acc.chainPositions[cols.chain[s]!]!++;
      acc.chainNotional[cols.chain[s]!]! += q;
      notional += q;
      count++;
    }
  }
  return { count, notional };
}

/**
 * A deterministic liquidation cascade. Each round:
 *
 * 1. every asset's move is its own move (shock + impact of its liquidation
 *    flow so far) plus the propagated moves of the others (`beta`), clamped
 *    to [-99%, +1000%];
 * 2. every position the moved price crosses (longs and supplies at or below
 *    their liquidation price, shorts and borrows at or above; positions
 *    already liquidatable at the reference price go in round 1) is
 *    liquidated, once: the notional of its liquidatable size (the whole
 *    position unless the venue reported less, as a lending venue's close
 *    factor makes it) at the reference price is sold (bought for shorts)
 *    into the asset's depth, and the gap between its liquidation price and
 *    the round's price, × that size, is the venue's bad debt (maintenance
 *    margin ignored, so this errs on the high side); with `accounts`, a
 *    lending account is re-solved at the round's prices instead and, once
 *    its health factor reaches 1, one collateral and one debt leg go;
 * 3. the asset's own move becomes shock + impact of its cumulative flow.
 *
 * It stops at a fixed point (a round liquidating nothing) or after
 * `maxRounds`. Same input, same output: positions are scanned in slot order
 * and nothing depends on time or randomness. With shocks of one sign, a
 * larger shock liquidates a superset and moves prices further (monotone).
 */
export function simulateCascade(input: CascadeInput): CascadeResult {
  const maxRounds = input.maxRounds ?? 10;
  if (!(Number.isInteger(maxRounds) && maxRounds >= 1))
    throw new RangeError(`maxRounds must be a positive integer, got ${maxRounds}`);
  const { cols, prices, shocks } = input;
  const n = input.assetNames.length;
  const venues = input.venueNames.length;
  const chains = input.chainNames.length;
  const depth = Array.from({ length: n }, (_, a) => input.depth[a] ?? DEFAULT_DEPTH);
  const own = new Float64Array(n);
  for (let a = 0; a < n; a++) own[a] = shocks[a] ?? 0;
  const total = new Float64Array(n);
  const current = new Float64Array(n);
  const flow = new Float64Array(n);
  const assetNotional = new Float64Array(n);
  const venuePositions = new Float64Array(venues);
  const venueNotional = new Float64Array(venues);
  const venueBadDebt = new Float64Array(venues);
  const chainPositions = new Float64Array(chains);
  const chainNotional = new Float64Array(chains);
  const index = buildTriggerIndex(cols, prices, n, input.accounts);
  const accountDone = new Uint8Array(input.accounts?.accounts ?? 0);
  const perRound: CascadeRound[] = [];
  const acc: Accumulators = {
    flow,
    assetNotional,
    venuePositions,
    venueNotional,
    venueBadDebt,
    chainPositions,
    chainNotional,
  };

  const propagate = () => {
    for (let j = 0; j < n; j++) {
      let m = own[j]!;
      if (input.beta) {
        for (let i = 0; i < n; i++) {
          const b = input.beta[j * n + i]!;
          if (i !== j && b > 0) m += b * own[i]!;
        }
      }
      total[j] = clamp(m, MIN_MOVE, MAX_MOVE);
      current[j] = prices[j]! * (1 + total[j]!);
    }
  };

  let converged = false;
  for (let round = 1; round <= maxRounds; round++) {
    propagate();
    const crossed = liquidateCrossed(index, prices, current, total, acc);
    const inAccounts = input.accounts
      ? liquidateAccounts(input.accounts, accountDone, cols, prices, current, acc)
      : NO_LIQUIDATION;
    const count = crossed.count + inAccounts.count;
    const notional = crossed.notional + inAccounts.notional;
    if (count === 0) {
      converged = true;
      break;
    }
    perRound.push({ round, positions: count, notional });
    for (let a = 0; a < n; a++) own[a] = (shocks[a] ?? 0) + priceImpact(flow[a]!, depth[a]!);
  }
  propagate();

  const funds = input.insuranceFunds ?? new Map<string, number>();
  const byVenue = [];
  let badDebt = 0;
  let uncoveredBadDebt = 0;
  for (let v = 0; v < venues; v++) {
    if (venuePositions[v] === 0) continue;
    const venueId = input.venueNames[v]!;
    const fund = funds.get(venueId) ?? 0;
    const uncovered = Math.max(0, venueBadDebt[v]! - fund);
    badDebt += venueBadDebt[v]!;
    uncoveredBadDebt += uncovered;
    byVenue.push({
      venueId,
      positions: venuePositions[v]!,
      notional: venueNotional[v]!,
      badDebt: venueBadDebt[v]!,
      insuranceFund: fund,
      uncovered,
    });
  }
  const byChain = [];
  for (let c = 0; c < chains; c++) {
    if (chainPositions[c] === 0) continue;
    byChain.push({
      chainId: input.chainNames[c]!,
      positions: chainPositions[c]!,
      notional: chainNotional[c]!,
    });
  }
  const assets = [];
  for (let a = 0; a < n; a++) {
    if (!(prices[a]! > 0)) continue;
    assets.push({
      asset: input.assetNames[a]!,
      initialPrice: prices[a]!,
      finalPrice: current[a]!,
      move: total[a]!,
      shock: shocks[a] ?? 0,
      liquidatedNotional: assetNotional[a]!,
    });
  }
  const byName =
    <T extends Record<K, string>, K extends string>(key: K) =>
    (x: T, y: T) =>
      x[key] < y[key] ? -1 : x[key] > y[key] ? 1 : 0;
  return {
    rounds: perRound.length,
    converged,
    perRound,
    liquidatedPositions: perRound.reduce((t, r) => t + r.positions, 0),
    liquidatedNotional: perRound.reduce((t, r) => t + r.notional, 0),
    byVenue: byVenue.sort(byName("venueId")),
    byChain: byChain.sort(byName("chainId")),
    assets: assets.sort(byName("asset")),
    badDebt,
    uncoveredBadDebt,
  };
}
