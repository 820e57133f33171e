import {
  ExposureBook,
  type ExposureFilter,
  notionalOf,
  type ReferencePrice,
  ReferencePriceBook,
} from "@breakwater/core";
import type { ExposureRow, ExposureSnapshot, PriceTick, RiskAssessment } from "@breakwater/proto";
import type { ChainEvent } from "./chain-event.js";
import { ChainFreshnessTracker } from "./chain-freshness.js";

export interface CorrelatorStateOptions {
  readonly staleAfterMs: number;
  readonly priceFreshMs: number;
}

/** What applying one event did. */
export type ApplyOutcome =
  | { readonly kind: "position"; readonly changed: boolean }
  | { readonly kind: "price"; readonly reference: ReferencePrice }
  | { readonly kind: "heartbeat" }
  | { readonly kind: "retraction"; readonly changed: boolean };

/**
 * Everything the correlator knows, in memory and without I/O: exposure per
 * (asset, venue, chain), reference prices per asset and each chain's
 * freshness. Every event is idempotent here (positions are full states,
 * prices keep the latest per pair, heartbeats the newest), so replaying the
 * stream rebuilds exactly the state the live path built.
 */
export class CorrelatorState {
  readonly book = new ExposureBook();
  readonly prices: ReferencePriceBook;
  readonly freshness: ChainFreshnessTracker;

  constructor(opts: CorrelatorStateOptions) {
    this.prices = new ReferencePriceBook(opts.priceFreshMs);
    this.freshness = new ChainFreshnessTracker(opts.staleAfterMs);
  }

  apply(event: ChainEvent, receivedAtMs: number): ApplyOutcome {
    switch (event.kind) {
      case "position": {
        const p = event.value;
        this.freshness.seen(p.chainId, p.observedAtMs, receivedAtMs);
        return { kind: "position", changed: this.book.apply(p) };
      }
      case "price": {
        const t = event.value;
        this.freshness.seen(t.chainId, t.observedAtMs, receivedAtMs);
        return { kind: "price", reference: this.prices.observe(t) };
      }
      case "heartbeat":
        this.freshness.heartbeat(event.value, receivedAtMs);
        return { kind: "heartbeat" };
      case "retraction": {
        const r = event.value;
        this.freshness.seen(r.chainId, r.observedAtMs, receivedAtMs);
        return { kind: "retraction", changed: this.book.retract(r.retractedEventId) };
      }
    }
  }

  /**
   * The assessment of a price tick's asset: its reference price, who holds
   * exposure in it, which of the chains involved (holding or pricing it) are
   * stale, and the gross notional at the reference price. The id derives from
   * the tick, so assessing the same tick twice yields the same id.
   */
  assess(tick: PriceTick, nowMs: number): RiskAssessment {
    const asset = tick.asset;
    const ref = this.prices.referenceOf(asset);
    const holders = this.book.holdersOf(asset);
    const involved = new Set([...holders.chains, ...this.prices.chainsPricing(asset)]);
    const price = ref?.value ?? 0;
    let gross = 0;
    for (const cell of this.book.cellsMatching({ asset })) gross += notionalOf(cell, price).grossNotional;
    return {
      assessmentId: assessmentIdOf(tick),
      asset,
      referencePrice: ref?.price ?? "",
      agreeingSources: ref?.sources ?? 0,
      priceTimeMs: tick.chainTimeMs,
      assessedAtMs: nowMs,
      venues: holders.venues,
      markets: this.book.marketsOf(asset),
      chains: holders.chains,
      staleChains: [...involved].filter((c) => this.freshness.isStale(c, nowMs)).sort(),
      grossNotional: gross,
    };
  }

  /**
   * Exposure rows at the reference prices (an asset without one has zero
   * notional and no entry in `referencePrices`), the chains' freshness, and
   * which chains are stale. Filters narrow rows and chains; empty filters
   * match everything.
   */
  snapshot(filter: ExposureFilter, nowMs: number): ExposureSnapshot {
    const chains = this.freshness
      .view(nowMs)
      .filter((c) => !filter.chainId || c.chainId === filter.chainId)
      .map(({ chainId, lastHeartbeatMs, ageMs, stale }) => ({ chainId, lastHeartbeatMs, ageMs, stale }));
    const rows: ExposureRow[] = this.book.cellsMatching(filter).map((cell) => ({
      asset: cell.asset,
      venueId: cell.venueId,
      chainId: cell.chainId,
      ...notionalOf(cell, this.prices.referenceOf(cell.asset)?.value ?? 0),
      positions: cell.positions,
      stale: this.freshness.isStale(cell.chainId, nowMs),
    }));
    const referencePrices: Record<string, string> = {};
    for (const asset of this.prices.assets()) {
      if (filter.asset && asset !== filter.asset) continue;
      referencePrices[asset] = this.prices.referenceOf(asset)!.price;
    }
    const staleChains = chains.filter((c) => c.stale).map((c) => c.chainId);
    return { takenAtMs: nowMs, rows, referencePrices, chains, staleChains };
  }
}

/** `assess:<price tick event id>`: also the assessment's Nats-Msg-Id. */
export function assessmentIdOf(tick: Pick<PriceTick, "eventId">): string {
  return `assess:${tick.eventId}`;
}
