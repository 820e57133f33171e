import type { PositionUpdate } from "@breakwater/proto";
import { PositionSide, PositionStatus } from "@breakwater/proto";
import { decimalToNumber } from "../decimal.js";
import { type EntityResolver, entityResolver } from "./entity.js";
import { EventIndex } from "./event-index.js";
import { Interner } from "./interner.js";
import { LEVERAGE_BUCKETS, leverageBucketOf } from "./leverage.js";

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
  /** What a liquidation at the liquidation price takes (units of `asset`): `size` unless the venue says less. */
  readonly liquidatableSize: number;
  /** 0 when the venue did not report it. */
  readonly entryPrice: number;
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
  /** `asset` posted as margin by positions (in any asset) on this venue and chain. */
  collateralPostedSize: number;
  /** Open positions in `asset`. */
  positions: number;
}

export interface ExposureFilter {
  asset?: string | undefined;
  chainId?: string | undefined;
  venueId?: string | undefined;
  entity?: string | undefined;
}

/** Positions are keyed by chain, venue, account and market. */
export function positionKey(p: Pick<PositionState, "chainId" | "venueId" | "account" | "market">): string {
  return `${p.chainId}|${p.venueId}|${p.account}|${p.market}`;
}

function optionalDecimal(text: string, field: string): number {
  return text === "" ? 0 : decimalToNumber(text, field);
}

/** The liquidatable part of a position of `size`: all of it unless the update says less. */
function liquidatableOf(text: string | undefined, size: number): number {
  return text === undefined || text === ""
    ? size
    : Math.min(size, decimalToNumber(text, "liquidatable_size"));
}

/** Which position an update is of (the parts of its key) and in which asset: what every book keeps of it first. */
export function positionIdentityOf(
  update: PositionUpdate,
): Pick<PositionState, "chainId" | "venueId" | "account" | "market" | "asset"> {
  return {
    chainId: update.chainId,
    venueId: update.venueId,
    account: update.account,
    market: update.market,
    asset: update.asset,
  };
}

export function positionStateOf(update: PositionUpdate): PositionState | undefined {
  if (update.status !== PositionStatus.POSITION_STATUS_OPEN) return undefined;
  const size = decimalToNumber(update.size, "size");
  return {
    ...positionIdentityOf(update),
    side: update.side,
    size,
    collateralAsset: update.collateralAsset,
    collateralAmount: optionalDecimal(update.collateralAmount, "collateral_amount"),
    liquidationPrice: optionalDecimal(update.liquidationPrice, "liquidation_price"),
    liquidatableSize: liquidatableOf(update.liquidatableSize, size),
    entryPrice: optionalDecimal(update.entryPrice, "entry_price"),
  };
}

/**
 * The open positions as parallel typed arrays indexed by slot (struct of
 * arrays), for loops over every position (ladder, cascade). Ids index the
 * book's interners. Valid until the next update (arrays grow by replacement).
 */
export interface PositionColumns {
  /** Slots in use; a slot with `open[s] === 0` holds no open position. */
  readonly slots: number;
  readonly open: Uint8Array;
  readonly side: Uint8Array;
  readonly asset: Int32Array;
  readonly venue: Int32Array;
  readonly chain: Int32Array;
  readonly size: Float64Array;
  /** 0 = none. */
  readonly liquidationPrice: Float64Array;
  /** What a liquidation at the liquidation price takes: `size` unless the venue reported less. */
  readonly liquidatableSize: Float64Array;
}

/** Per-asset accumulators kept incrementally. */
interface AssetAccumulator {
  positions: number;
  /** Entities with an open position in the asset. */
  entityCount: number;
  /** Indices into the book's (asset, entity) pool ever used by this asset. */
  readonly entityPool: number[];
  /** entity id → index into that pool. */
  readonly entityPosOf: Map<number, number>;
  /** Indices into the book's (asset, market) pool ever used by this asset. */
  readonly marketPool: number[];
  readonly leverageCount: Float64Array;
  readonly leverageSize: Float64Array;
}

export interface ExposureBookOptions {
  /** Past revisions kept per position so a reorg can undo them (default 16). */
  readonly maxRevisions?: number;
  /** Which entity an account belongs to (default: `entityResolver()`). */
  readonly entityOf?: EntityResolver;
  /** Positions to preallocate room for (default 1024). */
  readonly initialCapacity?: number;
}

const NONE = -1;
const LONG = PositionSide.POSITION_SIDE_LONG;
const SHORT = PositionSide.POSITION_SIDE_SHORT;
const SUPPLY = PositionSide.POSITION_SIDE_SUPPLY;
const BORROW = PositionSide.POSITION_SIDE_BORROW;
/** Cells are keyed asset·2¹⁶ + venue·2⁸ + chain (small integers: fast map keys). */
const MAX_VENUES_OR_CHAINS = 256;

type Column = Int32Array | Uint8Array | Float64Array;

/**
 * A slot's record: 16 int32 (64 bytes, one cache line) holding what an update
 * of an existing position reads and writes besides the scanned columns. As
 * int32: revisions head, tail and count, cell, collateral cell, (asset,
 * entity) and (asset, market) pool indices, market id, collateral asset id,
 * leverage bucket; as float64 (the same buffer): collateral amount at float
 * index 6, entry price at 7.
 */
const REC = 16;
const HEAD = 0;
const TAIL = 1;
const COUNT = 2;
const CELL = 3;
const COLL_CELL = 4;
const ENTITY_POS = 5;
const MARKET_POS = 6;
const MARKET = 7;
const COLL_ASSET = 8;
const LEVERAGE = 9;
const REC_F = 8;
const F_COLL = 6;
const F_ENTRY = 7;

/**
 * A revision's record: 8 int32 (event hash h1, h2, slot, previous and next
 * revision of the slot, asset id, collateral asset id, event hash h3) and, in
 * a parallel array, 5 float64 (size, collateral amount, liquidation price,
 * entry price, liquidatable size): what restoring the revision as the slot's
 * state reads.
 */
const REV = 8;
const REV_H1 = 0;
const REV_H2 = 1;
const REV_SLOT = 2;
const REV_PREV = 3;
const REV_NEXT = 4;
const REV_ASSET = 5;
const REV_COLL_ASSET = 6;
const REV_H3 = 7;
const REV_F = 5;
const REV_F_SIZE = 0;
const REV_F_COLL = 1;
const REV_F_LIQ = 2;
const REV_F_ENTRY = 3;
const REV_F_LIQ_SIZE = 4;

function grown<T extends Column>(a: T, min: number): T {
  if (a.length >= min) return a;
  const next = new (a.constructor as new (n: number) => T)(Math.max(min, a.length * 2));
  next.set(a);
  return next;
}

/**
 * Cross-venue, cross-chain exposure kept incrementally in typed arrays.
 *
 * Strings (assets, venues, chains, markets, entities) are interned once; each
 * position lives in a slot: the columns the ladder and the cascade scan
 * (open, side, asset, size, liquidation price, liquidatable size, venue,
 * chain) plus one 64-byte
 * record with everything else an update touches, so updating a position
 * costs few cache misses. Each of its revisions in a
 * record of a doubly linked list per slot. An update or a retraction moves one
 * position's contribution out of and back into the aggregates it touches —
 * the (asset, venue, chain) cell, the collateral asset's cell, the asset's
 * leverage histogram, per-entity exposure and the HHI sum — in O(1). Updates
 * are states, so applying the same event twice changes nothing; a retraction
 * removes the revision its event produced and, when it was the newest,
 * restores the one before it exactly. At most `maxRevisions` revisions per
 * position are kept: a retraction older than that is unknown. Event ids and
 * position keys are remembered by a 96-bit hash (`EventIndex`), so the book
 * keeps no string per event and compares no string on an update.
 */
export class ExposureBook {
  readonly assets = new Interner();
  readonly venues = new Interner();
  readonly chains = new Interner();
  readonly markets = new Interner();
  readonly entities = new Interner();
  private readonly entityOf: EntityResolver;
  private readonly maxRevisions: number;

  // positions (slots)
  private slotCount = 0;
  private openCount = 0;
  /** (chain, venue, account, market) as a 96-bit hash → slot. */
  private readonly slotOfKey: EventIndex;
  private readonly slotAccount: string[] = [];
  private sOpen: Uint8Array;
  private sSide: Uint8Array;
  private sChain: Int32Array;
  private sVenue: Int32Array;
  private sEntity: Int32Array;
  private sAsset: Int32Array;
  private sSize: Float64Array;
  private sLiq: Float64Array;
  private sLiqSize: Float64Array;
  /** Slot records (see REC), as int32 and, over the same buffer, as float64. */
  private sInt: Int32Array;
  private sF: Float64Array;

  // revisions
  private revCount = 0;
  private readonly revFree: number[] = [];
  /** Event id (as a 96-bit hash) → revision; each revision keeps its event's hash to forget it. */
  private readonly revOfEvent: EventIndex;
  /** Revision records (see REV), as int32 and, in a parallel array, as float64. */
  private rInt: Int32Array;
  private rF: Float64Array;
  private rOpen: Uint8Array;
  private rSide: Uint8Array;

  // (asset, venue, chain) cells
  private cellCount = 0;
  private readonly cellOfKey = new Map<number, number>();
  private cAsset = new Int32Array(64);
  private cVenue = new Int32Array(64);
  private cChain = new Int32Array(64);
  private cPositions = new Int32Array(64);
  private cCollRefs = new Int32Array(64);
  private cLong = new Float64Array(64);
  private cShort = new Float64Array(64);
  private cSupply = new Float64Array(64);
  private cBorrow = new Float64Array(64);
  private cColl = new Float64Array(64);

  // per asset, and the (asset, entity) and (asset, market) pools
  private readonly perAsset: AssetAccumulator[] = [];
  private eEntity = new Int32Array(1024);
  /** Per (asset, entity): Σ size at 2i, open positions at 2i + 1 (one cache line for both). */
  private eSizeCount = new Float64Array(2048);
  private eUsed = 0;
  private readonly marketPosOf = new Map<number, number>();
  private readonly mMarket: number[] = [];
  private readonly mCount: number[] = [];

  constructor(opts: ExposureBookOptions = {}) {
    this.maxRevisions = opts.maxRevisions ?? 16;
    if (!(Number.isInteger(this.maxRevisions) && this.maxRevisions >= 1))
      throw new RangeError(`maxRevisions must be a positive integer, got ${opts.maxRevisions}`);
    this.entityOf = opts.entityOf ?? entityResolver();
    const n = Math.max(16, opts.initialCapacity ?? 1024);
    this.sOpen = new Uint8Array(n);
    this.sSide = new Uint8Array(n);
    this.sChain = new Int32Array(n);
    this.sVenue = new Int32Array(n);
    this.sEntity = new Int32Array(n);
    this.sAsset = new Int32Array(n);
    this.sSize = new Float64Array(n);
    this.sLiq = new Float64Array(n);
    this.sLiqSize = new Float64Array(n);
    this.sInt = new Int32Array(n * REC);
    this.sF = new Float64Array(this.sInt.buffer);
    this.revOfEvent = new EventIndex(n);
    this.slotOfKey = new EventIndex(n);
    this.rInt = new Int32Array(n * REV);
    this.rF = new Float64Array(n * REV_F);
    this.rOpen = new Uint8Array(n);
    this.rSide = new Uint8Array(n);
  }

  get positionCount(): number {
    return this.openCount;
  }

  /** Applies a position update; returns false when the event was already applied. Invalid amounts throw before anything changes. */
  apply(update: PositionUpdate): boolean {
    const events = this.revOfEvent;
    events.hash(update.eventId);
    const h1 = events.lastH1;
    const h2 = events.lastH2;
    const h3 = events.lastH3;
    if (events.find(h1, h2, h3) >= 0) return false;
    const open = update.status === PositionStatus.POSITION_STATUS_OPEN;
    const size = open ? decimalToNumber(update.size, "size") : 0;
    const collAmount = open ? optionalDecimal(update.collateralAmount, "collateral_amount") : 0;
    const liq = open ? optionalDecimal(update.liquidationPrice, "liquidation_price") : 0;
    const entry = open ? optionalDecimal(update.entryPrice, "entry_price") : 0;
    const liqSize = open ? liquidatableOf(update.liquidatableSize, size) : 0;
    const slot = this.slotFor(update.chainId, update.venueId, update.account, update.market);
    const rev = this.allocRevision();
    const q = rev * REV;
    const f = rev * REV_F;
    this.rInt[q + REV_H1] = h1;
    this.rInt[q + REV_H2] = h2;
    this.rInt[q + REV_SLOT] = slot;
    this.rInt[q + REV_H3] = h3;
    this.rOpen[rev] = open ? 1 : 0;
    this.rSide[rev] = update.side;
    this.rInt[q + REV_ASSET] = open ? this.assetIdLike(update.asset, this.sAsset[slot]!) : NONE;
    this.rInt[q + REV_COLL_ASSET] =
      open && update.collateralAsset !== "" && collAmount !== 0
        ? this.assetIdLike(update.collateralAsset, this.sInt[slot * REC + COLL_ASSET]!)
        : NONE;
    this.rF[f + REV_F_SIZE] = size;
    this.rF[f + REV_F_COLL] = collAmount;
    this.rF[f + REV_F_LIQ] = liq;
    this.rF[f + REV_F_ENTRY] = entry;
    this.rF[f + REV_F_LIQ_SIZE] = liqSize;
    events.insert(h1, h2, h3, rev);
    // append as the newest revision
    const r = slot * REC;
    const tail = this.sInt[r + TAIL]!;
    this.rInt[q + REV_PREV] = tail;
    this.rInt[q + REV_NEXT] = NONE;
    if (tail === NONE) this.sInt[r + HEAD] = rev;
    else this.rInt[tail * REV + REV_NEXT] = rev;
    this.sInt[r + TAIL] = rev;
    this.sInt[r + COUNT]!++;
    if (this.sInt[r + COUNT]! > this.maxRevisions) this.dropRevision(this.sInt[r + HEAD]!);
    this.setCurrent(slot, rev);
    return true;
  }

  /** Undoes the revision an event produced; returns false when the event is unknown. */
  retract(eventId: string): boolean {
    const events = this.revOfEvent;
    events.hash(eventId);
    const rev = events.find(events.lastH1, events.lastH2, events.lastH3);
    if (rev < 0) return false;
    const slot = this.rInt[rev * REV + REV_SLOT]!;
    const wasNewest = this.sInt[slot * REC + TAIL] === rev;
    this.dropRevision(rev);
    if (wasNewest) this.setCurrent(slot, this.sInt[slot * REC + TAIL]!);
    return true;
  }

  /** Current open positions (for recomputation and inspection), in slot order. */
  *positions(): IterableIterator<PositionState & { readonly entity: string }> {
    for (let s = 0; s < this.slotCount; s++) if (this.sOpen[s]) yield this.stateOf(s);
  }

  columns(): PositionColumns {
    return {
      slots: this.slotCount,
      open: this.sOpen,
      side: this.sSide,
      asset: this.sAsset,
      venue: this.sVenue,
      chain: this.sChain,
      size: this.sSize,
      liquidationPrice: this.sLiq,
      liquidatableSize: this.sLiqSize,
    };
  }

  /** Cells holding positions or posted collateral, sorted by asset, venue, chain. */
  cellsMatching(filter: ExposureFilter = {}): ExposureCell[] {
    if (filter.entity !== undefined && filter.entity !== "") return this.entityCells(filter);
    const asset = filter.asset ? this.assets.find(filter.asset) : NONE;
    const venue = filter.venueId ? this.venues.find(filter.venueId) : NONE;
    const chain = filter.chainId ? this.chains.find(filter.chainId) : NONE;
    if ((filter.asset && asset < 0) || (filter.venueId && venue < 0) || (filter.chainId && chain < 0))
      return [];
    const out: ExposureCell[] = [];
    for (let c = 0; c < this.cellCount; c++) {
      if (this.cPositions[c] === 0 && this.cCollRefs[c] === 0) continue;
      if (asset >= 0 && this.cAsset[c] !== asset) continue;
      if (venue >= 0 && this.cVenue[c] !== venue) continue;
      if (chain >= 0 && this.cChain[c] !== chain) continue;
      out.push(this.cellOf(c));
    }
    return sortCells(out);
  }

  /** Venues and chains holding an open position in `asset`, sorted. */
  holdersOf(asset: string): { venues: string[]; chains: string[] } {
    const a = this.assets.find(asset);
    const venues = new Set<string>();
    const chains = new Set<string>();
    for (let c = 0; c < this.cellCount; c++) {
      if (this.cAsset[c] === a && this.cPositions[c]! > 0) {
        venues.add(this.venues.nameOf(this.cVenue[c]!));
        chains.add(this.chains.nameOf(this.cChain[c]!));
      }
    }
    return { venues: [...venues].sort(), chains: [...chains].sort() };
  }

  /** Markets holding an open position in `asset`, sorted. */
  marketsOf(asset: string): string[] {
    const acc = this.perAsset[this.assets.find(asset)];
    if (!acc) return [];
    return acc.marketPool
      .filter((i) => this.mCount[i]! > 0)
      .map((i) => this.markets.nameOf(this.mMarket[i]!))
      .sort();
  }

  /** Leverage histogram of the asset's open positions (see `leverageBucketOf`). */
  leverageOf(asset: string): LeverageBucket[] {
    const acc = this.perAsset[this.assets.find(asset)];
    return LEVERAGE_BUCKETS.map((b, i) => ({
      ...b,
      positions: acc ? acc.leverageCount[i]! : 0,
      size: acc ? acc.leverageSize[i]! : 0,
    }));
  }

  /**
   * Concentration of the asset's exposure (Σ size of every open position in
   * it, any side) over entities: the HHI (Σ share², 1 = one entity holds it
   * all) and the largest holders' shares.
   */
  concentrationOf(asset: string, top = 10): Concentration {
    const acc = this.perAsset[this.assets.find(asset)];
    if (!acc) return { entities: 0, total: 0, hhi: 0, top: [] };
    // one pass over the asset's entities (their sizes are kept incrementally): Σ and Σ² exactly as of now
    const sizes: { entity: number; size: number }[] = [];
    let total = 0;
    let squares = 0;
    for (const i of acc.entityPool) {
      if (this.eSizeCount[2 * i + 1]! === 0) continue;
      const size = this.eSizeCount[2 * i]!;
      sizes.push({ entity: this.eEntity[i]!, size });
      total += size;
      squares += size * size;
    }
    if (!(total > 0)) return { entities: acc.entityCount, total: 0, hhi: 0, top: [] };
    sizes.sort((x, y) => y.size - x.size || x.entity - y.entity);
    return {
      entities: acc.entityCount,
      total,
      hhi: squares / (total * total),
      top: sizes.slice(0, top).map(({ entity, size }) => ({
        entity: this.entities.nameOf(entity),
        size,
        share: size / total,
      })),
    };
  }

  private stateOf(s: number): PositionState & { readonly entity: string } {
    const coll = this.sInt[s * REC + COLL_ASSET]!;
    return {
      chainId: this.chains.nameOf(this.sChain[s]!),
      venueId: this.venues.nameOf(this.sVenue[s]!),
      account: this.slotAccount[s]!,
      market: this.markets.nameOf(this.sInt[s * REC + MARKET]!),
      asset: this.assets.nameOf(this.sAsset[s]!),
      side: this.sSide[s]! as PositionSide,
      size: this.sSize[s]!,
      collateralAsset: coll === NONE ? "" : this.assets.nameOf(coll),
      collateralAmount: coll === NONE ? 0 : this.sF[s * REC_F + F_COLL]!,
      liquidationPrice: this.sLiq[s]!,
      liquidatableSize: this.sLiqSize[s]!,
      entryPrice: this.sF[s * REC_F + F_ENTRY]!,
      entity: this.entities.nameOf(this.sEntity[s]!),
    };
  }

  private cellOf(c: number): ExposureCell {
    return {
      asset: this.assets.nameOf(this.cAsset[c]!),
      venueId: this.venues.nameOf(this.cVenue[c]!),
      chainId: this.chains.nameOf(this.cChain[c]!),
      longSize: this.cLong[c]!,
      shortSize: this.cShort[c]!,
      supplySize: this.cSupply[c]!,
      borrowSize: this.cBorrow[c]!,
      collateralPostedSize: this.cColl[c]!,
      positions: this.cPositions[c]!,
    };
  }

  /** Cells recomputed from one entity's positions (a scan of the entity column). */
  private entityCells(filter: ExposureFilter): ExposureCell[] {
    const entity = this.entities.find(filter.entity!);
    if (entity < 0) return [];
    const { cell, sorted } = cellCollector();
    for (let s = 0; s < this.slotCount; s++) {
      if (!this.sOpen[s] || this.sEntity[s] !== entity) continue;
      const p = this.stateOf(s);
      if (filter.venueId && p.venueId !== filter.venueId) continue;
      if (filter.chainId && p.chainId !== filter.chainId) continue;
      if (!filter.asset || p.asset === filter.asset) {
        const c = cell(p.asset, p.venueId, p.chainId);
        addSide(c, p.side, p.size);
        c.positions++;
      }
      if (p.collateralAsset !== "" && (!filter.asset || p.collateralAsset === filter.asset))
        cell(p.collateralAsset, p.venueId, p.chainId).collateralPostedSize += p.collateralAmount;
    }
    return sorted();
  }

  /** `assetId(name)`, checking first whether `hint` (an asset id or NONE) is already it. */
  private assetIdLike(name: string, hint: number): number {
    return hint !== NONE && this.assets.nameOf(hint) === name ? hint : this.assetId(name);
  }

  private assetId(name: string): number {
    const id = this.assets.idOf(name);
    while (this.perAsset.length <= id) {
      this.perAsset.push({
        positions: 0,
        entityCount: 0,
        entityPool: [],
        entityPosOf: new Map(),
        marketPool: [],
        leverageCount: new Float64Array(LEVERAGE_BUCKETS.length),
        leverageSize: new Float64Array(LEVERAGE_BUCKETS.length),
      });
    }
    return id;
  }

  private slotFor(chainId: string, venueId: string, account: string, market: string): number {
    const index = this.slotOfKey;
    index.hashKey(chainId, venueId, market, account);
    const h1 = index.lastH1;
    const h2 = index.lastH2;
    const h3 = index.lastH3;
    // the common case, an existing position: one probe, no string compared or looked up
    const hit = index.find(h1, h2, h3);
    if (hit >= 0) return hit;
    const chain = this.chains.idOf(chainId);
    const venue = this.venues.idOf(venueId);
    if (chain >= MAX_VENUES_OR_CHAINS || venue >= MAX_VENUES_OR_CHAINS)
      throw new RangeError(`the exposure book holds at most ${MAX_VENUES_OR_CHAINS} venues and chains`);
    const s = this.slotCount++;
    if (s >= this.sOpen.length) this.growSlots(s + 1);
    index.insert(h1, h2, h3, s);
    this.slotAccount[s] = account;
    this.sChain[s] = chain;
    this.sVenue[s] = venue;
    this.sEntity[s] = this.entities.idOf(this.entityOf(chainId, account));
    this.sOpen[s] = 0;
    this.sAsset[s] = NONE;
    const r = s * REC;
    this.sInt[r + HEAD] = NONE;
    this.sInt[r + TAIL] = NONE;
    this.sInt[r + COUNT] = 0;
    this.sInt[r + COLL_CELL] = NONE;
    this.sInt[r + MARKET] = this.markets.idOf(market);
    this.sInt[r + COLL_ASSET] = NONE;
    return s;
  }

  private growSlots(min: number): void {
    this.sOpen = grown(this.sOpen, min);
    this.sSide = grown(this.sSide, min);
    this.sChain = grown(this.sChain, min);
    this.sVenue = grown(this.sVenue, min);
    this.sEntity = grown(this.sEntity, min);
    this.sAsset = grown(this.sAsset, min);
    this.sSize = grown(this.sSize, min);
    this.sLiq = grown(this.sLiq, min);
    this.sLiqSize = grown(this.sLiqSize, min);
    this.sInt = grown(this.sInt, min * REC);
    this.sF = new Float64Array(this.sInt.buffer);
  }

  private allocRevision(): number {
    const free = this.revFree.pop();
    if (free !== undefined) return free;
    const r = this.revCount++;
    if (r * REV >= this.rInt.length) {
      const min = r + 1;
      this.rInt = grown(this.rInt, min * REV);
      this.rF = grown(this.rF, min * REV_F);
      this.rOpen = grown(this.rOpen, min);
      this.rSide = grown(this.rSide, min);
    }
    return r;
  }

  /** Unlinks a revision from its slot's list and forgets its event. */
  private dropRevision(rev: number): void {
    const q = rev * REV;
    const slot = this.rInt[q + REV_SLOT]!;
    const prev = this.rInt[q + REV_PREV]!;
    const next = this.rInt[q + REV_NEXT]!;
    const r = slot * REC;
    if (prev === NONE) this.sInt[r + HEAD] = next;
    else this.rInt[prev * REV + REV_NEXT] = next;
    if (next === NONE) this.sInt[r + TAIL] = prev;
    else this.rInt[next * REV + REV_PREV] = prev;
    this.sInt[r + COUNT]!--;
    this.revOfEvent.remove(this.rInt[q + REV_H1]!, this.rInt[q + REV_H2]!, this.rInt[q + REV_H3]!);
    this.revFree.push(rev);
  }

  /** Makes revision `rev` (or nothing, NONE) the slot's current state, moving its contributions. */
  private setCurrent(slot: number, rev: number): void {
    const wasOpen = this.sOpen[slot] === 1;
    if (wasOpen) {
      this.contribute(slot, -1);
      this.openCount--;
    }
    if (rev === NONE || !this.rOpen[rev]) {
      this.sOpen[slot] = 0;
      return;
    }
    const q = rev * REV;
    const asset = this.rInt[q + REV_ASSET]!;
    const coll = this.rInt[q + REV_COLL_ASSET]!;
    const r = slot * REC;
    // the cached indices hold while the slot keeps its asset (and collateral asset)
    if (asset !== this.sAsset[slot]) {
      this.sInt[r + CELL] = this.cellFor(asset, this.sVenue[slot]!, this.sChain[slot]!);
      this.sInt[r + ENTITY_POS] = this.entityPos(asset, this.sEntity[slot]!);
      this.sInt[r + MARKET_POS] = this.marketPos(asset, this.sInt[r + MARKET]!);
    }
    if (coll !== this.sInt[r + COLL_ASSET])
      this.sInt[r + COLL_CELL] =
        coll === NONE ? NONE : this.cellFor(coll, this.sVenue[slot]!, this.sChain[slot]!);
    const f = rev * REV_F;
    this.sOpen[slot] = 1;
    this.sSide[slot] = this.rSide[rev]!;
    this.sAsset[slot] = asset;
    this.sInt[r + COLL_ASSET] = coll;
    this.sSize[slot] = this.rF[f + REV_F_SIZE]!;
    this.sF[slot * REC_F + F_COLL] = this.rF[f + REV_F_COLL]!;
    this.sLiq[slot] = this.rF[f + REV_F_LIQ]!;
    this.sLiqSize[slot] = this.rF[f + REV_F_LIQ_SIZE]!;
    this.sF[slot * REC_F + F_ENTRY] = this.rF[f + REV_F_ENTRY]!;
    this.sInt[r + LEVERAGE] = leverageBucketOf(this.rF[f + REV_F_ENTRY]!, this.rF[f + REV_F_LIQ]!);
    this.contribute(slot, +1);
    this.openCount++;
  }

  private cellFor(asset: number, venue: number, chain: number): number {
    const key = asset * 65_536 + venue * 256 + chain;
    const hit = this.cellOfKey.get(key);
    if (hit !== undefined) return hit;
    const c = this.cellCount++;
    if (c >= this.cAsset.length) {
      const min = c + 1;
      this.cAsset = grown(this.cAsset, min);
      this.cVenue = grown(this.cVenue, min);
      this.cChain = grown(this.cChain, min);
      this.cPositions = grown(this.cPositions, min);
      this.cCollRefs = grown(this.cCollRefs, min);
      this.cLong = grown(this.cLong, min);
      this.cShort = grown(this.cShort, min);
      this.cSupply = grown(this.cSupply, min);
      this.cBorrow = grown(this.cBorrow, min);
      this.cColl = grown(this.cColl, min);
    }
    this.cAsset[c] = asset;
    this.cVenue[c] = venue;
    this.cChain[c] = chain;
    this.cellOfKey.set(key, c);
    return c;
  }

  private entityPos(asset: number, entity: number): number {
    const acc = this.perAsset[asset]!;
    const hit = acc.entityPosOf.get(entity);
    if (hit !== undefined) return hit;
    const i = this.eUsed++;
    if (i >= this.eEntity.length) {
      this.eEntity = grown(this.eEntity, i + 1);
      this.eSizeCount = grown(this.eSizeCount, 2 * (i + 1));
    }
    this.eEntity[i] = entity;
    acc.entityPosOf.set(entity, i);
    acc.entityPool.push(i);
    return i;
  }

  private marketPos(asset: number, market: number): number {
    const key = asset * 67_108_864 + market;
    const hit = this.marketPosOf.get(key);
    if (hit !== undefined) return hit;
    const i = this.mCount.length;
    this.mMarket.push(market);
    this.mCount.push(0);
    this.marketPosOf.set(key, i);
    this.perAsset[asset]!.marketPool.push(i);
    return i;
  }

  /** Adds (sign +1) or removes (-1) the slot's current state from every aggregate, via its cached indices. */
  private contribute(slot: number, sign: 1 | -1): void {
    const size = sign * this.sSize[slot]!;
    const r = slot * REC;
    const c = this.sInt[r + CELL]!;
    switch (this.sSide[slot]) {
      case LONG:
        this.cLong[c]! += size;
        break;
      case SHORT:
        this.cShort[c]! += size;
        break;
      case SUPPLY:
        this.cSupply[c]! += size;
        break;
      case BORROW:
        this.cBorrow[c]! += size;
        break;
      default:
        break;
    }
    this.cPositions[c]! += sign;
    if (this.cPositions[c] === 0) {
      // exact zero once the last position leaves: no float residue
      this.cLong[c] = 0;
      this.cShort[c] = 0;
      this.cSupply[c] = 0;
      this.cBorrow[c] = 0;
    }
    const cc = this.sInt[r + COLL_CELL]!;
    if (cc !== NONE) {
      this.cColl[cc]! += sign * this.sF[slot * REC_F + F_COLL]!;
      this.cCollRefs[cc]! += sign;
      if (this.cCollRefs[cc] === 0) this.cColl[cc] = 0;
    }
    const acc = this.perAsset[this.sAsset[slot]!]!;
    acc.positions += sign;
    const bucket = this.sInt[r + LEVERAGE]!;
    acc.leverageCount[bucket]! += sign;
    acc.leverageSize[bucket]! += size;
    this.mCount[this.sInt[r + MARKET_POS]!]! += sign;
    const e = this.sInt[r + ENTITY_POS]!;
    const before = this.eSizeCount[2 * e]!;
    const count = this.eSizeCount[2 * e + 1]! + sign;
    this.eSizeCount[2 * e + 1] = count;
    const after = count === 0 ? 0 : before + size;
    this.eSizeCount[2 * e] = after;
    if (count === 0) acc.entityCount--;
    else if (count === 1 && sign === 1) acc.entityCount++;
    if (acc.positions === 0) acc.leverageSize.fill(0);
  }
}

export interface LeverageBucket {
  /** Lower bound (inclusive) of leverage in the bucket; null for "unknown". */
  readonly from: number | null;
  /** Upper bound (exclusive); null = unbounded or unknown. */
  readonly to: number | null;
  readonly positions: number;
  /** Σ size in units of the asset. */
  readonly size: number;
}

export interface Concentration {
  /** Entities holding the asset. */
  readonly entities: number;
  /** Σ size over the asset's open positions, any side. */
  readonly total: number;
  /** Herfindahl–Hirschman index over entities, 0..1. */
  readonly hhi: number;
  /** Largest holders, by size, descending. */
  readonly top: readonly { readonly entity: string; readonly size: number; readonly share: number }[];
}

function addSide(c: ExposureCell, side: PositionSide, size: number): void {
  if (side === LONG) c.longSize += size;
  else if (side === SHORT) c.shortSize += size;
  else if (side === SUPPLY) c.supplySize += size;
  else if (side === BORROW) c.borrowSize += size;
}

function compareText(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Cells keyed by (asset, venue, chain), each created empty on first use. */
function cellCollector() {
  const cells = new Map<string, ExposureCell>();
  return {
    cell(asset: string, venueId: string, chainId: string): ExposureCell {
      const key = `${asset}|${venueId}|${chainId}`;
      let c = cells.get(key);
      if (!c) {
        c = {
          asset,
          venueId,
          chainId,
          longSize: 0,
          shortSize: 0,
          supplySize: 0,
          borrowSize: 0,
          collateralPostedSize: 0,
          positions: 0,
        };
        cells.set(key, c);
      }
      return c;
    },
    sorted: (): ExposureCell[] => sortCells([...cells.values()]),
  };
}

/** By asset, then venue, then chain. */
function sortCells(cells: ExposureCell[]): ExposureCell[] {
  return cells.sort(
    (a, b) =>
      compareText(a.asset, b.asset) || compareText(a.venueId, b.venueId) || compareText(a.chainId, b.chainId),
  );
}

/**
 * The same cells recomputed from scratch from a list of open positions: the
 * reference the incremental book is tested against, and the benchmark's
 * naive baseline.
 */
export function cellsFromScratch(positions: Iterable<PositionState>): ExposureCell[] {
  const { cell, sorted } = cellCollector();
  for (const p of positions) {
    const c = cell(p.asset, p.venueId, p.chainId);
    addSide(c, p.side, p.size);
    c.positions++;
    if (p.collateralAsset !== "" && p.collateralAmount !== 0)
      cell(p.collateralAsset, p.venueId, p.chainId).collateralPostedSize += p.collateralAmount;
  }
  return sorted();
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
    collateralValue: (cell.supplySize + cell.collateralPostedSize) * price,
  };
}
