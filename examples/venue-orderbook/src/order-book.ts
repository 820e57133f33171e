import { HaltMode } from "@breakwater/sdk";

export type Side = "buy" | "sell";

export interface Order {
  readonly account: string;
  readonly market: string;
  readonly asset: string;
  readonly side: Side;
  /** Contracts, > 0. */
  readonly size: number;
  readonly price: number;
}

export type OrderOutcome =
  | { readonly accepted: true; readonly position: number; readonly marginRequired: number }
  | { readonly accepted: false; readonly reason: string };

/** What the book asks Breakwater's applied signals (the SDK's DurableVenue answers both). */
export interface MarketRules {
  haltOf(
    ref: { market: string; asset: string },
    atMs: number,
  ): { mode: HaltMode; sequence: number } | undefined;
  marginOf(ref: { market: string; asset: string }): { initial: number };
  /** A price limit in force: orders are accepted only at or inside it (0: that side unbounded). */
  priceLimitOf?(
    ref: { market: string; asset: string },
    atMs: number,
  ): { lower: number; upper: number; sequence: number } | undefined;
}

/**
 * A minimal order book's risk gate: an order is accepted only if the market
 * is not halted (under a reduce-only halt, only orders that shrink the
 * account's position), its price lies at or inside any price limit in force
 * (trading continues within the limit), and the account's collateral covers the initial
 * margin of the resulting position times Breakwater's multiplier.
 */
export class OrderBook {
  private readonly positions = new Map<string, number>();
  private readonly collateral = new Map<string, number>();

  constructor(
    private readonly rules: MarketRules,
    /** Initial margin as a fraction of notional before any multiplier (0.1 = 10x leverage). */
    private readonly baseInitialMargin = 0.1,
  ) {}

  deposit(account: string, amount: number): void {
    this.collateral.set(account, (this.collateral.get(account) ?? 0) + amount);
  }

  positionOf(account: string, market: string): number {
    return this.positions.get(`${account}\u0000${market}`) ?? 0;
  }

  place(order: Order, atMs: number): OrderOutcome {
    if (!(order.size > 0) || !(order.price > 0))
      return { accepted: false, reason: "size and price must be positive" };
    const ref = { market: order.market, asset: order.asset };
    const current = this.positionOf(order.account, order.market);
    const next = current + (order.side === "buy" ? order.size : -order.size);
    const halt = this.rules.haltOf(ref, atMs);
    if (halt?.mode === HaltMode.HALT_MODE_FULL)
      return { accepted: false, reason: `market ${order.market} halted (signal ${halt.sequence})` };
    const reduces = Math.abs(next) < Math.abs(current) && Math.sign(next) * Math.sign(current) >= 0;
    if (halt && !reduces)
      return { accepted: false, reason: `market ${order.market} is reduce-only (signal ${halt.sequence})` };
    const limit = this.rules.priceLimitOf?.(ref, atMs);
    if (
      limit &&
      ((limit.lower > 0 && order.price < limit.lower) || (limit.upper > 0 && order.price > limit.upper))
    )
      return {
        accepted: false,
        reason: `price ${order.price} outside the limit ${limit.lower || "-"}..${limit.upper || "-"} (signal ${limit.sequence})`,
      };
    const marginRequired =
      Math.abs(next) * order.price * this.baseInitialMargin * this.rules.marginOf(ref).initial;
    if (!reduces && marginRequired > (this.collateral.get(order.account) ?? 0))
      return { accepted: false, reason: `margin ${marginRequired.toFixed(2)} exceeds collateral` };
    this.positions.set(`${order.account}\u0000${order.market}`, next);
    return { accepted: true, position: next, marginRequired };
  }
}
