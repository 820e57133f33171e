// The correlator: consumes every chain's events, keeps cross-venue, cross-chain
// exposure and reference prices, assesses each price tick for the coordinator,
// and serves researchers over HTTP and gRPC.
import { connectBus } from "@breakwater/bus";
import { runService } from "@breakwater/config";
import { createLogger, initTracing, shutdownTracing, startServiceHttp } from "@breakwater/telemetry";
import { ChainEventPipeline, SERVICE } from "./chain-event-pipeline.js";
import { loadCorrelatorConfig } from "./config.js";
import { CorrelatorState } from "./correlator-state.js";
import { startExposureGrpc } from "./grpc-server.js";
import { researcherRoutes } from "./http-routes.js";
import { registerStateGauges } from "./metrics.js";
import { startSnapshotPublisher } from "./snapshot-publisher.js";

runService(SERVICE, async () => {
  const config = loadCorrelatorConfig();
  const log = createLogger(SERVICE, config.logLevel);
  const tracer = initTracing(SERVICE);
  const bus = await connectBus({ url: config.natsUrl, name: SERVICE });

  const state = new CorrelatorState({
    staleAfterMs: config.staleAfterMs,
    priceFreshMs: config.priceFreshMs,
    entityMap: config.entityMap,
    depth: config.depth,
    insuranceFunds: config.insuranceFunds,
    ewmaLambda: config.ewmaLambda,
    volSampleMs: config.volSampleMs,
    volHorizonMs: config.volHorizonMs,
    ladderMoveBps: config.ladderMoveBps,
    ladderMaxAgeMs: config.ladderMaxAgeMs,
    maxRevisions: config.maxRevisions,
  });
  registerStateGauges({
    positions: () => state.book.positionCount,
    optionPositions: () => state.options.positionCount,
    staleChains: () => state.freshness.staleChains(Date.now()).length,
    chains: () => state.freshness.size,
  });
  const pipeline = new ChainEventPipeline({
    bus,
    state,
    log,
    tracer,
    accept: { maxFutureSkewMs: config.maxFutureSkewMs, amountBounds: config.amountBounds },
  });
  const notReadyReason = () => pipeline.notReadyReason();

  const http = await startServiceHttp({
    host: config.httpHost,
    port: config.httpPort,
    notReadyReason,
    routes: researcherRoutes({ state, notReadyReason, bus }),
    log,
  });
  const grpc = await startExposureGrpc({
    host: config.grpcHost,
    port: config.grpcPort,
    state,
    notReadyReason,
    log,
    bus,
  });
  const snapshots = startSnapshotPublisher({
    bus,
    state,
    intervalMs: config.snapshotIntervalMs,
    log,
    live: () => pipeline.currentPhase === "live",
  });
  log.info(
    {
      http: http.address,
      grpc: grpc.address,
      staleAfterMs: config.staleAfterMs,
      priceFreshMs: config.priceFreshMs,
      maxFutureSkewMs: config.maxFutureSkewMs,
      snapshotIntervalMs: config.snapshotIntervalMs,
    },
    "correlator started",
  );

  let stopping = false;
  // A consumer that dies, or a start that fails, ends the process: a restart
  // rebuilds the state from the stream and loses nothing.
  const fail = (what: string, err?: unknown) => {
    if (stopping) return;
    log.fatal({ err: err === undefined ? undefined : String(err) }, what);
    process.exit(1);
  };
  pipeline.start().then(
    () => pipeline.done?.then(() => fail("chain event consumer ended")),
    (err: unknown) => fail("could not rebuild state from the chain event stream", err),
  );

  return async () => {
    stopping = true;
    log.info("correlator stopping");
    await snapshots.stop();
    await pipeline.stop();
    await Promise.all([grpc.close(), http.close()]);
    await bus.close();
    await shutdownTracing();
  };
});
