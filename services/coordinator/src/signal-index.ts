import { concernsVenue, type VenueScope } from "@breakwater/core";
import type { Signal } from "@breakwater/proto";
import { LogInconsistencyError, LogLagError } from "./errors.js";

/** Why a log position holds no servable signal. */
export type HoleReason = "malformed" | "sequence_mismatch" | "duplicate_signal_id" | "implausible_term";

/**
 * Terms grow by one per election: no real log gets near this. An entry above
 * it is forged or corrupt; honouring it would push every later term past the
 * range where numbers are exact.
 */
export const MAX_LEADER_TERM = 2 ** 40;

export type IndexListener = (sequence: number, signal: Signal | undefined) => void;

/**
 * The coordinator's in-memory copy of the signal log, as read from the stream.
 * Positions are contiguous: every stream sequence has an entry, either a
 * signal or a hole (a message that is not a valid signal, which no venue is
 * served). Signals are rare, so everything is kept and scans are linear.
 */
export class SignalIndex {
  private readonly entries: (Signal | undefined)[] = [];
  /** Stream sequence of entries[0] minus one. */
  private base = 0;
  private readonly ids = new Map<string, Signal>();
  private readonly listeners = new Set<IndexListener>();
  private readonly waiters = new Set<{ sequence: number; resolve: () => void }>();
  private readonly holeCounts = new Map<HoleReason, number>();
  /** W3C traceparent of the append that stored each signal, where known. */
  private readonly traces = new Map<number, string>();
  private highestTerm = 0;

  /** Highest log sequence read (0 when the log is empty). */
  get last(): number {
    return this.base + this.entries.length;
  }

  /** Highest leader term of any signal read: a writer with a lower term is deposed. */
  get maxTerm(): number {
    return this.highestTerm;
  }

  /** Number of signals (not holes) held. */
  get size(): number {
    return this.ids.size;
  }

  /** The traceparent of the append that stored `sequence` ("" when unknown). */
  traceOf(sequence: number): string {
    return this.traces.get(sequence) ?? "";
  }

  holes(reason: HoleReason): number {
    return this.holeCounts.get(reason) ?? 0;
  }

  /**
   * Records the log entry at `sequence`, which must follow the last one.
   * Returns the hole reason when the entry cannot be served, else undefined.
   */
  add(
    sequence: number,
    signal: Signal | undefined,
    hole: HoleReason = "malformed",
    traceparent = "",
  ): HoleReason | undefined {
    if (this.entries.length === 0 && this.base === 0) this.base = sequence - 1;
    if (sequence !== this.last + 1) {
      throw new LogInconsistencyError(`log entry ${sequence} does not follow ${this.last}`, {
        sequence,
        last: this.last,
      });
    }
    let reason: HoleReason | undefined = signal ? undefined : hole;
    if (signal && signal.sequence !== sequence) reason = "sequence_mismatch";
    else if (signal && this.ids.has(signal.signalId)) reason = "duplicate_signal_id";
    else if (signal && !(Number.isSafeInteger(signal.leaderTerm) && signal.leaderTerm <= MAX_LEADER_TERM))
      reason = "implausible_term";
    const kept = reason ? undefined : signal;
    this.entries.push(kept);
    if (kept) {
      this.ids.set(kept.signalId, kept);
      if (traceparent) this.traces.set(sequence, traceparent);
      this.highestTerm = Math.max(this.highestTerm, kept.leaderTerm);
    } else this.holeCounts.set(reason!, this.holes(reason!) + 1);
    for (const waiter of this.waiters) {
      if (waiter.sequence <= sequence) {
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
    for (const listener of this.listeners) listener(sequence, kept);
    return reason;
  }

  get(sequence: number): Signal | undefined {
    return this.entries[sequence - this.base - 1];
  }

  bySignalId(signalId: string): Signal | undefined {
    return this.ids.get(signalId);
  }

  /** Signals with a sequence greater than `after`, in order, at most `limit`. */
  list(after: number, limit = Number.POSITIVE_INFINITY): Signal[] {
    const out: Signal[] = [];
    for (let seq = Math.max(after, this.base) + 1; seq <= this.last && out.length < limit; seq++) {
      const signal = this.get(seq);
      if (signal) out.push(signal);
    }
    return out;
  }

  /** Every signal, in order. */
  *signals(): IterableIterator<Signal> {
    for (const signal of this.entries) if (signal) yield signal;
  }

  /** Sequence of the last signal at or before `atOrBefore` that concerns the venue (0 if none). */
  previousInScope(venueId: string, atOrBefore: number, scope?: VenueScope): number {
    for (let seq = Math.min(atOrBefore, this.last); seq > this.base; seq--) {
      const signal = this.get(seq);
      if (signal && concernsVenue(signal, venueId, scope)) return seq;
    }
    return 0;
  }

  /** How many signals after `after` concern the venue. */
  countInScope(venueId: string, after: number, scope?: VenueScope): number {
    let n = 0;
    for (let seq = Math.max(after, this.base) + 1; seq <= this.last; seq++) {
      const signal = this.get(seq);
      if (signal && concernsVenue(signal, venueId, scope)) n++;
    }
    return n;
  }

  /** Calls `listener` after each new entry; returns a function that removes it. */
  onEntry(listener: IndexListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves once the index has read up to `sequence`; rejects with LogLagError after `timeoutMs`. */
  waitFor(sequence: number, timeoutMs = 10_000): Promise<void> {
    if (this.last >= sequence) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = {
        sequence,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new LogLagError(sequence, this.last, timeoutMs));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }
}
