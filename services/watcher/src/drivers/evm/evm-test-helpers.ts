// Shared by the EVM integration tests: the published stream as a consumer sees it.
import { type Bus, codecs, replay, streams, subjects } from "@breakwater/bus";
import { ExposureBook } from "@breakwater/core";
import type { PositionUpdate, PriceTick, Retraction } from "@breakwater/proto";
import type { BlockRef, ChainEvent, ChainEventSink } from "../../chain-driver.js";

export type Published =
  | { kind: "position"; event: PositionUpdate }
  | { kind: "price"; event: PriceTick }
  | { kind: "retraction"; event: Retraction };

/** Every position, price and retraction of `chainId`, in stream order. */
export async function publishedEvents(bus: Bus, chainId: string): Promise<Published[]> {
  const out: Published[] = [];
  await replay(bus, {
    stream: streams.chainEvents.name,
    onMessage: (subject, data) => {
      if (subject === subjects.position(chainId))
        out.push({ kind: "position", event: codecs.position.decode(data) });
      else if (subject === subjects.price(chainId))
        out.push({ kind: "price", event: codecs.price.decode(data) });
      else if (subject === subjects.retraction(chainId))
        out.push({ kind: "retraction", event: codecs.retraction.decode(data) });
    },
  });
  return out;
}

/** A consumer: the stream applied to an ExposureBook (updates applied, retractions undone). */
export function bookOf(events: readonly Published[]): ExposureBook {
  const book = new ExposureBook();
  for (const e of events) {
    if (e.kind === "position") book.apply(e.event);
    else if (e.kind === "retraction") book.retract(e.event.retractedEventId);
  }
  return book;
}

/** Open positions after applying the stream, as "account market side size", sorted. */
export function openPositions(events: readonly Published[]): string[] {
  return [...bookOf(events).positions()].map((p) => `${p.account} ${p.market} ${p.side} ${p.size}`).sort();
}

/** Event ids that appear more than once among positions and prices. */
export function duplicateIds(events: readonly Published[]): string[] {
  const seen = new Set<string>();
  const dups: string[] = [];
  for (const e of events) {
    if (e.kind === "retraction") continue;
    if (seen.has(e.event.eventId)) dups.push(e.event.eventId);
    seen.add(e.event.eventId);
  }
  return dups;
}

/** A sink that keeps what a driver hands it (in-process driver tests). */
export class MemorySink implements ChainEventSink {
  events: ChainEvent[] = [];
  processedBlock = -1;
  troubles: (string | undefined)[] = [];
  async head(_: BlockRef): Promise<void> {}
  async publish(e: ChainEvent): Promise<void> {
    this.events.push(e);
  }
  async processed(block: BlockRef): Promise<void> {
    this.processedBlock = block.number;
  }
  trouble(detail: string | undefined): void {
    this.troubles.push(detail);
  }
}
