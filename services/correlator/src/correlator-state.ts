import type { ChainEvent } from "@breakwater/bus";
import {
  type AssetLadder,
  type DepthModel,
  ExposureBook,
  type ExposureFilter,
  entityResolver,
  type LadderOptions,
  liquidatableAt,
  liquidationLadders,
  notionalOf,
  OptionsBook,
  type ReferencePrice,
  ReferencePriceBook,
  VolatilityTracker,
} from "@breakwater/core";
import {
  type AssetCorrelation,
  type ExposureRow,
  type ExposureSnapshot,
  PositionStatus,
  type PositionUpdate,
  type PriceTick,
  type RiskAssessment,
} from "@breakwater/proto";
import { ChainFreshnessTracker } from "./chain-freshness.js";
import { CORRELATOR_DEFAULTS, ewmaHalfLifeOf } from "./config.js";
import { type AssetDepth, MarketDepth } from "./market-depth.js";

export interface CorrelatorStateOptions {
  readonly staleAfterMs: number;
  readonly priceFreshMs: number;
  /** A price older than this against the stream clock is stale, even a lone source's (default: the config's). */
  readonly priceMaxAgeMs?: number;
  /** Account → entity overrides (see `entityResolver`). */
  readonly entityMap?: Readonly<Record<string, string>>;
  /** Depth model per asset (DEFAULT_DEPTH elsewhere). */
  readonly depth?: Readonly<Record<string, DepthModel>>;
  /** Depth model per venue and asset: an asset's depth is the sum over the venues listing it. */
  readonly venueDepth?: Readonly<Record<string, Readonly<Record<string, DepthModel>>>>;
  /** Assessments carry correlations with the assets both sampled at least this often. */
  readonly correlationMinSamples?: number;
  /** Insurance fund per venue, for stress bad debt. */
  readonly insuranceFunds?: Readonly<Record<string, number>>;
  /** EWMA memory in time (default: RiskMetrics' daily λ 0.94, ≈ 11.2 days). */
  readonly ewmaHalfLifeMs?: number;
  readonly volSampleMs?: number;
  readonly volHorizonMs?: number;
  /** The move (bps) assessments report ladder pressure for. */
  readonly ladderMoveBps?: number;
  /** A ladder is recomputed for an assessment at most this often (0 = every time). */
  readonly ladderMaxAgeMs?: number;
  /** Revisions kept per position for retractions. */
  readonly maxRevisions?: number;
}

/** What applying one event did. */
export type ApplyOutcome =
  | { readonly kind: "position"; readonly changed: boolean }
  | { readonly kind: "price"; readonly reference: ReferencePrice }
  | { readonly kind: "heartbeat" }
  | { readonly kind: "retraction"; readonly changed: boolean };

/**
 * Everything the correlator knows, in memory and without I/O: exposure per
 * (asset, venue, chain), options positions, reference prices per asset and
 * each chain's freshness. Every event is idempotent here (positions are full
 * states, prices keep the latest per pair, heartbeats the newest), so
 * replaying the stream rebuilds exactly the state the live path built.
 *
 * Options positions (updates with `option` set) go to `options`, not to the
 * linear `book`: an option's notional is not linear exposure (its delta is),
 * so it is left out of exposure rows, ladders, stress and assessments and
 * reported as greeks instead (`GetGreeks`).
 */
export class CorrelatorState {
  readonly book: ExposureBook;
  readonly options: OptionsBook;
  readonly prices: ReferencePriceBook;
  readonly freshness: ChainFreshnessTracker;
  readonly volatility: VolatilityTracker;
  readonly ladderMoveBps: number;
  private readonly depth: MarketDepth;
  private readonly correlationMinSamples: number;
  readonly insuranceFunds: Readonly<Record<string, number>>;
  private readonly ladderMaxAgeMs: number;
  private ladderCache: { atMs: number; ladders: Map<string, AssetLadder> } | undefined;

  constructor(opts: CorrelatorStateOptions) {
    // An option left out takes the configuration's default (CORRELATOR_DEFAULTS, from the schema).
    const d = CORRELATOR_DEFAULTS;
    const maxRevisions = opts.maxRevisions ?? d.maxRevisions;
    this.book = new ExposureBook({ entityOf: entityResolver(opts.entityMap ?? d.entityMap), maxRevisions });
    this.options = new OptionsBook({ maxRevisions });
    this.prices = new ReferencePriceBook({
      freshMs: opts.priceFreshMs,
      maxAgeMs: opts.priceMaxAgeMs ?? d.priceMaxAgeMs,
    });
    this.freshness = new ChainFreshnessTracker(opts.staleAfterMs);
    this.volatility = new VolatilityTracker({
      halfLifeMs: opts.ewmaHalfLifeMs ?? ewmaHalfLifeOf(d),
      sampleMs: opts.volSampleMs ?? d.volSampleMs,
      horizonMs: opts.volHorizonMs ?? d.volHorizonMs,
    });
    this.ladderMoveBps = opts.ladderMoveBps ?? d.ladderMoveBps;
    this.depth = new MarketDepth(opts.depth ?? d.depth, opts.venueDepth ?? d.venueDepth, this.ladderMoveBps);
    this.correlationMinSamples = opts.correlationMinSamples ?? d.correlationMinSamples;
    this.insuranceFunds = opts.insuranceFunds ?? d.insuranceFunds;
    this.ladderMaxAgeMs = opts.ladderMaxAgeMs ?? d.ladderMaxAgeMs;
  }

  /** Price pairs left out of their asset's reference now (against the stream clock), by reason. */
  excludedPriceSources(): Map<string, number> {
    const out = new Map<string, number>();
    for (const asset of this.prices.assets())
      for (const o of this.prices.referenceOf(asset)!.observations)
        if (o.excluded !== "") out.set(o.excluded, (out.get(o.excluded) ?? 0) + 1);
    return out;
  }

  /** The depth model the cascade uses for `asset`. */
  depthOf(asset: string): DepthModel {
    return this.depth.of(asset).model;
  }

  /** The asset's depth with its source (venues, asset, default). */
  depthWithSource(asset: string): AssetDepth {
    return this.depth.of(asset);
  }

  /**
   * The asset's live EWMA correlations with every other asset both sampled at
   * least `correlationMinSamples` times, strongest first (then by name).
   */
  correlationsOf(asset: string): AssetCorrelation[] {
    const ewma = this.volatility.ewma;
    const own = ewma.samplesOf(asset);
    if (!(own >= this.correlationMinSamples)) return [];
    const out: AssetCorrelation[] = [];
    for (const other of ewma.assets.all()) {
      if (other === asset) continue;
      const samples = Math.min(own, ewma.samplesOf(other));
      if (samples < this.correlationMinSamples) continue;
      const correlation = ewma.correlation(asset, other);
      if (Number.isFinite(correlation)) out.push({ asset: other, correlation, samples });
    }
    return out.sort((a, b) => b.correlation - a.correlation || a.asset.localeCompare(b.asset));
  }

  /**
   * The price exposure is valued at: the reference price, or the last agreed
   * one while the sources are split; NaN when the asset was never priced.
   */
  valuationPrice(asset: string): number {
    const ref = this.prices.referenceOf(asset);
    if (!ref) return Number.NaN;
    return ref.unpriceable ? ref.lastValue : ref.value;
  }

  /** Valuation prices indexed by the book's asset ids (0 = none), for the ladder and the cascade. */
  priceColumn(): Float64Array {
    const names = this.book.assets.all();
    const out = new Float64Array(names.length);
    names.forEach((asset, i) => {
      const p = this.valuationPrice(asset);
      out[i] = Number.isFinite(p) && p > 0 ? p : 0;
    });
    return out;
  }

  ladders(asset?: string, opts: LadderOptions = {}): AssetLadder[] {
    const only = asset ? this.book.assets.find(asset) : -1;
    if (asset && only < 0) return [];
    return liquidationLadders(this.book.columns(), this.book.assets.all(), this.priceColumn(), opts, only);
  }

  /** The asset's default ladder, cached for `ladderMaxAgeMs` (assessments run on every tick). */
  private cachedLadder(asset: string, nowMs: number): AssetLadder | undefined {
    if (
      !this.ladderCache ||
      nowMs - this.ladderCache.atMs > this.ladderMaxAgeMs ||
      this.ladderMaxAgeMs === 0
    ) {
      this.ladderCache = { atMs: nowMs, ladders: new Map(this.ladders().map((l) => [l.asset, l])) };
    }
    return this.ladderCache.ladders.get(asset);
  }

  apply(event: ChainEvent, receivedAtMs: number): ApplyOutcome {
    // the chain clock: the newest chain time of any event (heartbeats included, each capped at its
    // stored time), so a silent source ages while other chains speak, the same on every replay
    const chainTimeMs = chainTimeOf(event);
    if (chainTimeMs > 0) this.prices.advanceClock(Math.min(chainTimeMs, receivedAtMs));
    switch (event.kind) {
      case "position": {
        const p = event.value;
        this.freshness.seen(p.chainId, p.observedAtMs, receivedAtMs);
        const book = this.isOptionsUpdate(p) ? this.options : this.book;
        return { kind: "position", changed: book.apply(p) };
      }
      case "price": {
        const t = event.value;
        this.freshness.seen(t.chainId, t.observedAtMs, receivedAtMs);
        // the chain time counts only up to the receipt (see ReferencePriceBook)
        const reference = this.prices.observe({ ...t, receivedAtMs });
        this.volatility.observe(t.chainTimeMs, () => this.agreedPrices());
        return { kind: "price", reference };
      }
      case "heartbeat":
        this.freshness.heartbeat(event.value, receivedAtMs);
        return { kind: "heartbeat" };
      case "retraction": {
        const r = event.value;
        this.freshness.seen(r.chainId, r.observedAtMs, receivedAtMs);
        // an event id lives in one book at most
        const changed = this.options.retract(r.retractedEventId) || this.book.retract(r.retractedEventId);
        return { kind: "retraction", changed };
      }
    }
  }

  /**
   * An update carrying option terms, or one that closes a position the
   * options book holds (a venue may close an options position without
   * repeating its terms).
   */
  private isOptionsUpdate(p: PositionUpdate): boolean {
    if (p.option !== undefined) return true;
    return p.status !== PositionStatus.POSITION_STATUS_OPEN && this.options.holds(p);
  }

  /**
   * The forward options on `asset` are priced at: its agreed reference price;
   * undefined when it has none (never priced, or its sources split: greeks
   * on the last agreed price would look current and are not given).
   */
  optionsForward(asset: string): { price: string; value: number } | undefined {
    const ref = this.prices.referenceOf(asset);
    if (!ref || ref.unpriceable || !(ref.value > 0)) return undefined;
    return { price: ref.price, value: ref.value };
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
    const price = this.valuationPrice(asset);
    let gross = 0;
    const byChain = new Map<string, number>();
    if (price > 0)
      for (const cell of this.book.cellsMatching({ asset })) {
        const cellGross = notionalOf(cell, price).grossNotional;
        gross += cellGross;
        byChain.set(cell.chainId, (byChain.get(cell.chainId) ?? 0) + cellGross);
      }
    const ladder = price > 0 ? this.cachedLadder(asset, nowMs) : undefined;
    const depth = this.depth.of(asset);
    const vol = this.volatility.volatility(asset);
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
      degradedChains: this.freshness.degraded(involved),
      grossNotional: gross,
      chainNotional: [...byChain]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([chainId, grossNotional]) => ({ chainId, grossNotional })),
      divergence: ref?.divergence ?? 0,
      unpriceable: ref?.unpriceable ?? true,
      freshSources: ref?.freshSources ?? 0,
      ladderMoveBps: this.ladderMoveBps,
      liquidatableDownNotional: ladder ? liquidatableAt(ladder, -this.ladderMoveBps) : 0,
      liquidatableUpNotional: ladder ? liquidatableAt(ladder, this.ladderMoveBps) : 0,
      // flow that moves the price by ladderMoveBps: invert 1% × (q/d)^e, summed over venues
      depthNotional: depth.notionalFor(this.ladderMoveBps),
      depthSource: depth.source,
      volatility: Number.isFinite(vol) ? vol : 0,
      correlations: this.correlationsOf(asset),
    };
  }

  /** Agreed reference prices of every priceable asset. */
  agreedPrices(): Map<string, number> {
    const out = new Map<string, number>();
    for (const asset of this.prices.assets()) {
      const ref = this.prices.referenceOf(asset)!;
      if (!ref.unpriceable) out.set(asset, ref.value);
    }
    return out;
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
    const rows: ExposureRow[] = this.book.cellsMatching(filter).map((cell) => {
      const price = this.valuationPrice(cell.asset);
      return {
        asset: cell.asset,
        venueId: cell.venueId,
        chainId: cell.chainId,
        ...notionalOf(cell, Number.isFinite(price) && price > 0 ? price : 0),
        positions: cell.positions,
        stale: this.freshness.isStale(cell.chainId, nowMs),
      };
    });
    const referencePrices: Record<string, string> = {};
    const unpriceableAssets: string[] = [];
    for (const asset of this.prices.assets()) {
      if (filter.asset && asset !== filter.asset) continue;
      const ref = this.prices.referenceOf(asset)!;
      if (ref.unpriceable) unpriceableAssets.push(asset);
      else referencePrices[asset] = ref.price;
    }
    const staleChains = chains.filter((c) => c.stale).map((c) => c.chainId);
    return { takenAtMs: nowMs, rows, referencePrices, chains, staleChains, unpriceableAssets };
  }
}

/** `assess:<price tick event id>`: also the assessment's Nats-Msg-Id. */
export function assessmentIdOf(tick: Pick<PriceTick, "eventId">): string {
  return `assess:${tick.eventId}`;
}

/** The chain time an event reports (a heartbeat: its head's), 0 for none. */
function chainTimeOf(event: ChainEvent): number {
  switch (event.kind) {
    case "position":
    case "price":
      return event.value.chainTimeMs;
    case "heartbeat":
      return event.value.headTimeMs;
    case "retraction":
      return 0;
  }
}
