import { generateKeyPairSync } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Bus, connectBus } from "@breakwater/bus";
import { keyIdOf } from "@breakwater/core";
import { type Signal, VenueClient } from "@breakwater/sdk";
import {
  eventually,
  freePort,
  type NatsServer,
  sharedTestPki,
  startNats,
  type TestPki,
} from "@breakwater/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CoordinatorProcess,
  processedUpTo,
  publishFall,
  startCoordinatorProcess,
} from "./test-helpers.js";

// The README's rotation procedure, with venues subscribed: a replica started
// with the new key (the old one published for the overlap) takes over from the
// replica signing with the old key. Real processes, mutual TLS, real NATS.

describe("signing key rotation while venues are subscribed", () => {
  let nats: NatsServer;
  let bus: Bus;
  let pki: TestPki;
  const procs: CoordinatorProcess[] = [];
  const venues: VenueClient[] = [];

  beforeAll(async () => {
    nats = await startNats();
    bus = await connectBus({ url: nats.url, name: "key-rotation-test" });
    pki = await sharedTestPki();
  });
  afterAll(async () => {
    for (const v of venues) await v.close();
    for (const p of procs) await p.proc.stop();
    await bus?.close();
    await nats?.dispose();
  });

  function venue(address: string, id: string, into: Signal[], errors: string[]): VenueClient {
    const v = new VenueClient({
      address,
      venueId: id,
      tls: pki.venueTls(id),
      signatures: { fetchFromCoordinator: true },
      reconnect: { initialDelayMs: 50, maxDelayMs: 300 },
      handler: (signal) => void into.push(signal),
    });
    v.on("error", (err) => errors.push(`${err.code}: ${err.message}`));
    v.on("gap", (err) => errors.push(`gap: ${err.message}`));
    venues.push(v);
    v.start();
    return v;
  }

  it("old signals still verify, new ones carry the new key, no venue misses one", async () => {
    const oldKeyFile = pki.coordinatorEnv()["BW_SIGNING_KEY_FILE"]!;
    const lease = { BW_LEASE_TTL_MS: "1500", BW_LEASE_RENEW_MS: "300", BW_SIGNAL_LEAD_MS: "200" };
    const portA = await freePort();
    const portB = await freePort();
    const a = await startCoordinatorProcess(nats.url, {
      ...lease,
      BW_GRPC_PORT: String(portA),
      BW_REPLICA_ID: "old",
    });
    procs.push(a);

    const live: Signal[] = [];
    const liveErrors: string[] = [];
    // pick_first over both replicas: the old one while it serves, then the new one
    const v = venue(`ipv4:127.0.0.1:${portA},127.0.0.1:${portB}`, "perp-a", live, liveErrors);
    await new Promise<void>((resolve) => v.once("synced", () => resolve()));

    let last = 0;
    for (const asset of ["R1", "R2", "R3"]) last = await publishFall(bus, asset, ["perp-a"], 0.08);
    await processedUpTo(bus, last);
    await eventually(() => (live.length === 3 ? true : undefined), 15_000, "3 old-key halts");
    const oldKey = live[0]!.keyId;
    expect(new Set(live.map((s) => s.keyId))).toEqual(new Set([oldKey]));

    // The new key, with the old one published for the overlap.
    const newKey = generateKeyPairSync("ed25519").privateKey;
    const newKeyFile = join(pki.dir, "rotated-signing-key.pem");
    writeFileSync(newKeyFile, newKey.export({ format: "pem", type: "pkcs8" }).toString(), { mode: 0o600 });
    const b = await startCoordinatorProcess(
      nats.url,
      {
        ...lease,
        BW_GRPC_PORT: String(portB),
        BW_REPLICA_ID: "new",
        BW_SIGNING_KEY_FILE: newKeyFile,
        BW_SIGNING_PREVIOUS_KEYS: `@${oldKeyFile}`,
      },
      { awaitLeader: false },
    );
    procs.push(b);
    // The old replica leaves (a rolling update); the new one takes the lease.
    await a.proc.stop();
    await b.proc.waitFor(/"msg":"leader is consuming assessments"/, 30_000);

    for (const asset of ["R4", "R5", "R6"]) last = await publishFall(bus, asset, ["perp-a"], 0.08);
    await processedUpTo(bus, last);
    await eventually(() => (live.length === 6 ? true : undefined), 20_000, "3 new-key halts");
    expect(live.slice(3).map((s) => s.keyId)).toEqual([keyIdOf(newKey), keyIdOf(newKey), keyIdOf(newKey)]);
    expect(liveErrors).toEqual([]);

    // A venue replaying the whole log from the new replica verifies both generations.
    const again: Signal[] = [];
    const againErrors: string[] = [];
    venue(`127.0.0.1:${portB}`, "perp-a", again, againErrors);
    await eventually(() => (again.length === 6 ? true : undefined), 15_000, "the replay");
    expect(again.map((s) => s.sequence)).toEqual(live.map((s) => s.sequence));
    expect(new Set(again.map((s) => s.keyId))).toEqual(new Set([oldKey, keyIdOf(newKey)]));
    expect(againErrors).toEqual([]);
  });
});
