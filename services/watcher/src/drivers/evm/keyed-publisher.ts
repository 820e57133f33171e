/**
 * Publishes concurrently while keeping order where it matters: tasks with the
 * same key (one position, one price source) run one after another, tasks with
 * different keys overlap. `drain` waits for all and throws the first failure.
 */
export class KeyedPublisher {
  private tails = new Map<string, Promise<void>>();
  private pending: Promise<void>[] = [];

  constructor(private readonly maxInFlight = 2048) {}

  async submit(key: string, task: () => Promise<void>): Promise<void> {
    if (this.pending.length >= this.maxInFlight) await this.drain();
    const next = (this.tails.get(key) ?? Promise.resolve()).then(task);
    this.tails.set(key, next);
    this.pending.push(next);
  }

  async drain(): Promise<void> {
    const pending = this.pending;
    this.pending = [];
    this.tails = new Map();
    const results = await Promise.allSettled(pending);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  }
}
