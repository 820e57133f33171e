import { signalKindName } from "@breakwater/core";
import type { Signal } from "@breakwater/proto";

/** The line the sample venue prints for each signal it receives. */
export interface SignalLine {
  readonly event: "signal";
  readonly venue: string;
  readonly sequence: number;
  readonly kind: string;
  readonly scope: { assets: string[]; markets: string[]; venues: string[]; chains: string[] };
  readonly issuedAtMs: number;
  readonly effectiveAtMs: number;
  readonly receivedAtMs: number;
  /** receivedAt − issuedAt, on two different clocks. */
  readonly latencyMs: number;
  /** Circuit breaker level (absent for other kinds). */
  readonly level?: number;
  /** A price limit's band (0: that side unbounded) and duration (0: until replaced or resumed). */
  readonly priceLimit?: { lower: number; upper: number; durationMs: number };
  /** A margin change's multipliers. */
  readonly margin?: { initial: number; maintenance: number };
  readonly late: boolean;
  readonly expired: boolean;
  readonly reason: string;
}

export function signalLine(
  venue: string,
  signal: Signal,
  receivedAtMs: number,
  flags: { late: boolean; expired: boolean },
): SignalLine {
  const scope = signal.scope ?? { assets: [], markets: [], venues: [], chains: [] };
  return {
    event: "signal",
    venue,
    sequence: signal.sequence,
    kind: signalKindName(signal.kind),
    scope: { assets: scope.assets, markets: scope.markets, venues: scope.venues, chains: scope.chains },
    issuedAtMs: signal.issuedAtMs,
    effectiveAtMs: signal.effectiveAtMs,
    receivedAtMs,
    latencyMs: receivedAtMs - signal.issuedAtMs,
    ...actionFields(signal),
    late: flags.late,
    expired: flags.expired,
    reason: signal.reason,
  };
}

/** What a line says about the signal's action, by kind. */
function actionFields(signal: Signal): Pick<SignalLine, "level" | "priceLimit" | "margin"> {
  const action = signal.action;
  switch (action?.$case) {
    case "circuitBreaker":
      return { level: action.value.level };
    case "priceLimit":
      return {
        priceLimit: {
          lower: action.value.lower,
          upper: action.value.upper,
          durationMs: action.value.durationMs,
        },
      };
    case "marginAdjustment":
      return {
        margin: {
          initial: action.value.initialMultiplier,
          maintenance: action.value.maintenanceMultiplier,
        },
      };
    default:
      return {};
  }
}

/** Prints one JSON line on stdout. */
export function print(line: object): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}
