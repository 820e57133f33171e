export interface BackoffOptions {
  /** First delay before jitter (ms). Default 100. */
  readonly initialDelayMs?: number;
  /** Largest delay (ms). Default 5000. */
  readonly maxDelayMs?: number;
  /** Random source in [0, 1). Default Math.random. */
  readonly random?: () => number;
}

/**
 * Exponential backoff with "equal jitter": the n-th delay is uniformly drawn
 * from [d/2, d] where d = min(max, initial · 2ⁿ), so reconnecting clients
 * spread out but never retry immediately.
 */
export class Backoff {
  private attempt = 0;
  private readonly initial: number;
  private readonly max: number;
  private readonly random: () => number;

  constructor(opts: BackoffOptions = {}) {
    this.initial = opts.initialDelayMs ?? 100;
    this.max = Math.max(opts.maxDelayMs ?? 5_000, this.initial);
    this.random = opts.random ?? Math.random;
  }

  /** The next delay (ms). */
  next(): number {
    const ceiling = Math.min(this.max, this.initial * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.round(ceiling / 2 + this.random() * (ceiling / 2));
  }

  /** Starts over after a success. */
  reset(): void {
    this.attempt = 0;
  }
}
