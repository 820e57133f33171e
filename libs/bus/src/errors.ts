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

/** A credential or TLS file the bus connection needs is missing or unreadable. */
export class BusCredentialsError extends BreakwaterError {
  override readonly status: ErrorStatus = "failed_precondition";
  constructor(file: string, reason: string, cause?: unknown) {
    super("bus_credentials", `NATS credential file ${file} ${reason}`, { file }, cause);
  }
}

/**
 * NATS refused an operation this service's identity is not permitted: a
 * publish or subscription outside its subject permissions. Never retried: a
 * retry gets the same answer; the deployment's authorization config is wrong,
 * or something tries what its role must not do.
 */
export class BusPermissionError extends BreakwaterError {
  override readonly status: ErrorStatus = "permission_denied";
  constructor(
    readonly operation: "publish" | "subscribe",
    readonly subject: string,
    cause?: unknown,
  ) {
    super(
      "bus_permission_denied",
      `NATS denied ${operation} on ${subject}: the service's NATS identity is not permitted to${
        subject.startsWith("_INBOX") ? " (its own inbox: is the seed file another service's?)" : ""
      } (see docs/architecture.md, NATS identities and permissions)`,
      { operation, subject },
      cause,
    );
  }
}

/** NATS refused the connection: no credentials, unknown ones, or wrong ones. */
export class BusAuthenticationError extends BreakwaterError {
  override readonly status: ErrorStatus = "unauthenticated";
  constructor(client: string, cause?: unknown) {
    super(
      "bus_unauthenticated",
      `NATS refused ${client}'s credentials (none given, unknown, or wrong): check its NATS credential settings`,
      { client },
      cause,
    );
  }
}
