import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connect as tlsConnect } from "node:tls";
import { type Bus, connectBus } from "@breakwater/bus";
import { channelCredentialsOf, type TlsFiles } from "@breakwater/identity";
import { DevAuthority } from "@breakwater/identity/dev-pki";
import { AckState, CoordinationServiceClient } from "@breakwater/proto";
import { VenueClient } from "@breakwater/sdk";
import { createTestPki, eventually, type NatsServer, startNats, type TestPki } from "@breakwater/testkit";
import { credentials, type ServiceError, status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CoordinatorProcess,
  processedUpTo,
  publishFall,
  startCoordinatorProcess,
  unaryError,
} from "./test-helpers.js";

// The coordinator serves venues only over mutual TLS, and only as the venue a
// client certificate proves: against the real coordinator process, real gRPC
// over TLS on loopback, real NATS.

const VENUES = ["eth-venue", "btc-venue", "all-venue", "limited"];

describe("identity at the coordinator's gRPC boundary", () => {
  let nats: NatsServer;
  let bus: Bus;
  let pki: TestPki;
  let coordinator: CoordinatorProcess;
  const clients: { close(): void }[] = [];
  const venues: VenueClient[] = [];

  beforeAll(async () => {
    nats = await startNats();
    bus = await connectBus({ url: nats.url, name: "identity-test" });
    pki = await createTestPki(VENUES, { "eth-venue": { assets: ["ETH"] }, "btc-venue": { assets: ["BTC"] } });
    // "limited" may hold one stream (a registry entry's own limit).
    const registry = JSON.parse(readFileSync(pki.venuesFile, "utf8")) as { venues: { id: string }[] };
    writeFileSync(
      pki.venuesFile,
      JSON.stringify({
        venues: registry.venues.map((v) => (v.id === "limited" ? { ...v, maxStreams: 1 } : v)),
      }),
    );
    coordinator = await startCoordinatorProcess(nats.url, {
      ...pki.coordinatorEnv(),
      BW_SIGNAL_LEAD_MS: "200",
      BW_TLS_REFRESH_MS: "200",
      BW_UNARY_RATE_PER_SECOND: "1",
      BW_UNARY_BURST: "20",
      BW_MAX_REQUEST_BYTES: "2048",
    });
  });
  afterAll(async () => {
    for (const v of venues) await v.close();
    for (const c of clients) c.close();
    await coordinator?.proc.stop();
    await bus?.close();
    await nats?.dispose();
    pki?.dispose();
  });

  const client = (creds: ReturnType<typeof credentials.createSsl>) => {
    const c = new CoordinationServiceClient(coordinator.grpc, creds);
    clients.push(c);
    return c;
  };
  const as = (tls: TlsFiles) => client(channelCredentialsOf(tls));
  const ca = () => readFileSync(pki.caFile);

  function subscribeOutcome(c: CoordinationServiceClient, venueId: string): Promise<ServiceError | "data"> {
    return new Promise((resolve) => {
      const call = c.subscribe({ venueId, afterSequence: 0, maxBatch: 0 });
      call.on("data", () => {
        call.cancel();
        resolve("data");
      });
      call.on("error", (err: ServiceError) => resolve(err));
    });
  }

  async function refusals(): Promise<string> {
    return (await (await fetch(`${coordinator.http}/metrics`)).text())
      .split("\n")
      .filter((l) => l.startsWith("bw_coordinator_auth_refusals_total"))
      .join("\n");
  }

  it("behavior: registered venues receive verified signals within their registered scope only", async () => {
    const got: Record<string, number[]> = { "eth-venue": [], "btc-venue": [], "all-venue": [] };
    for (const id of Object.keys(got)) {
      const v = new VenueClient({
        address: coordinator.grpc,
        venueId: id,
        tls: pki.venueTls(id),
        signatures: { fetchFromCoordinator: true },
        reconnect: { initialDelayMs: 50, maxDelayMs: 500 },
        handler: (signal) => {
          got[id]?.push(signal.sequence);
        },
      });
      v.on("error", () => undefined);
      venues.push(v);
      v.start();
      await new Promise<void>((resolve) => v.once("synced", () => resolve()));
    }
    // The halt names all three venues, but btc-venue is registered for BTC only.
    const last = await publishFall(bus, "ETH", Object.keys(got), 0.08, 8);
    await processedUpTo(bus, last);
    await eventually(() =>
      got["eth-venue"]!.length === 1 && got["all-venue"]!.length === 1 ? true : undefined,
    );
    const halt = got["eth-venue"]![0]!;
    // btc-venue has seen the log past the halt (markers) and received nothing.
    await eventually(() => (venues[1]!.lastSequence >= halt ? true : undefined));
    expect(got["btc-venue"]).toEqual([]);
    expect(got["all-venue"]).toEqual([halt]);
  });

  it("behavior: no certificate, another CA's, an expired one and an unregistered identity are UNAUTHENTICATED, by reason", async () => {
    // TLS without a client certificate
    const anonymous = await subscribeOutcome(client(credentials.createSsl(ca())), "eth-venue");
    expect(anonymous).toMatchObject({ code: status.UNAUTHENTICATED });
    expect((anonymous as ServiceError).details).toMatch(
      /client certificate issued by the Breakwater CA is required/,
    );

    // a certificate from another CA naming a registered venue
    const foreignCa = await DevAuthority.create("someone else's CA");
    const forged = await foreignCa.issue({
      commonName: "eth-venue",
      identity: { role: "venue", name: "eth-venue" },
    });
    const forgedDir = pki.dir;
    writeFileSync(join(forgedDir, "forged.pem"), forged.certPem);
    writeFileSync(join(forgedDir, "forged-key.pem"), forged.keyPem);
    const foreign = await subscribeOutcome(
      as({
        certFile: join(forgedDir, "forged.pem"),
        keyFile: join(forgedDir, "forged-key.pem"),
        caFile: pki.caFile,
      }),
      "eth-venue",
    );
    expect(foreign).toMatchObject({ code: status.UNAUTHENTICATED });

    // our CA, but expired
    const expired = await pki.issue("expired", {
      commonName: "eth-venue",
      identity: { role: "venue", name: "eth-venue" },
      notBefore: new Date(Date.now() - 10 * 86_400_000),
      notAfter: new Date(Date.now() - 86_400_000),
    });
    expect(await subscribeOutcome(as(expired), "eth-venue")).toMatchObject({ code: status.UNAUTHENTICATED });

    // our CA, valid, but a venue the registry does not know
    const stranger = await pki.issue("stranger", {
      commonName: "x",
      identity: { role: "venue", name: "stranger" },
    });
    const unknown = await subscribeOutcome(as(stranger), "stranger");
    expect(unknown).toMatchObject({ code: status.UNAUTHENTICATED });
    expect((unknown as ServiceError).details).toMatch(/not in the venue registry/);

    // our CA, but no Breakwater identity in it
    const nameless = await pki.issue("nameless", { commonName: "eth-venue", dnsNames: ["eth-venue"] });
    expect(await subscribeOutcome(as(nameless), "eth-venue")).toMatchObject({ code: status.UNAUTHENTICATED });

    const counted = await refusals();
    expect(counted).toMatch(/method="Subscribe",reason="no_verified_certificate"\} 3/);
    expect(counted).toMatch(/method="Subscribe",reason="unknown_venue"\} 1/);
    expect(counted).toMatch(/method="Subscribe",reason="no_identity"\} 1/);
  });

  it("behavior: venue A's certificate cannot subscribe or ack as venue B, and a forged ack changes nothing", async () => {
    const eth = as(pki.venueTls("eth-venue"));
    const denied = await subscribeOutcome(eth, "all-venue");
    expect(denied).toMatchObject({ code: status.PERMISSION_DENIED });
    expect((denied as ServiceError).details).toMatch(/is venue eth-venue; it cannot act as venue all-venue/);

    const before = await (await fetch(`${coordinator.http}/v1/venues`)).text();
    const halt = venues[2]!.lastSequence;
    const forgedAck = await unaryError(eth.ack.bind(eth) as Parameters<typeof unaryError>[0], {
      venueId: "btc-venue",
      sequence: halt,
      state: AckState.ACK_STATE_APPLIED,
      detail: "",
    });
    expect(forgedAck?.code).toBe(status.PERMISSION_DENIED);
    expect(await (await fetch(`${coordinator.http}/v1/venues`)).text()).toBe(before);

    // a venue may not read another venue's status either
    const peek = await unaryError(eth.getVenueStatus.bind(eth) as Parameters<typeof unaryError>[0], {
      venueId: "all-venue",
    });
    expect(peek?.code).toBe(status.PERMISSION_DENIED);
    expect(await refusals()).toMatch(/method="Ack",reason="other_venue"\} 1/);
  });

  it("limits: streams per venue, request size and unary rate are refused with RESOURCE_EXHAUSTED and counted", async () => {
    const limited = as(pki.venueTls("limited"));
    const first = limited.subscribe({ venueId: "limited", afterSequence: 0, maxBatch: 0 });
    first.on("error", () => undefined);
    await new Promise((resolve) => first.once("data", resolve));
    const second = await subscribeOutcome(limited, "limited");
    expect(second).toMatchObject({ code: status.RESOURCE_EXHAUSTED });
    expect((second as ServiceError).details).toMatch(/already holds 1 open subscriptions/);
    first.cancel();
    // the slot is freed when the stream ends
    await eventually(async () =>
      (await subscribeOutcome(limited, "limited")) === "data" ? true : undefined,
    );

    const big = await unaryError(limited.ack.bind(limited) as Parameters<typeof unaryError>[0], {
      venueId: "limited",
      sequence: 1,
      state: AckState.ACK_STATE_RECEIVED,
      detail: "x".repeat(10_000),
    });
    expect(big?.code).toBe(status.RESOURCE_EXHAUSTED);

    // 1 request per second with a burst of 20: a tight loop runs out
    const all = as(pki.venueTls("all-venue"));
    const codes: (number | undefined)[] = [];
    for (let i = 0; i < 25; i++) {
      const err = await unaryError(all.getSigningKeys.bind(all) as Parameters<typeof unaryError>[0], {});
      codes.push(err?.code);
    }
    expect(codes).toContain(status.RESOURCE_EXHAUSTED);
    expect(codes.filter((c) => c === undefined).length).toBeLessThanOrEqual(21);
    const counted = await refusals();
    expect(counted).toMatch(/reason="streams_per_venue"\} [1-9]/);
    expect(counted).toMatch(/method="GetSigningKeys",reason="unary_rate"\} \d+/);
  });

  it("behavior: a renewed server certificate is served to new connections without a restart", async () => {
    const [host, port] = coordinator.grpc.split(":") as [string, string];
    const serialOf = () =>
      new Promise<string>((resolve, reject) => {
        const socket = tlsConnect(
          { host, port: Number(port), ca: ca(), ALPNProtocols: ["h2"], servername: "localhost" },
          () => {
            const serial = socket.getPeerCertificate().serialNumber;
            socket.destroy();
            resolve(serial);
          },
        );
        socket.on("error", reject);
      });
    const before = await serialOf();
    const renewed = await pki.issue("renewed", {
      commonName: "server",
      identity: { role: "service", name: "server" },
      dnsNames: ["localhost"],
      ipAddresses: ["127.0.0.1"],
    });
    // as a Secret update does: the new files replace the old ones atomically
    renameSync(renewed.keyFile, pki.server.keyFile);
    renameSync(renewed.certFile, pki.server.certFile);
    await eventually(
      async () => ((await serialOf()) !== before ? true : undefined),
      10_000,
      "new certificate served",
    );
    // and venues still connect and are served
    expect(await subscribeOutcome(as(pki.venueTls("eth-venue")), "eth-venue")).toBe("data");
  });
});
