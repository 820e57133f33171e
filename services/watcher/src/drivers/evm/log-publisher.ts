import type { Logger } from "@breakwater/telemetry";
import type { BlockEvent, ChainEventSink } from "../../chain-driver.js";
import type { AdapterSet } from "./adapter-set.js";
import { type ContractReader, type LogContext, LogDecodeError } from "./adapters/adapter.js";
import { evmMetrics } from "./evm-metrics.js";
import { OrderedBatchPublisher } from "./ordered-batch-publisher.js";
import type { RangeHeaders } from "./range-reader.js";
import type { ChainLog } from "./rpc-schemas.js";

export interface LogPublisherOptions {
  readonly chain: string;
  readonly adapters: AdapterSet;
  readonly reader: ContractReader;
  readonly sink: ChainEventSink;
  readonly log: Logger;
  readonly now: () => number;
}

/** An event and the block it came from (whose header stamps its chain time). */
interface EventInBlock {
  readonly event: BlockEvent;
  readonly block: number;
}

/** Events per publish batch: decoding goes on while a batch is being stored. */
const PUBLISH_BATCH = 128;
/** Decoding yields to I/O this often (logs), so batches go out while the rest decodes. */
const YIELD_EVERY_LOGS = 128;

/** Turns a block's or a range's logs into published events, through the chain's adapters. */
export class LogPublisher {
  private readonly store: (batch: BlockEvent[]) => Promise<void>;

  constructor(private readonly opts: LogPublisherOptions) {
    const sink = opts.sink;
    this.store = sink.publishBatch
      ? (batch) => sink.publishBatch!(batch)
      : async (batch) => {
          for (const e of batch) await sink.publish(e);
        };
  }

  /**
   * Decodes the logs and publishes their events while decoding, in batches
   * (see OrderedBatchPublisher): the states of one position are stored in
   * chain order even when a publish is retried, everything else goes out
   * without waiting. Nothing goes out before `headers` resolve (and not at all
   * if they reject); decoding overlaps their reading unless an adapter needs
   * block times to decode, and each event's chain time is stamped from its
   * block's header. Resolves when everything is stored, with the published
   * event ids by block.
   */
  async publish(logs: readonly ChainLog[], headers: Promise<RangeHeaders>): Promise<Map<number, string[]>> {
    const ids = new Map<number, string[]>();
    const publisher = new OrderedBatchPublisher<EventInBlock>(
      async (batch) => {
        const { byNumber } = await headers;
        for (const { event, block } of batch) stampChainTime(event, byNumber.get(block)!.timeMs);
        await this.store(batch.map((b) => b.event));
      },
      (b) => keyOf(b.event),
      PUBLISH_BATCH,
    );
    try {
      await this.decodeInto(logs, headers, ids, publisher);
    } catch (err) {
      // settle what is in flight before the range is retried, so nothing of this attempt lingers
      await publisher.drain().catch(() => undefined);
      throw err;
    }
    await publisher.drain();
    return ids;
  }

  /** Decodes the logs, records each event's id by block and hands the event to `publisher`. */
  private async decodeInto(
    logs: readonly ChainLog[],
    headers: Promise<RangeHeaders>,
    ids: Map<number, string[]>,
    publisher: OrderedBatchPublisher<EventInBlock>,
  ): Promise<void> {
    const { chain, adapters, reader, log: logger } = this.opts;
    const times = adapters.needsBlockTime ? (await headers).byNumber : undefined;
    const decodedBy = new Map<string, number>();
    const observedAtMs = this.opts.now();
    for (const [n, log] of logs.entries()) {
      // let acknowledgements in (and batches out) while a long range decodes
      if (n > 0 && n % YIELD_EVERY_LOGS === 0) await new Promise((r) => setImmediate(r));
      const ctx: LogContext = {
        chainId: chain,
        blockTimeMs: times ? times.get(log.blockNumber)!.timeMs : 0,
        observedAtMs,
        reader,
      };
      for (const adapter of adapters.of(log.address)) {
        let events: BlockEvent[];
        try {
          events = await adapter.decode(log, ctx);
        } catch (err) {
          if (!(err instanceof LogDecodeError)) throw err;
          evmMetrics.logsRejected.inc({ chain, adapter: adapter.name, reason: err.kind });
          logger.warn({ chain, adapter: adapter.name, err: err.message }, "log rejected");
          continue;
        }
        if (events.length > 0) decodedBy.set(adapter.name, (decodedBy.get(adapter.name) ?? 0) + 1);
        for (const e of events) {
          if (e.kind === "price" && this.withheld(ctx.blockTimeMs)) continue;
          const list = ids.get(log.blockNumber) ?? [];
          list.push(e.value.eventId);
          ids.set(log.blockNumber, list);
          publisher.submit({ event: e, block: log.blockNumber });
        }
      }
    }
    for (const [adapter, n] of decodedBy) evmMetrics.logsDecoded.inc({ chain, adapter }, n);
  }

  /** Whether a price of chain time `atMs` is withheld by a price gate (counted when it is). */
  private withheld(atMs: number): boolean {
    for (const gate of this.opts.adapters.priceGates) {
      const distrust = gate.distrustPrices(atMs);
      if (distrust) {
        evmMetrics.pricesWithheld.inc({ chain: this.opts.chain, reason: distrust.reason });
        return true;
      }
    }
    return false;
  }
}

function stampChainTime(e: BlockEvent, timeMs: number): void {
  if (e.kind === "position" || e.kind === "price") e.value.chainTimeMs = timeMs;
}

/**
 * Events with the same key (states of one position) are stored in order: one
 * waits for the previous one's acknowledgement, so a retried publish can never
 * land after a later state. Price ticks are independent observations.
 */
function keyOf(e: BlockEvent): string {
  switch (e.kind) {
    case "position":
      return `p|${e.value.venueId}|${e.value.account}|${e.value.market}`;
    case "price":
      return `q|${e.value.eventId}`;
    case "retraction":
      return "r";
  }
}
