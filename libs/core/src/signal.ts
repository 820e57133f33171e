import type { AckState, Evidence, Scope, Signal } from "@breakwater/proto";
import { ackStateToJSON, SignalKind } from "@breakwater/proto";

/** A decision a rule made, before the signal log gives it a sequence. */
export interface SignalDraft {
  /** Content-derived: the same decision on the same evidence has the same id. */
  readonly signalId: string;
  readonly kind: SignalKind;
  readonly ruleId: string;
  readonly scope: Scope;
  readonly reason: string;
  readonly evidence: Evidence[];
  readonly action: Signal["action"];
  /** How long a halt lasts; 0 for signals that do not expire. */
  readonly durationMs: number;
  /**
   * On the coordinator's clock: after this a decision the log does not hold is
   * no longer worth issuing when a new leader reconciles (a breaker level's is
   * the end of its period). Default: decision time + `durationMs`, or never
   * for signals that do not expire.
   */
  readonly validUntilMs?: number;
}

export interface IssueOptions {
  readonly sequence: number;
  readonly issuedAtMs: number;
  /** Time between issue and activation, so every venue applies the signal at once. */
  readonly leadMs: number;
  readonly leaderTerm: number;
}

/** Turns a draft into the signal that is appended to the log at `sequence`. */
export function issueSignal(draft: SignalDraft, opts: IssueOptions): Signal {
  const effectiveAtMs = opts.issuedAtMs + opts.leadMs;
  return {
    sequence: opts.sequence,
    signalId: draft.signalId,
    kind: draft.kind,
    issuedAtMs: opts.issuedAtMs,
    effectiveAtMs,
    expiresAtMs: draft.durationMs > 0 ? effectiveAtMs + draft.durationMs : 0,
    scope: draft.scope,
    reason: draft.reason,
    ruleId: draft.ruleId,
    evidence: draft.evidence,
    action: draft.action,
    leaderTerm: opts.leaderTerm,
    keyId: "",
    signature: Buffer.alloc(0),
  };
}

/**
 * What a venue is registered to trade: each list empty or absent means every
 * one. A venue cannot widen it by asking; the coordinator's venue registry says it.
 */
export interface VenueScope {
  readonly assets?: readonly string[];
  readonly markets?: readonly string[];
  readonly chains?: readonly string[];
}

function overlaps(
  signalSide: readonly string[] | undefined,
  registered: readonly string[] | undefined,
): boolean {
  if (!signalSide || signalSide.length === 0 || !registered || registered.length === 0) return true;
  return signalSide.some((x) => registered.includes(x));
}

/**
 * True when a signal concerns a venue: it is not internal (a coordinator-only
 * log entry), its venue list is empty (all) or names it, and, given the venue's
 * registered scope, each of the signal's asset, market and chain lists is empty
 * (market-wide) or shares an entry with the registered one.
 */
export function concernsVenue(
  signal: Pick<Signal, "scope">,
  venueId: string,
  registered?: VenueScope,
): boolean {
  if (signal.scope?.internal) return false;
  const venues = signal.scope?.venues ?? [];
  if (venues.length > 0 && !venues.includes(venueId)) return false;
  if (!registered) return true;
  return (
    overlaps(signal.scope?.assets, registered.assets) &&
    overlaps(signal.scope?.markets, registered.markets) &&
    overlaps(signal.scope?.chains, registered.chains)
  );
}

export function signalKindName(kind: SignalKind): string {
  switch (kind) {
    case SignalKind.SIGNAL_KIND_CIRCUIT_BREAKER:
      return "circuit_breaker";
    case SignalKind.SIGNAL_KIND_RESUME:
      return "resume";
    case SignalKind.SIGNAL_KIND_MARGIN_ADJUSTMENT:
      return "margin_adjustment";
    case SignalKind.SIGNAL_KIND_ADVISORY:
      return "advisory";
    case SignalKind.SIGNAL_KIND_PRICE_LIMIT:
      return "price_limit";
    default:
      return "unspecified";
  }
}

/** An ack state's short name ("received", "applied", "rejected"), for logs, metrics and JSON. */
export function ackStateName(state: AckState): string {
  return ackStateToJSON(state).replace("ACK_STATE_", "").toLowerCase();
}
