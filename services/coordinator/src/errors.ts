import { BreakwaterError, type ErrorStatus } from "@breakwater/core";

/** The signal log broke an invariant (stream sequence ≠ signal sequence, a hole, a rewrite). */
export class LogInconsistencyError extends BreakwaterError {
  constructor(message: string, context: Record<string, unknown>) {
    super("log_inconsistent", message, context);
  }
}

/** An append kept being fenced by other writers and gave up. */
export class AppendContendedError extends BreakwaterError {
  override readonly status: ErrorStatus = "unavailable";
  override readonly retryable = true;
  constructor(signalId: string, attempts: number) {
    super(
      "append_contended",
      `append of ${signalId} was fenced ${attempts} times in a row; another writer keeps appending`,
      { signalId, attempts },
    );
  }
}

/** Waiting for the log reader to reach a sequence took too long. */
export class LogLagError extends BreakwaterError {
  override readonly status: ErrorStatus = "unavailable";
  override readonly retryable = true;
  constructor(sequence: number, readUpTo: number, waitedMs: number) {
    super(
      "log_lag",
      `the log reader did not reach sequence ${sequence} within ${waitedMs}ms (read up to ${readUpTo})`,
      { sequence, readUpTo, waitedMs },
    );
  }
}

/**
 * This replica may not append: it does not hold the leader lease, or the log
 * already holds a signal from a later term (it was deposed while paused).
 */
export class NotLeaderError extends BreakwaterError {
  override readonly status: ErrorStatus = "failed_precondition";
  constructor(term: number, reason: string, context: Record<string, unknown> = {}) {
    super("not_leader", `the writer of term ${term} may not append: ${reason}`, { term, ...context });
  }
}
