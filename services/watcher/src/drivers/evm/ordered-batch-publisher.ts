/**
 * Publishes events in batches as early as order allows: an event goes out in
 * the next batch unless an earlier event with the same key (an earlier state
 * of the same position) is not stored yet; then it waits and goes out with the
 * batch that follows that one's acknowledgement. Events without a pending
 * predecessor (price ticks, other positions) never wait for anything, and
 * several batches are in flight at once. `send` must resolve only once the
 * whole batch is stored; it may store a batch's events in any order.
 */
export class OrderedBatchPublisher<T> {
  /** Keys with an event in flight or ready → their events still waiting, oldest first. */
  private readonly waiting = new Map<string, T[]>();
  private ready: T[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private failure: { readonly error: unknown } | undefined;

  constructor(
    private readonly send: (batch: T[]) => Promise<void>,
    private readonly keyOf: (event: T) => string,
    /** A batch goes out once this many events are ready (and on `flush`/`drain`). */
    private readonly maxBatch = 512,
  ) {}

  submit(event: T): void {
    const key = this.keyOf(event);
    const queue = this.waiting.get(key);
    if (queue) {
      queue.push(event);
      return;
    }
    this.waiting.set(key, []);
    this.ready.push(event);
    if (this.ready.length >= this.maxBatch) this.flush();
  }

  /** Sends what is ready now. */
  flush(): void {
    if (this.ready.length === 0 || this.failure) return;
    const batch = this.ready;
    this.ready = [];
    const sent: Promise<void> = this.send(batch).then(
      () => {
        this.inFlight.delete(sent);
        for (const event of batch) {
          const key = this.keyOf(event);
          const next = this.waiting.get(key)?.shift();
          if (next === undefined) this.waiting.delete(key);
          else this.ready.push(next);
        }
        this.flush();
      },
      (error: unknown) => {
        this.inFlight.delete(sent);
        this.failure ??= { error };
      },
    );
    this.inFlight.add(sent);
  }

  /** Sends everything and resolves once all of it is stored; rejects with the first failure (nothing after it is sent). */
  async drain(): Promise<void> {
    this.flush();
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
    if (this.failure) throw this.failure.error;
    if (this.waiting.size > 0) throw new Error(`${this.waiting.size} keys still waiting after a drain`);
  }
}
