import { BreakwaterError, type ErrorStatus } from "@breakwater/core";

/**
 * An endpoint answered, but with something that is not a valid answer. Never
 * used, never published; asking again (another endpoint, later) may do.
 */
export class MalformedResponseError extends BreakwaterError {
  override readonly status: ErrorStatus = "unavailable";
  override readonly retryable = true;
  constructor(
    readonly endpoint: string,
    readonly method: string,
    readonly reason: string,
  ) {
    super("malformed_rpc_response", `${endpoint} answered ${method} with ${reason}`, { endpoint, method });
  }
}

/**
 * The provider refuses an eth_getLogs range as too large: the caller splits
 * it, and a refusal that reaches the follower is retried with the smaller
 * range remembered.
 */
export class LogRangeTooLargeError extends BreakwaterError {
  override readonly status: ErrorStatus = "unavailable";
  override readonly retryable = true;
  constructor(
    readonly fromBlock: number,
    readonly toBlock: number,
    detail: string,
  ) {
    super("log_range_too_large", `eth_getLogs ${fromBlock}..${toBlock} refused: ${detail}`, {
      fromBlock,
      toBlock,
    });
  }
}

/** No endpoint in rotation could answer; they may again once out of backoff. */
export class RpcUnavailableError extends BreakwaterError {
  override readonly status: ErrorStatus = "unavailable";
  override readonly retryable = true;
  constructor(method: string, problems: readonly string[]) {
    super(
      "rpc_unavailable",
      `no RPC endpoint could answer ${method}: ${problems.length ? problems.join("; ") : "none in rotation"}`,
      { method },
    );
  }
}
