// Shared by the EVM integration tests: the published stream as a consumer sees it.
import { type Bus, replay, streams } from "@breakwater/bus";
import { ExposureBook } from "@breakwater/core";
import type { BlockEvent, BlockRef, ChainEventSink } from "../../chain-driver.js";
import { chainEventOf } from "../../test-helpers.js";

/** Every position, price and retraction of `chainId`, in stream order. */
export async function publishedEvents(bus: Bus, chainId: string): Promise<BlockEvent[]> {
  const out: BlockEvent[] = [];
  await replay(bus, {
    stream: streams.chainEvents.name,
    onMessage: (subject, data) => {
      const e = chainEventOf(chainId, subject, data);
      if (e && e.kind !== "heartbeat") out.push(e);
    },
  });
  return out;
}

/** A consumer: the stream applied to an ExposureBook (updates applied, retractions undone). */
export function bookOf(events: readonly BlockEvent[]): ExposureBook {
  const book = new ExposureBook();
  for (const e of events) {
    if (e.kind === "position") book.apply(e.value);
    else if (e.kind === "retraction") book.retract(e.value.retractedEventId);
  }
  return book;
}

/** Open positions after applying the stream, as "account market side size", sorted. */
export function openPositions(events: readonly BlockEvent[]): string[] {
  return [...bookOf(events).positions()].map((p) => `${p.account} ${p.market} ${p.side} ${p.size}`).sort();
}

/** Event ids that appear more than once among positions and prices. */
export function duplicateIds(events: readonly BlockEvent[]): string[] {
  const seen = new Set<string>();
  const dups: string[] = [];
  for (const e of events) {
    if (e.kind === "retraction") continue;
    if (seen.has(e.value.eventId)) dups.push(e.value.eventId);
    seen.add(e.value.eventId);
  }
  return dups;
}

/** A sink that keeps what a driver hands it (in-process driver tests). */
export class MemorySink implements ChainEventSink {
  events: BlockEvent[] = [];
  processedBlock = -1;
  troubles: (string | undefined)[] = [];
  async head(_: BlockRef): Promise<void> {}
  async publish(e: BlockEvent): Promise<void> {
    this.events.push(e);
  }
  async processed(block: BlockRef): Promise<void> {
    this.processedBlock = block.number;
  }
  trouble(detail: string | undefined): void {
    this.troubles.push(detail);
  }
}
