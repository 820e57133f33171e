import {
  type ChainEventKind,
  type chainEventCodecs,
  chainEventKindOf,
  codecs as defaultCodecs,
  MalformedMessageError,
  subjects,
} from "@breakwater/bus";
import type { ChainHeartbeat, PositionUpdate, PriceTick, Retraction } from "@breakwater/proto";

/** One decoded, validated event from `bw.chain.<chain>.<kind>`. */
export type ChainEvent =
  | { readonly kind: "position"; readonly value: PositionUpdate }
  | { readonly kind: "price"; readonly value: PriceTick }
  | { readonly kind: "heartbeat"; readonly value: ChainHeartbeat }
  | { readonly kind: "retraction"; readonly value: Retraction };

export const CHAIN_EVENT_KINDS: readonly ChainEventKind[] = ["position", "price", "heartbeat", "retraction"];

/**
 * Decodes a chain event by its subject's kind and checks that the event's
 * chain is the chain its subject names, so one chain's watcher cannot write
 * another chain's exposure. Throws MalformedMessageError (→ dead letter).
 * `codecs`: the bus's, or ones with configured amount bounds.
 */
export function decodeChainEvent(
  subject: string,
  data: Uint8Array,
  codecs: ReturnType<typeof chainEventCodecs> = defaultCodecs,
): ChainEvent {
  const kind = chainEventKindOf(subject);
  let event: ChainEvent;
  switch (kind) {
    case "position":
      event = { kind, value: codecs.position.decode(data, subject) };
      break;
    case "price":
      event = { kind, value: codecs.price.decode(data, subject) };
      break;
    case "heartbeat":
      event = { kind, value: codecs.heartbeat.decode(data, subject) };
      break;
    case "retraction":
      event = { kind, value: codecs.retraction.decode(data, subject) };
      break;
    default:
      throw new MalformedMessageError(
        subject,
        `unknown chain event kind (known: ${CHAIN_EVENT_KINDS.join(", ")})`,
      );
  }
  const expected = subjects[event.kind](event.value.chainId);
  if (subject !== expected) {
    throw new MalformedMessageError(
      subject,
      `chain_id "${event.value.chainId}" does not match the subject (expected ${expected})`,
    );
  }
  return event;
}
