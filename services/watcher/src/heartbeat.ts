import { type Bus, encodeChainEvent, publish, subjects } from "@breakwater/bus";
import type { ChainHeartbeat } from "@breakwater/proto";
import type { Logger } from "@breakwater/telemetry";
import type { ChainProgress } from "./chain-progress.js";
import { watcherMetrics } from "./metrics.js";

export interface HeartbeatOptions {
  readonly bus: Bus;
  readonly chainId: string;
  readonly progress: ChainProgress;
  readonly everyMs: number;
  /** Distinguishes this process's heartbeats in their dedup ids. */
  readonly instance: string;
  readonly log: Logger;
}

export interface Heartbeats {
  /** Unix ms of the last heartbeat the bus accepted. */
  readonly lastSentAtMs: number | undefined;
  stop(): Promise<void>;
}

/** What the chain looks like now, as a heartbeat. */
export function heartbeatOf(chainId: string, progress: ChainProgress, nowMs: number): ChainHeartbeat {
  const health = progress.health(nowMs);
  return {
    chainId,
    headNumber: progress.head?.number ?? 0,
    headHash: progress.head?.hash ?? "",
    headTimeMs: progress.head?.timeMs ?? 0,
    processedNumber: progress.processed?.number ?? 0,
    observedAtMs: nowMs,
    status: health.status,
    detail: health.detail,
  };
}

/**
 * Publishes a ChainHeartbeat every `everyMs`, whatever the driver is doing, so
 * consumers see a stalled chain as a stale head rather than as silence. A
 * beat that cannot be published within one interval is counted and skipped.
 */
export function startHeartbeats(opts: HeartbeatOptions): Heartbeats {
  const { bus, chainId, progress, everyMs, instance, log } = opts;
  let sequence = 0;
  let inFlight: Promise<void> | undefined;
  let lastSentAtMs: number | undefined;
  let failing = false;

  const beat = async () => {
    const hb = heartbeatOf(chainId, progress, Date.now());
    const msgId = `${chainId}:heartbeat:${instance}:${++sequence}`;
    try {
      await publish(bus, subjects.heartbeat(chainId), encodeChainEvent({ kind: "heartbeat", value: hb }), {
        msgId,
        retryForMs: everyMs,
      });
      lastSentAtMs = Date.now();
      watcherMetrics.eventsPublished.inc({ chain: chainId, kind: "heartbeat" });
      if (failing) log.info({ chain: chainId }, "heartbeats flowing again");
      failing = false;
    } catch (err) {
      watcherMetrics.errors.inc({ chain: chainId, stage: "heartbeat" });
      if (!failing)
        log.warn({ chain: chainId, err: String((err as Error).message) }, "heartbeat not published");
      failing = true;
    }
  };

  const tick = () => {
    if (inFlight) return;
    inFlight = beat().finally(() => {
      inFlight = undefined;
    });
  };
  const timer = setInterval(tick, everyMs);

  return {
    get lastSentAtMs() {
      return lastSentAtMs;
    },
    async stop() {
      clearInterval(timer);
      await inFlight;
    },
  };
}
