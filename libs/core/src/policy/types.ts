import type { Evidence } from "@breakwater/proto";
import type { CalendarSpec } from "../calendar/calendar.js";
import type { SignalDraft } from "../signal.js";
import type { BandSpec } from "./bands.js";
import type { MarginModelSpec } from "./margin-model.js";

/** One price observation on a clock stated by the caller (chain time for oracle prices). */
export interface PricePoint {
  readonly atMs: number;
  readonly price: number;
}

/**
 * What the policy sees of one asset at one moment: a risk assessment, with
 * the optional figures the correlator adds when it has them. `price` is
 * undefined when the asset could not be priced.
 */
export interface PolicyObservation {
  readonly assessmentId: string;
  readonly asset: string;
  readonly price?: number | undefined;
  /** Time of the price (chain time). */
  readonly priceTimeMs: number;
  readonly venues: readonly string[];
  readonly markets: readonly string[];
  readonly chains: readonly string[];
  readonly staleChains?: readonly string[] | undefined;
  /** Chains whose watcher reports them degraded or down, with its reason (sequencer down, a stale feed, a deep reorg). */
  readonly degradedChains?: readonly ChainConditionNote[] | undefined;
  readonly grossNotional?: number | undefined;
  /** Gross notional of the asset held on each chain, when the correlator reports it. */
  readonly chainNotional?: Readonly<Record<string, number>> | undefined;
  /** Relative spread of the sources' prices ((max - min) / median). */
  readonly divergence?: number | undefined;
  /** No strict majority of sources agrees. */
  readonly unpriceable?: boolean | undefined;
  /** Liquidatable notional for a fall (or rise) of `ladderMoveBps`, and the depth that absorbs such a move. */
  readonly ladderMoveBps?: number | undefined;
  readonly liquidatableDownNotional?: number | undefined;
  readonly liquidatableUpNotional?: number | undefined;
  readonly depthNotional?: number | undefined;
  /** Where depthNotional comes from ("venues:<venue>,…", "asset" or "default"). */
  readonly depthSource?: string | undefined;
  /** EWMA volatility of the reference price. */
  readonly volatility?: number | undefined;
  /** Live EWMA correlations of the asset with others (the cascade-risk rule's, above its policy floor). */
  readonly correlations?: readonly { readonly asset: string; readonly correlation: number }[] | undefined;
}

/** A chain's condition as its watcher reports it. */
export interface ChainConditionNote {
  readonly chain: string;
  readonly status: "degraded" | "down";
  readonly detail: string;
}

/** Enforced rules send signals; shadow rules only record what they would have sent. */
export type RuleMode = "enforce" | "shadow";

/** Parameters that apply to the assets or markets named (later overrides win). */
export interface Override<P> {
  readonly assets?: readonly string[];
  readonly markets?: readonly string[];
  /** False exempts the matching assets from the rule. */
  readonly enabled?: boolean;
  readonly params: Partial<P>;
}

export interface RuleSpecBase<K extends string, P> {
  readonly kind: K;
  readonly id: string;
  readonly mode: RuleMode;
  readonly params: P;
  readonly overrides: readonly Override<P>[];
}

/** A level of a circuit breaker. `haltMs: 0` halts for the rest of the period (Rule 80B level 3). */
export interface BreakerLevel {
  readonly level: number;
  /** Move from the reference that trips the level, as a fraction (0.07 = 7%). */
  readonly threshold: number;
  readonly haltMs: number;
  readonly mode: "full" | "reduce-only";
}

export interface CircuitBreakerParams {
  readonly levels: readonly BreakerLevel[];
  /** The reference is the window's highest price (falls) or also its lowest (rises, with `direction: both`). */
  readonly windowMs: number;
  readonly direction: "down" | "both";
  /** Each level fires at most once per asset per period; periods start at `resetOffsetMs` after 00:00 UTC. */
  readonly periodMs: number;
  readonly resetOffsetMs: number;
}

/** A level of a market-wide breaker (Rule 80B: 7% and 13% halt 15 minutes, not from 15:25 ET; 20% the rest of the day). */
export interface MarketWideLevel {
  readonly level: number;
  /** Fall from the reference that trips the level, as a fraction (0.07 = 7%). */
  readonly threshold: number;
  /** `0`: to the end of the trading session (Rule 80B level 3: the rest of the day). */
  readonly haltMs: number;
  readonly mode: "full" | "reduce-only";
  /** Local time (`HH:MM`) at and after which the level no longer halts (Rule 80B: `15:25` for levels 1 and 2). */
  readonly notAtOrAfter?: string | undefined;
  /**
   * `halt` (default), or `price-limit`: trading continues at or above the
   * level's price (CME's 20% limit-down), for `haltMs` or to the session's end.
   */
  readonly action?: "halt" | "price-limit" | undefined;
}

/**
 * Who a signal concerns: the observed asset's markets (`asset`), every market
 * of every registered venue (`market-wide`), or the venues and markets of a
 * named group of the policy document.
 */
export type ScopeSpec = "asset" | "market-wide" | { readonly group: string };

/** A named set of venues and markets (empty lists: all of them). */
export interface ScopeGroup {
  readonly venues: readonly string[];
  readonly markets: readonly string[];
}

export interface MarketWideBreakerParams {
  /** The asset whose price is measured (an index: `SPX`); absent: every asset, each on its own. */
  readonly index?: string | undefined;
  /** Where days, sessions and cut-offs are read (Rule 80B: America/New_York, 09:30–16:00, NYSE holidays). */
  readonly calendar: CalendarSpec;
  /** Local close time whose last price is the reference (Rule 80B: the prior day's `16:00` close). */
  readonly closeAt: string;
  readonly levels: readonly MarketWideLevel[];
  readonly scope: ScopeSpec;
  /** Limit prices are rounded to it (CME E-mini S&P 500: 0.25); 0: not rounded. */
  readonly tickSize?: number | undefined;
}

/** A price limit for whole sessions: see SessionLimitRule. */
export interface SessionLimitParams {
  /** The asset limited; absent: every asset, each around its own prior close. */
  readonly index?: string | undefined;
  readonly calendar: CalendarSpec;
  /** Local time whose last price is the reference (CME: the prior settlement, 15:00 CT). */
  readonly closeAt: string;
  /** The calendar's sessions in which the limit holds (CME: the overnight session). */
  readonly sessions: readonly string[];
  readonly bands: BandSpec;
}

/** LULD-style bands: see LimitBandRule. */
export interface LimitBandParams {
  /** Where the band-scaling windows are read (LULD: America/New_York). */
  readonly calendar: CalendarSpec;
  /** The reference: the mean over `windowMs`, changed only on a move of `moveThreshold` (LULD: 5 min, 1%). */
  readonly reference: {
    readonly windowMs: number;
    readonly moveThreshold: number;
    readonly minSamples: number;
  };
  readonly bands: BandSpec;
  /** Coordinator time in the limit state before a pause (LULD: 15 s). */
  readonly holdMs: number;
  readonly pauseMs: number;
  readonly mode: "full" | "reduce-only";
}

/** Dynamic circuit breakers: see DynamicBreakerRule. */
export interface DynamicBreakerParams {
  /** The rolling reference: the window's mean, high (falls) or low (rises). */
  readonly reference: {
    readonly stat: "mean" | "high" | "low";
    readonly windowMs: number;
    readonly minSamples: number;
  };
  readonly bands: BandSpec;
  /** Which band pauses: the lower (`down`, from a window high), the upper (`up`, from a low), or `both`. */
  readonly direction: "down" | "up" | "both";
  readonly pauseMs: number;
  /** After a pause the reference restarts from the pause price (CME) or the band's limit (Coinbase). */
  readonly resetTo: "pause-price" | "limit";
  readonly mode: "full" | "reduce-only";
}

export interface PriceBandParams {
  /** Reference: mean price over this window (LULD: 5 minutes). */
  readonly referenceWindowMs: number;
  /** Band half-width as a fraction of the reference (LULD tier 1: 0.05). */
  readonly band: number;
  /** Time outside the band (limit state) before a pause (LULD: 15 s). */
  readonly holdMs: number;
  readonly pauseMs: number;
  readonly mode: "full" | "reduce-only";
  /** Prices needed in the reference window before the band applies. */
  readonly minSamples: number;
}

export interface OracleDivergenceParams {
  /** Divergence at or above this halts the asset (an unpriceable assessment always does). */
  readonly haltDivergence: number;
  /** Divergence must stay below this ... */
  readonly resumeDivergence: number;
  /** ... for this long, priced, before a RESUME is sent (asymmetric: stronger evidence to resume). */
  readonly resumeHoldMs: number;
  readonly mode: "full" | "reduce-only";
}

export interface CascadeRiskParams {
  /** Liquidatable notional / depth at or above which margin tightens. */
  readonly pressureThreshold: number;
  /** Multiplier demanded on the asset. */
  readonly multiplier: number;
  /** Assets held to move with this one: they get the same demand when their correlation ≥ minCorrelation. */
  readonly correlated: readonly { readonly asset: string; readonly correlation: number }[];
  readonly minCorrelation: number;
}

export interface ChainLivenessParams {
  /** Share of the asset's chains that are stale at or above which margin tightens. */
  readonly minStaleShare: number;
  readonly multiplier: number;
  /** A chain its watcher reports degraded counts as stale (default true). */
  readonly countDegraded?: boolean | undefined;
  /**
   * A chain counts only once it has been stale (or degraded) this long without
   * a break, on the decision clock (default 0): a watcher's restart or a
   * heartbeat late by a second does not tighten margin.
   */
  readonly graceMs?: number | undefined;
}

export interface DynamicMarginParams {
  /** Volatility considered normal; multiplier grows with volatility above it. */
  readonly baselineVolatility: number;
  readonly volatilityWeight: number;
}

/** A margin model (MarginModelSpec) and the venue's own initial margin it is compared with. */
export interface MarginModelParams extends MarginModelSpec {
  /** The venue's initial margin as a fraction of notional (10x leverage: 0.1): multiplier = model / this. */
  readonly baselineMargin: number;
}

/** Anti-procyclical bounds on margin changes (EMIR art. 28, Aave-steward-style step limits). */
export interface MarginBoundsParams {
  /** Lowest multiplier ever published. */
  readonly floor: number;
  readonly cap: number;
  /** Buffer kept over the floor in calm times and drawn down before tightening (0.25 = 25%). */
  readonly buffer: number;
  /** Largest relative step up / down per change (e.g. 0.3 / 0.1). */
  readonly maxStepUp: number;
  readonly maxStepDown: number;
  /** At most one change per asset per interval. */
  readonly intervalMs: number;
  /** No loosening until this long after the last tightening. */
  readonly loosenCooldownMs: number;
  /** Changes smaller than this relative amount are not published (hysteresis). */
  readonly minChange: number;
  /** Maintenance multiplier = 1 + (initial − 1) × this share. */
  readonly maintenanceShare: number;
}

export type RuleSpec =
  | RuleSpecBase<"circuit-breaker", CircuitBreakerParams>
  | RuleSpecBase<"price-band", PriceBandParams>
  | RuleSpecBase<"market-wide-breaker", MarketWideBreakerParams>
  | RuleSpecBase<"limit-band", LimitBandParams>
  | RuleSpecBase<"dynamic-breaker", DynamicBreakerParams>
  | RuleSpecBase<"session-limit", SessionLimitParams>
  | RuleSpecBase<"oracle-divergence", OracleDivergenceParams>
  | RuleSpecBase<"cascade-risk", CascadeRiskParams>
  | RuleSpecBase<"chain-liveness", ChainLivenessParams>
  | RuleSpecBase<"dynamic-margin", DynamicMarginParams>
  | RuleSpecBase<"margin-model", MarginModelParams>;

/** A whole policy, as validated from the YAML file. */
export interface PolicyDocument {
  readonly version: 1;
  readonly margin: { readonly id: string; readonly mode: RuleMode; readonly params: MarginBoundsParams };
  readonly rules: readonly RuleSpec[];
  /** Named sets of venues and markets a rule's scope can name. */
  readonly groups?: Readonly<Record<string, ScopeGroup>> | undefined;
}

/** A margin multiplier a rule asks for on an asset, with why. */
export interface MarginDemand {
  readonly asset: string;
  readonly ruleId: string;
  readonly multiplier: number;
  readonly evidence: Evidence[];
}

/** What a rule decided on one observation. */
export interface RuleOutcome {
  readonly drafts: SignalDraft[];
  readonly demands: MarginDemand[];
}

/** A decision a shadow rule would have sent, kept with its evidence. */
export interface ShadowRecord {
  readonly ruleId: string;
  readonly atMs: number;
  readonly assessmentId: string;
  readonly draft: SignalDraft;
}
