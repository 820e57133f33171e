import { generateKeyPairSync } from "node:crypto";
import {
  ackFloor,
  type Bus,
  codecs,
  connectBus,
  consumers,
  publish,
  streams,
  subjects,
} from "@breakwater/bus";
import { rawPublicKey } from "@breakwater/core";
import { channelCredentialsOf } from "@breakwater/identity";
import { CoordinationServiceClient, type RiskAssessment, type VenueStatus } from "@breakwater/proto";
import {
  createTestPki,
  eventually,
  type NatsServer,
  type ServiceProcess,
  startNats,
  startService,
  type TestPki,
  tlsEnvOf,
} from "@breakwater/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const VENUE_ENTRY = "services/sample-venue/src/main.ts";

function assessment(n: number, price: number): RiskAssessment {
  const at = Date.now() - 60_000 + n * 1_000;
  return {
    assessmentId: `sv-${n}`,
    asset: "ETH",
    referencePrice: String(price),
    agreeingSources: 3,
    priceTimeMs: at,
    assessedAtMs: at,
    venues: ["perp-a"],
    markets: ["ETH-PERP"],
    chains: ["sim-a"],
    staleChains: [],
    grossNotional: 1,
    chainNotional: [],
    degradedChains: [],
    correlations: [],
  };
}

function lines(proc: ServiceProcess, event: string): Record<string, unknown>[] {
  return proc
    .output()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l["event"] === event);
}

describe("sample venue", () => {
  let nats: NatsServer;
  let bus: Bus;
  let coordinator: ServiceProcess;
  let grpc: string;
  let pki: TestPki;
  const venues: ServiceProcess[] = [];
  /** perp-a's certificate, as the sample venue's TLS settings. */
  const tlsEnv = () => {
    return tlsEnvOf(pki.venueTls("perp-a"));
  };
  const operator = () => new CoordinationServiceClient(grpc, channelCredentialsOf(pki.operatorTls()));

  beforeAll(async () => {
    nats = await startNats();
    bus = await connectBus({ url: nats.url, name: "sample-venue-test" });
    pki = await createTestPki(["perp-a"]);
    coordinator = startService("services/coordinator/src/main.ts", [], {
      ...pki.coordinatorEnv(),
      BW_NATS_URL: nats.url,
      BW_GRPC_PORT: "0",
      BW_HTTP_PORT: "0",
      BW_SIGNAL_LEAD_MS: "300",
    });
    grpc = (JSON.parse(await coordinator.waitFor(/coordinator started/, 30_000)) as { grpc: string }).grpc;
  });
  afterAll(async () => {
    for (const v of venues) await v.stop();
    await coordinator?.stop();
    await bus?.close();
    await nats?.dispose();
    pki?.dispose();
  });

  it("default: prints one JSON line per signal and acks it received, then applied at effective_at", async () => {
    const venue = startService(VENUE_ENTRY, ["--venue", "perp-a", "--coordinator", grpc], tlsEnv());
    venues.push(venue);
    const ready = JSON.parse(await venue.waitFor(/"event":"ready"/)) as Record<string, unknown>;
    expect(ready).toMatchObject({ venue: "perp-a", afterSequence: 0 });

    let last = 0;
    for (const [n, price] of [100, 98, 96, 94, 92].entries()) {
      const a = assessment(n, price);
      last = (
        await publish(bus, subjects.assessment("ETH"), codecs.assessment.encode(a), { msgId: a.assessmentId })
      ).seq;
    }
    await venue.waitFor(/"event":"applied"/, 15_000);
    await eventually(async () =>
      (await ackFloor(bus, streams.assessments.name, consumers.coordinatorAssessments)) >= last
        ? true
        : undefined,
    );
    const signals = lines(venue, "signal");
    expect(signals).toHaveLength(1);
    const line = signals[0]!;
    expect(line).toMatchObject({
      event: "signal",
      venue: "perp-a",
      sequence: 2, // 1 is the leader's internal term-start entry
      kind: "circuit_breaker",
      level: 1,
      scope: { assets: ["ETH"], venues: ["perp-a"] },
    });
    expect(line["effectiveAtMs"]).toBe((line["issuedAtMs"] as number) + 300);
    expect(line["latencyMs"]).toBe((line["receivedAtMs"] as number) - (line["issuedAtMs"] as number));
    const applied = lines(venue, "applied")[0]!;
    expect(applied["appliedAtMs"] as number).toBeGreaterThanOrEqual(line["effectiveAtMs"] as number);

    const client = operator();
    const status = await new Promise<VenueStatus>((resolve, reject) =>
      client.getVenueStatus({ venueId: "perp-a" }, (err, res) => (err ? reject(err) : resolve(res.status!))),
    );
    client.close();
    expect(status).toMatchObject({ connected: true, lastReceivedSequence: 2, lastAppliedSequence: 2 });
    expect(lines(venue, "error")).toEqual([]);
  });

  it("behavior: started after the last sequence it processed, it prints nothing old", async () => {
    const venue = startService(VENUE_ENTRY, [], {
      BW_VENUE_ID: "perp-a",
      BW_COORDINATOR_ADDR: grpc,
      BW_AFTER_SEQUENCE: "2",
      ...tlsEnv(),
    });
    venues.push(venue);
    await venue.waitFor(/"event":"ready"/);
    const client = operator();
    // once the venue is subscribed, the coordinator has replayed (nothing) and is live
    await eventually(
      () =>
        new Promise<true | undefined>((resolve) =>
          client.listSignals({ afterSequence: 0, limit: 10 }, (err, res) =>
            resolve(!err && res.lastSequence === 2 ? true : undefined),
          ),
        ),
    );
    client.close();
    await venue.stop();
    expect(lines(venue, "signal")).toEqual([]);
  });

  it("behavior: a venue pinned to a key the coordinator does not sign with rejects its signals", async () => {
    const foreign = rawPublicKey(generateKeyPairSync("ed25519").publicKey).toString("base64");
    const venue = startService(
      VENUE_ENTRY,
      ["--venue", "perp-a", "--coordinator", grpc, "--trusted-keys", `someone-else=${foreign}`],
      tlsEnv(),
    );
    venues.push(venue);
    const rejected = JSON.parse(await venue.waitFor(/"code":"invalid_signature"/)) as Record<string, unknown>;
    expect(rejected["message"]).toMatch(/signal 2 failed signature verification \(unknown_key/);
    expect(lines(venue, "signal")).toEqual([]);
    expect(lines(venue, "signatures")[0]).toMatchObject({ mode: "pinned", keyIds: ["someone-else"] });
  });

  it("behavior: an invalid configuration exits 2 and names every bad setting", async () => {
    const venue = startService(
      VENUE_ENTRY,
      ["--coordinator", "no-port", "--after", "-3", "--trusted-keys", "k=zz"],
      {
        BW_VENUE_ID: "",
      },
    );
    expect(await venue.exited()).toBe(2);
    expect(venue.output()).toMatch(/venueId.*required \(--venue or BW_VENUE_ID\)/);
    expect(venue.output()).toMatch(/coordinatorAddr.*must be host:port/);
    expect(venue.output()).toMatch(/afterSequence.*>=0/);
    expect(venue.output()).toMatch(/trustedKeys.*keyId=base64/);
    expect(venue.output()).toMatch(/tlsCertFile.*required: the venue's client certificate file/);
  });
});
