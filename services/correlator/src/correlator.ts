import { type Bus, connectBus } from "@breakwater/bus";
import { natsConnectionOf } from "@breakwater/config";
import { BearerTokens, httpAccess, serverCredentialsOf } from "@breakwater/identity";
import type { Logger, ServiceHttp } from "@breakwater/telemetry";
import { startServiceHttp } from "@breakwater/telemetry";
import { trace } from "@opentelemetry/api";
import { ChainEventPipeline, SERVICE } from "./chain-event-pipeline.js";
import { type CorrelatorConfig, ewmaHalfLifeOf } from "./config.js";
import { CorrelatorState } from "./correlator-state.js";
import { type ExposureGrpc, startExposureGrpc } from "./grpc-server.js";
import { researcherRoutes } from "./http-routes.js";
import { correlatorMetrics, registerStateGauges } from "./metrics.js";
import { startSnapshotPublisher } from "./snapshot-publisher.js";

export interface RunningCorrelator {
  /** http://host:port */
  readonly http: string;
  /** host:port */
  readonly grpc: string;
  readonly state: CorrelatorState;
  /**
   * Settles with the reason the correlator cannot go on (its chain event
   * consumer ended, or the state could not be rebuilt); never while it runs.
   * The process should exit: a restart rebuilds the state from the stream and
   * loses nothing.
   */
  readonly failed: Promise<Error>;
  stop(): Promise<void>;
}

/**
 * Wires the correlator: it consumes every chain's events, keeps cross-venue,
 * cross-chain exposure and reference prices, assesses each price tick for the
 * coordinator, publishes snapshots, and serves researchers over HTTP and gRPC.
 */
export async function startCorrelator(config: CorrelatorConfig, log: Logger): Promise<RunningCorrelator> {
  const cleanups: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    cleanups.length = 0;
  };
  try {
    const bus: Bus = await connectBus({
      ...natsConnectionOf(config),
      name: SERVICE,
      role: { kind: "correlator" },
      log,
    });
    cleanups.push(() => bus.close());

    const state = new CorrelatorState({
      staleAfterMs: config.staleAfterMs,
      priceFreshMs: config.priceFreshMs,
      priceMaxAgeMs: config.priceMaxAgeMs,
      entityMap: config.entityMap,
      depth: config.depth,
      venueDepth: config.venueDepth,
      correlationMinSamples: config.correlationMinSamples,
      insuranceFunds: config.insuranceFunds,
      ewmaHalfLifeMs: ewmaHalfLifeOf(config),
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
      excludedPriceSources: () => state.excludedPriceSources(),
    });
    const pipeline = new ChainEventPipeline({
      bus,
      state,
      log,
      tracer: trace.getTracer(`breakwater.${SERVICE}`),
      accept: { maxFutureSkewMs: config.maxFutureSkewMs, amountBounds: config.amountBounds },
    });
    const notReadyReason = () => pipeline.notReadyReason();

    const tokens = config.httpTokensFile
      ? BearerTokens.load(config.httpTokensFile, config.trustDomain)
      : undefined;
    if (!tokens) log.warn("no BW_HTTP_TOKENS_FILE: the researcher API is open to anyone who can reach it");
    const http: ServiceHttp = await startServiceHttp({
      authorize: httpAccess(
        tokens,
        [
          {
            prefix: "/v1/",
            roles: ["researcher", "operator", "admin"],
            what: "read exposure and run stress tests",
            open: true,
          },
        ],
        (reason) => correlatorMetrics.httpAuthRefusals.inc({ reason }),
      ),
      host: config.httpHost,
      port: config.httpPort,
      notReadyReason,
      routes: researcherRoutes({ state, notReadyReason, bus, log }),
      log,
    });
    const grpc: ExposureGrpc = await startExposureGrpc({
      host: config.grpcHost,
      port: config.grpcPort,
      credentials: serverCredentialsOf(
        { certFile: config.tlsCertFile, keyFile: config.tlsKeyFile, caFile: config.tlsCaFile },
        config.tlsRefreshMs,
      ),
      trustDomain: config.trustDomain,
      state,
      notReadyReason,
      log,
      bus,
    });
    cleanups.push(() => Promise.all([grpc.close(), http.close()]).then(() => undefined));
    cleanups.push(() => pipeline.stop());
    const snapshots = startSnapshotPublisher({
      bus,
      state,
      intervalMs: config.snapshotIntervalMs,
      log,
      live: () => pipeline.currentPhase === "live",
    });
    cleanups.push(() => snapshots.stop());

    let stopping = false;
    const failed = new Promise<Error>((resolve) => {
      const fail = (what: string, err?: unknown) => {
        if (stopping) return;
        resolve(new Error(err === undefined ? what : `${what}: ${String(err)}`));
      };
      pipeline.start().then(
        () => pipeline.done?.then(() => fail("chain event consumer ended")),
        (err: unknown) => fail("could not rebuild state from the chain event stream", err),
      );
    });

    log.info(
      {
        http: http.address,
        grpc: grpc.address,
        staleAfterMs: config.staleAfterMs,
        priceFreshMs: config.priceFreshMs,
        priceMaxAgeMs: config.priceMaxAgeMs,
        maxFutureSkewMs: config.maxFutureSkewMs,
        snapshotIntervalMs: config.snapshotIntervalMs,
      },
      "correlator started",
    );
    return {
      http: http.address,
      grpc: grpc.address,
      state,
      failed,
      stop: async () => {
        stopping = true;
        await stop();
      },
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
