import {
  type AmountBoundsOf,
  type ChainEvent,
  chainEventCodecs,
  decodeChainEvent,
  MalformedMessageError,
} from "@breakwater/bus";
import type { AmountBoundsOverride } from "@breakwater/core";
import { ChainTimeAheadError, checkChainTime } from "./chain-time-guard.js";

export interface ChainEventDecoderOptions {
  /** Per-asset overrides of core's default amount bounds. */
  readonly amountBounds?: Readonly<Record<string, AmountBoundsOverride>> | undefined;
  /** How far an event's times may lie past its receipt (ms). */
  readonly maxFutureSkewMs: number;
}

/** Why an event was rejected, for the rejection metric. */
export type RejectReason = "future_chain_time" | "amount_out_of_bounds" | "invalid";

/**
 * Decodes and validates a chain event as the correlator accepts it: the
 * codecs' checks with the configured amount bounds, then the chain-time bound
 * against `receivedAtMs` (the stream's stored time). Throws
 * MalformedMessageError (→ dead letter) whose cause says why.
 */
export function chainEventDecoder(
  opts: ChainEventDecoderOptions,
): (subject: string, data: Uint8Array, receivedAtMs: number) => ChainEvent {
  const bounds = opts.amountBounds ?? {};
  const boundsOf: AmountBoundsOf = (asset) => (Object.hasOwn(bounds, asset) ? bounds[asset] : undefined);
  const codecs = chainEventCodecs(boundsOf);
  return (subject, data, receivedAtMs) => {
    const event = decodeChainEvent(subject, data, codecs);
    try {
      checkChainTime(event, receivedAtMs, opts.maxFutureSkewMs);
    } catch (err) {
      throw new MalformedMessageError(subject, (err as Error).message, err);
    }
    return event;
  };
}

/** The reason label of a decode failure. */
export function rejectReasonOf(err: unknown): RejectReason {
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof ChainTimeAheadError) return "future_chain_time";
  if ((cause as { code?: unknown } | undefined)?.code === "amount_out_of_bounds")
    return "amount_out_of_bounds";
  return "invalid";
}
