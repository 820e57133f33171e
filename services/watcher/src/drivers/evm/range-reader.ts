import type { Logger } from "@breakwater/telemetry";
import type { ChainReads } from "./chain-reads.js";
import { ChainMovedError } from "./follow-errors.js";
import { LogRangeTooLargeError } from "./rpc-errors.js";
import type { BlockHeader, ChainLog } from "./rpc-schemas.js";

/** What one range's reads returned: the logs, and the headers as they come. */
export interface RangeRead {
  readonly logs: readonly ChainLog[];
  readonly headers: Promise<RangeHeaders>;
}

export interface RangeHeaders {
  /** The blocks whose headers were read, ascending. */
  readonly numbers: readonly number[];
  readonly byNumber: ReadonlyMap<number, BlockHeader>;
}

export interface RangeReaderOptions {
  readonly chain: string;
  readonly reads: ChainReads;
  readonly log: Logger;
  /** The largest range asked for at first; shrinks when a provider refuses. */
  readonly maxLogRange: number;
  /** Within this many blocks of the target the driver goes block by block: nothing to prefetch. */
  readonly followRangeBlocks: number;
}

/** Ranges whose reads run ahead of processing during a backfill. */
const PREFETCH_RANGES = 2;

/**
 * Reads block ranges for a backfill: the logs by eth_getLogs (split when the
 * provider refuses a range, remembering the size that works), then the
 * headers that check them; deep in a backfill, the next ranges' reads run
 * while the current one is decoded and published.
 */
export class RangeReader {
  private maxRangeNow: number;
  /** The next ranges' reads, started while the current range is decoded and published. */
  private prefetched: {
    from: number;
    to: number;
    /** The contracts the read asked for: a prefetch of another set is stale. */
    addresses: readonly string[];
    read: Promise<RangeRead>;
  }[] = [];

  constructor(private readonly opts: RangeReaderOptions) {
    this.maxRangeNow = opts.maxLogRange;
  }

  /** The largest range a provider accepted so far (the next range's size). */
  get maxRange(): number {
    return this.maxRangeNow;
  }

  /** The prefetched reads of from..to if they are next in line, else fresh ones (dropping stale prefetches). */
  take(from: number, to: number): Promise<RangeRead> {
    const first = this.prefetched[0];
    if (first && first.from === from && first.to === to && first.addresses === this.opts.reads.addresses) {
      this.prefetched.shift();
      return first.read;
    }
    this.prefetched = [];
    return this.read(from, to);
  }

  /** Starts the reads of up to PREFETCH_RANGES ranges after block `to`, deep in a backfill only. */
  prefetchAfter(to: number, target: number): void {
    let from = this.prefetched.at(-1)?.to ?? to;
    while (this.prefetched.length < PREFETCH_RANGES) {
      const nextFrom = from + 1;
      if (target - nextFrom + 1 <= this.opts.followRangeBlocks) return;
      const nextTo = Math.min(target, nextFrom + this.maxRangeNow - 1);
      const read = this.read(nextFrom, nextTo);
      read.catch(() => undefined); // surfaces when taken; an unused prefetch's failure is moot
      this.prefetched.push({ from: nextFrom, to: nextTo, addresses: this.opts.reads.addresses, read });
      from = nextTo;
    }
  }

  /** Forgets the reads under way: after a reorg they may be of the orphaned branch. */
  dropPrefetched(): void {
    this.prefetched = [];
  }

  /**
   * Logs of from..to, and (resolving later) the headers of its first, last and
   * log-holding blocks, checked against the logs.
   */
  private async read(from: number, to: number): Promise<RangeRead> {
    const logs = await this.logsOf(from, to);
    const headers = this.headersOf(from, to, logs);
    headers.catch(() => undefined); // surfaces where it is awaited
    return { logs, headers };
  }

  private async headersOf(from: number, to: number, logs: readonly ChainLog[]): Promise<RangeHeaders> {
    const numbers = [...new Set([from, ...logs.map((l) => l.blockNumber), to])];
    const headers = await Promise.all(numbers.map((n) => this.opts.reads.header(n)));
    const byNumber = new Map<number, BlockHeader>();
    for (const h of headers) {
      if (!h) throw new ChainMovedError(`a block of ${from}..${to} is missing`, { from, to });
      byNumber.set(h.number, h);
    }
    for (const log of logs)
      if (byNumber.get(log.blockNumber)!.hash !== log.blockHash)
        throw new ChainMovedError(`block ${log.blockNumber} changed while reading ${from}..${to}`, {
          block: log.blockNumber,
          from,
          to,
        });
    return { numbers, byNumber };
  }

  /**
   * eth_getLogs over from..to. A range the provider refuses is halved, and the
   * size that works is remembered so later ranges start there.
   */
  private async logsOf(from: number, to: number): Promise<ChainLog[]> {
    try {
      return await this.opts.reads.logsOfRange(from, to);
    } catch (err) {
      if (!(err instanceof LogRangeTooLargeError) || from === to) throw err;
      this.maxRangeNow = Math.max(1, Math.min(this.maxRangeNow, Math.ceil((to - from + 1) / 2)));
      this.opts.log.info(
        { chain: this.opts.chain, from, to, maxRange: this.maxRangeNow },
        "log range refused; splitting",
      );
      const logs: ChainLog[] = [];
      for (let start = from; start <= to; start += this.maxRangeNow)
        logs.push(...(await this.logsOf(start, Math.min(to, start + this.maxRangeNow - 1))));
      return logs;
    }
  }
}
