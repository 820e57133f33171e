// Shared by the correlator's integration tests: event builders, publishing
// them the way a watcher does, and the correlator as a real process.
import { type Bus, type ChainEvent, chainEventSubject, encodeChainEvent, publish } from "@breakwater/bus";
import { positionUpdate as positionUpdateFixture } from "@breakwater/core/testing";
import { channelCredentialsOf } from "@breakwater/identity";
import {
  type ChainHeartbeat,
  ChainStatus,
  ExposureServiceClient,
  type GetExposureRequest,
  type GetExposureResponse,
  type PositionUpdate,
  type PriceTick,
  type Retraction,
} from "@breakwater/proto";
import { eventually, type ServiceProcess, sharedTestPki, startService } from "@breakwater/testkit";
import type { ExposureSnapshotJson } from "./snapshot-json.js";

export const ENTRY = "services/correlator/src/main.ts";
/**
 * Chain time of the fixtures: half an hour before the test run (on the same
 * minute-grid offset as ever), so their prices are as old, against the
 * heartbeats' chain clock, as a real chain's would be, well within the
 * correlator's price age bound (BW_PRICE_MAX_AGE_MS).
 */
export const T0 = Math.floor((Date.now() - 1_800_000) / 60_000) * 60_000 + 20_000;

export function positionUpdate(p: Partial<PositionUpdate> & Pick<PositionUpdate, "eventId">): PositionUpdate {
  return positionUpdateFixture({ account: "0xa", chainTimeMs: T0, observedAtMs: Date.now(), ...p });
}

export function priceTick(p: Partial<PriceTick> & Pick<PriceTick, "eventId">): PriceTick {
  return {
    chainId: "sim-a",
    source: "oracle",
    asset: "ETH",
    price: "2000",
    coordinates: undefined,
    chainTimeMs: T0,
    observedAtMs: Date.now(),
    ...p,
  };
}

export function heartbeat(
  chainId: string,
  observedAtMs = Date.now(),
  status = ChainStatus.CHAIN_STATUS_HEALTHY,
) {
  return {
    chainId,
    headNumber: 100,
    headHash: "0x64",
    headTimeMs: observedAtMs,
    processedNumber: 98,
    observedAtMs,
    status,
    detail: "",
  } satisfies ChainHeartbeat;
}

export function retraction(chainId: string, eventId: string, retractedEventId: string): Retraction {
  return { eventId, chainId, retractedEventId, reason: "reorg", observedAtMs: Date.now() };
}

/** Publishes a chain event on its chain's subject, deduplicated like a watcher's. */
export async function publishEvent(bus: Bus, event: ChainEvent, msgId?: string): Promise<number> {
  const id =
    event.kind === "heartbeat"
      ? `${event.value.chainId}:heartbeat:${event.value.observedAtMs}`
      : event.value.eventId;
  const stored = await publish(bus, chainEventSubject(event), encodeChainEvent(event), {
    msgId: msgId ?? id,
  });
  return stored.seq;
}

export interface RunningCorrelator {
  readonly proc: ServiceProcess;
  readonly http: string;
  readonly grpc: string;
  exposure(query?: string): Promise<ExposureSnapshotJson>;
  get(path: string): Promise<{ status: number; body: unknown }>;
  grpcExposure(req: Partial<GetExposureRequest>): Promise<GetExposureResponse>;
  metrics(): Promise<string>;
  close(): void;
}

/** Starts the correlator on any free ports and waits until it is ready (state rebuilt, consuming live). */
export async function startCorrelator(
  natsUrl: string,
  env: Record<string, string> = {},
): Promise<RunningCorrelator> {
  const pki = await sharedTestPki();
  const proc = startService(ENTRY, [], {
    ...pki.serverTlsEnv(),
    BW_NATS_URL: natsUrl,
    BW_HTTP_PORT: "0",
    BW_GRPC_PORT: "0",
    BW_LOG_LEVEL: "info",
    ...env,
  });
  let started: { http: string; grpc: string };
  try {
    started = JSON.parse(await proc.waitFor(/"msg":"correlator started"/, 30_000));
  } catch (err) {
    await proc.kill();
    throw err;
  }
  const { http, grpc } = started;
  // a researcher's certificate: the exposure API is mutual TLS only
  const client = new ExposureServiceClient(grpc, channelCredentialsOf(pki.researcherTls()));
  const get = async (path: string) => {
    const res = await fetch(`${http}${path}`);
    const text = await res.text();
    return {
      status: res.status,
      body: res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text,
    };
  };
  await eventually(async () => ((await get("/readyz")).status === 200 ? true : undefined), 30_000, "ready");
  return {
    proc,
    http,
    grpc,
    get,
    async exposure(query = "") {
      const res = await get(`/v1/exposure${query ? `?${query}` : ""}`);
      if (res.status !== 200)
        throw new Error(`GET /v1/exposure?${query}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body as ExposureSnapshotJson;
    },
    grpcExposure(req) {
      return new Promise((resolve, reject) =>
        client.getExposure(
          { asset: "", chainId: "", venueId: "", entity: "", ...req },
          (err: Error | null, res: GetExposureResponse) => (err ? reject(err) : resolve(res)),
        ),
      );
    },
    async metrics() {
      return String((await get("/metrics")).body);
    },
    close() {
      client.close();
    },
  };
}

/** The value of one Prometheus sample (0 when absent), e.g. `bw_x_total{kind="price"}`. */
export function metricValue(text: string, sample: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${sample} `));
  return line ? Number(line.slice(sample.length + 1)) : 0;
}
