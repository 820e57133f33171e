import { isRetryable } from "@breakwater/core";
import type { Logger } from "@breakwater/telemetry";
import type { ChainEventSink } from "../../chain-driver.js";
import { abortableSleep as sleep } from "../abortable-sleep.js";
import type { AdapterSet } from "./adapter-set.js";
import type { ContractReader } from "./adapters/adapter.js";
import { BackfillReporter } from "./backfill-reporter.js";
import type { ChainReads } from "./chain-reads.js";
import { type Cursor, refOf, resumeOf } from "./cursor.js";
import type { EvmChainConfig } from "./evm-config.js";
import { evmMetrics } from "./evm-metrics.js";
import { FeedChecks } from "./feed-checks.js";
import {
  ChainMovedError,
  ParentMismatchError,
  parentMismatch,
  SinkFailure,
  sinkFailuresMarked,
} from "./follow-errors.js";
import type { HeadSubscription } from "./head-subscription.js";
import { LogPublisher } from "./log-publisher.js";
import { RangeReader } from "./range-reader.js";
import { ReorgRecovery } from "./reorg-recovery.js";
import type { RpcPool } from "./rpc-pool.js";
import type { BlockHeader, ChainLog } from "./rpc-schemas.js";
import { Troubles } from "./troubles.js";

/** What a run of the driver works with. */
export interface FollowerDeps {
  /** Breakwater chain id. */
  readonly chain: string;
  readonly cfg: EvmChainConfig;
  readonly pool: RpcPool;
  readonly reads: ChainReads;
  readonly adapters: AdapterSet;
  readonly log: Logger;
  readonly now: () => number;
  /** Heads pushed over websocket; without it the head is only polled. */
  readonly heads?: HeadSubscription | undefined;
}

/**
 * One run of the driver, from a cursor until aborted: polls the head and
 * processes blocks `confirmations` deep, block by block near the head and by
 * ranges when behind; an unreadable chain is a trouble, retried with backoff.
 */
export class Follower {
  private readonly troubles: Troubles;
  private readonly reader: ContractReader;
  private readonly ranges: RangeReader;
  private readonly publisher: LogPublisher;
  private readonly reorgs: ReorgRecovery;
  private readonly feedChecks: FeedChecks;
  private readonly backfill: BackfillReporter;
  private head: BlockHeader | undefined;
  /**
   * The head header read over RPC in this round: the block itself at
   * confirmations 0, not read twice. A pushed header is not: the block's own
   * header comes from the endpoints its logs are read from.
   */
  private headOfThisRound: BlockHeader | undefined;
  /** The head header pushed in this round: its logs are asked for with its own header. */
  private pushedOfThisRound: BlockHeader | undefined;
  private headPolledAtMs = Number.NEGATIVE_INFINITY;
  private readonly sink: ChainEventSink;

  constructor(
    private readonly deps: FollowerDeps,
    private readonly cursor: Cursor,
    runtimeSink: ChainEventSink,
    private readonly signal: AbortSignal,
  ) {
    const { chain, cfg, reads, adapters, log, now } = deps;
    // the retry below is for reading the chain; the runtime handles its own failures
    const sink = sinkFailuresMarked(runtimeSink);
    this.sink = sink;
    this.troubles = new Troubles(sink);
    // adapters read contract state, nothing else of the chain
    this.reader = { call: (to, data, block) => reads.call(to, data, block) };
    this.ranges = new RangeReader({
      chain,
      reads,
      log,
      maxLogRange: cfg.maxLogRange,
      followRangeBlocks: cfg.followRangeBlocks,
    });
    this.publisher = new LogPublisher({ chain, adapters, reader: this.reader, sink, log, now });
    this.reorgs = new ReorgRecovery({
      chain,
      chainNumericId: cfg.chainId,
      reads,
      sink,
      troubles: this.troubles,
      log,
      now,
      windowBlocks: cfg.windowBlocks,
      deepReorgAlarmMs: cfg.deepReorgAlarmMs,
    });
    this.feedChecks = new FeedChecks({
      chain,
      feeds: adapters.feeds,
      reader: this.reader,
      troubles: this.troubles,
      log,
      now,
      everyMs: cfg.feedCheckMs,
    });
    this.backfill = new BackfillReporter(chain, log, now);
  }

  async run(): Promise<void> {
    const { cfg } = this.deps;
    let retryMs = cfg.pollMs;
    let prepared = false;
    while (!this.signal.aborted) {
      try {
        const target = await this.pollHead();
        if (this.cursor.next === undefined)
          this.cursor.next = cfg.startBlock === "latest" ? Math.max(0, target) : cfg.startBlock;
        if (!prepared) {
          for (const a of this.deps.adapters.preparing)
            await a.prepare(this.reader, Math.max(0, this.cursor.next - 1));
          prepared = true;
        }
        this.troubles.set("rpc", undefined);
        if (target < this.cursor.next) {
          await this.checkNewestStillCanonical();
          this.backfill.caughtUp(this.cursor.last?.number);
          await this.feedChecks.checkIfDue(this.head, this.signal);
          this.troubles.report();
          await this.waitForHead();
        } else if (target - this.cursor.next + 1 > cfg.followRangeBlocks) {
          await this.processRange(
            this.cursor.next,
            Math.min(target, this.cursor.next + this.ranges.maxRange - 1),
            target,
          );
        } else {
          await this.processBlock(this.cursor.next);
        }
        this.troubles.report();
        retryMs = cfg.pollMs;
      } catch (err) {
        if (this.signal.aborted) return;
        if (err instanceof SinkFailure) throw err.failure;
        if (!isRetryable(err)) throw err;
        const message = (err as Error).message;
        this.troubles.set("rpc", message.slice(0, 400));
        this.troubles.report();
        this.deps.log.warn(
          { chain: this.deps.chain, err: message, retryInMs: retryMs },
          "cannot read the chain; retrying",
        );
        await sleep(retryMs, this.signal);
        retryMs = Math.min(retryMs * 2, 5_000);
      }
    }
  }

  /**
   * Caught up: until a pushed head says there is a new block, or the next poll
   * is due (every `pollMs`; every `crossCheckMs` while the subscription is
   * live and not behind what polling saw).
   */
  private async waitForHead(): Promise<void> {
    const { cfg, heads } = this.deps;
    if (!heads) return sleep(cfg.pollMs, this.signal);
    const trusted = heads.isLive && heads.lastHead >= (this.head?.number ?? 0);
    await heads.wait(trusted ? cfg.crossCheckMs : cfg.pollMs, this.signal);
  }

  /**
   * The best head; reports it when it moved. Returns the newest block old
   * enough to process. Deep in a backfill the endpoints are asked at most once
   * per `pollMs` (the head known is far ahead anyway).
   */
  private async pollHead(): Promise<number> {
    const { chain, cfg, now } = this.deps;
    const polledAtMs = now();
    this.deps.heads?.taken();
    this.headOfThisRound = undefined;
    this.pushedOfThisRound = undefined;
    const next = this.cursor.next;
    const deepInBackfill =
      this.head !== undefined &&
      next !== undefined &&
      this.head.number - cfg.confirmations - next + 1 > 2 * cfg.followRangeBlocks;
    // a live, trusted subscription's pushed header stands for the head between cross-checks
    const pushed = this.deps.heads?.newerThan(this.head?.number ?? -1);
    let best: number;
    if (deepInBackfill && polledAtMs - this.headPolledAtMs < cfg.pollMs) best = this.head!.number;
    else if (pushed && polledAtMs - this.headPolledAtMs < cfg.crossCheckMs) best = pushed.number;
    else {
      best = await this.deps.pool.bestHead();
      this.headPolledAtMs = polledAtMs;
      this.deps.heads?.crossCheck(best);
    }
    if (!this.head || best !== this.head.number) {
      const header = pushed?.number === best ? pushed : await this.deps.reads.header(best);
      if (header) {
        this.head = header;
        if (header === pushed) this.pushedOfThisRound = header;
        else this.headOfThisRound = header;
        await this.sink.head(refOf(header));
      }
    }
    const processed = this.cursor.last;
    if (processed && this.head) {
      evmMetrics.headLagBlocks.set({ chain }, Math.max(0, this.head.number - processed.number));
      evmMetrics.headLagSeconds.set({ chain }, Math.max(0, (this.head.timeMs - processed.timeMs) / 1000));
    }
    if (this.head)
      for (const gate of this.deps.adapters.priceGates)
        this.troubles.set(`prices:${gate.name}`, gate.distrustPrices(this.head.timeMs)?.detail);
    this.troubles.expire(now());
    return best - cfg.confirmations;
  }

  /** Near the head: one block, its parent checked against the window. */
  private async processBlock(n: number): Promise<void> {
    const read = await this.headerAndLogs(n);
    if (!read) throw new ChainMovedError(`block ${n} is not available yet`, { block: n });
    const { header } = read;
    const last = this.cursor.last;
    if (last && last.number === n - 1 && header.parentHash !== last.hash) {
      await this.recoverFromReorg(parentMismatch(n, header.parentHash, last.hash));
      return;
    }
    const logs = await read.logs();
    const ids = await this.publisher.publish(
      logs,
      Promise.resolve({ numbers: [n], byNumber: new Map([[n, header]]) }),
    );
    this.cursor.window.add({ number: n, hash: header.hash, eventIds: ids.get(n) ?? [] });
    await this.advance(header);
  }

  /**
   * Block `n`'s header from the endpoints in rotation and a reader of its logs
   * by that header's hash. With the block just pushed, both are asked at once
   * (the logs by the pushed hash, asked again when the endpoints know another).
   */
  private async headerAndLogs(
    n: number,
  ): Promise<{ header: BlockHeader; logs: () => Promise<ChainLog[]> } | undefined> {
    const { reads } = this.deps;
    const fresh = this.headOfThisRound;
    const pushed = this.pushedOfThisRound;
    this.headOfThisRound = undefined;
    this.pushedOfThisRound = undefined;
    if (fresh?.number === n) return { header: fresh, logs: () => reads.logsOfBlock(n, fresh.hash) };
    if (pushed?.number !== n) {
      const header = await reads.header(n);
      return header && { header, logs: () => reads.logsOfBlock(n, header.hash) };
    }
    const early = reads.logsOfBlock(n, pushed.hash);
    early.catch(() => undefined); // awaited below, or replaced
    const header = await reads.header(n);
    if (!header) return undefined;
    return { header, logs: () => (header.hash === pushed.hash ? early : reads.logsOfBlock(n, header.hash)) };
  }

  /**
   * Behind the head: logs of from..to in one eth_getLogs (split on refusal),
   * one checkpoint at the end. While this range is decoded and published, the
   * next one's reads are already under way (deep in a backfill only).
   */
  private async processRange(from: number, to: number, target: number): Promise<void> {
    this.backfill.rangeStarting(from);
    const { logs, headers } = await this.ranges.take(from, to);
    // the headers may still be on their way: decoding starts now, publishing once they check out
    const checked = headers.then((h) => {
      const first = h.byNumber.get(from)!;
      const last = this.cursor.last;
      if (last && last.number === from - 1 && first.parentHash !== last.hash)
        throw new ParentMismatchError(from, first.parentHash, last.hash);
      return h;
    });
    checked.catch(() => undefined); // awaited below
    this.ranges.prefetchAfter(to, target);
    let ids: Map<number, string[]>;
    try {
      ids = await this.publisher.publish(logs, checked);
    } catch (err) {
      if (!(err instanceof ParentMismatchError)) throw err;
      await this.recoverFromReorg(err.message);
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
    this.backfill.rangeDone(to, target);
  }

  private async advance(block: BlockHeader, blocks = 1): Promise<void> {
    this.cursor.last = refOf(block);
    this.cursor.next = block.number + 1;
    await this.sink.processed(this.cursor.last, resumeOf(this.cursor, this.deps.cfg.chainId));
    evmMetrics.blocksProcessed.inc({ chain: this.deps.chain }, blocks);
  }

  /** With nothing new to process, the newest processed block must still be on the chain. */
  private async checkNewestStillCanonical(): Promise<void> {
    const last = this.cursor.last;
    if (!last) return;
    const header = await this.deps.reads.header(last.number);
    if (!header || header.hash !== last.hash)
      await this.recoverFromReorg(
        `block ${last.number} is ${header ? header.hash : "gone"}, not ${last.hash}`,
      );
  }

  private async recoverFromReorg(why: string): Promise<void> {
    // reads under way may be of the orphaned branch
    this.ranges.dropPrefetched();
    await this.reorgs.recover(this.cursor, why);
  }
}
