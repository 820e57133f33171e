import type { Logger } from "@breakwater/telemetry";
import type {
  BlockRef,
  ChainDriver,
  ChainEvent,
  ChainEventSink,
  Checkpoint,
  ResumeData,
} from "../../chain-driver.js";
import { CheckpointMismatchError } from "../../errors.js";
import { abortableSleep as sleep } from "../abortable-sleep.js";
import type { LogAdapter, LogContext } from "./adapters/adapter.js";
import { LogDecodeError } from "./adapters/adapter.js";
import { ChainlinkFeedAdapter } from "./adapters/chainlink-feed.js";
import { SequencerUptimeAdapter } from "./adapters/sequencer-uptime.js";
import { BackfillProgress } from "./backfill-progress.js";
import { ChainReads } from "./chain-reads.js";
import { ChainWindow } from "./chain-window.js";
import { createAdapter } from "./create-adapters.js";
import type { EvmChainConfig } from "./evm-config.js";
import { evmMetrics } from "./evm-metrics.js";
import { OrderedBatchPublisher } from "./ordered-batch-publisher.js";
import { LogRangeTooLargeError, MalformedResponseError, RpcUnavailableError } from "./rpc-errors.js";
import { RpcPool } from "./rpc-pool.js";
import type { BlockHeader, ChainLog } from "./rpc-schemas.js";

export interface EvmDriverOptions {
  /** Breakwater chain id (subjects, checkpoints, event ids). */
  readonly chainId: string;
  readonly config: EvmChainConfig;
  readonly log: Logger;
  /** Extra adapters besides the configured ones (tests, embedding). */
  readonly adapters?: readonly LogAdapter[];
  readonly now?: () => number;
}

/** The chain changed under a read (a reorg in the middle of a range): redo it. */
class ChainMovedError extends Error {}

const refOf = (h: { number: number; hash: string; timeMs: number }): BlockRef => ({
  number: h.number,
  hash: h.hash,
  timeMs: h.timeMs,
});

/**
 * Follows an EVM chain through its RPC endpoints with viem: polls the head,
 * processes blocks `confirmations` deep, block by block near the head (each
 * block's parent hash checked against the window of recent hashes) and by
 * eth_getLogs ranges when behind (backfill, splitting ranges the provider
 * refuses). A reorg walks back to the common ancestor, retracts the events of
 * the orphaned blocks and reprocesses; one deeper than the window is an alarm.
 */
export class EvmDriver implements ChainDriver {
  readonly kind = "evm";
  readonly chainId: string;
  readonly pool: RpcPool;
  private readonly cfg: EvmChainConfig;
  private readonly log: Logger;
  private readonly reads: ChainReads;
  private readonly adaptersOf = new Map<string, LogAdapter[]>();
  private readonly sequencer: SequencerUptimeAdapter | undefined;
  private readonly feeds: ChainlinkFeedAdapter[];
  private readonly now: () => number;

  constructor(opts: EvmDriverOptions) {
    this.chainId = opts.chainId;
    this.cfg = opts.config;
    this.log = opts.log;
    this.now = opts.now ?? Date.now;
    if (opts.config.rpc.length === 0)
      throw new RangeError(`chain ${opts.chainId}: no RPC endpoint configured`);
    this.pool = new RpcPool({
      chain: opts.chainId,
      chainNumericId: opts.config.chainId,
      endpoints: opts.config.rpc,
      log: opts.log,
      maxHeadLagBlocks: opts.config.maxHeadLagBlocks,
      timeoutMs: opts.config.requestTimeoutMs,
    });
    const adapters = [...opts.config.adapters.map(createAdapter), ...(opts.adapters ?? [])];
    for (const a of adapters)
      for (const address of a.addresses)
        this.adaptersOf.set(address, [...(this.adaptersOf.get(address) ?? []), a]);
    this.sequencer = adapters.find((a): a is SequencerUptimeAdapter => a instanceof SequencerUptimeAdapter);
    this.feeds = adapters.filter((a): a is ChainlinkFeedAdapter => a instanceof ChainlinkFeedAdapter);
    this.reads = new ChainReads(this.pool, [...this.adaptersOf.keys()] as `0x${string}`[]);
  }

  async start(from: Checkpoint | undefined, sink: ChainEventSink, signal: AbortSignal): Promise<void> {
    await new Follower(this, this.cursorFrom(from), sink, signal).run();
  }

  private cursorFrom(from: Checkpoint | undefined): Cursor {
    const window = new ChainWindow(this.cfg.windowBlocks);
    if (!from) return { window, last: undefined, next: undefined };
    const hint = `point the watcher at the chain that wrote it, or delete key "${this.chainId}" from the checkpoint bucket`;
    if (from.driver !== this.kind)
      throw new CheckpointMismatchError(
        this.chainId,
        `the checkpoint was written by the ${from.driver} driver`,
        hint,
      );
    if (from.resume["chainNumericId"] !== this.cfg.chainId)
      throw new CheckpointMismatchError(
        this.chainId,
        `the checkpoint is of EVM chain ${String(from.resume["chainNumericId"])}, this is ${this.cfg.chainId}`,
        hint,
      );
    let restored = window;
    const text = from.resume["window"];
    if (typeof text === "string") {
      try {
        restored = ChainWindow.parse(text, this.cfg.windowBlocks);
      } catch (err) {
        this.log.warn(
          { chain: this.chainId, err: String(err) },
          "checkpoint window unreadable; starting a new one",
        );
      }
    }
    if ((restored.newest?.number ?? -1) < from.blockNumber)
      restored.add({ number: from.blockNumber, hash: from.blockHash, eventIds: [] });
    return {
      window: restored,
      last: { number: from.blockNumber, hash: from.blockHash, timeMs: from.blockTimeMs },
      next: from.blockNumber + 1,
    };
  }

  /** @internal for the Follower */
  get internals() {
    return {
      cfg: this.cfg,
      log: this.log,
      pool: this.pool,
      reads: this.reads,
      adaptersOf: this.adaptersOf,
      sequencer: this.sequencer,
      needsBlockTime: [...this.adaptersOf.values()].flat().some((a) => a.needsBlockTime === true),
      feeds: this.feeds,
      now: this.now,
    };
  }
}

interface Cursor {
  window: ChainWindow;
  /** The last processed block (the parent the next block must have); undefined = accept any parent. */
  last: BlockRef | undefined;
  /** The next block to process; undefined until the first head decides it. */
  next: number | undefined;
}

/** One run of the driver: from a cursor until aborted. */
class Follower {
  private readonly i: EvmDriver["internals"];
  private readonly chain: string;
  private readonly troubles = new Map<string, string>();
  private reported: string | undefined;
  private head: BlockHeader | undefined;
  private backfill: BackfillProgress | undefined;
  private lastProgressLogMs = 0;
  private nextFeedCheckMs = 0;
  private maxRange: number;
  /** The next ranges' reads, started while the current range is decoded and published. */
  private prefetched: { from: number; to: number; read: Promise<RangeRead> }[] = [];
  private deepReorgUntilMs = 0;
  private headPolledAtMs = Number.NEGATIVE_INFINITY;

  constructor(
    driver: EvmDriver,
    private readonly cursor: Cursor,
    private readonly sink: ChainEventSink,
    private readonly signal: AbortSignal,
  ) {
    this.i = driver.internals;
    this.chain = driver.chainId;
    this.maxRange = this.i.cfg.maxLogRange;
  }

  async run(): Promise<void> {
    const { cfg } = this.i;
    let retryMs = cfg.pollMs;
    let sequencerLoaded = false;
    while (!this.signal.aborted) {
      try {
        const target = await this.pollHead();
        if (this.cursor.next === undefined)
          this.cursor.next = cfg.startBlock === "latest" ? Math.max(0, target) : cfg.startBlock;
        if (!sequencerLoaded && this.i.sequencer) {
          await this.i.sequencer.load(this.reader(), Math.max(0, this.cursor.next - 1));
          sequencerLoaded = true;
        }
        this.setTrouble("rpc", undefined);
        if (target < this.cursor.next) {
          await this.checkNewestStillCanonical();
          this.doneBackfilling();
          await this.checkFeeds();
          this.report();
          await sleep(cfg.pollMs, this.signal);
        } else if (target - this.cursor.next + 1 > cfg.followRangeBlocks) {
          await this.processRange(
            this.cursor.next,
            Math.min(target, this.cursor.next + this.maxRange - 1),
            target,
          );
        } else {
          await this.processBlock(this.cursor.next);
        }
        this.report();
        retryMs = cfg.pollMs;
      } catch (err) {
        if (this.signal.aborted) return;
        if (
          !(err instanceof RpcUnavailableError) &&
          !(err instanceof MalformedResponseError) &&
          !(err instanceof ChainMovedError) &&
          !(err instanceof LogRangeTooLargeError)
        )
          throw err;
        this.setTrouble("rpc", (err as Error).message.slice(0, 400));
        this.report();
        this.i.log.warn(
          { chain: this.chain, err: (err as Error).message, retryInMs: retryMs },
          "cannot read the chain; retrying",
        );
        await sleep(retryMs, this.signal);
        retryMs = Math.min(retryMs * 2, 5_000);
      }
    }
  }

  /**
   * The best head; reports it when it moved. Returns the newest block old
   * enough to process. Deep in a backfill the endpoints are asked at most once
   * per `pollMs` (the head known is far ahead anyway).
   */
  private async pollHead(): Promise<number> {
    const now = this.i.now();
    const next = this.cursor.next;
    const deepInBackfill =
      this.head !== undefined &&
      next !== undefined &&
      this.head.number - this.i.cfg.confirmations - next + 1 > 2 * this.i.cfg.followRangeBlocks;
    let best: number;
    if (deepInBackfill && now - this.headPolledAtMs < this.i.cfg.pollMs) best = this.head!.number;
    else {
      best = await this.i.pool.bestHead();
      this.headPolledAtMs = now;
    }
    if (!this.head || best !== this.head.number) {
      const header = await this.i.reads.header(best);
      if (header) {
        this.head = header;
        await this.sink.head(refOf(header));
      }
    }
    const processed = this.cursor.last;
    if (processed && this.head) {
      evmMetrics.headLagBlocks.set({ chain: this.chain }, Math.max(0, this.head.number - processed.number));
      evmMetrics.headLagSeconds.set(
        { chain: this.chain },
        Math.max(0, (this.head.timeMs - processed.timeMs) / 1000),
      );
    }
    if (this.i.sequencer && this.head)
      this.setTrouble("sequencer", this.i.sequencer.gate.distrust(this.head.timeMs));
    if (this.deepReorgUntilMs && this.i.now() > this.deepReorgUntilMs) {
      this.deepReorgUntilMs = 0;
      this.setTrouble("deep-reorg", undefined);
    }
    return best - this.i.cfg.confirmations;
  }

  /** Near the head: one block, its parent checked against the window. */
  private async processBlock(n: number): Promise<void> {
    const header = await this.i.reads.header(n);
    if (!header) throw new ChainMovedError(`block ${n} is not available yet`);
    const last = this.cursor.last;
    if (last && last.number === n - 1 && header.parentHash !== last.hash) {
      await this.handleReorg(`block ${n}'s parent ${header.parentHash} is not ${last.hash}`);
      return;
    }
    const logs = await this.i.reads.logsOfBlock(n, header.hash);
    const ids = await this.publishLogs(
      logs,
      Promise.resolve({ numbers: [n], byNumber: new Map([[n, header]]) }),
    );
    this.cursor.window.add({ number: n, hash: header.hash, eventIds: ids.get(n) ?? [] });
    await this.advance(header);
  }

  /**
   * Behind the head: logs of from..to in one eth_getLogs (split on refusal),
   * one checkpoint at the end. While this range is decoded and published, the
   * next one's reads are already under way (deep in a backfill only).
   */
  private async processRange(from: number, to: number, target: number): Promise<void> {
    this.backfill ??= new BackfillProgress(from, this.i.now());
    const { logs, headers } = await this.takeRead(from, to);
    // the headers may still be on their way: decoding starts now, publishing once they check out
    const checked = headers.then((h) => {
      const first = h.byNumber.get(from)!;
      const last = this.cursor.last;
      if (last && last.number === from - 1 && first.parentHash !== last.hash)
        throw new ParentMismatch(`block ${from}'s parent ${first.parentHash} is not ${last.hash}`);
      return h;
    });
    checked.catch(() => undefined); // awaited below
    this.prefetchAfter(to, target);
    let ids: Map<number, string[]>;
    try {
      ids = await this.publishLogs(logs, checked);
    } catch (err) {
      if (!(err instanceof ParentMismatch)) throw err;
      await this.handleReorg(err.message);
      return;
    }
    const { numbers, byNumber } = await checked;
    for (const n of numbers) {
      const h = byNumber.get(n)!;
      const eventIds = ids.get(n);
      if (eventIds || n === to) this.cursor.window.add({ number: n, hash: h.hash, eventIds: eventIds ?? [] });
    }
    const end = byNumber.get(to)!;
    await this.advance(end, to - from + 1);
    this.reportBackfill(to, target);
  }

  /** The prefetched reads of from..to if they are next in line, else fresh ones (dropping stale prefetches). */
  private takeRead(from: number, to: number): Promise<RangeRead> {
    const first = this.prefetched[0];
    if (first && first.from === from && first.to === to) {
      this.prefetched.shift();
      return first.read;
    }
    this.prefetched = [];
    return this.readRange(from, to);
  }

  /** Starts the reads of up to PREFETCH_RANGES ranges after block `to`, deep in a backfill only. */
  private prefetchAfter(to: number, target: number): void {
    let from = this.prefetched.at(-1)?.to ?? to;
    while (this.prefetched.length < PREFETCH_RANGES) {
      const nextFrom = from + 1;
      if (target - nextFrom + 1 <= this.i.cfg.followRangeBlocks) return;
      const nextTo = Math.min(target, nextFrom + this.maxRange - 1);
      const read = this.readRange(nextFrom, nextTo);
      read.catch(() => undefined); // surfaces when taken; an unused prefetch's failure is moot
      this.prefetched.push({ from: nextFrom, to: nextTo, read });
      from = nextTo;
    }
  }

  /**
   * Logs of from..to, and (resolving later) the headers of its first, last and
   * log-holding blocks, checked against the logs.
   */
  private async readRange(from: number, to: number): Promise<RangeRead> {
    const logs = await this.logsOf(from, to);
    const headers = this.headersOf(from, to, logs);
    headers.catch(() => undefined); // surfaces where it is awaited
    return { logs, headers };
  }

  private async headersOf(from: number, to: number, logs: readonly ChainLog[]): Promise<RangeHeaders> {
    const numbers = [...new Set([from, ...logs.map((l) => l.blockNumber), to])];
    const headers = await Promise.all(numbers.map((n) => this.i.reads.header(n)));
    const byNumber = new Map<number, BlockHeader>();
    for (const h of headers) {
      if (!h) throw new ChainMovedError(`a block of ${from}..${to} is missing`);
      byNumber.set(h.number, h);
    }
    for (const log of logs)
      if (byNumber.get(log.blockNumber)!.hash !== log.blockHash)
        throw new ChainMovedError(`block ${log.blockNumber} changed while reading ${from}..${to}`);
    return { numbers, byNumber };
  }

  /**
   * eth_getLogs over from..to. A range the provider refuses is halved, and the
   * size that works is remembered so later ranges start there.
   */
  private async logsOf(from: number, to: number): Promise<ChainLog[]> {
    try {
      return await this.i.reads.logsOfRange(from, to);
    } catch (err) {
      if (!(err instanceof LogRangeTooLargeError) || from === to) throw err;
      this.maxRange = Math.max(1, Math.min(this.maxRange, Math.ceil((to - from + 1) / 2)));
      this.i.log.info(
        { chain: this.chain, from, to, maxRange: this.maxRange },
        "log range refused; splitting",
      );
      const logs: ChainLog[] = [];
      for (let start = from; start <= to; start += this.maxRange)
        logs.push(...(await this.logsOf(start, Math.min(to, start + this.maxRange - 1))));
      return logs;
    }
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
  private async publishLogs(
    logs: readonly ChainLog[],
    headers: Promise<RangeHeaders>,
  ): Promise<Map<number, string[]>> {
    const ids = new Map<number, string[]>();
    const sink = this.sink;
    const store = sink.publishBatch
      ? (batch: ChainEvent[]) => sink.publishBatch!(batch)
      : async (batch: ChainEvent[]) => {
          for (const e of batch) await sink.publish(e);
        };
    const publisher = new OrderedBatchPublisher<BlockEvent>(
      async (batch) => {
        const { byNumber } = await headers;
        for (const { event, block } of batch) stampChainTime(event, byNumber.get(block)!.timeMs);
        await store(batch.map((b) => b.event));
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
    publisher: OrderedBatchPublisher<BlockEvent>,
  ): Promise<void> {
    const times = this.i.needsBlockTime ? (await headers).byNumber : undefined;
    const decodedBy = new Map<string, number>();
    const observedAtMs = this.i.now();
    const reader = this.reader();
    for (const [n, log] of logs.entries()) {
      // let acknowledgements in (and batches out) while a long range decodes
      if (n > 0 && n % YIELD_EVERY_LOGS === 0) await new Promise((r) => setImmediate(r));
      const ctx: LogContext = {
        chainId: this.chain,
        blockTimeMs: times ? times.get(log.blockNumber)!.timeMs : 0,
        observedAtMs,
        reader,
      };
      for (const adapter of this.i.adaptersOf.get(log.address) ?? []) {
        let events: ChainEvent[];
        try {
          events = await adapter.decode(log, ctx);
        } catch (err) {
          if (!(err instanceof LogDecodeError)) throw err;
          evmMetrics.logsRejected.inc({ chain: this.chain, adapter: adapter.name, reason: "undecodable" });
          this.i.log.warn({ chain: this.chain, adapter: adapter.name, err: err.message }, "log rejected");
          continue;
        }
        if (events.length > 0) decodedBy.set(adapter.name, (decodedBy.get(adapter.name) ?? 0) + 1);
        for (const e of events) {
          if (e.kind === "price" && this.i.sequencer) {
            const distrust = this.i.sequencer.gate.distrust(ctx.blockTimeMs);
            if (distrust) {
              evmMetrics.pricesWithheld.inc({
                chain: this.chain,
                reason: distrust.startsWith("sequencer down") ? "down" : "grace",
              });
              continue;
            }
          }
          const list = ids.get(log.blockNumber) ?? [];
          list.push(e.event.eventId);
          ids.set(log.blockNumber, list);
          publisher.submit({ event: e, block: log.blockNumber });
        }
      }
    }
    for (const [adapter, n] of decodedBy) evmMetrics.logsDecoded.inc({ chain: this.chain, adapter }, n);
  }

  private async advance(block: BlockHeader, blocks = 1): Promise<void> {
    this.cursor.last = refOf(block);
    this.cursor.next = block.number + 1;
    await this.sink.processed(this.cursor.last, this.resume());
    evmMetrics.blocksProcessed.inc({ chain: this.chain }, blocks);
  }

  private resume(): ResumeData {
    return { chainNumericId: this.i.cfg.chainId, window: this.cursor.window.serialize() };
  }

  /** With nothing new to process, the newest processed block must still be on the chain. */
  private async checkNewestStillCanonical(): Promise<void> {
    const last = this.cursor.last;
    if (!last) return;
    const header = await this.i.reads.header(last.number);
    if (!header || header.hash !== last.hash)
      await this.handleReorg(`block ${last.number} is ${header ? header.hash : "gone"}, not ${last.hash}`);
  }

  /** Walks back to the newest window block still on the chain, retracts what came after, resumes there. */
  private async handleReorg(why: string): Promise<void> {
    this.prefetched = [];
    const { window } = this.cursor;
    const from = this.cursor.last?.number ?? -1;
    let ancestor: BlockHeader | undefined;
    for (const entry of window.newestFirst()) {
      const canonical = await this.i.reads.header(entry.number);
      if (canonical && canonical.hash === entry.hash) {
        ancestor = canonical;
        break;
      }
    }
    const oldest = window.oldest;
    const orphaned = window.dropAbove(ancestor ? ancestor.number : -1);
    const depth = ancestor ? from - ancestor.number : undefined;
    const observedAtMs = this.i.now();
    for (const entry of orphaned)
      for (const id of [...entry.eventIds].reverse())
        await this.sink.publish({
          kind: "retraction",
          event: {
            eventId: `${id}:retracted`,
            chainId: this.chain,
            retractedEventId: id,
            reason: `reorg: block ${entry.number} (${entry.hash}) orphaned`,
            observedAtMs,
          },
        });
    const retracted = orphaned.reduce((n, e) => n + e.eventIds.length, 0);
    if (ancestor) {
      evmMetrics.reorgs.inc({ chain: this.chain, depth: String(depth) });
      this.i.log.warn(
        { chain: this.chain, depth, ancestor: ancestor.number, retracted, why },
        "reorg: retracted the orphaned blocks' events",
      );
      this.cursor.last = refOf(ancestor);
      this.cursor.next = ancestor.number + 1;
      await this.sink.processed(this.cursor.last, this.resume());
    } else {
      evmMetrics.reorgs.inc({ chain: this.chain, depth: "deep" });
      // the fork is somewhere below the window: reprocess one more window's worth of blocks
      // (unchanged blocks republish the same ids, which the bus drops as duplicates)
      const restartAt = Math.max(0, (oldest ? oldest.number : from) - this.i.cfg.windowBlocks);
      const detail = `deep reorg: no block of the ${this.i.cfg.windowBlocks}-block window below ${from} is still on the chain; retracted ${retracted} events, reprocessing from ${restartAt}`;
      this.i.log.error(
        { chain: this.chain, from, restartAt, retracted, why },
        "deep reorg beyond the window",
      );
      this.deepReorgUntilMs = this.i.now() + this.i.cfg.deepReorgAlarmMs;
      this.setTrouble("deep-reorg", detail);
      this.report();
      this.cursor.last = undefined;
      this.cursor.next = restartAt;
    }
  }

  private reportBackfill(done: number, target: number): void {
    const progress = this.backfill!;
    const now = this.i.now();
    progress.record(done, now);
    const remaining = Math.max(0, target - done);
    const rate = progress.rate();
    const eta = progress.etaSeconds(target);
    evmMetrics.backfillRemaining.set({ chain: this.chain }, remaining);
    evmMetrics.backfillRate.set({ chain: this.chain }, rate);
    if (eta !== undefined) evmMetrics.backfillEta.set({ chain: this.chain }, eta);
    if (now - this.lastProgressLogMs >= 2_000) {
      this.lastProgressLogMs = now;
      this.i.log.info(
        {
          chain: this.chain,
          blocksDone: progress.blocksDone(),
          remaining,
          blocksPerSecond: Math.round(rate),
          etaSeconds: eta === undefined ? null : Math.round(eta),
          at: done,
        },
        "backfill progress",
      );
    }
  }

  private doneBackfilling(): void {
    if (!this.backfill) return;
    this.i.log.info(
      { chain: this.chain, blocksDone: this.backfill.blocksDone(), at: this.cursor.last?.number },
      "backfill done; following the head",
    );
    this.backfill = undefined;
    evmMetrics.backfillRemaining.set({ chain: this.chain }, 0);
    evmMetrics.backfillEta.set({ chain: this.chain }, 0);
  }

  /** Every feedCheckMs: each Chainlink feed's latest round against its heartbeat (chain time). */
  private async checkFeeds(): Promise<void> {
    if (this.i.feeds.length === 0 || !this.head || this.i.now() < this.nextFeedCheckMs) return;
    this.nextFeedCheckMs = this.i.now() + this.i.cfg.feedCheckMs;
    for (const feed of this.i.feeds) {
      let f: Awaited<ReturnType<typeof feed.freshness>>;
      try {
        f = await feed.freshness(this.reader(), this.head.number, this.head.timeMs);
      } catch (err) {
        // the head may have just been reorged away, or the feed reverts: a trouble, not a reason to stop following
        if (err instanceof RpcUnavailableError || this.signal.aborted) throw err;
        const detail = `cannot read ${feed.source}'s latestRoundData at block ${this.head.number}: ${String((err as Error).message ?? err).split("\n")[0]}`;
        this.setTrouble(`feed:${feed.source}`, detail);
        evmMetrics.feedChecksFailed.inc({ chain: this.chain, feed: feed.source });
        this.i.log.warn({ chain: this.chain, feed: feed.source, err: detail }, "feed check failed");
        continue;
      }
      evmMetrics.feedAge.set({ chain: this.chain, feed: f.feed }, f.ageSeconds);
      this.setTrouble(
        `feed:${f.feed}`,
        f.stale
          ? `${f.feed} is stale: last update ${Math.round(f.ageSeconds)}s ago, beyond its heartbeat`
          : undefined,
      );
    }
  }

  private reader() {
    return {
      call: (to: `0x${string}`, data: `0x${string}`, block: number) => this.i.reads.call(to, data, block),
    };
  }

  private setTrouble(key: string, detail: string | undefined): void {
    if (detail === undefined) this.troubles.delete(key);
    else this.troubles.set(key, detail);
  }

  /** Tells the runtime when the set of troubles changed. */
  private report(): void {
    const text = this.troubles.size ? [...this.troubles.values()].join("; ") : undefined;
    if (text !== this.reported) {
      this.reported = text;
      this.sink.trouble(text);
    }
  }
}

/** What one range's reads returned: the logs, and the headers as they come. */
interface RangeRead {
  readonly logs: readonly ChainLog[];
  readonly headers: Promise<RangeHeaders>;
}

interface RangeHeaders {
  /** The blocks whose headers were read, ascending. */
  readonly numbers: readonly number[];
  readonly byNumber: ReadonlyMap<number, BlockHeader>;
}

/** An event and the block it came from (whose header stamps its chain time). */
interface BlockEvent {
  readonly event: ChainEvent;
  readonly block: number;
}

/** The first block of a range does not continue the last one processed: a reorg. */
class ParentMismatch extends Error {}

function stampChainTime(e: ChainEvent, timeMs: number): void {
  if (e.kind === "position" || e.kind === "price") e.event.chainTimeMs = timeMs;
}

/** Ranges whose reads run ahead of processing during a backfill. */
const PREFETCH_RANGES = 2;

/** Events per publish batch: decoding goes on while a batch is being stored. */
const PUBLISH_BATCH = 128;
/** Decoding yields to I/O this often (logs), so batches go out while the rest decodes. */
const YIELD_EVERY_LOGS = 128;

/**
 * Events with the same key (states of one position) are stored in order: one
 * waits for the previous one's acknowledgement, so a retried publish can never
 * land after a later state. Price ticks are independent observations.
 */
function keyOf(e: ChainEvent): string {
  switch (e.kind) {
    case "position":
      return `p|${e.event.venueId}|${e.event.account}|${e.event.market}`;
    case "price":
      return `q|${e.event.eventId}`;
    case "retraction":
      return "r";
  }
}
