import type { Logger } from "@breakwater/telemetry";
import type { ChainEventSink } from "../../chain-driver.js";
import type { ChainReads } from "./chain-reads.js";
import { type Cursor, refOf, resumeOf } from "./cursor.js";
import { evmMetrics } from "./evm-metrics.js";
import type { BlockHeader } from "./rpc-schemas.js";
import type { Troubles } from "./troubles.js";

export interface ReorgRecoveryOptions {
  readonly chain: string;
  readonly chainNumericId: number;
  readonly reads: ChainReads;
  readonly sink: ChainEventSink;
  readonly troubles: Troubles;
  readonly log: Logger;
  readonly now: () => number;
  /** Blocks the window remembers: a deep reorg reprocesses one more window below it. */
  readonly windowBlocks: number;
  /** How long a deep reorg keeps the chain in trouble. */
  readonly deepReorgAlarmMs: number;
}

/**
 * Takes the cursor back to where the chain forked: to the newest window block
 * still on the chain, retracting the events of the orphaned blocks after it.
 * Without a common ancestor in the window it retracts what the window knew,
 * raises the deep-reorg alarm and goes one more window below it.
 */
export class ReorgRecovery {
  constructor(private readonly opts: ReorgRecoveryOptions) {}

  async recover(cursor: Cursor, why: string): Promise<void> {
    const { chain, log, sink } = this.opts;
    const { window } = cursor;
    const from = cursor.last?.number ?? -1;
    const ancestor = await this.commonAncestor(cursor);
    const oldest = window.oldest;
    const orphaned = window.dropAbove(ancestor ? ancestor.number : -1);
    const depth = ancestor ? from - ancestor.number : undefined;
    const observedAtMs = this.opts.now();
    for (const entry of orphaned)
      for (const id of [...entry.eventIds].reverse())
        await sink.publish({
          kind: "retraction",
          value: {
            eventId: `${id}:retracted`,
            chainId: chain,
            retractedEventId: id,
            reason: `reorg: block ${entry.number} (${entry.hash}) orphaned`,
            observedAtMs,
          },
        });
    const retracted = orphaned.reduce((n, e) => n + e.eventIds.length, 0);
    if (ancestor) {
      evmMetrics.reorgs.inc({ chain, depth: String(depth) });
      log.warn(
        { chain, depth, ancestor: ancestor.number, retracted, why },
        "reorg: retracted the orphaned blocks' events",
      );
      cursor.last = refOf(ancestor);
      cursor.next = ancestor.number + 1;
      await sink.processed(cursor.last, resumeOf(cursor, this.opts.chainNumericId));
      return;
    }
    evmMetrics.reorgs.inc({ chain, depth: "deep" });
    // the fork is somewhere below the window: reprocess one more window's worth of blocks
    // (unchanged blocks republish the same ids, which the bus drops as duplicates)
    const { windowBlocks } = this.opts;
    const restartAt = Math.max(0, (oldest ? oldest.number : from) - windowBlocks);
    const detail = `deep reorg: no block of the ${windowBlocks}-block window below ${from} is still on the chain; retracted ${retracted} events, reprocessing from ${restartAt}`;
    log.error({ chain, from, restartAt, retracted, why }, "deep reorg beyond the window");
    this.opts.troubles.setUntil("deep-reorg", detail, this.opts.now() + this.opts.deepReorgAlarmMs);
    this.opts.troubles.report();
    cursor.last = undefined;
    cursor.next = restartAt;
  }

  /** The newest block of the window still on the chain, if any. */
  private async commonAncestor(cursor: Cursor): Promise<BlockHeader | undefined> {
    for (const entry of cursor.window.newestFirst()) {
      const canonical = await this.opts.reads.header(entry.number);
      if (canonical && canonical.hash === entry.hash) return canonical;
    }
    return undefined;
  }
}
