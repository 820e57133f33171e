import { asError, type ErrorStatus, statusOf } from "@breakwater/core";
import { status as grpcStatus } from "@grpc/grpc-js";
import type { Logger } from "./logger.js";

// The one mapping from an error's status to what each edge answers, so a gRPC
// call and an HTTP query that fail the same way say the same thing.

const GRPC: Record<ErrorStatus, grpcStatus> = {
  invalid_argument: grpcStatus.INVALID_ARGUMENT,
  not_found: grpcStatus.NOT_FOUND,
  permission_denied: grpcStatus.PERMISSION_DENIED,
  unauthenticated: grpcStatus.UNAUTHENTICATED,
  failed_precondition: grpcStatus.FAILED_PRECONDITION,
  resource_exhausted: grpcStatus.RESOURCE_EXHAUSTED,
  unavailable: grpcStatus.UNAVAILABLE,
  internal: grpcStatus.INTERNAL,
};

const HTTP: Record<ErrorStatus, number> = {
  invalid_argument: 400,
  not_found: 404,
  permission_denied: 403,
  unauthenticated: 401,
  failed_precondition: 409,
  resource_exhausted: 429,
  unavailable: 503,
  internal: 500,
};

/** The gRPC status code of anything thrown. */
export function grpcStatusOf(thrown: unknown): grpcStatus {
  return GRPC[statusOf(thrown)];
}

/** The HTTP status of anything thrown. */
export function httpStatusOf(thrown: unknown): number {
  return HTTP[statusOf(thrown)];
}

/**
 * What a caller may be told: the error's own message, except for an internal
 * error, whose message describes this process (paths, states, a bug) and is
 * for the log only.
 */
export function publicMessageOf(thrown: unknown): string {
  return statusOf(thrown) === "internal" ? "internal error" : asError(thrown).message;
}

/**
 * Logs a failed request at the level its status deserves: internal and
 * unavailable are the service's problem (error, with the full message), the
 * rest the caller's (info).
 */
export function logRequestFailure(
  log: Logger | undefined,
  thrown: unknown,
  bindings: Record<string, unknown>,
): void {
  if (!log) return;
  const status = statusOf(thrown);
  const err = asError(thrown);
  if (status === "internal" || status === "unavailable")
    log.error(
      { ...bindings, status, err: err.message, stack: status === "internal" ? err.stack : undefined },
      "request failed",
    );
  else log.info({ ...bindings, status, err: err.message }, "request rejected");
}
