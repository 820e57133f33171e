import { type Bus, codecs, publish, subjects } from "@breakwater/bus";
import type { Logger } from "@breakwater/telemetry";
import type { CorrelatorState } from "./correlator-state.js";
import { correlatorMetrics as metrics } from "./metrics.js";

export interface SnapshotPublisherOptions {
  readonly bus: Bus;
  readonly state: CorrelatorState;
  readonly intervalMs: number;
  readonly log: Logger;
  /** Snapshots are published only while this is true (the state is rebuilt and live). */
  readonly live: () => boolean;
  readonly clock?: () => number;
}

export interface SnapshotPublisher {
  /** Publishes one snapshot now (skipped when not live); resolves with its time, or undefined. */
  publishNow(): Promise<number | undefined>;
  stop(): Promise<void>;
}

/**
 * Publishes the whole exposure snapshot to `bw.snapshot` every interval, for
 * researchers' history. The Nats-Msg-Id is the snapshot time, so a retried
 * publish is stored once. A tick that finds the previous publish still
 * running is skipped rather than queued.
 */
export function startSnapshotPublisher(opts: SnapshotPublisherOptions): SnapshotPublisher {
  const clock = opts.clock ?? Date.now;
  let inFlight: Promise<number | undefined> | undefined;

  const publishNow = async (): Promise<number | undefined> => {
    if (!opts.live()) return undefined;
    const snapshot = opts.state.snapshot({}, clock());
    try {
      const stored = await publish(opts.bus, subjects.snapshot, codecs.snapshot.encode(snapshot), {
        msgId: `snapshot:${snapshot.takenAtMs}`,
        retryForMs: opts.intervalMs,
      });
      metrics.snapshots.inc({ outcome: stored.duplicate ? "duplicate" : "stored" });
      return snapshot.takenAtMs;
    } catch (err) {
      metrics.snapshots.inc({ outcome: "failed" });
      opts.log.warn({ err: String(err), takenAtMs: snapshot.takenAtMs }, "exposure snapshot not published");
      return undefined;
    }
  };

  const timer = setInterval(() => {
    if (inFlight) return;
    inFlight = publishNow().finally(() => {
      inFlight = undefined;
    });
  }, opts.intervalMs);
  timer.unref();

  return {
    publishNow,
    async stop() {
      clearInterval(timer);
      await inFlight;
    },
  };
}
