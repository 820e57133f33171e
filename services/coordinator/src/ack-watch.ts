import type { SignalDraft } from "@breakwater/core";
import { AckState, type Signal, SignalKind } from "@breakwater/proto";

/** A venue that had not acked a halt by its effective time (plus grace). */
export interface LateAck {
  readonly sequence: number;
  readonly venueId: string;
  readonly effectiveAtMs: number;
  readonly reportedAtMs: number;
  /** When the venue's ack finally arrived (0 while it has not). */
  ackedAtMs: number;
}

interface Watched {
  readonly signal: Signal;
  readonly acked: Map<string, AckState>;
  checked: boolean;
}

/** The signals that stop or restrict trading: each must reach every venue in scope by its effective time. */
const WATCHED_KINDS: ReadonlySet<SignalKind> = new Set([
  SignalKind.SIGNAL_KIND_CIRCUIT_BREAKER,
  SignalKind.SIGNAL_KIND_PRICE_LIMIT,
]);

/** How an advisory names what was not acked. */
function whatOf(signal: Signal): { readonly noun: string; readonly code: string } {
  return signal.kind === SignalKind.SIGNAL_KIND_PRICE_LIMIT
    ? { noun: "price limit", code: "price_limit_unacked" }
    : { noun: "halt", code: "halt_unacked" };
}

/**
 * Tracks acks per halt and price limit: every circuit breaker and price limit must be acked (received or
 * applied) by each venue in its scope by its effective time. Venues in scope
 * are those it names, or, when it names none, every venue known when it takes
 * effect. Each (halt, venue) pair is reported once.
 */
export class AckWatch {
  private readonly watched = new Map<number, Watched>();
  private readonly late: LateAck[] = [];

  constructor(
    private readonly knownVenues: () => readonly string[],
    private readonly graceMs: number,
  ) {}

  /** Starts watching a logged signal (only halts and price limits are watched). */
  onSignal(signal: Signal): void {
    if (!WATCHED_KINDS.has(signal.kind) || this.watched.has(signal.sequence)) return;
    this.watched.set(signal.sequence, { signal, acked: new Map(), checked: false });
  }

  onAck(venueId: string, sequence: number, state: AckState, atMs: number): void {
    const w = this.watched.get(sequence);
    if (!w || state === AckState.ACK_STATE_UNSPECIFIED) return;
    if (!w.acked.has(venueId)) w.acked.set(venueId, state);
    for (const l of this.late)
      if (l.sequence === sequence && l.venueId === venueId && l.ackedAtMs === 0) l.ackedAtMs = atMs;
  }

  /** Halts whose effective time (plus grace) has passed: the venues that had not acked, reported once. */
  check(nowMs: number): LateAck[] {
    const found: LateAck[] = [];
    // Listed once per check, not per halt: a crash brings hundreds of halts due together.
    let known: readonly string[] | undefined;
    for (const w of this.watched.values()) {
      if (w.checked || nowMs < w.signal.effectiveAtMs + this.graceMs) continue;
      w.checked = true;
      const named = w.signal.scope?.venues ?? [];
      if (named.length === 0 && known === undefined) known = this.knownVenues();
      const expected = named.length > 0 ? named : (known ?? []);
      for (const venueId of expected) {
        if (w.acked.has(venueId)) continue;
        const late: LateAck = {
          sequence: w.signal.sequence,
          venueId,
          effectiveAtMs: w.signal.effectiveAtMs,
          reportedAtMs: nowMs,
          ackedAtMs: 0,
        };
        found.push(late);
        this.late.push(late);
      }
    }
    if (this.late.length > 10_000) this.late.splice(0, this.late.length - 10_000);
    return found;
  }

  /** Every late ack reported, oldest first (`ackedAtMs` 0 while still missing). */
  lateAcks(): readonly LateAck[] {
    return this.late;
  }

  /** Pairs past effective time still without an ack. */
  get outstanding(): number {
    return this.late.filter((l) => l.ackedAtMs === 0).length;
  }

  /** Acks a venue gave a signal, by venue. */
  acksOf(sequence: number): Record<string, AckState> {
    return Object.fromEntries(this.watched.get(sequence)?.acked ?? []);
  }
}

/** The advisory the leader appends for a halt or price limit some venues had not acked in time. */
export function unackedAdvisory(halt: Signal, venues: readonly string[]): SignalDraft {
  const what = whatOf(halt);
  return {
    signalId: `ack-watch:${halt.sequence}`,
    kind: SignalKind.SIGNAL_KIND_ADVISORY,
    ruleId: "ack-watch",
    scope: {
      assets: [...(halt.scope?.assets ?? [])],
      markets: [...(halt.scope?.markets ?? [])],
      venues: [...(halt.scope?.venues ?? [])],
      chains: [...(halt.scope?.chains ?? [])],
    },
    reason: `venues ${[...venues].sort().join(", ")} had not acked ${what.noun} ${halt.sequence} by its effective time`,
    evidence: venues.map((v) => ({
      name: "unacked_venue",
      value: halt.sequence,
      threshold: halt.effectiveAtMs,
      detail: v,
    })),
    action: { $case: "advisory", value: { code: what.code, message: [...venues].sort().join(",") } },
    durationMs: 0,
  };
}
