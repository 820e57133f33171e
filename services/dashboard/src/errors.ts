import { BreakwaterError, type ErrorStatus } from "@breakwater/core";

/** Which API the dashboard reads. */
export type Upstream = "correlator" | "coordinator";

/**
 * A call to the correlator's or the coordinator's API that did not give a
 * usable answer: unreachable, timed out, refused (401/403: the dashboard's own
 * token), an error status, or a body that is not JSON. `reason` is the metric label.
 */
export class UpstreamError extends BreakwaterError {
  override readonly status: ErrorStatus = "unavailable";
  override readonly retryable = true;

  constructor(
    readonly upstream: Upstream,
    readonly path: string,
    readonly reason: "unreachable" | "timeout" | "refused" | "status" | "not_json",
    detail: string,
    readonly httpStatus?: number,
    cause?: unknown,
  ) {
    super("upstream_failed", `${upstream} ${path}: ${detail}`, { upstream, path, reason, httpStatus }, cause);
  }
}
