/** What to do with a signal or marker the coordinator sent. */
export type Verdict =
  /** A new signal, and nothing in scope was missed before it: hand it to the application. */
  | { readonly kind: "deliver" }
  /** Already processed (sequence at or below what the client covers): drop it. */
  | { readonly kind: "duplicate" }
  /** A marker that moved (or confirmed) the covered position. */
  | { readonly kind: "covered"; readonly advanced: boolean }
  /** A marker behind what the client already covers (e.g. from a lagging replica): ignore it. */
  | { readonly kind: "stale" }
  /** Continuity cannot be proven; resubscribe after `resumeFrom`. */
  | {
      readonly kind: "gap";
      readonly expectedPrevious: number | undefined;
      readonly actualPrevious: number;
      readonly resumeFrom: number;
    };

/**
 * Proves that a venue missed nothing in its scope. The coordinator tags every
 * signal and marker with the sequence of the previous signal in the venue's
 * scope; it must be exactly the last in-scope signal the client processed.
 * `covered` is the log sequence up to which the client has everything in its
 * scope (it resubscribes after it); `lastInScope` is the last in-scope signal
 * it processed, unknown until the first signal or marker when the client
 * starts from a stored position.
 */
export class ContinuityTracker {
  private coveredSeq: number;
  private lastInScopeSeq: number | undefined;

  constructor(afterSequence: number, lastInScope?: number) {
    this.coveredSeq = afterSequence;
    this.lastInScopeSeq = lastInScope ?? (afterSequence === 0 ? 0 : undefined);
  }

  /** Log sequence up to which nothing in scope was missed. */
  get covered(): number {
    return this.coveredSeq;
  }

  /** Last in-scope signal processed (undefined when not yet known). */
  get lastInScope(): number | undefined {
    return this.lastInScopeSeq;
  }

  /** Judges a signal; a "deliver" verdict records it as processed. */
  onSignal(sequence: number, previousInScope: number): Verdict {
    if (sequence <= this.coveredSeq) return { kind: "duplicate" };
    if (!this.follows(previousInScope)) return this.gap(previousInScope);
    this.coveredSeq = sequence;
    this.lastInScopeSeq = sequence;
    return { kind: "deliver" };
  }

  /** Judges a marker: the log was checked up to `logSequence`, last in scope `previousInScope`. */
  onMarker(logSequence: number, previousInScope: number): Verdict {
    if (logSequence < this.coveredSeq) return { kind: "stale" };
    if (previousInScope > logSequence || !this.follows(previousInScope)) return this.gap(previousInScope);
    this.lastInScopeSeq = previousInScope;
    const advanced = logSequence > this.coveredSeq;
    this.coveredSeq = logSequence;
    return { kind: "covered", advanced };
  }

  private follows(previousInScope: number): boolean {
    return this.lastInScopeSeq === undefined
      ? previousInScope <= this.coveredSeq
      : previousInScope === this.lastInScopeSeq;
  }

  private gap(actualPrevious: number): Verdict {
    const expectedPrevious = this.lastInScopeSeq;
    // Fall back to the last point proven by a signal the client processed.
    const resumeFrom = Math.min(this.coveredSeq, this.lastInScopeSeq ?? this.coveredSeq);
    this.coveredSeq = resumeFrom;
    return { kind: "gap", expectedPrevious, actualPrevious, resumeFrom };
  }
}
