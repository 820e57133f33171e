/**
 * Per-identity request rates: one token bucket per key, refilled at
 * `ratePerSecond` up to `burst`. The table is bounded: past `maxKeys`, the
 * oldest full buckets go (a full bucket is the same as a new one).
 */
export class RateLimits {
  private readonly buckets = new Map<string, { tokens: number; atMs: number }>();

  constructor(
    readonly ratePerSecond: number,
    readonly burst: number,
    private readonly clock: () => number = Date.now,
    private readonly maxKeys = 10_000,
  ) {}

  /** Takes one token for `key`; false when its bucket is empty. */
  take(key: string): boolean {
    const now = this.clock();
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { tokens: this.burst, atMs: now };
      this.buckets.set(key, bucket);
      if (this.buckets.size > this.maxKeys) this.prune(now);
    }
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.atMs) / 1_000) * this.ratePerSecond);
    bucket.atMs = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  private prune(now: number): void {
    for (const [key, b] of this.buckets) {
      if (this.buckets.size <= this.maxKeys) return;
      if (b.tokens + ((now - b.atMs) / 1_000) * this.ratePerSecond >= this.burst) this.buckets.delete(key);
    }
  }
}

/** Concurrent holdings per key (open streams per venue). */
export class ConcurrencyLimits {
  private readonly held = new Map<string, number>();

  /** Holds one slot of `key` if fewer than `max` are held; returns its release (idempotent), or undefined. */
  acquire(key: string, max: number): (() => void) | undefined {
    const n = this.held.get(key) ?? 0;
    if (n >= max) return undefined;
    this.held.set(key, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.held.get(key) ?? 1) - 1;
      if (left <= 0) this.held.delete(key);
      else this.held.set(key, left);
    };
  }

  count(key: string): number {
    return this.held.get(key) ?? 0;
  }
}
