import type { PositionUpdate } from "@breakwater/proto";
import { OptionKind, PositionSide, PositionStatus } from "@breakwater/proto";
import { decimalToNumber } from "../decimal.js";
import { ValidationError } from "../errors.js";
import { positionIdentityOf, positionKey } from "../exposure/exposure.js";
import { black76, impliedVolatility } from "./black76.js";

/** A year for time to expiry: 365 days, as crypto options venues count it. */
export const YEAR_MS = 365 * 86_400_000;

/** One open options position, with its amounts as float64. */
export interface OptionPositionState {
  readonly chainId: string;
  readonly venueId: string;
  readonly account: string;
  readonly market: string;
  /** The underlying. */
  readonly asset: string;
  /** +1 long (bought), −1 short (written). */
  readonly sign: 1 | -1;
  /** Contracts, each on one unit of `asset`. */
  readonly size: number;
  readonly call: boolean;
  readonly strike: number;
  readonly expiryMs: number;
  /** The venue's implied volatility; undefined when it did not report one. */
  readonly impliedVolatility: number | undefined;
  /** The venue's mark (premium per unit); undefined when it did not report one. */
  readonly markPrice: number | undefined;
}

/** Delta, gamma and vega summed over positions (sign × size × per-contract greek). */
export interface GreeksTotals {
  /**
   * Undefined when no forward was given: then nothing is priced. Vega is per
   * 1.00 of volatility (divide by 100 for per vol point).
   */
  readonly delta: number | undefined;
  readonly gamma: number | undefined;
  readonly vega: number | undefined;
  /** Open positions, expired or not, priced or not. */
  readonly positions: number;
  /** Unexpired positions without a volatility: no implied volatility and a mark outside the no-arbitrage bounds (or no forward). They contribute nothing. */
  readonly unpriced: number;
  /** Positions at or past expiry: they contribute nothing. */
  readonly expired: number;
}

export interface VenueGreeks extends GreeksTotals {
  readonly venueId: string;
}

export interface AssetGreeks extends GreeksTotals {
  readonly asset: string;
  /** Sorted by venue id; venues with an open position in the asset. */
  readonly byVenue: readonly VenueGreeks[];
  /** Chains holding an open position in the asset, sorted. */
  readonly chains: readonly string[];
}

export interface OptionsBookOptions {
  /** Past revisions kept per position so a reorg can undo them (default 16). */
  readonly maxRevisions?: number;
}

interface Revision {
  readonly eventId: string;
  readonly key: string;
  /** Undefined: the position is closed in this revision. */
  readonly state: OptionPositionState | undefined;
}

interface Slot {
  /** Oldest first; the last one is current. */
  readonly revisions: Revision[];
  current: OptionPositionState | undefined;
}

function optionalDecimal(text: string, field: string): number | undefined {
  return text === "" ? undefined : decimalToNumber(text, field);
}

/** One position's share of the greeks: sign × size × Black-76 greek, or why it has none. */
type Contribution = "expired" | "unpriced" | { delta: number; gamma: number; vega: number };

function contributionOf(
  p: OptionPositionState,
  forward: number | undefined,
  nowMs: number,
  rate: number,
): Contribution {
  if (p.expiryMs <= nowMs) return "expired";
  if (forward === undefined) return "unpriced";
  const years = (p.expiryMs - nowMs) / YEAR_MS;
  const sigma = sigmaOf(p, forward, years, rate);
  if (sigma === undefined) return "unpriced";
  const g = black76({ forward, strike: p.strike, years, sigma, rate, call: p.call });
  const q = p.sign * p.size;
  return { delta: q * g.delta, gamma: q * g.gamma, vega: q * g.vega };
}

/**
 * The open state an options position update describes (undefined when it is
 * closed or liquidated). Throws ValidationError for an open update without
 * usable terms; run `validatePositionUpdate` first for the full list.
 */
function optionStateOf(update: PositionUpdate): OptionPositionState | undefined {
  if (update.status !== PositionStatus.POSITION_STATUS_OPEN) return undefined;
  const o = update.option;
  if (o === undefined) throw new ValidationError("options position", ["option: required"]);
  const problems: string[] = [];
  if (o.kind !== OptionKind.OPTION_KIND_CALL && o.kind !== OptionKind.OPTION_KIND_PUT)
    problems.push("option.kind: must be CALL or PUT");
  if (update.side !== PositionSide.POSITION_SIDE_LONG && update.side !== PositionSide.POSITION_SIDE_SHORT)
    problems.push("side: an options position is LONG or SHORT");
  if (!(Number.isFinite(o.expiryMs) && o.expiryMs > 0))
    problems.push("option.expiry_ms: must be a positive Unix time in ms");
  if (problems.length > 0)
    throw new ValidationError("options position", problems, { eventId: update.eventId });
  const strike = decimalToNumber(o.strike, "option.strike");
  const iv = optionalDecimal(o.impliedVolatility, "option.implied_volatility");
  const mark = optionalDecimal(o.markPrice, "option.mark_price");
  return {
    ...positionIdentityOf(update),
    sign: update.side === PositionSide.POSITION_SIDE_LONG ? 1 : -1,
    size: decimalToNumber(update.size, "size"),
    call: o.kind === OptionKind.OPTION_KIND_CALL,
    strike,
    expiryMs: o.expiryMs,
    impliedVolatility: iv !== undefined && iv > 0 ? iv : undefined,
    markPrice: mark,
  };
}

/**
 * The volatility a position is priced at: the venue's implied volatility,
 * else the one its mark implies at `forward`; undefined when neither works.
 */
function sigmaOf(p: OptionPositionState, forward: number, years: number, rate: number): number | undefined {
  if (p.impliedVolatility !== undefined) return p.impliedVolatility;
  if (p.markPrice === undefined) return undefined;
  return impliedVolatility({ forward, strike: p.strike, years, rate, call: p.call }, p.markPrice);
}

class Accumulator {
  delta = 0;
  gamma = 0;
  vega = 0;
  positions = 0;
  unpriced = 0;
  expired = 0;

  add(c: Contribution): void {
    this.positions++;
    if (c === "expired") this.expired++;
    else if (c === "unpriced") this.unpriced++;
    else {
      this.delta += c.delta;
      this.gamma += c.gamma;
      this.vega += c.vega;
    }
  }

  totals(priced: boolean): GreeksTotals {
    return {
      delta: priced ? this.delta : undefined,
      gamma: priced ? this.gamma : undefined,
      vega: priced ? this.vega : undefined,
      positions: this.positions,
      unpriced: this.unpriced,
      expired: this.expired,
    };
  }
}

/**
 * Options positions from venues that report them, kept as full states with
 * the same semantics as the ExposureBook: updates are states, so applying the
 * same event twice changes nothing; a retraction removes the revision its
 * event produced and, when it was the newest, restores the one before it; a
 * closed or liquidated state removes the position. At most `maxRevisions`
 * revisions per position are kept: a retraction older than that is unknown.
 *
 * Greeks depend on the forward and on time to expiry, so they are computed
 * when asked (`greeks`), over the asset's open positions, with Black-76.
 */
export class OptionsBook {
  private readonly maxRevisions: number;
  private readonly slots = new Map<string, Slot>();
  private readonly revisionOf = new Map<string, Revision>();
  /** asset → key → open state. */
  private readonly byAsset = new Map<string, Map<string, OptionPositionState>>();
  private openCount = 0;

  constructor(opts: OptionsBookOptions = {}) {
    this.maxRevisions = opts.maxRevisions ?? 16;
    if (!(Number.isInteger(this.maxRevisions) && this.maxRevisions >= 1))
      throw new RangeError(`maxRevisions must be a positive integer, got ${opts.maxRevisions}`);
  }

  get positionCount(): number {
    return this.openCount;
  }

  /** True when the book holds revisions of the position the update is about (open or closed). */
  holds(update: Pick<PositionUpdate, "chainId" | "venueId" | "account" | "market">): boolean {
    return this.slots.has(positionKey(update));
  }

  /** Applies an options position update; returns false when the event was already applied. Invalid terms throw before anything changes. */
  apply(update: PositionUpdate): boolean {
    if (this.revisionOf.has(update.eventId)) return false;
    const state = optionStateOf(update);
    const key = positionKey(update);
    let slot = this.slots.get(key);
    if (!slot) {
      slot = { revisions: [], current: undefined };
      this.slots.set(key, slot);
    }
    const rev: Revision = { eventId: update.eventId, key, state };
    slot.revisions.push(rev);
    this.revisionOf.set(rev.eventId, rev);
    if (slot.revisions.length > this.maxRevisions) {
      const oldest = slot.revisions.shift()!;
      this.revisionOf.delete(oldest.eventId);
    }
    this.setCurrent(key, slot, state);
    return true;
  }

  /** Undoes the revision an event produced; returns false when the event is unknown. */
  retract(eventId: string): boolean {
    const rev = this.revisionOf.get(eventId);
    if (!rev) return false;
    this.revisionOf.delete(eventId);
    const slot = this.slots.get(rev.key)!;
    const i = slot.revisions.indexOf(rev);
    const wasNewest = i === slot.revisions.length - 1;
    slot.revisions.splice(i, 1);
    if (wasNewest) this.setCurrent(rev.key, slot, slot.revisions.at(-1)?.state);
    if (slot.revisions.length === 0) this.slots.delete(rev.key);
    return true;
  }

  /** Every open options position. */
  *positions(): IterableIterator<OptionPositionState> {
    for (const byKey of this.byAsset.values()) yield* byKey.values();
  }

  /** Underlyings with an open options position, sorted. */
  assets(): string[] {
    return [...this.byAsset.keys()].sort();
  }

  /**
   * Delta, gamma and vega of `asset`'s open options positions (optionally one
   * venue's) at `forward` (the asset's reference price) and time `nowMs`:
   * Σ sign × size × Black-76 greek, with the venue's implied volatility or
   * the one its mark implies. Expired and unpriced positions are counted and
   * contribute nothing. Without a forward (`undefined`: the asset has no
   * reference price) nothing is priced and the greeks are undefined.
   */
  greeks(
    asset: string,
    forward: number | undefined,
    nowMs: number,
    rate = 0,
    filter: { readonly venueId?: string | undefined } = {},
  ): AssetGreeks {
    if (forward !== undefined && !(forward > 0 && Number.isFinite(forward)))
      throw new RangeError(`forward must be a positive number, got ${forward}`);
    if (!Number.isFinite(rate)) throw new RangeError(`rate must be finite, got ${rate}`);
    const total = new Accumulator();
    const venues = new Map<string, Accumulator>();
    const chains = new Set<string>();
    for (const p of this.byAsset.get(asset)?.values() ?? []) {
      if (filter.venueId && p.venueId !== filter.venueId) continue;
      let v = venues.get(p.venueId);
      if (!v) {
        v = new Accumulator();
        venues.set(p.venueId, v);
      }
      const c = contributionOf(p, forward, nowMs, rate);
      v.add(c);
      total.add(c);
      chains.add(p.chainId);
    }
    const priced = forward !== undefined;
    return {
      asset,
      ...total.totals(priced),
      byVenue: [...venues]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([venueId, acc]) => ({ venueId, ...acc.totals(priced) })),
      chains: [...chains].sort(),
    };
  }

  private setCurrent(key: string, slot: Slot, state: OptionPositionState | undefined): void {
    const before = slot.current;
    if (before) {
      const byKey = this.byAsset.get(before.asset)!;
      byKey.delete(key);
      if (byKey.size === 0) this.byAsset.delete(before.asset);
      this.openCount--;
    }
    slot.current = state;
    if (state) {
      let byKey = this.byAsset.get(state.asset);
      if (!byKey) {
        byKey = new Map();
        this.byAsset.set(state.asset, byKey);
      }
      byKey.set(key, state);
      this.openCount++;
    }
  }
}
