import { BreakwaterError, type ErrorStatus } from "@breakwater/core";

/** Root of the SDK's errors. */
export class VenueClientError extends BreakwaterError {}

/** The options given to {@link VenueClient} cannot work. */
export class InvalidClientOptionsError extends VenueClientError {
  override readonly status: ErrorStatus = "invalid_argument";
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super("invalid_options", `invalid VenueClient options: ${problems.join("; ")}`, { problems });
    this.problems = problems;
  }
}

/**
 * The client could not prove it received every signal in its scope: the
 * coordinator's `previous_in_scope` does not match the last signal the client
 * processed. The client resubscribes from `resumeFrom`.
 */
export class ContinuityGapError extends VenueClientError {
  override readonly status: ErrorStatus = "failed_precondition";
  /** Resubscribing from `resumeFrom` recovers. */
  override readonly retryable = true;
  constructor(
    readonly venueId: string,
    /** Sequence of the signal or marker that revealed the gap. */
    readonly at: number,
    /** The last in-scope sequence the client processed (undefined when unknown). */
    readonly expectedPrevious: number | undefined,
    /** What the coordinator says the previous in-scope sequence is. */
    readonly actualPrevious: number,
    /** Sequence the client resubscribes after. */
    readonly resumeFrom: number,
  ) {
    super(
      "continuity_gap",
      `venue ${venueId}: cannot prove continuity at sequence ${at}: coordinator says the previous signal ` +
        `in scope is ${actualPrevious}, the client last processed ${expectedPrevious ?? "an unknown sequence"}; ` +
        `resubscribing after ${resumeFrom}`,
      { venueId, at, expectedPrevious, actualPrevious, resumeFrom },
    );
  }
}

/** The subscription stream failed or ended; the client reconnects. */
export class SubscriptionLostError extends VenueClientError {
  override readonly status: ErrorStatus = "unavailable";
  override readonly retryable = true;
  constructor(
    readonly grpcCode: number | undefined,
    details: string,
    cause?: unknown,
  ) {
    super("subscription_lost", `subscription lost: ${details}`, { grpcCode }, cause);
  }
}

/** An ack could not be recorded by the coordinator. */
export class AckFailedError extends VenueClientError {
  constructor(
    readonly sequence: number,
    readonly state: string,
    readonly grpcCode: number | undefined,
    details: string,
    cause?: unknown,
  ) {
    super(
      "ack_failed",
      `ack ${state} of sequence ${sequence} failed: ${details}`,
      { sequence, state, grpcCode },
      cause,
    );
  }
}

/** The application's handler (or an `applyAt` action) threw; the signal is acked REJECTED. */
export class HandlerFailedError extends VenueClientError {
  constructor(
    readonly sequence: number,
    cause: unknown,
  ) {
    super(
      "handler_failed",
      `handling signal ${sequence} failed: ${cause instanceof Error ? cause.message : String(cause)}`,
      { sequence },
      cause,
    );
  }
}

/** A signal failed signature verification; it is not handed to the handler and is acked REJECTED. */
export class SignatureError extends VenueClientError {
  override readonly status: ErrorStatus = "unauthenticated";
  constructor(
    readonly sequence: number,
    readonly keyId: string,
    readonly reason: string,
  ) {
    super(
      "invalid_signature",
      `signal ${sequence} failed signature verification (${reason}, key id "${keyId}"); not applied`,
      { sequence, keyId, reason },
    );
  }
}

/**
 * A signal's handler kept failing through every retry: the venue stopped
 * applying signals (and the subscription) rather than skip it silently. Fix
 * the cause and call `retry()`, or decide to `skip(sequence, reason)`.
 */
export class SignalStuckError extends VenueClientError {
  override readonly status: ErrorStatus = "failed_precondition";
  constructor(
    readonly sequence: number,
    readonly attempts: number,
    cause: unknown,
  ) {
    super(
      "signal_stuck",
      `signal ${sequence} could not be applied after ${attempts} attempts ` +
        `(${cause instanceof Error ? cause.message : String(cause)}); applying stopped: retry() or skip(${sequence}, reason)`,
      { sequence, attempts },
      cause,
    );
  }
}
