import type { ChainEvent } from "@breakwater/bus";
import { firstTimeAhead, TimeAheadError } from "@breakwater/core";

/**
 * An event stamped further into the future than the bound allows, against when
 * it was received; its own code, so the rejection metric counts it apart.
 */
export class ChainTimeAheadError extends TimeAheadError {
  constructor(field: string, aheadMs: number, maxFutureSkewMs: number, context: Record<string, unknown>) {
    super({ field, aheadMs }, maxFutureSkewMs, "when the event was received", context, "future_chain_time");
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
 * `maxFutureSkewMs` past `receivedAtMs` (the stream's stored time of the
 * message). One well-formed tick stamped an hour ahead would otherwise become
 * the asset's newest point: every real source would look stale next to it and
 * the reference price would stay pinned while the market falls.
 */
export function checkChainTime(event: ChainEvent, receivedAtMs: number, maxFutureSkewMs: number): void {
  const ahead = firstTimeAhead(timesOf(event), receivedAtMs, maxFutureSkewMs);
  if (ahead)
    throw new ChainTimeAheadError(ahead.field, ahead.aheadMs, maxFutureSkewMs, {
      kind: event.kind,
      chainId: event.value.chainId,
    });
}
