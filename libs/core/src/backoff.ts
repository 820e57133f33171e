export interface BackoffOptions {
  /** First delay before jitter (ms). Default 100. */
  readonly initialDelayMs?: number;
  /** Largest delay (ms). Default 5000. */
  readonly maxDelayMs?: number;
  /**
   * Spread the delays ("equal jitter"). Default true: many clients
   * reconnecting to one server should not retry in lockstep. A loop that is
   * the only one of its kind in a process (a bus publish, a log reader) turns
   * it off and waits exactly the doubling delay.
   */
  readonly jitter?: boolean;
  /** Random source in [0, 1). Default Math.random. */
  readonly random?: () => number;
}

/**
 * Exponential backoff, the one every retry loop uses. With jitter the n-th
 * delay is uniformly drawn from [d/2, d] where d = min(max, initial · 2ⁿ), so
 * reconnecting clients spread out but never retry immediately; without it
 * the delay is d.
 */
export class Backoff {
  private attempt = 0;
  private readonly initial: number;
  private readonly max: number;
  private readonly jitter: boolean;
  private readonly random: () => number;

  constructor(opts: BackoffOptions = {}) {
    this.initial = opts.initialDelayMs ?? 100;
    this.max = Math.max(opts.maxDelayMs ?? 5_000, this.initial);
    this.jitter = opts.jitter ?? true;
    this.random = opts.random ?? Math.random;
  }

  /** The next delay (ms). */
  next(): number {
    const ceiling = Math.min(this.max, this.initial * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    if (!this.jitter) return ceiling;
    return Math.round(ceiling / 2 + this.random() * (ceiling / 2));
  }

  /** Starts over after a success. */
  reset(): void {
    this.attempt = 0;
  }
}

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
