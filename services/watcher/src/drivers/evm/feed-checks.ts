import type { Logger } from "@breakwater/telemetry";
import type { AdapterWith } from "./adapter-set.js";
import type { ContractReader, FeedFreshness } from "./adapters/adapter.js";
import { evmMetrics } from "./evm-metrics.js";
import { RpcUnavailableError } from "./rpc-errors.js";
import type { BlockHeader } from "./rpc-schemas.js";
import type { Troubles } from "./troubles.js";

export interface FeedChecksOptions {
  readonly chain: string;
  readonly feeds: readonly AdapterWith<"freshness">[];
  readonly reader: ContractReader;
  readonly troubles: Troubles;
  readonly log: Logger;
  readonly now: () => number;
  /** How often the feeds are checked (wall time). */
  readonly everyMs: number;
}

/**
 * Every `everyMs`: each feed's latest round (AggregatorV3 `latestRoundData`)
 * against its heartbeat, in chain time. A stale feed, one whose answer is
 * suspect (at its aggregator's bound), or one that cannot be read, is a
 * trouble of the chain; following goes on either way.
 */
export class FeedChecks {
  private nextCheckMs = 0;

  constructor(private readonly opts: FeedChecksOptions) {}

  async checkIfDue(head: BlockHeader | undefined, signal: AbortSignal): Promise<void> {
    const { chain, feeds, troubles, log, now } = this.opts;
    if (feeds.length === 0 || !head || now() < this.nextCheckMs) return;
    this.nextCheckMs = now() + this.opts.everyMs;
    for (const feed of feeds) {
      let f: FeedFreshness;
      try {
        f = await feed.freshness(this.opts.reader, head.number, head.timeMs);
      } catch (err) {
        // the head may have just been reorged away, or the feed reverts: a trouble, not a reason to stop following
        if (err instanceof RpcUnavailableError || signal.aborted) throw err;
        const detail = `cannot read ${feed.name}'s latestRoundData at block ${head.number}: ${String((err as Error).message ?? err).split("\n")[0]}`;
        troubles.set(`feed:${feed.name}`, detail);
        evmMetrics.feedChecksFailed.inc({ chain, feed: feed.name });
        log.warn({ chain, feed: feed.name, err: detail }, "feed check failed");
        continue;
      }
      evmMetrics.feedAge.set({ chain, feed: f.feed }, f.ageSeconds);
      troubles.set(
        `feed:${f.feed}`,
        f.stale
          ? `${f.feed} is stale: last update ${Math.round(f.ageSeconds)}s ago, beyond its heartbeat`
          : f.suspect,
      );
    }
  }
}
