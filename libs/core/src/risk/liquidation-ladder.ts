import { PositionSide } from "@breakwater/proto";
import type { PositionColumns } from "../exposure/exposure.js";
import { clamp } from "../math/clamp.js";

export interface LadderOptions {
  /** Distance between rungs, in basis points (default 50 = 0.5%). */
  readonly stepBps?: number;
  /** The ladder spans ±rangeBps (default 5000 = ±50%). */
  readonly rangeBps?: number;
}

/** What becomes liquidatable when the price moves to one rung. */
export interface LadderRung {
  /** Price move from the reference price, in basis points (negative = down). */
  readonly moveBps: number;
  readonly price: number;
  /** Positions first liquidatable at this rung (not at a smaller move). */
  readonly positions: number;
  /** What their liquidations take, in units of the asset (each position's liquidatable size). */
  readonly size: number;
  /** size × this rung's price. */
  readonly notional: number;
  /** Notional liquidatable by a move to this rung, from 0 outward (including positions liquidatable already). */
  readonly cumulativeNotional: number;
}

export interface AssetLadder {
  readonly asset: string;
  readonly price: number;
  readonly stepBps: number;
  /** From -rangeBps to +rangeBps; rung 0 holds positions already liquidatable at the reference price. */
  readonly rungs: readonly LadderRung[];
  /** Positions whose liquidation lies beyond the range, and their liquidatable notional at the reference price. */
  readonly beyondRange: { readonly positions: number; readonly notional: number };
  /** Open positions in the asset that report no liquidation price (not on the ladder). */
  readonly withoutLiquidationPrice: number;
}

const DOWN = new Uint8Array(8);
DOWN[PositionSide.POSITION_SIDE_LONG] = 1;
DOWN[PositionSide.POSITION_SIDE_SUPPLY] = 1;
/** Float tolerance so a liquidation exactly on a rung lands on it. */
const EPS = 1e-9;

function checkOptions(opts: LadderOptions): { step: number; k: number; stepBps: number } {
  const stepBps = opts.stepBps ?? 50;
  const rangeBps = opts.rangeBps ?? 5_000;
  if (!(Number.isInteger(stepBps) && stepBps > 0))
    throw new RangeError(`stepBps must be a positive integer, got ${stepBps}`);
  if (!(Number.isInteger(rangeBps) && rangeBps >= stepBps && rangeBps % stepBps === 0 && rangeBps < 10_000))
    throw new RangeError(`rangeBps must be a multiple of stepBps below 10000, got ${rangeBps}`);
  return { step: stepBps / 10_000, k: rangeBps / stepBps, stepBps };
}

/**
 * The liquidation ladder of every asset (or only `onlyAsset`, an asset id),
 * across every venue and chain, in one pass over the position columns.
 *
 * A long (or a lending supply) with liquidation price L at reference price P
 * is liquidated by a fall to L: its rung is the smallest move on the grid that
 * reaches L, `floor((L/P − 1)/step)`; a short (or a borrow) by a rise,
 * `ceil((L/P − 1)/step)`. A position whose L is already crossed sits at rung
 * 0. Each counts with its liquidatable size (all of it unless the venue
 * reported less). Assets without a positive price (`prices[asset]`) get no
 * ladder.
 */
export function liquidationLadders(
  cols: PositionColumns,
  assetNames: readonly string[],
  prices: Float64Array,
  opts: LadderOptions = {},
  onlyAsset = -1,
): AssetLadder[] {
  const { step, k: K, stepBps } = checkOptions(opts);
  const width = K + 1;
  const assets = assetNames.length;
  // per asset: down[0..K] (rung -i), up[0..K] (rung +i)
  const downSize = new Float64Array(assets * width);
  const upSize = new Float64Array(assets * width);
  const downCount = new Float64Array(assets * width);
  const upCount = new Float64Array(assets * width);
  const beyondCount = new Float64Array(assets);
  const beyondSize = new Float64Array(assets);
  const noLiq = new Float64Array(assets);
  // a liquidation takes the liquidatable size (a lending venue's close factor and bonus), not the whole position
  const { open, asset, side, liquidatableSize: size, liquidationPrice } = cols;
  const invStep = 1 / step;
  for (let s = 0; s < cols.slots; s++) {
    if (open[s] === 0) continue;
    const a = asset[s]!;
    if (onlyAsset >= 0 && a !== onlyAsset) continue;
    const p = prices[a]!;
    if (!(p > 0)) continue;
    const l = liquidationPrice[s]!;
    if (!(l > 0)) {
      noLiq[a]!++;
      continue;
    }
    const d = (l / p - 1) * invStep;
    // the rung that liquidates it: below the price for a long (or a supply), above for a short
    const down = DOWN[side[s]!] === 1;
    const i = down ? (d >= 0 ? 0 : -Math.floor(d + EPS)) : d <= 0 ? 0 : Math.ceil(d - EPS);
    if (i > K) {
      beyondCount[a]!++;
      beyondSize[a]! += size[s]!;
    } else {
      const sizes = down ? downSize : upSize;
      const counts = down ? downCount : upCount;
      sizes[a * width + i]! += size[s]!;
      counts[a * width + i]!++;
    }
  }
  const out: AssetLadder[] = [];
  for (let a = 0; a < assets; a++) {
    const p = prices[a]!;
    if (!(p > 0) || (onlyAsset >= 0 && a !== onlyAsset)) continue;
    const rungs: LadderRung[] = new Array(2 * K + 1);
    const base = a * width;
    const at0 = downSize[base]! + upSize[base]!;
    rungs[K] = {
      moveBps: 0,
      price: p,
      positions: downCount[base]! + upCount[base]!,
      size: at0,
      notional: at0 * p,
      cumulativeNotional: at0 * p,
    };
    let cumDown = downSize[base]! * p;
    let cumUp = upSize[base]! * p;
    for (let i = 1; i <= K; i++) {
      const downPrice = p * (1 - i * step);
      const dn = downSize[base + i]! * downPrice;
      cumDown += dn;
      rungs[K - i] = {
        moveBps: -i * stepBps,
        price: downPrice,
        positions: downCount[base + i]!,
        size: downSize[base + i]!,
        notional: dn,
        cumulativeNotional: cumDown,
      };
      const upPrice = p * (1 + i * step);
      const un = upSize[base + i]! * upPrice;
      cumUp += un;
      rungs[K + i] = {
        moveBps: i * stepBps,
        price: upPrice,
        positions: upCount[base + i]!,
        size: upSize[base + i]!,
        notional: un,
        cumulativeNotional: cumUp,
      };
    }
    out.push({
      asset: assetNames[a]!,
      price: p,
      stepBps,
      rungs,
      beyondRange: { positions: beyondCount[a]!, notional: beyondSize[a]! * p },
      withoutLiquidationPrice: noLiq[a]!,
    });
  }
  return out.sort((x, y) => (x.asset < y.asset ? -1 : x.asset > y.asset ? 1 : 0));
}

/** The cumulative notional liquidatable by a move of `moveBps` (rounded to the ladder's grid toward 0). */
export function liquidatableAt(ladder: AssetLadder, moveBps: number): number {
  const k = (ladder.rungs.length - 1) / 2;
  const i = clamp(Math.trunc(moveBps / ladder.stepBps), -k, k);
  return ladder.rungs[k + i]!.cumulativeNotional;
}
