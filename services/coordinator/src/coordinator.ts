import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { type Bus, connectBus } from "@breakwater/bus";
import { natsConnectionOf } from "@breakwater/config";
import { defaultPolicy } from "@breakwater/core";
import {
  BearerTokens,
  ConcurrencyLimits,
  httpAccess,
  RateLimits,
  serverCredentialsOf,
} from "@breakwater/identity";
import type { Logger, ServiceHttp } from "@breakwater/telemetry";
import { startServiceHttp } from "@breakwater/telemetry";
import { startAckAlerts } from "./ack-alerts.js";
import { AckWatch } from "./ack-watch.js";
import { AckLedger } from "./acks.js";
import { ActivePolicy } from "./active-policy.js";
import { breakerDefaultsOf, type CoordinatorConfig } from "./config.js";
import { coordinationService, Subscriptions } from "./coordination-service.js";
import { type GrpcServer, startGrpcServer } from "./grpc-server.js";
import { lateAcksRoute, leaderRoute, policyRoute, signalsRoute, venuesRoute } from "./http-routes.js";
import { Leadership } from "./leadership.js";
import { SignalLogFollower } from "./log-follower.js";
import { coordinatorMetrics } from "./metrics.js";
import { OperatorDesk } from "./operator-desk.js";
import { operatorRoutes } from "./operator-routes.js";
import { PolicySource } from "./policy-source.js";
import { SignalIndex } from "./signal-index.js";
import { loadSigningKeyring } from "./signing-keys.js";
import { VenueDirectory } from "./venue-directory.js";
import { VenueRegistry } from "./venue-registry.js";

export interface RunningCoordinator {
  /** http://host:port */
  readonly http: string;
  /** host:port */
  readonly grpc: string;
  readonly index: SignalIndex;
  readonly replicaId: string;
  /** The term this replica leads, or 0 when following. */
  leaderTerm(): number;
  stop(): Promise<void>;
}

function defaultReplicaId(): string {
  const host = hostname()
    .replace(/[^A-Za-z0-9_.:-]/g, "-")
    .slice(0, 80);
  return `${host}-${process.pid}-${randomBytes(3).toString("hex")}`;
}

/**
 * Wires the coordinator. Every replica reads the whole signal log, serves
 * venues from it, and contends for the leader lease; only the leader rebuilds
 * the policy, consumes assessments and appends (signed, fenced by term and by
 * the stream's expected last sequence).
 */
export async function startCoordinator(config: CoordinatorConfig, log: Logger): Promise<RunningCoordinator> {
  const clock = Date.now;
  const replicaId = config.replicaId ?? defaultReplicaId();
  let notReady: string | undefined = "reading the signal log";
  const cleanups: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    cleanups.length = 0;
  };
  try {
    // What needs no network first: a missing key, certificate or registry fails the start at once.
    const keyring = loadSigningKeyring(config, log);
    const tls = serverCredentialsOf(
      { certFile: config.tlsCertFile, keyFile: config.tlsKeyFile, caFile: config.tlsCaFile },
      config.tlsRefreshMs,
    );
    const directory = VenueDirectory.load(config.venuesFile, config.trustDomain);
    const tokens = config.httpTokensFile
      ? BearerTokens.load(config.httpTokensFile, config.trustDomain)
      : undefined;
    if (!tokens) {
      log.warn(
        "no BW_HTTP_TOKENS_FILE: the HTTP read API is open to anyone who can reach it and the operator API is refused",
      );
    }
    const bus: Bus = await connectBus({
      ...natsConnectionOf(config),
      name: `coordinator-${replicaId}`,
      role: { kind: "coordinator" },
      log,
    });
    cleanups.push(() => bus.close());

    const index = new SignalIndex();
    const follower = SignalLogFollower.start(bus, index, log);
    cleanups.push(() => follower.stop());
    const logSequence = await follower.caughtUp();

    const venues = new VenueRegistry(config.maxVenues);
    const ackWatch = new AckWatch(() => venues.list().map((v) => v.venueId), config.ackGraceMs);
    for (const signal of index.signals()) ackWatch.onSignal(signal);
    index.onEntry((_seq, signal) => {
      if (signal) ackWatch.onSignal(signal);
    });
    const acks = new AckLedger(bus, index, venues, log, clock, (venue, seq, state, at) =>
      ackWatch.onAck(venue, seq, state, at),
    );
    const acksRead = await acks.rebuild();

    const subscriptions = new Subscriptions();
    const service = coordinationService(
      {
        index,
        venues,
        acks,
        log,
        signingKeys: () => keyring.published,
        directory: () => directory,
        access: {
          trustDomain: config.trustDomain,
          rates: new RateLimits(config.unaryRatePerSecond, config.unaryBurst, clock),
          streams: new ConcurrencyLimits(),
          maxStreamsPerVenue: config.maxStreamsPerVenue,
        },
        subscription: {
          markerIntervalMs: config.markerIntervalMs,
          maxBacklog: config.subscriberBuffer,
          clock,
        },
      },
      subscriptions,
    );
    const grpc: GrpcServer = await startGrpcServer(
      config.grpcHost,
      config.grpcPort,
      service,
      tls,
      config.maxRequestBytes,
    );
    cleanups.push(async () => {
      subscriptions.closeAll("coordinator is shutting down; resubscribe from your last sequence");
      await grpc.stop();
    });

    const policySource = PolicySource.open(config.policyFile, defaultPolicy(breakerDefaultsOf(config)), log);
    cleanups.push(async () => policySource.close());
    const policy = new ActivePolicy(policySource, log);
    const leadership = new Leadership({
      bus,
      index,
      follower,
      policy,
      sign: (signal) => keyring.sign(signal),
      log,
      clock,
      replicaId,
      leaseTtlMs: config.leaseTtlMs,
      leaseRenewMs: config.leaseRenewMs,
      leadMs: config.signalLeadMs,
      assessmentAckWaitMs: config.assessmentAckWaitMs,
      maxFutureSkewMs: config.maxFutureSkewMs,
    });
    policySource.onChange(() => leadership.policyChanged());
    cleanups.push(() => leadership.stop());

    const desk = new OperatorDesk({
      bus,
      index,
      leader: () => leadership.leader,
      log,
      clock,
      approvalWindowMs: config.operatorApprovalWindowMs,
    });
    desk.start();
    cleanups.push(() => desk.stop());

    const alerts = startAckAlerts({
      ackWatch,
      index,
      log,
      clock,
      intervalMs: config.ackCheckIntervalMs,
      advisory: config.ackAdvisory,
      leader: () => leadership.leader,
    });
    cleanups.push(async () => alerts.stop());

    const http: ServiceHttp = await startServiceHttp({
      host: config.httpHost,
      port: config.httpPort,
      notReadyReason: () => notReady ?? leadership.notReadyReason(),
      log,
      authorize: httpAccess(
        tokens,
        [
          { prefix: "/v1/operator/", roles: ["operator", "admin"], what: "issue or approve manual signals" },
          {
            prefix: "/v1/",
            roles: ["researcher", "operator", "admin"],
            what: "read the signal log",
            open: true,
          },
        ],
        (reason) => coordinatorMetrics.httpAuthRefusals.inc({ reason }),
      ),
      routes: [
        operatorRoutes(bus),
        signalsRoute(index),
        lateAcksRoute(ackWatch),
        venuesRoute(venues),
        leaderRoute(() => leadership.status()),
        policyRoute(() => ({
          policy: policySource.current,
          lastRejection: policySource.lastRejection ?? null,
          shadow: policy.shadowRecords(),
        })),
      ],
    });
    cleanups.push(() => http.close());

    notReady = "contending for the leader lease";
    await leadership.start();
    notReady = undefined;

    log.info(
      {
        http: http.address,
        grpc: grpc.address,
        replicaId,
        leader: leadership.status().leader,
        term: leadership.term,
        logSequence,
        acksRead,
        signingKeyId: keyring.keyId,
        venuesRegistered: directory.size,
        developmentKey: keyring.development,
        policy: { source: policySource.current.source, hash: policySource.current.hash },
      },
      "coordinator started",
    );
    return {
      http: http.address,
      grpc: grpc.address,
      index,
      replicaId,
      leaderTerm: () => leadership.term,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
