import { randomUUID } from "node:crypto";
import { type Bus, connectBus } from "@breakwater/bus";
import { natsConnectionOf } from "@breakwater/config";
import type { Logger, ServiceHttp } from "@breakwater/telemetry";
import { startServiceHttp } from "@breakwater/telemetry";
import { trace } from "@opentelemetry/api";
import { ChainProgress } from "./chain-progress.js";
import { CheckpointStore } from "./checkpoint-store.js";
import type { WatcherConfig } from "./config.js";
import { createDriver } from "./drivers/create-driver.js";
import { BusEventSink } from "./event-sink.js";
import { followChain } from "./follow.js";
import { startHeartbeats } from "./heartbeat.js";
import { probeAges } from "./metrics.js";

export interface RunningWatcher {
  readonly chain: string;
  /** http://host:port (health, readiness, metrics) */
  readonly http: string;
  /**
   * Settles with the reason the watcher cannot go on following its chain;
   * never while it follows. Its connections are closed by then: the process
   * should exit, and a restart resumes from the last checkpoint.
   */
  readonly failed: Promise<Error>;
  /** Finishes the current block, checkpoints it, and closes everything. */
  stop(): Promise<void>;
}

function trackConnection(bus: Bus, progress: ChainProgress, chain: string, log: Logger): void {
  progress.connected = true;
  void (async () => {
    for await (const s of bus.nc.status()) {
      if (s.type === "disconnect") {
        progress.connected = false;
        log.warn({ chain }, "disconnected from NATS");
      } else if (s.type === "reconnect") {
        progress.connected = true;
        log.info({ chain }, "reconnected to NATS");
      }
    }
  })();
}

/**
 * Wires one watcher: the chain's driver follows the chain from the last
 * checkpoint, its events go onto the bus through the sink (which checkpoints
 * each block once published), and heartbeats report the chain's progress.
 */
export async function startWatcher(config: WatcherConfig, log: Logger): Promise<RunningWatcher> {
  const chain = config.chain;
  const progress = new ChainProgress({ staleMs: config.headStaleMs, downMs: config.headDownMs });
  const bus = await connectBus({
    ...natsConnectionOf(config),
    name: `watcher-${chain}`,
    role: { kind: "watcher", chain },
    log,
  });
  let heartbeats: ReturnType<typeof startHeartbeats> | undefined;
  let http: ServiceHttp | undefined;
  const closeAll = async () => {
    await heartbeats?.stop();
    await http?.close();
    await bus.close();
  };
  try {
    trackConnection(bus, progress, chain, log);
    const store = await CheckpointStore.open(bus, chain);
    const initial = await store.load();
    const driver = createDriver(config, log);
    const sink = new BusEventSink({
      bus,
      chainId: chain,
      driverKind: driver.kind,
      store,
      progress,
      tracer: trace.getTracer("breakwater.watcher"),
      log,
      initial,
    });
    // where processing resumes; the head stays unknown until the driver sees one
    if (initial)
      progress.processed = {
        number: initial.blockNumber,
        hash: initial.blockHash,
        timeMs: initial.blockTimeMs,
      };

    const beats = startHeartbeats({
      bus,
      chainId: chain,
      progress,
      everyMs: config.heartbeatMs,
      instance: randomUUID().slice(0, 8),
      log,
    });
    heartbeats = beats;
    probeAges(chain, {
      headAgeSeconds: () => {
        const ms = progress.headAgeMs(Date.now());
        return ms === undefined ? undefined : ms / 1000;
      },
      heartbeatAgeSeconds: () =>
        beats.lastSentAtMs === undefined ? undefined : (Date.now() - beats.lastSentAtMs) / 1000,
    });
    const server = await startServiceHttp({
      host: config.httpHost,
      port: config.httpPort,
      notReadyReason: () => progress.notReadyReason(Date.now()),
    });
    http = server;

    const following = followChain({ driver, sink, progress, log });
    log.info(
      {
        chain,
        http: server.address,
        driver: driver.kind,
        nats: config.natsUrl,
        resumeFrom: initial ? initial.blockNumber : null,
      },
      "watcher started",
    );
    const failed = new Promise<Error>((resolve) => {
      following.done.catch(async (err: unknown) => {
        await closeAll().catch(() => undefined);
        resolve(err instanceof Error ? err : new Error(String(err)));
      });
    });
    return {
      chain,
      http: server.address,
      failed,
      stop: async () => {
        log.info({ chain }, "stopping: finishing the current block");
        await following.stop();
        await closeAll();
        log.info({ chain, processed: sink.lastCheckpoint?.blockNumber ?? null }, "watcher stopped");
      },
    };
  } catch (err) {
    await closeAll().catch(() => undefined);
    throw err;
  }
}
