import type { BlockEvent, ChainEventSink } from "../../chain-driver.js";

/**
 * Hands events to the sink in batches while decoding goes on: a batch goes
 * out once full, up to `maxInFlight` batches wait for their acknowledgement
 * at once, and `drain` resolves when every one is stored (or rejects with the
 * first failure, after all have settled). One poll publishes each account
 * once, so no two events of a batch run are states of one position.
 */
export class PipelinedPublisher {
  private batch: BlockEvent[] = [];
  private readonly inFlight: Promise<void>[] = [];
  private failure: unknown;

  constructor(
    private readonly sink: ChainEventSink,
    private readonly batchSize = 256,
    private readonly maxInFlight = 4,
  ) {}

  async submit(e: BlockEvent): Promise<void> {
    this.batch.push(e);
    if (this.batch.length >= this.batchSize) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.batch.length === 0) return;
    const batch = this.batch;
    this.batch = [];
    const sink = this.sink;
    const stored = sink.publishBatch
      ? sink.publishBatch(batch)
      : (async () => {
          for (const e of batch) await sink.publish(e);
        })();
    this.inFlight.push(
      stored.catch((err: unknown) => {
        this.failure ??= err;
      }),
    );
    if (this.inFlight.length >= this.maxInFlight) await this.inFlight.shift();
  }

  async drain(): Promise<void> {
    await this.flush();
    await Promise.all(this.inFlight.splice(0));
    if (this.failure !== undefined) {
      const err = this.failure;
      this.failure = undefined;
      throw err;
    }
  }
}
