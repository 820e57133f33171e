import { HaltMode, type Signal, SignalKind } from "@breakwater/proto";

/** Where a venue asks about: a market, and the asset it trades on. */
export interface MarketRef {
  readonly market: string;
  readonly asset?: string;
}

/** A halt in force on a market. */
export interface HaltInForce {
  readonly sequence: number;
  readonly mode: HaltMode;
  readonly level: number;
  readonly sinceMs: number;
  /** When the halt ends by itself (0: only a resume ends it). */
  readonly untilMs: number;
  readonly reason: string;
}

/** A price limit in force on a market: trading continues, only at or inside [lower, upper] (0: unbounded). */
export interface PriceLimitInForce {
  readonly sequence: number;
  readonly lower: number;
  readonly upper: number;
  readonly sinceMs: number;
  /** When the limit ends by itself (0: only a resume or a later limit ends it). */
  readonly untilMs: number;
  readonly reason: string;
}

export interface MarginMultipliers {
  readonly initial: number;
  readonly maintenance: number;
  /** The signal that set them (0: the default). */
  readonly sequence: number;
}

/** The serialized form a cursor store keeps (plain JSON). */
export interface MarketControlsJson {
  readonly halts: readonly (HaltInForce & { readonly target: string })[];
  readonly margins: readonly (MarginMultipliers & { readonly target: string })[];
  /** Absent in copies kept before price limits existed. */
  readonly limits?: readonly (PriceLimitInForce & { readonly target: string })[];
}

const NORMAL_MARGIN: MarginMultipliers = { initial: 1, maintenance: 1, sequence: 0 };
/** A scope naming no market and no asset covers the venue's whole book. */
const EVERYTHING = "*";

function targetsOf(signal: Signal): string[] {
  const scope = signal.scope;
  const targets = [
    ...(scope?.markets ?? []).map((m) => `market:${m}`),
    ...(scope?.assets ?? []).map((a) => `asset:${a}`),
  ];
  return targets.length > 0 ? targets : [EVERYTHING];
}

function keysOf(ref: MarketRef): string[] {
  const keys = [`market:${ref.market}`, EVERYTHING];
  if (ref.asset !== undefined) keys.push(`asset:${ref.asset}`);
  return keys;
}

/**
 * What the signals applied so far mean for trading: which markets are halted
 * (and how, and until when) and which margin multipliers are in force. Pure:
 * it changes only through {@link apply}, so a venue gets the same answers
 * after a restart from the copy its cursor store keeps.
 */
export class MarketControls {
  private readonly halts = new Map<string, HaltInForce>();
  private readonly margins = new Map<string, MarginMultipliers>();
  private readonly limits = new Map<string, PriceLimitInForce>();

  static fromJSON(json: MarketControlsJson | undefined): MarketControls {
    const controls = new MarketControls();
    for (const { target, ...halt } of json?.halts ?? []) controls.halts.set(target, halt);
    for (const { target, ...margin } of json?.margins ?? []) controls.margins.set(target, margin);
    for (const { target, ...limit } of json?.limits ?? []) controls.limits.set(target, limit);
    return controls;
  }

  toJSON(): MarketControlsJson {
    return {
      halts: [...this.halts].map(([target, halt]) => ({ target, ...halt })),
      margins: [...this.margins].map(([target, margin]) => ({ target, ...margin })),
      limits: [...this.limits].map(([target, limit]) => ({ target, ...limit })),
    };
  }

  clone(): MarketControls {
    return MarketControls.fromJSON(this.toJSON());
  }

  /** Takes one applied signal into account (in sequence order). */
  apply(signal: Signal): this {
    const action = signal.action;
    if (!action) return this;
    switch (action.$case) {
      case "circuitBreaker": {
        const halt: HaltInForce = {
          sequence: signal.sequence,
          mode:
            action.value.mode === HaltMode.HALT_MODE_UNSPECIFIED
              ? HaltMode.HALT_MODE_FULL
              : action.value.mode,
          level: action.value.level,
          sinceMs: signal.effectiveAtMs,
          untilMs: signal.expiresAtMs,
          reason: signal.reason,
        };
        for (const target of targetsOf(signal)) this.halts.set(target, halt);
        break;
      }
      case "resume": {
        const ended = action.value.resumesSequence;
        const targets = new Set(targetsOf(signal));
        for (const [target, halt] of this.halts) {
          // A resume ends the halt it names; one naming none (0) ends every halt in its scope.
          const named =
            ended === 0 ? targets.has(target) || targets.has(EVERYTHING) : halt.sequence === ended;
          if (named) this.halts.delete(target);
        }
        for (const [target, limit] of this.limits) {
          const named =
            ended === 0 ? targets.has(target) || targets.has(EVERYTHING) : limit.sequence === ended;
          if (named) this.limits.delete(target);
        }
        break;
      }
      case "priceLimit": {
        const limit: PriceLimitInForce = {
          sequence: signal.sequence,
          lower: action.value.lower,
          upper: action.value.upper,
          sinceMs: signal.effectiveAtMs,
          untilMs: signal.expiresAtMs,
          reason: signal.reason,
        };
        for (const target of targetsOf(signal)) this.limits.set(target, limit);
        break;
      }
      case "marginAdjustment": {
        const margin: MarginMultipliers = {
          initial: action.value.initialMultiplier,
          maintenance: action.value.maintenanceMultiplier,
          sequence: signal.sequence,
        };
        for (const target of targetsOf(signal)) {
          if (margin.initial === 1 && margin.maintenance === 1) this.margins.delete(target);
          else this.margins.set(target, margin);
        }
        break;
      }
      case "advisory":
        break;
    }
    return this;
  }

  /**
   * The halt in force on a market at `atMs`, if any: the strictest of those on
   * the market, its asset and the whole book (a full halt over reduce-only),
   * the latest when equally strict.
   */
  haltOf(ref: MarketRef, atMs: number): HaltInForce | undefined {
    let strictest: HaltInForce | undefined;
    for (const key of keysOf(ref)) {
      const halt = this.halts.get(key);
      if (!halt || atMs < halt.sinceMs || (halt.untilMs > 0 && atMs >= halt.untilMs)) continue;
      if (
        !strictest ||
        severity(halt) > severity(strictest) ||
        (severity(halt) === severity(strictest) && halt.sequence > strictest.sequence)
      )
        strictest = halt;
    }
    return strictest;
  }

  /**
   * The price limit in force on a market at `atMs`, if any: the tightest band
   * of those on the market, its asset and the whole book (highest lower bound,
   * lowest upper bound; 0 leaves a side unbounded).
   */
  priceLimitOf(ref: MarketRef, atMs: number): PriceLimitInForce | undefined {
    let result: PriceLimitInForce | undefined;
    for (const key of keysOf(ref)) {
      const limit = this.limits.get(key);
      if (!limit || atMs < limit.sinceMs || (limit.untilMs > 0 && atMs >= limit.untilMs)) continue;
      if (!result) {
        result = limit;
        continue;
      }
      const bound = (a: number, b: number, pick: (x: number, y: number) => number) =>
        a === 0 ? b : b === 0 ? a : pick(a, b);
      result = {
        ...(limit.sequence > result.sequence ? limit : result),
        lower: Math.max(result.lower, limit.lower),
        upper: bound(result.upper, limit.upper, Math.min),
      };
    }
    return result;
  }

  /** The margin multipliers in force on a market: the largest of market, asset and book-wide ones. */
  marginOf(ref: MarketRef): MarginMultipliers {
    let result = NORMAL_MARGIN;
    for (const key of keysOf(ref)) {
      const m = this.margins.get(key);
      if (!m) continue;
      result = {
        initial: Math.max(result.initial, m.initial),
        maintenance: Math.max(result.maintenance, m.maintenance),
        sequence: Math.max(result.sequence, m.sequence),
      };
    }
    return result;
  }
}

function severity(halt: HaltInForce): number {
  return halt.mode === HaltMode.HALT_MODE_FULL ? 2 : 1;
}

/** Which typed handler a signal goes to. */
export function handlerKindOf(signal: Signal): "halt" | "resume" | "margin" | "price-limit" | "advisory" {
  switch (signal.kind) {
    case SignalKind.SIGNAL_KIND_CIRCUIT_BREAKER:
      return "halt";
    case SignalKind.SIGNAL_KIND_PRICE_LIMIT:
      return "price-limit";
    case SignalKind.SIGNAL_KIND_RESUME:
      return "resume";
    case SignalKind.SIGNAL_KIND_MARGIN_ADJUSTMENT:
      return "margin";
    default:
      return "advisory";
  }
}
