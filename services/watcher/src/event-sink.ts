import {
  type Bus,
  deadLetter,
  encodeChainEvent,
  MAX_MESSAGE_BYTES,
  type OutgoingMessage,
  publishMany,
  subjects,
} from "@breakwater/bus";
import { validatePositionUpdate, validatePriceTick, validateRetraction } from "@breakwater/core";
import { inSpan, type Logger } from "@breakwater/telemetry";
import type { Tracer } from "@opentelemetry/api";
import type { BlockEvent, BlockRef, ChainEventSink, Checkpoint, ResumeData } from "./chain-driver.js";
import type { ChainProgress } from "./chain-progress.js";
import type { CheckpointStore } from "./checkpoint-store.js";
import { watcherMetrics } from "./metrics.js";

export interface BusEventSinkOptions {
  readonly bus: Bus;
  readonly chainId: string;
  readonly driverKind: string;
  readonly store: CheckpointStore;
  readonly progress: ChainProgress;
  readonly tracer: Tracer;
  readonly log: Logger;
  /** The checkpoint the watcher started from, if any. */
  readonly initial: Checkpoint | undefined;
}

/** Throws ValidationError naming every bad field. */
function validate(e: BlockEvent): void {
  if (e.kind === "position") validatePositionUpdate(e.value);
  else if (e.kind === "price") validatePriceTick(e.value);
  else validateRetraction(e.value);
}

/**
 * The runtime's side of the driver contract: publishes events to the bus with
 * their event ids as dedup ids (one by one or in batches, see `publishMany`),
 * then checkpoints each processed block. An event that fails validation is
 * dead-lettered and counted, never published.
 */
export class BusEventSink implements ChainEventSink {
  private last: Checkpoint | undefined;

  constructor(private readonly opts: BusEventSinkOptions) {
    this.last = opts.initial;
  }

  /** The last checkpoint saved (or started from): where a restarted driver resumes. */
  get lastCheckpoint(): Checkpoint | undefined {
    return this.last;
  }

  async head(head: BlockRef): Promise<void> {
    this.opts.progress.setHead(head);
    watcherMetrics.headBlock.set(
      { chain: this.opts.chainId },
      this.opts.progress.head?.number ?? head.number,
    );
  }

  /** One event: a batch of one (validated, dead-lettered when invalid, stored under its event id). */
  async publish(e: BlockEvent): Promise<void> {
    await this.publishBatch([e]);
  }

  async publishBatch(events: readonly BlockEvent[]): Promise<void> {
    const { bus, chainId } = this.opts;
    const messages: OutgoingMessage[] = [];
    const kinds: BlockEvent["kind"][] = [];
    for (const e of events) {
      const subject = subjects[e.kind](chainId);
      const data = encodeChainEvent(e);
      try {
        validate(e);
        if (data.length > MAX_MESSAGE_BYTES)
          throw new Error(
            `encoded event of ${data.length} bytes exceeds the ${MAX_MESSAGE_BYTES}-byte limit`,
          );
      } catch (err) {
        await this.reject(e, subject, data, String((err as Error).message));
        continue;
      }
      messages.push({ subject, data, msgId: e.value.eventId });
      kinds.push(e.kind);
    }
    if (messages.length === 0) return;
    const published = await inSpan(this.opts.tracer, "watcher.publish", (span) => {
      span.setAttributes({ "bw.chain": chainId, "bw.events": messages.length });
      return publishMany(bus, messages);
    }).catch((err: unknown) => {
      watcherMetrics.errors.inc({ chain: chainId, stage: "publish" });
      throw err;
    });
    const counts = new Map<string, { published: number; duplicates: number }>();
    published.forEach((p, i) => {
      const kind = kinds[i]!;
      const c = counts.get(kind) ?? { published: 0, duplicates: 0 };
      counts.set(kind, c);
      if (p.duplicate) c.duplicates++;
      else c.published++;
    });
    for (const [kind, c] of counts) {
      const labels = { chain: chainId, kind };
      if (c.published) watcherMetrics.eventsPublished.inc(labels, c.published);
      if (c.duplicates) watcherMetrics.publishDuplicates.inc(labels, c.duplicates);
    }
  }

  async processed(block: BlockRef, resume: ResumeData): Promise<void> {
    const { chainId, store, progress } = this.opts;
    const checkpoint: Checkpoint = {
      chainId,
      driver: this.opts.driverKind,
      blockNumber: block.number,
      blockHash: block.hash,
      blockTimeMs: block.timeMs,
      resume,
      savedAtMs: Date.now(),
    };
    await store.save(checkpoint).catch((err: unknown) => {
      watcherMetrics.errors.inc({ chain: chainId, stage: "checkpoint" });
      throw err;
    });
    this.last = checkpoint;
    progress.setProcessed(block);
    watcherMetrics.checkpoints.inc({ chain: chainId });
    watcherMetrics.processedBlock.set({ chain: chainId }, block.number);
  }

  trouble(detail: string | undefined): void {
    this.opts.progress.setTrouble(detail);
    if (detail)
      this.opts.log.warn({ chain: this.opts.chainId, detail }, "driver has trouble following the chain");
  }

  private async reject(e: BlockEvent, subject: string, payload: Uint8Array, error: string): Promise<void> {
    const { bus, chainId, log } = this.opts;
    watcherMetrics.errors.inc({ chain: chainId, stage: "invalid_event" });
    log.error(
      { chain: chainId, kind: e.kind, eventId: e.value.eventId, err: error },
      "driver produced an invalid event",
    );
    await deadLetter(bus, {
      service: "watcher",
      subject,
      payload,
      error,
      originId: `${chainId}:${e.value.eventId}`,
    });
  }
}
