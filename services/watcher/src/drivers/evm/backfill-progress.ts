/** Progress of a backfill, pure: blocks done, speed over a sliding window, and an ETA. */
export class BackfillProgress {
  private readonly samples: { atMs: number; block: number }[] = [];

  constructor(
    readonly fromBlock: number,
    startedAtMs: number,
    private readonly windowMs = 10_000,
  ) {
    this.samples.push({ atMs: startedAtMs, block: fromBlock - 1 });
  }

  /** Records that every block up to `block` is done at `atMs`. */
  record(block: number, atMs: number): void {
    this.samples.push({ atMs, block });
    while (this.samples.length > 2 && atMs - this.samples[0]!.atMs > this.windowMs) this.samples.shift();
  }

  blocksDone(): number {
    const last = this.samples.at(-1);
    return last ? last.block - this.fromBlock + 1 : 0;
  }

  /** Blocks per second over the recent window (0 until two samples exist). */
  rate(): number {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || !last || last.atMs <= first.atMs) return 0;
    return ((last.block - first.block) * 1000) / (last.atMs - first.atMs);
  }

  /** Seconds until `target` at the current rate (undefined while the rate is unknown). */
  etaSeconds(target: number): number | undefined {
    const last = this.samples.at(-1);
    const rate = this.rate();
    if (!last || rate <= 0) return undefined;
    return Math.max(0, target - last.block) / rate;
  }
}
