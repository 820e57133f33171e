import { randomUUID } from "node:crypto";
import { connectBus } from "@breakwater/bus";
import { runService } from "@breakwater/config";
import { createLogger, initTracing, shutdownTracing, startServiceHttp } from "@breakwater/telemetry";
import { ChainProgress } from "./chain-progress.js";
import { CheckpointStore } from "./checkpoint-store.js";
import { loadWatcherConfig } from "./config.js";
import { createDriver } from "./drivers/create-driver.js";
import { BusEventSink } from "./event-sink.js";
import { followChain } from "./follow.js";
import { startHeartbeats } from "./heartbeat.js";
import { probeAges } from "./metrics.js";

// One watcher process follows one chain:
//   node --import tsx services/watcher/src/main.ts --chain sim-a
runService("watcher", async () => {
  const config = loadWatcherConfig();
  const chain = config.chain;
  const log = createLogger("watcher", config.logLevel);
  const tracer = initTracing("watcher");
  const progress = new ChainProgress({ staleMs: config.headStaleMs, downMs: config.headDownMs });

  const bus = await connectBus({ url: config.natsUrl, name: `watcher-${chain}` });
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

  const store = await CheckpointStore.open(bus, chain);
  const initial = await store.load();
  const driver = createDriver(config, log);
  const sink = new BusEventSink({
    bus,
    chainId: chain,
    driverKind: driver.kind,
    store,
    progress,
    tracer,
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

  const heartbeats = startHeartbeats({
    bus,
    chainId: chain,
    progress,
    everyMs: config.heartbeatMs,
    instance: randomUUID().slice(0, 8),
    log,
  });
  probeAges(chain, {
    headAgeSeconds: () => {
      const ms = progress.headAgeMs(Date.now());
      return ms === undefined ? undefined : ms / 1000;
    },
    heartbeatAgeSeconds: () =>
      heartbeats.lastSentAtMs === undefined ? undefined : (Date.now() - heartbeats.lastSentAtMs) / 1000,
  });
  const http = await startServiceHttp({
    host: config.httpHost,
    port: config.httpPort,
    notReadyReason: () => progress.notReadyReason(Date.now()),
  });

  const following = followChain({ driver, sink, progress, log });
  log.info(
    {
      chain,
      http: http.address,
      driver: driver.kind,
      nats: config.natsUrl,
      resumeFrom: initial ? initial.blockNumber : null,
    },
    "watcher started",
  );

  const close = async () => {
    await heartbeats.stop();
    await http.close();
    await bus.close();
    await shutdownTracing();
  };
  following.done.catch(async (err: unknown) => {
    log.fatal({ chain, err: String((err as Error).message) }, "watcher cannot continue");
    await close().catch(() => undefined);
    process.exit(1);
  });

  return async () => {
    log.info({ chain }, "stopping: finishing the current block");
    await following.stop();
    await close();
    log.info({ chain, processed: sink.lastCheckpoint?.blockNumber ?? null }, "watcher stopped");
  };
});
