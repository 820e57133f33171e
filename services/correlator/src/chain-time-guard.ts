import type { ChainEvent } from "@breakwater/bus";
import { BreakwaterError, type ErrorStatus } from "@breakwater/core";

/** An event stamped further into the future than the bound allows, against when it was received. */
export class ChainTimeAheadError extends BreakwaterError {
  override readonly status: ErrorStatus = "invalid_argument";
  constructor(field: string, aheadMs: number, maxFutureSkewMs: number, context: Record<string, unknown>) {
    super(
      "future_chain_time",
      `${field} is ${aheadMs} ms ahead of when the event was received (at most ${maxFutureSkewMs} ms allowed)`,
      { field, aheadMs, maxFutureSkewMs, ...context },
    );
  }
}

/** The times an event carries that the correlator keeps as its own clock (chain time, watcher time). */
function timesOf(event: ChainEvent): [string, number][] {
  switch (event.kind) {
    case "position":
      return [
        ["chain_time_ms", event.value.chainTimeMs],
        ["observed_at_ms", event.value.observedAtMs],
      ];
    case "price":
      return [
        ["chain_time_ms", event.value.chainTimeMs],
        ["observed_at_ms", event.value.observedAtMs],
      ];
    case "heartbeat":
      return [
        ["observed_at_ms", event.value.observedAtMs],
        ["head_time_ms", event.value.headTimeMs],
      ];
    case "retraction":
      return [["observed_at_ms", event.value.observedAtMs]];
  }
}

/**
 * Rejects an event whose chain or watcher time lies more than
 * `maxFutureSkewMs` past `receivedAtMs`. One well-formed tick stamped an hour
 * (or 75 years) ahead would otherwise become the asset's newest point: every
 * real source would look stale next to it and the reference price would stay
 * pinned while the market falls. `receivedAtMs` is the stream's stored time of
 * the message, the same on every delivery and replay, so an event rejected
 * once is rejected again after any restart, however much later.
 */
export function checkChainTime(event: ChainEvent, receivedAtMs: number, maxFutureSkewMs: number): void {
  for (const [field, atMs] of timesOf(event)) {
    const aheadMs = atMs - receivedAtMs;
    if (aheadMs > maxFutureSkewMs)
      throw new ChainTimeAheadError(field, aheadMs, maxFutureSkewMs, {
        kind: event.kind,
        chainId: event.value.chainId,
      });
  }
}
