import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Bus, connectBus } from "@breakwater/bus";
import { DurableVenue, FileCursorStore, type FileStoreTx } from "@breakwater/sdk";
import {
  eventually,
  type NatsServer,
  type ServiceProcess,
  sharedTestPki,
  sharedTestPkiNow,
  startNats,
  startService,
} from "@breakwater/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishFall, signalsInScope, VENUE_ID } from "./venue-helpers.js";

const COORDINATOR = "services/coordinator/src/main.ts";
type State = { applied: number[] };

async function startReplica(
  natsUrl: string,
  name: string,
): Promise<{ proc: ServiceProcess; grpc: string; http: string }> {
  const proc = startService(COORDINATOR, [], {
    ...(await sharedTestPki()).coordinatorEnv(),
    BW_NATS_URL: natsUrl,
    BW_GRPC_PORT: "0",
    BW_HTTP_PORT: "0",
    BW_MARKER_INTERVAL_MS: "200",
    BW_ACK_ADVISORY: "false",
    BW_REPLICA_ID: name,
    BW_LEASE_TTL_MS: "1500",
    BW_LEASE_RENEW_MS: "300",
  });
  const started = JSON.parse(await proc.waitFor(/"msg":"coordinator started"/, 30_000)) as {
    grpc: string;
    http: string;
  };
  return { proc, ...started };
}

describe("a durable venue subscribed through a coordinator failover", () => {
  let nats: NatsServer;
  let bus: Bus;
  const procs: ServiceProcess[] = [];

  beforeAll(async () => {
    nats = await startNats();
    bus = await connectBus({ url: nats.url, name: "venue-failover-test" });
  });
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.kill()));
    await bus?.close();
    await nats?.dispose();
  });

  it("SIGKILL of the leader it is connected to: it moves to the other replica, no gap, no duplicate", async () => {
    const a = await startReplica(nats.url, "replica-a");
    procs.push(a.proc);
    await a.proc.waitFor(/"msg":"leader is consuming assessments"/, 30_000);
    const b = await startReplica(nats.url, "replica-b");
    procs.push(b.proc);

    const path = join(mkdtempSync(join(tmpdir(), "bw-failover-")), "cursor.json");
    const store = new FileCursorStore<State>({ path, venueId: VENUE_ID, initialState: { applied: [] } });
    let gaps = 0;
    const venue = new DurableVenue<FileStoreTx<State>>({
      // pick_first over both replicas: the first while it answers, then the other
      address: `ipv4:${a.grpc},${b.grpc}`,
      venueId: VENUE_ID,
      tls: sharedTestPkiNow().venueTls(VENUE_ID),
      store,
      reconnect: { initialDelayMs: 50, maxDelayMs: 300 },
      idleTimeoutMs: 2_000,
      handlers: {
        onHalt: ({ signal, tx }) => void tx.state.applied.push(signal.sequence),
        onAdvisory: ({ signal, tx }) => void tx.state.applied.push(signal.sequence),
      },
    });
    venue.on("gap", () => gaps++);
    venue.on("error", () => undefined);
    await venue.start();
    try {
      for (let i = 0; i < 15; i++) await publishFall(bus, `FA${i}`);
      await eventually(async () => (store.state.applied.length >= 15 ? true : undefined), 30_000);
      await a.proc.kill();
      await b.proc.waitFor(/"msg":"leader is consuming assessments"/, 30_000);
      for (let i = 0; i < 15; i++) await publishFall(bus, `FB${i}`);

      const expected = await eventually(async () => {
        const inScope = await signalsInScope(b.http);
        return inScope.length >= 30 ? inScope : undefined;
      }, 30_000);
      await eventually(
        async () => (store.state.applied.length >= expected.length ? true : undefined),
        30_000,
      );
      expect(store.state.applied).toEqual(expected);
      expect(gaps).toBe(0);
    } finally {
      await venue.close();
    }
  }, 120_000);
});
