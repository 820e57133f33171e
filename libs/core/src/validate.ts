import type {
  ChainHeartbeat,
  OptionTerms as OptionContract,
  PositionUpdate,
  PriceTick,
  Retraction,
} from "@breakwater/proto";
import { OptionKind, PositionSide, PositionStatus } from "@breakwater/proto";
import { parseDecimal } from "./decimal.js";
import { AmountOutOfBoundsError, ValidationError } from "./errors.js";
import { CHAIN_ID_PATTERN, isChainId, isId } from "./ids.js";

/** Largest implied volatility accepted (1000% a year): beyond it a venue's figure is not a volatility. */
export const MAX_IMPLIED_VOLATILITY = 10;

/**
 * Largest amounts an event may carry. Far past any real market (a price of a
 * trillion per unit, a quadrillion units, a quadrillion of notional in one
 * position), and small enough that size × price summed over millions of
 * positions stays finite: a well-formed decimal such as 1 followed by 308
 * zeros would otherwise turn exposure into Infinity.
 */
export interface AmountBounds {
  /** Prices (tick, entry, liquidation, strike, option mark), quote per unit. */
  readonly maxPrice: number;
  /** Sizes and amounts (position size, collateral), units. */
  readonly maxSize: number;
  /** size × entry price of one position, quote. */
  readonly maxNotional: number;
}

export const DEFAULT_AMOUNT_BOUNDS: AmountBounds = { maxPrice: 1e12, maxSize: 1e15, maxNotional: 1e15 };

/** An asset's overrides of DEFAULT_AMOUNT_BOUNDS (undefined: the defaults). */
/** Per-asset overrides of the default bounds; an absent or undefined field keeps the default. */
export type AmountBoundsOverride = { readonly [K in keyof AmountBounds]?: number | undefined };

export type AmountBoundsOf = (asset: string) => AmountBoundsOverride | undefined;

const noOverrides: AmountBoundsOf = () => undefined;

function boundsFor(boundsOf: AmountBoundsOf, asset: string): AmountBounds {
  const o = boundsOf(asset);
  if (!o) return DEFAULT_AMOUNT_BOUNDS;
  return {
    maxPrice: o.maxPrice ?? DEFAULT_AMOUNT_BOUNDS.maxPrice,
    maxSize: o.maxSize ?? DEFAULT_AMOUNT_BOUNDS.maxSize,
    maxNotional: o.maxNotional ?? DEFAULT_AMOUNT_BOUNDS.maxNotional,
  };
}

class Problems {
  readonly list: string[] = [];
  /** Some amount was not finite or past its bound (reported as AmountOutOfBoundsError). */
  private outOfBounds = false;
  id(field: string, value: string): void {
    if (!isId(value))
      this.list.push(`${field}: must be a non-empty identifier (got "${value.slice(0, 40)}")`);
  }
  chain(value: string): void {
    if (!isChainId(value))
      this.list.push(`chain_id: must match ${CHAIN_ID_PATTERN} (got "${value.slice(0, 40)}")`);
  }
  /**
   * Checks an amount against `max`; returns its value, or NaN when it is
   * absent, not a decimal, or out of bounds (so no product is formed from it).
   */
  amount(field: string, value: string, max: number, { optional = false, positive = false } = {}): number {
    if (optional && value === "") return Number.NaN;
    const n = parseDecimal(value);
    if (Number.isNaN(n)) {
      this.list.push(`${field}: "${value.slice(0, 40)}" is not a decimal number`);
      return n;
    }
    if (n < 0) this.list.push(`${field}: must not be negative (got ${value.slice(0, 40)})`);
    else if (positive && n === 0) this.list.push(`${field}: must be positive`);
    if (!Number.isFinite(n)) return this.bound(`${field}: ${digitsOf(value)} is not a finite number`);
    if (n > max) return this.bound(`${field}: ${digitsOf(value)} exceeds the bound ${max}`);
    return n;
  }
  /** Records a bound problem; NaN, so the caller forms nothing from the amount. */
  bound(problem: string): number {
    this.list.push(problem);
    this.outOfBounds = true;
    return Number.NaN;
  }
  time(field: string, value: number): void {
    if (!Number.isFinite(value) || value <= 0) this.list.push(`${field}: must be a positive Unix time in ms`);
  }
  done(what: string, context: Record<string, unknown>): void {
    if (this.list.length === 0) return;
    if (this.outOfBounds) throw new AmountOutOfBoundsError(what, this.list, context);
    throw new ValidationError(what, this.list, context);
  }
}

/** An amount for a message: a long one by its digit count, never its thousand digits. */
function digitsOf(value: string): string {
  return value.length <= 40 ? value : `a ${value.length}-character decimal "${value.slice(0, 12)}…"`;
}

/**
 * Checks a position update; amounts against the bounds of its asset (the
 * collateral against its collateral asset's), DEFAULT_AMOUNT_BOUNDS unless
 * `boundsOf` overrides them.
 */
export function validatePositionUpdate(
  p: PositionUpdate,
  boundsOf: AmountBoundsOf = noOverrides,
): PositionUpdate {
  const bounds = boundsFor(boundsOf, p.asset);
  const v = new Problems();
  v.id("event_id", p.eventId);
  v.chain(p.chainId);
  v.id("venue_id", p.venueId);
  v.id("account", p.account);
  v.id("market", p.market);
  v.id("asset", p.asset);
  if (p.side === PositionSide.POSITION_SIDE_UNSPECIFIED || !(p.side in PositionSide))
    v.list.push("side: unspecified");
  if (p.status === PositionStatus.POSITION_STATUS_UNSPECIFIED || !(p.status in PositionStatus))
    v.list.push("status: unspecified");
  const size = v.amount("size", p.size, bounds.maxSize);
  const entry = v.amount("entry_price", p.entryPrice, bounds.maxPrice, { optional: true });
  if (size * entry > bounds.maxNotional)
    v.bound(`notional: size × entry_price ${size * entry} exceeds the bound ${bounds.maxNotional}`);
  v.amount("collateral_amount", p.collateralAmount, boundsFor(boundsOf, p.collateralAsset).maxSize, {
    optional: true,
  });
  v.amount("liquidation_price", p.liquidationPrice, bounds.maxPrice, { optional: true });
  const liquidatable = v.amount("liquidatable_size", p.liquidatableSize ?? "", bounds.maxSize, {
    optional: true,
  });
  if (liquidatable > size) v.list.push("liquidatable_size: must not exceed size");
  if (p.collateralAmount !== "" && p.collateralAsset === "")
    v.list.push("collateral_asset: required with an amount");
  v.time("chain_time_ms", p.chainTimeMs);
  if (p.option !== undefined) optionProblems(v, p.option, p.side, p.status, bounds);
  v.done("position update", { eventId: p.eventId });
  return p;
}

/**
 * An options position: a call or put with a positive strike and expiry, the
 * venue's implied volatility (positive, at most MAX_IMPLIED_VOLATILITY)
 * and/or its mark (non-negative), at least one of them while the position is
 * open (a closed one is not priced); bought or written (LONG or SHORT), never
 * a lending side.
 */
function optionProblems(
  v: Problems,
  o: OptionContract,
  side: PositionSide,
  status: PositionStatus,
  bounds: AmountBounds,
): void {
  if (o.kind !== OptionKind.OPTION_KIND_CALL && o.kind !== OptionKind.OPTION_KIND_PUT)
    v.list.push("option.kind: must be CALL or PUT");
  v.amount("option.strike", o.strike, bounds.maxPrice, { positive: true });
  if (!(Number.isSafeInteger(o.expiryMs) && o.expiryMs > 0))
    v.list.push("option.expiry_ms: must be a positive Unix time in ms");
  const iv = v.amount("option.implied_volatility", o.impliedVolatility, Number.POSITIVE_INFINITY, {
    optional: true,
    positive: true,
  });
  if (iv > MAX_IMPLIED_VOLATILITY)
    v.list.push(
      `option.implied_volatility: must be at most ${MAX_IMPLIED_VOLATILITY} (annualised decimal, got ${o.impliedVolatility.slice(0, 40)})`,
    );
  v.amount("option.mark_price", o.markPrice, bounds.maxPrice, { optional: true });
  if (status === PositionStatus.POSITION_STATUS_OPEN && o.impliedVolatility === "" && o.markPrice === "")
    v.list.push("option: give implied_volatility or mark_price (or both)");
  if (
    side !== PositionSide.POSITION_SIDE_UNSPECIFIED &&
    side !== PositionSide.POSITION_SIDE_LONG &&
    side !== PositionSide.POSITION_SIDE_SHORT
  )
    v.list.push("side: an options position is LONG or SHORT");
}

/** Checks a price tick; its price against its asset's bounds (DEFAULT_AMOUNT_BOUNDS unless `boundsOf` overrides them). */
export function validatePriceTick(t: PriceTick, boundsOf: AmountBoundsOf = noOverrides): PriceTick {
  const v = new Problems();
  v.id("event_id", t.eventId);
  v.chain(t.chainId);
  v.id("source", t.source);
  v.id("asset", t.asset);
  v.amount("price", t.price, boundsFor(boundsOf, t.asset).maxPrice, { positive: true });
  v.time("chain_time_ms", t.chainTimeMs);
  v.done("price tick", { eventId: t.eventId });
  return t;
}

export function validateHeartbeat(h: ChainHeartbeat): ChainHeartbeat {
  const v = new Problems();
  v.chain(h.chainId);
  v.time("observed_at_ms", h.observedAtMs);
  v.done("chain heartbeat", { chainId: h.chainId });
  return h;
}

export function validateRetraction(r: Retraction): Retraction {
  const v = new Problems();
  v.id("event_id", r.eventId);
  v.chain(r.chainId);
  v.id("retracted_event_id", r.retractedEventId);
  v.done("retraction", { eventId: r.eventId });
  return r;
}
