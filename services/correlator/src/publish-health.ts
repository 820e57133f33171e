/**
 * Whether assessments can be published right now, for readiness. Unready
 * after a publish failed (until one succeeds), and while a publish has been
 * waiting longer than `stallMs`: `publish` retries for up to 30 s before it
 * fails, and an unreachable bus should take the correlator out of rotation
 * within seconds, not after the retries run out.
 */
export class PublishHealth {
  private lastError: string | undefined;
  private readonly pendingSince = new Map<number, number>();
  private nextId = 0;

  constructor(
    private readonly what: string,
    private readonly stallMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Runs one publish and records its outcome. */
  async track<T>(publish: () => Promise<T>): Promise<T> {
    const id = this.nextId++;
    this.pendingSince.set(id, this.clock());
    try {
      const result = await publish();
      this.lastError = undefined;
      return result;
    } catch (err) {
      this.lastError = String((err as Error).message ?? err);
      throw err;
    } finally {
      this.pendingSince.delete(id);
    }
  }

  /** Why publishing is unhealthy, or undefined when it is fine. */
  notReadyReason(): string | undefined {
    if (this.lastError !== undefined) return `${this.what}: the last publish failed: ${this.lastError}`;
    const now = this.clock();
    for (const since of this.pendingSince.values())
      if (now - since > this.stallMs) return `${this.what}: a publish has waited ${now - since} ms`;
    return undefined;
  }
}
