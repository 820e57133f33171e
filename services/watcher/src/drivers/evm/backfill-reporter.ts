import type { Logger } from "@breakwater/telemetry";
import { BackfillProgress } from "./backfill-progress.js";
import { evmMetrics } from "./evm-metrics.js";

/** How often a running backfill logs its progress. */
const LOG_EVERY_MS = 2_000;

/** Tells operators how a backfill goes: its metrics after every range, a log line every 2 s. */
export class BackfillReporter {
  private progress: BackfillProgress | undefined;
  private lastLogMs = 0;

  constructor(
    private readonly chain: string,
    private readonly log: Logger,
    private readonly now: () => number,
  ) {}

  /** A range starting at `from` is being read: a backfill runs (from there, if it just began). */
  rangeStarting(from: number): void {
    this.progress ??= new BackfillProgress(from, this.now());
  }

  /** Every block up to `done` is processed, of a backfill up to `target`. */
  rangeDone(done: number, target: number): void {
    const progress = this.progress!;
    const now = this.now();
    progress.record(done, now);
    const remaining = Math.max(0, target - done);
    const rate = progress.rate();
    const eta = progress.etaSeconds(target);
    evmMetrics.backfillRemaining.set({ chain: this.chain }, remaining);
    evmMetrics.backfillRate.set({ chain: this.chain }, rate);
    if (eta !== undefined) evmMetrics.backfillEta.set({ chain: this.chain }, eta);
    if (now - this.lastLogMs >= LOG_EVERY_MS) {
      this.lastLogMs = now;
      this.log.info(
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

  /** Caught up with the head, at block `at`: ends the backfill, if one ran. */
  caughtUp(at: number | undefined): void {
    if (!this.progress) return;
    this.log.info(
      { chain: this.chain, blocksDone: this.progress.blocksDone(), at },
      "backfill done; following the head",
    );
    this.progress = undefined;
    evmMetrics.backfillRemaining.set({ chain: this.chain }, 0);
    evmMetrics.backfillEta.set({ chain: this.chain }, 0);
  }
}
