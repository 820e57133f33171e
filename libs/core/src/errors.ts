/**
 * What kind of failure an error is, in the terms every edge answers in (a gRPC
 * status, an HTTP status): a closed set, so one mapping covers every error.
 */
export type ErrorStatus =
  | "invalid_argument"
  | "not_found"
  | "permission_denied"
  | "unauthenticated"
  | "failed_precondition"
  | "resource_exhausted"
  | "unavailable"
  | "internal";

/**
 * The root of Breakwater's typed errors: a short message, a machine-readable
 * code, the offending input as context, and the original cause. `status` says
 * what kind of failure it is and `retryable` whether trying the same thing
 * again may succeed; a subclass overrides both as fields. An error that says
 * nothing is `internal` and not retryable, so nothing is retried or exposed by
 * accident.
 */
export class BreakwaterError extends Error {
  readonly code: string;
  readonly context: Readonly<Record<string, unknown>>;
  readonly status: ErrorStatus = "internal";
  readonly retryable: boolean = false;

  constructor(code: string, message: string, context: Record<string, unknown> = {}, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = new.target.name;
    this.code = code;
    this.context = context;
  }
}

/** The status of anything thrown: a BreakwaterError says it; anything else is internal. */
export function statusOf(thrown: unknown): ErrorStatus {
  return thrown instanceof BreakwaterError ? thrown.status : "internal";
}

/** Whether trying again may succeed: only a BreakwaterError that says so. */
export function isRetryable(thrown: unknown): boolean {
  return thrown instanceof BreakwaterError && thrown.retryable;
}

/** An event, message or query that breaks the domain's rules. */
export class ValidationError extends BreakwaterError {
  override readonly status: ErrorStatus = "invalid_argument";
  readonly problems: readonly string[];

  constructor(
    what: string,
    problems: readonly string[],
    context: Record<string, unknown> = {},
    code = "invalid_input",
  ) {
    super(code, `invalid ${what}: ${problems.join("; ")}`, context);
    this.problems = problems;
  }
}

/**
 * An event whose amounts are not finite or lie past the bounds in force (a
 * price of 10^308 is a well-formed decimal, and it turns exposure into
 * Infinity). Code `amount_out_of_bounds`, so a consumer can count these apart
 * from other invalid events.
 */
export class AmountOutOfBoundsError extends ValidationError {
  constructor(what: string, problems: readonly string[], context: Record<string, unknown> = {}) {
    super(what, problems, context, "amount_out_of_bounds");
  }
}

/**
 * A request (gRPC call, HTTP query or body) with a field that cannot be
 * served; the message is `field: reason`. Code `invalid_query`, the `error`
 * the researcher API's 400 body has always carried.
 */
export class InvalidRequestError extends BreakwaterError {
  override readonly status: ErrorStatus = "invalid_argument";
  readonly field: string;
  readonly reason: string;

  constructor(field: string, reason: string, context: Record<string, unknown> = {}) {
    super("invalid_query", `${field}: ${reason}`, { field, ...context });
    this.field = field;
    this.reason = reason;
  }

  /** The HTTP 400 body. */
  toJSON(): { error: string; field: string; reason: string } {
    return { error: this.code, field: this.field, reason: this.reason };
  }
}

/** A request for something that does not exist (a signal past the end of the log). */
export class NotFoundError extends BreakwaterError {
  override readonly status: ErrorStatus = "not_found";

  constructor(message: string, context: Record<string, unknown> = {}) {
    super("not_found", message, context);
  }
}

/**
 * A caller without a verified identity: no client certificate from the trusted
 * CA (none, another CA's, expired), a certificate naming no Breakwater identity,
 * an identity the registry does not know, or no valid bearer token. `reason` is
 * the metric label; the message never holds a secret.
 */
export class UnauthenticatedError extends BreakwaterError {
  override readonly status: ErrorStatus = "unauthenticated";

  constructor(
    readonly reason: string,
    message: string,
    context: Record<string, unknown> = {},
  ) {
    super("unauthenticated", message, { reason, ...context });
  }
}

/** A known caller asking for what its identity does not allow (another venue's stream, a role it lacks). */
export class PermissionDeniedError extends BreakwaterError {
  override readonly status: ErrorStatus = "permission_denied";

  constructor(
    readonly reason: string,
    message: string,
    context: Record<string, unknown> = {},
  ) {
    super("permission_denied", message, { reason, ...context });
  }
}

/** A caller past one of its limits (streams, request rate, message size); it may try again later. */
export class LimitExceededError extends BreakwaterError {
  override readonly status: ErrorStatus = "resource_exhausted";
  override readonly retryable = true;

  constructor(
    readonly limit: string,
    message: string,
    context: Record<string, unknown> = {},
  ) {
    super("limit_exceeded", message, { limit, ...context });
  }
}

/** Turns anything thrown into an Error without losing it. */
export function asError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(String(thrown));
}
