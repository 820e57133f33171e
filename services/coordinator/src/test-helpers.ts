// Shared by this package's integration tests: real processes, real gRPC, real NATS.

import { ackFloor, type Bus, codecs, consumers, publish, streams, subjects } from "@breakwater/bus";
import { numberToDecimal } from "@breakwater/core";
import { channelCredentialsOf } from "@breakwater/identity";
import { CoordinationServiceClient, type RiskAssessment, Signal } from "@breakwater/proto";
import { VenueClient, type VenueClientOptions } from "@breakwater/sdk";
import {
  eventually,
  freePort,
  type ServiceProcess,
  sharedTestPki,
  sharedTestPkiNow,
  startService,
} from "@breakwater/testkit";
import type { ServiceError } from "@grpc/grpc-js";

export const COORDINATOR_ENTRY = "services/coordinator/src/main.ts";

export interface CoordinatorProcess {
  readonly proc: ServiceProcess;
  readonly grpc: string;
  readonly http: string;
}

/**
 * Starts the coordinator as its own process on free ports and waits for
 * "coordinator started". It serves with mutual TLS, the test venue registry and
 * the test signing key of the shared test PKI unless `env` says otherwise.
 */
export async function startCoordinatorProcess(
  natsUrl: string,
  env: Record<string, string> = {},
  opts: { awaitLeader?: boolean } = {},
): Promise<CoordinatorProcess> {
  const pki = await sharedTestPki();
  const proc = startService(COORDINATOR_ENTRY, [], {
    ...pki.coordinatorEnv(),
    BW_NATS_URL: natsUrl,
    BW_GRPC_PORT: "0",
    BW_HTTP_PORT: "0",
    BW_MARKER_INTERVAL_MS: "200",
    BW_LOG_LEVEL: "info",
    // Tests that count signals opt in to the unacked-halt advisory (ack-watch.int.test.ts).
    BW_ACK_ADVISORY: "false",
    ...env,
  });
  const line = await proc.waitFor(/"msg":"coordinator started"/, 30_000);
  const started = JSON.parse(line) as { grpc: string; http: string };
  // A restarted leader waits out its predecessor's lease before it leads.
  if (opts.awaitLeader ?? true) await proc.waitFor(/"msg":"leader is consuming assessments"/, 30_000);
  return { proc, grpc: started.grpc, http: started.http };
}

/** Two replicas on their own gRPC ports: the first is the leader once started, the second follows. */
export async function startLeaderAndFollower(
  natsUrl: string,
  env: Record<string, string>,
): Promise<[CoordinatorProcess, CoordinatorProcess]> {
  const leader = await startCoordinatorProcess(natsUrl, { ...env, BW_GRPC_PORT: String(await freePort()) });
  const follower = await startCoordinatorProcess(
    natsUrl,
    { ...env, BW_GRPC_PORT: String(await freePort()) },
    { awaitLeader: false },
  );
  return [leader, follower];
}

let assessmentCounter = 0;

/** A priced assessment of `asset` at `price`, observed now, held by `venues`. */
export function assessment(
  asset: string,
  price: number,
  venues: string[],
  priceTimeMs = Date.now(),
): RiskAssessment {
  assessmentCounter++;
  return {
    assessmentId: `test-${asset}-${priceTimeMs}-${assessmentCounter}`,
    asset,
    referencePrice: numberToDecimal(price),
    agreeingSources: 3,
    priceTimeMs,
    assessedAtMs: Date.now(),
    venues,
    markets: venues.map((v) => `${asset}-${v}`),
    chains: ["sim-a"],
    staleChains: [],
    grossNotional: 1_000_000,
    chainNotional: [],
    degradedChains: [],
    correlations: [],
  };
}

/** Publishes an assessment; returns its stream sequence. */
export async function publishAssessment(bus: Bus, a: RiskAssessment): Promise<number> {
  const published = await publish(bus, subjects.assessment(a.asset), codecs.assessment.encode(a), {
    msgId: a.assessmentId,
  });
  return published.seq;
}

/**
 * Publishes a fall of `asset` from 100 in `steps` equal steps down to
 * `100 · (1 − fall)`, one second of chain time apart. Returns the last stream sequence.
 */
export async function publishFall(
  bus: Bus,
  asset: string,
  venues: string[],
  fall: number,
  steps = 5,
): Promise<number> {
  const start = Date.now() - steps * 1_000;
  let seq = 0;
  for (let i = 0; i <= steps; i++) {
    const price = 100 * (1 - (fall * i) / steps);
    seq = await publishAssessment(bus, assessment(asset, price, venues, start + i * 1_000));
  }
  return seq;
}

/** Waits until the coordinator has processed (acked) every assessment up to `seq`. */
export async function processedUpTo(bus: Bus, seq: number, timeoutMs = 20_000): Promise<void> {
  await eventually(
    async () =>
      (await ackFloor(bus, streams.assessments.name, consumers.coordinatorAssessments)) >= seq
        ? true
        : undefined,
    timeoutMs,
    `assessments processed up to ${seq}`,
  );
}

/** An SDK client that records what it is handed and applies at effective_at. */
export function recordingVenue(
  address: string,
  venueId: string,
  extra: Partial<VenueClientOptions> = {},
): { client: VenueClient; signals: Signal[]; gaps: number; synced: Promise<void> } {
  const signals: Signal[] = [];
  const state = { gaps: 0 };
  const client: VenueClient = new VenueClient({
    address,
    venueId,
    tls: sharedTestPkiNow().venueTls(venueId),
    reconnect: { initialDelayMs: 50, maxDelayMs: 500 },
    handler: (signal) => {
      signals.push(signal);
      void client.applyAt(signal, () => undefined);
    },
    ...extra,
  });
  client.on("gap", () => state.gaps++);
  client.on("error", () => undefined);
  const synced = new Promise<void>((resolve) => client.once("synced", () => resolve()));
  client.start();
  return {
    client,
    signals,
    get gaps() {
      return state.gaps;
    },
    synced,
  };
}

/** A raw CoordinationService client as `venueId` (mutual TLS), for requests the SDK would never send. */
export function rawClient(address: string, venueId = "perp-a"): CoordinationServiceClient {
  return new CoordinationServiceClient(address, channelCredentialsOf(sharedTestPkiNow().venueTls(venueId)));
}

/** A raw CoordinationService client with an operator's certificate (reads any venue's status). */
export function operatorClient(address: string): CoordinationServiceClient {
  return new CoordinationServiceClient(address, channelCredentialsOf(sharedTestPkiNow().operatorTls()));
}

/** Calls a unary method and resolves with its error (or undefined on success). */
export function unaryError<Req>(
  call: (req: Req, cb: (err: ServiceError | null) => void) => unknown,
  req: Req,
): Promise<ServiceError | undefined> {
  return new Promise((resolve) => {
    call(req, (err) => resolve(err ?? undefined));
  });
}

/** Signals in the log, from the coordinator's HTTP API. */
export async function httpSignals(
  http: string,
  after = 0,
): Promise<{ lastSequence: number; signals: Signal[] }> {
  const res = await fetch(`${http}/v1/signals?after=${after}`);
  const body = (await res.json()) as { lastSequence: number; signals: unknown[] };
  return { lastSequence: body.lastSequence, signals: body.signals.map((s) => Signal.fromJSON(s)) };
}
