import { BreakwaterError, type ErrorStatus } from "@breakwater/core";

/** A message on the bus that could not be decoded or failed validation. */
export class MalformedMessageError extends BreakwaterError {
  override readonly status: ErrorStatus = "invalid_argument";
  constructor(subject: string, reason: string, cause?: unknown) {
    super("malformed_message", `malformed message on ${subject}: ${reason}`, { subject }, cause);
  }
}

/** The bus refused or could not take a publish (after retrying for its deadline); a later try may succeed. */
export class PublishError extends BreakwaterError {
  override readonly status: ErrorStatus = "unavailable";
  override readonly retryable = true;
  constructor(subject: string, reason: string, cause?: unknown) {
    super("publish_failed", `publish to ${subject} failed: ${reason}`, { subject }, cause);
  }
}

/** An append to the signal log was fenced off: another writer appended first. */
export class FencedAppendError extends BreakwaterError {
  override readonly status: ErrorStatus = "failed_precondition";
  constructor(expectedLastSequence: number, cause?: unknown) {
    super(
      "fenced",
      `append rejected: the log is no longer at sequence ${expectedLastSequence} (another leader appended)`,
      { expectedLastSequence },
      cause,
    );
  }
}
