import type { PositionUpdate } from "@breakwater/proto";
import { PositionSide, PositionStatus } from "@breakwater/proto";
import { decimalToNumber } from "./decimal.js";

/** The parts of a position that exposure depends on, with amounts as float64. */
export interface PositionState {
  readonly chainId: string;
  readonly venueId: string;
  readonly account: string;
  readonly market: string;
  readonly asset: string;
  readonly side: PositionSide;
  readonly size: number;
  readonly collateralAsset: string;
  readonly collateralAmount: number;
  readonly liquidationPrice: number;
}

/** Exposure of one (asset, venue, chain), in units and, given prices, in notional. */
export interface ExposureCell {
  readonly asset: string;
  readonly venueId: string;
  readonly chainId: string;
  longSize: number;
  shortSize: number;
  /** Lending supply of `asset` (collateral deposited on the venue). */
  supplySize: number;
  /** Lending debt in `asset`. */
  borrowSize: number;
  positions: number;
}

export interface ExposureFilter {
  asset?: string | undefined;
  chainId?: string | undefined;
  venueId?: string | undefined;
}

/** Positions are keyed by chain, venue, account and market. */
export function positionKey(p: Pick<PositionState, "chainId" | "venueId" | "account" | "market">): string {
  return `${p.chainId}|${p.venueId}|${p.account}|${p.market}`;
}

export function positionStateOf(update: PositionUpdate): PositionState | undefined {
  if (update.status !== PositionStatus.POSITION_STATUS_OPEN) return undefined;
  return {
    chainId: update.chainId,
    venueId: update.venueId,
    account: update.account,
    market: update.market,
    asset: update.asset,
    side: update.side,
    size: decimalToNumber(update.size, "size"),
    collateralAsset: update.collateralAsset,
    collateralAmount: update.collateralAmount === "" ? 0 : decimalToNumber(update.collateralAmount),
    liquidationPrice: update.liquidationPrice === "" ? 0 : decimalToNumber(update.liquidationPrice),
  };
}

interface Revision {
  readonly eventId: string;
  readonly state: PositionState | undefined;
}

/** How many past revisions of a position are kept so a reorg can undo them. */
const MAX_REVISIONS = 32;

/**
 * Cross-venue, cross-chain exposure kept incrementally: every update adjusts
 * the (asset, venue, chain) cell it touches in O(1), and a retraction restores
 * the position's previous revision exactly. Updates are states, so applying the
 * same event twice changes nothing.
 */
export class ExposureBook {
  private readonly revisions = new Map<string, Revision[]>();
  private readonly keyOfEvent = new Map<string, string>();
  private readonly cells = new Map<string, ExposureCell>();
  /** asset → market → open positions, for `marketsOf`. */
  private readonly marketPositions = new Map<string, Map<string, number>>();

  get positionCount(): number {
    let n = 0;
    for (const revs of this.revisions.values()) if (revs.at(-1)?.state) n++;
    return n;
  }

  /** Applies a position update; returns false when the event was already applied. */
  apply(update: PositionUpdate): boolean {
    if (this.keyOfEvent.has(update.eventId)) return false;
    const key = positionKey(update);
    const revs = this.revisions.get(key) ?? [];
    const before = revs.at(-1)?.state;
    const after = positionStateOf(update);
    revs.push({ eventId: update.eventId, state: after });
    if (revs.length > MAX_REVISIONS) {
      const dropped = revs.shift()!;
      this.keyOfEvent.delete(dropped.eventId);
    }
    this.revisions.set(key, revs);
    this.keyOfEvent.set(update.eventId, key);
    this.move(before, after);
    return true;
  }

  /** Undoes the revision an event produced; returns false when the event is unknown. */
  retract(eventId: string): boolean {
    const key = this.keyOfEvent.get(eventId);
    if (key === undefined) return false;
    const revs = this.revisions.get(key)!;
    const index = revs.findIndex((r) => r.eventId === eventId);
    const before = revs.at(-1)?.state;
    revs.splice(index, 1);
    this.keyOfEvent.delete(eventId);
    const after = revs.at(-1)?.state;
    if (revs.length === 0) this.revisions.delete(key);
    this.move(before, after);
    return true;
  }

  /** Current positions (for recomputation and inspection). */
  *positions(): IterableIterator<PositionState> {
    for (const revs of this.revisions.values()) {
      const state = revs.at(-1)?.state;
      if (state) yield state;
    }
  }

  cellsMatching(filter: ExposureFilter = {}): ExposureCell[] {
    const out: ExposureCell[] = [];
    for (const cell of this.cells.values()) {
      if (filter.asset && cell.asset !== filter.asset) continue;
      if (filter.chainId && cell.chainId !== filter.chainId) continue;
      if (filter.venueId && cell.venueId !== filter.venueId) continue;
      out.push({ ...cell });
    }
    return out.sort((a, b) => cellKey(a).localeCompare(cellKey(b)));
  }

  /** Venues, markets and chains holding an open position in `asset`. */
  holdersOf(asset: string): { venues: string[]; chains: string[] } {
    const venues = new Set<string>();
    const chains = new Set<string>();
    for (const cell of this.cells.values()) {
      if (cell.asset === asset && cell.positions > 0) {
        venues.add(cell.venueId);
        chains.add(cell.chainId);
      }
    }
    return { venues: [...venues].sort(), chains: [...chains].sort() };
  }

  /** Markets holding an open position in `asset`, sorted. */
  marketsOf(asset: string): string[] {
    return [...(this.marketPositions.get(asset)?.keys() ?? [])].sort();
  }

  private move(before: PositionState | undefined, after: PositionState | undefined): void {
    if (before) this.add(before, -1);
    if (after) this.add(after, +1);
  }

  private add(state: PositionState, sign: 1 | -1): void {
    const key = cellKey(state);
    let cell = this.cells.get(key);
    if (!cell) {
      cell = {
        asset: state.asset,
        venueId: state.venueId,
        chainId: state.chainId,
        longSize: 0,
        shortSize: 0,
        supplySize: 0,
        borrowSize: 0,
        positions: 0,
      };
      this.cells.set(key, cell);
    }
    const size = sign * state.size;
    switch (state.side) {
      case PositionSide.POSITION_SIDE_LONG:
        cell.longSize += size;
        break;
      case PositionSide.POSITION_SIDE_SHORT:
        cell.shortSize += size;
        break;
      case PositionSide.POSITION_SIDE_SUPPLY:
        cell.supplySize += size;
        break;
      case PositionSide.POSITION_SIDE_BORROW:
        cell.borrowSize += size;
        break;
      default:
        break;
    }
    cell.positions += sign;
    if (cell.positions === 0) this.cells.delete(key);
    this.countMarket(state, sign);
  }

  private countMarket(state: PositionState, sign: 1 | -1): void {
    let markets = this.marketPositions.get(state.asset);
    if (!markets) {
      markets = new Map();
      this.marketPositions.set(state.asset, markets);
    }
    const n = (markets.get(state.market) ?? 0) + sign;
    if (n > 0) markets.set(state.market, n);
    else markets.delete(state.market);
    if (markets.size === 0) this.marketPositions.delete(state.asset);
  }
}

function cellKey(c: { asset: string; venueId: string; chainId: string }): string {
  return `${c.asset}|${c.venueId}|${c.chainId}`;
}

/** Notional view of a cell at a price. */
export function notionalOf(cell: ExposureCell, price: number) {
  const long = cell.longSize * price;
  const short = cell.shortSize * price;
  return {
    longNotional: long,
    shortNotional: short,
    netNotional: long - short,
    grossNotional: long + short,
    collateralValue: cell.supplySize * price,
  };
}
