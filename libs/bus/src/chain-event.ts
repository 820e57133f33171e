import type { ChainHeartbeat, PositionUpdate, PriceTick, Retraction } from "@breakwater/proto";
import { type Codec, chainEventCodecs } from "./codec.js";
import { MalformedMessageError } from "./errors.js";
import { subjects } from "./subjects.js";

/** One event on `bw.chain.<chain>.<kind>`: its kind (the subject's last token) and its message. */
export type ChainEvent =
  | { readonly kind: "position"; readonly value: PositionUpdate }
  | { readonly kind: "price"; readonly value: PriceTick }
  | { readonly kind: "heartbeat"; readonly value: ChainHeartbeat }
  | { readonly kind: "retraction"; readonly value: Retraction };

export type ChainEventKind = ChainEvent["kind"];

/** The chain events of some kinds, e.g. `ChainEventOf<"price">`. */
export type ChainEventOf<K extends ChainEventKind> = Extract<ChainEvent, { readonly kind: K }>;

/** The chain-event codecs, the bus's defaults or ones with configured amount bounds. */
export type ChainEventCodecs = ReturnType<typeof chainEventCodecs>;

export const CHAIN_EVENT_KINDS: readonly ChainEventKind[] = ["position", "price", "heartbeat", "retraction"];

const defaultCodecs = chainEventCodecs();

/** The kind of chain event a subject carries, from its last token. */
export function chainEventKindOf(subject: string): ChainEventKind | undefined {
  const kind = subject.slice(subject.lastIndexOf(".") + 1);
  return (CHAIN_EVENT_KINDS as readonly string[]).includes(kind) ? (kind as ChainEventKind) : undefined;
}

/** The subject an event belongs on: its kind on its own chain. */
export function chainEventSubject(event: ChainEvent): string {
  return subjects[event.kind](event.value.chainId);
}

/**
 * The codec of `kind`. The codecs are keyed by kind, so the one found is the
 * one for that kind's message: the cast only restates that.
 */
function codecOf(codecs: ChainEventCodecs, kind: ChainEventKind): Codec<ChainEvent["value"]> {
  return codecs[kind] as Codec<ChainEvent["value"]>;
}

/** The protobuf bytes of an event's message (unvalidated: decoding validates). */
export function encodeChainEvent(event: ChainEvent): Uint8Array {
  return codecOf(defaultCodecs, event.kind).encode(event.value);
}

/**
 * Decodes a chain event by its subject's kind and checks that the event's
 * chain is the chain its subject names, so one chain's watcher cannot write
 * another chain's exposure. Throws MalformedMessageError (→ dead letter).
 * `codecs`: the bus's, or ones with configured amount bounds.
 */
export function decodeChainEvent(
  subject: string,
  data: Uint8Array,
  codecs: ChainEventCodecs = defaultCodecs,
): ChainEvent {
  const kind = chainEventKindOf(subject);
  if (kind === undefined)
    throw new MalformedMessageError(
      subject,
      `unknown chain event kind (known: ${CHAIN_EVENT_KINDS.join(", ")})`,
    );
  const event = { kind, value: codecOf(codecs, kind).decode(data, subject) } as ChainEvent;
  const expected = chainEventSubject(event);
  if (subject !== expected) {
    throw new MalformedMessageError(
      subject,
      `chain_id "${event.value.chainId}" does not match the subject (expected ${expected})`,
    );
  }
  return event;
}
