import type { Logger } from "@breakwater/telemetry";
import type { ChainDriver } from "./chain-driver.js";
import type { ChainProgress } from "./chain-progress.js";
import { abortableSleep as sleep } from "./drivers/abortable-sleep.js";
import { CheckpointMismatchError, CorruptCheckpointError } from "./errors.js";
import type { BusEventSink } from "./event-sink.js";
import { watcherMetrics } from "./metrics.js";

export interface FollowOptions {
  readonly driver: ChainDriver;
  readonly sink: BusEventSink;
  readonly progress: ChainProgress;
  readonly log: Logger;
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

export interface Following {
  /** Lets the driver finish the block in hand (published and checkpointed), then resolves. */
  stop(): Promise<void>;
  /** Settles when following ends: resolves after stop(), rejects on a failure a restart cannot fix. */
  readonly done: Promise<void>;
}

/** Failures that restarting the driver cannot fix: the operator must act. */
function isFatal(err: unknown): boolean {
  return err instanceof CheckpointMismatchError || err instanceof CorruptCheckpointError;
}

/**
 * Runs the driver until stopped. When it fails (the bus is unreachable for
 * longer than a publish retries, the RPC is gone), the failure is counted and
 * reported as the chain being down, and the driver is restarted from the last
 * saved checkpoint with exponential backoff. Nothing is skipped: a restart
 * resumes after the last checkpoint, and republished events are deduplicated.
 */
export function followChain(opts: FollowOptions): Following {
  const { driver, sink, progress, log } = opts;
  const minBackoff = opts.minBackoffMs ?? 250;
  const maxBackoff = opts.maxBackoffMs ?? 10_000;
  const abort = new AbortController();
  const { signal } = abort;
  const chain = driver.chainId;

  const loop = async () => {
    let backoff = minBackoff;
    while (!signal.aborted) {
      const from = sink.lastCheckpoint;
      try {
        await driver.start(from, sink, signal);
        if (signal.aborted) return;
        throw new Error("the driver returned without being stopped");
      } catch (err) {
        const reason = String((err as Error).message ?? err);
        if (signal.aborted) {
          log.warn(
            { chain, err: reason },
            "driver failed while stopping; the last block will be redone on start",
          );
          return;
        }
        watcherMetrics.errors.inc({ chain, stage: "driver" });
        progress.setFailure(reason);
        if (isFatal(err)) {
          log.error({ chain, err: reason }, "cannot follow the chain");
          throw err;
        }
        if (sink.lastCheckpoint !== from) backoff = minBackoff;
        watcherMetrics.driverRestarts.inc({ chain });
        log.error(
          { chain, err: reason, retryInMs: backoff, fromBlock: sink.lastCheckpoint?.blockNumber ?? null },
          "driver failed; restarting from the last checkpoint",
        );
        await sleep(backoff, signal);
        backoff = Math.min(backoff * 2, maxBackoff);
      }
    }
  };

  const done = loop();
  return {
    done,
    async stop() {
      abort.abort();
      await done.catch(() => undefined);
    },
  };
}
