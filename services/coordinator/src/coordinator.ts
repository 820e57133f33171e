import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { type Bus, connectBus } from "@breakwater/bus";
import {
  asError,
  defaultPolicy,
  PolicyEngine,
  policyWindowMs,
  type ShadowRecord,
  signalKindName,
} from "@breakwater/core";
import type { Logger, ServiceHttp } from "@breakwater/telemetry";
import { startServiceHttp } from "@breakwater/telemetry";
import { AckWatch, unackedAdvisory } from "./ack-watch.js";
import { AckLedger } from "./acks.js";
import { breakerDefaultsOf, type CoordinatorConfig } from "./config.js";
import { coordinationService, Subscriptions } from "./coordination-service.js";
import { type GrpcServer, startGrpcServer } from "./grpc-server.js";
import { lateAcksRoute, leaderRoute, policyRoute, signalsRoute, venuesRoute } from "./http-routes.js";
import { LeaderLease } from "./leader-lease.js";
import { LeaderRole } from "./leader-role.js";
import { SignalLogFollower } from "./log-follower.js";
import { coordinatorMetrics } from "./metrics.js";
import { PolicySource } from "./policy-source.js";
import { SignalIndex } from "./signal-index.js";
import { loadSigningKeyring } from "./signing-keys.js";
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
    const bus: Bus = await connectBus({ url: config.natsUrl, name: `coordinator-${replicaId}` });
    cleanups.push(() => bus.close());
    const keyring = await loadSigningKeyring(config, bus, log);

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

    const policySource = PolicySource.open(config.policyFile, defaultPolicy(breakerDefaultsOf(config)), log);
    cleanups.push(async () => policySource.close());
    let engine: PolicyEngine | undefined;
    const onShadow = (record: ShadowRecord) => {
      coordinatorMetrics.shadowDecisions.inc({
        rule: record.ruleId,
        kind: signalKindName(record.draft.kind),
      });
      log.info(
        {
          rule: record.ruleId,
          assessmentId: record.assessmentId,
          signalId: record.draft.signalId,
          kind: signalKindName(record.draft.kind),
          scope: record.draft.scope,
          reason: record.draft.reason,
          evidence: record.draft.evidence,
        },
        "shadow rule would have issued a signal (not sent)",
      );
    };
    const lease = new LeaderLease(bus, {
      replicaId,
      ttlMs: config.leaseTtlMs,
      renewMs: config.leaseRenewMs,
      minTerm: () => index.maxTerm + 1,
      log,
    });
    let role: LeaderRole | undefined;
    let transition: Promise<void> = Promise.resolve();
    const leadFor = (term: number) => {
      transition = transition.then(async () => {
        await role?.stop();
        role = undefined;
        if (term === 0 || lease.term !== term) return;
        const next = new LeaderRole(
          {
            bus,
            index,
            follower,
            log,
            clock,
            leadMs: config.signalLeadMs,
            assessmentAckWaitMs: config.assessmentAckWaitMs,
            maxFutureSkewMs: config.maxFutureSkewMs,
            rules: () => {
              const { document } = policySource.current;
              engine = new PolicyEngine(document, { onShadow });
              return { rules: [engine], windowMs: policyWindowMs(document) };
            },
            sign: (signal) => keyring.sign(signal),
            holdsLease: (t) => lease.term === t,
            onUnexpectedEntry: (reason, detail) => {
              log.error(
                { reason, ...detail },
                "the signal log holds an entry this leader did not append; stepping down to re-elect above it",
              );
              void lease.stepDown(`unexpected log entry (${reason})`);
            },
          },
          term,
          replicaId,
        );
        role = next;
        try {
          await next.start();
        } catch (err) {
          log.error({ term, err: asError(err).message }, "could not take up the leader role; retrying");
          await next.stop();
          if (role === next) role = undefined;
          // Still holding the lease: try again rather than lead nothing until it lapses.
          setTimeout(() => {
            if (lease.term === term && !role) leadFor(term);
          }, 1_000).unref();
        }
      });
    };
    lease.onChange((event) => leadFor(event.role === "leader" ? event.term : 0));
    // A new policy takes over by rebuilding the leader's rules from the log and recent assessments.
    policySource.onChange(() => {
      if (lease.term > 0) leadFor(lease.term);
    });
    cleanups.push(async () => {
      await lease.stop();
      leadFor(0);
      await transition;
    });

    const ackTimer = setInterval(() => {
      const late = ackWatch.check(clock());
      coordinatorMetrics.unackedHaltsOpen.set(ackWatch.outstanding);
      if (late.length === 0) return;
      const bySequence = new Map<number, string[]>();
      for (const l of late) {
        coordinatorMetrics.unackedHalts.inc({ venue: l.venueId });
        bySequence.set(l.sequence, [...(bySequence.get(l.sequence) ?? []), l.venueId]);
      }
      for (const [sequence, missing] of bySequence) {
        log.warn({ sequence, venues: missing }, "venues had not acked a halt by its effective time");
        const halt = index.get(sequence);
        if (config.ackAdvisory && role && halt) {
          void role.issue(unackedAdvisory(halt, missing)).catch((err: unknown) => {
            log.warn({ sequence, err: asError(err).message }, "could not append the unacked-halt advisory");
          });
        }
      }
    }, config.ackCheckIntervalMs);
    cleanups.push(async () => clearInterval(ackTimer));

    // Ready only while some replica can append: this one as an opened, appending
    // leader, or another whose live lease's term is already opened in the log.
    const appendReadiness = (): string | undefined => {
      if (lease.holds()) return role ? role.notReadyReason() : `leader of term ${lease.term} is starting`;
      const other = lease.heldElsewhere();
      if (!other) return "no replica holds the leader lease";
      if (index.maxTerm < other.term)
        return `leader ${other.holder} has not opened term ${other.term} in the log`;
      return undefined;
    };
    const http: ServiceHttp = await startServiceHttp({
      host: config.httpHost,
      port: config.httpPort,
      notReadyReason: () => notReady ?? appendReadiness(),
      log,
      routes: [
        signalsRoute(index),
        lateAcksRoute(ackWatch),
        venuesRoute(venues),
        leaderRoute(() => ({ replicaId, term: lease.term, leader: lease.holds(), logTerm: index.maxTerm })),
        policyRoute(() => ({
          policy: policySource.current,
          lastRejection: policySource.lastRejection ?? null,
          shadow: lease.term > 0 && engine ? engine.shadowRecords() : [],
        })),
      ],
    });
    cleanups.push(() => http.close());

    notReady = "contending for the leader lease";
    await lease.start();
    notReady = undefined;

    log.info(
      {
        http: http.address,
        grpc: grpc.address,
        replicaId,
        leader: lease.holds(),
        term: lease.term,
        logSequence,
        acksRead,
        signingKeyId: keyring.keyId,
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
      leaderTerm: () => lease.term,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
