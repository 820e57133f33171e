import {
  type Bus,
  codecs,
  connectBus,
  consumeDurable,
  consumers,
  extractTrace,
  type RunningConsumer,
  streams,
} from "@breakwater/bus";
import { DrawdownBreaker } from "@breakwater/core";
import { inSpan, type Logger, type ServiceHttp, startServiceHttp } from "@breakwater/telemetry";
import { context, trace } from "@opentelemetry/api";
import { AckLedger } from "./acks.js";
import { breakerConfigOf, type CoordinatorConfig } from "./config.js";
import { coordinationService, Subscriptions } from "./coordination-service.js";
import { type GrpcServer, startGrpcServer } from "./grpc-server.js";
import { signalsRoute, venuesRoute } from "./http-routes.js";
import { SignalLogFollower } from "./log-follower.js";
import { coordinatorMetrics } from "./metrics.js";
import { observe } from "./observations.js";
import { Policy } from "./policy.js";
import { rebuildPolicy } from "./rebuild.js";
import { SignalIndex } from "./signal-index.js";
import { SignalLog } from "./signal-log.js";
import { VenueRegistry } from "./venue-registry.js";

/** Term of the only writer until leader election arrives. */
const LEADER_TERM = 1;

export interface RunningCoordinator {
  /** http://host:port */
  readonly http: string;
  /** host:port */
  readonly grpc: string;
  readonly index: SignalIndex;
  stop(): Promise<void>;
}

/**
 * Wires the coordinator: reads the whole signal log, rebuilds the policy,
 * serves venues, then consumes assessments live. Every decision is appended to
 * the log first; venues are served only from what the log reader read.
 */
export async function startCoordinator(config: CoordinatorConfig, log: Logger): Promise<RunningCoordinator> {
  const clock = Date.now;
  const tracer = trace.getTracer("breakwater.coordinator");
  let notReady: string | undefined = "reading the signal log";
  const cleanups: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const bus: Bus = await connectBus({ url: config.natsUrl, name: "coordinator" });
    cleanups.push(() => bus.close());

    const index = new SignalIndex();
    const follower = SignalLogFollower.start(bus, index, log);
    cleanups.push(() => follower.stop());
    const logSequence = await follower.caughtUp();

    const breaker = breakerConfigOf(config);
    const signalLog = new SignalLog(bus, index, {
      leadMs: config.signalLeadMs,
      leaderTerm: LEADER_TERM,
      clock,
    });
    const policy = new Policy([new DrawdownBreaker(breaker)], signalLog, log);
    notReady = "rebuilding the policy";
    const rebuilt = await rebuildPolicy(bus, index, policy, breaker.windowMs, log, clock);
    index.onEntry((_seq, signal) => {
      if (signal) policy.restore(signal);
    });
    log.info({ logSequence, ...rebuilt }, "policy rebuilt from the signal log and processed assessments");

    const venues = new VenueRegistry();
    const acks = new AckLedger(bus, index, venues, log, clock);
    const acksRead = await acks.rebuild();

    const subscriptions = new Subscriptions();
    const service = coordinationService(
      {
        index,
        venues,
        acks,
        log,
        subscription: {
          markerIntervalMs: config.markerIntervalMs,
          maxBacklog: config.subscriberBuffer,
          clock,
        },
      },
      subscriptions,
    );
    const grpc: GrpcServer = await startGrpcServer(config.grpcHost, config.grpcPort, service);
    cleanups.push(async () => {
      subscriptions.closeAll("coordinator is shutting down; resubscribe from your last sequence");
      await grpc.stop();
    });

    const http: ServiceHttp = await startServiceHttp({
      host: config.httpHost,
      port: config.httpPort,
      notReadyReason: () => notReady,
      routes: [signalsRoute(index), venuesRoute(venues)],
    });
    cleanups.push(() => http.close());

    notReady = "starting the assessment consumer";
    const consumer: RunningConsumer = await consumeDurable(bus, {
      stream: streams.assessments.name,
      durable: consumers.coordinatorAssessments,
      service: "coordinator",
      ackWaitMs: config.assessmentAckWaitMs,
      log,
      decode: (subject, data) => observe(codecs.assessment.decode(data, subject), subject),
      handle: async (observed, msg) => {
        if (observed.kind === "unpriceable") {
          coordinatorMetrics.assessments.inc({ outcome: "unpriceable" });
          log.info(
            { assessmentId: observed.assessmentId, asset: observed.asset },
            "assessment has no price; skipped",
          );
          return;
        }
        coordinatorMetrics.assessments.inc({ outcome: "evaluated" });
        // The correlator's trace continues here and, through the append, into the signal log.
        await context.with(extractTrace(msg.headers), () =>
          inSpan(tracer, "coordinator.decide", async (span) => {
            span.setAttribute("breakwater.asset", observed.observation.asset);
            const appended = await policy.decide(observed.observation, clock());
            span.setAttribute("breakwater.signals", appended.length);
          }),
        );
      },
    });
    cleanups.push(() => consumer.stop());
    notReady = undefined;

    log.info(
      {
        http: http.address,
        grpc: grpc.address,
        logSequence: index.last,
        acksRead,
        breaker: { ...breaker },
      },
      "coordinator started",
    );
    return { http: http.address, grpc: grpc.address, index, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
