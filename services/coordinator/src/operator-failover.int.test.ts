import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tokenHash } from "@breakwater/identity";
import { SignalKind } from "@breakwater/proto";
import { eventually, freePort, type NatsServer, sharedTestPki, startNats } from "@breakwater/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CoordinatorProcess, recordingVenue, startCoordinatorProcess } from "./test-helpers.js";

// A manual resume asked through a follower, its leader SIGKILLed before the second operator
// approves: the request survives in BW_AUDIT, the new leader issues it, the venue receives it.

const OPS_A = "operator-a-token-failover-0123456789";
const OPS_B = "operator-b-token-failover-0123456789";

describe("operator requests across a leader failover", () => {
  let nats: NatsServer;
  const replicas: CoordinatorProcess[] = [];
  let venue: ReturnType<typeof recordingVenue>;

  beforeAll(async () => {
    nats = await startNats();
    const pki = await sharedTestPki();
    const tokensFile = join(pki.dir, "operator-failover-tokens.yaml");
    writeFileSync(
      tokensFile,
      `tokens:\n  - { name: ops-a, role: operator, sha256: ${tokenHash(OPS_A)} }\n  - { name: ops-b, role: operator, sha256: ${tokenHash(OPS_B)} }\n`,
    );
    const env = {
      BW_HTTP_TOKENS_FILE: tokensFile,
      BW_SIGNAL_LEAD_MS: "200",
      BW_LEASE_TTL_MS: "1500",
      BW_LEASE_RENEW_MS: "300",
    };
    replicas.push(await startCoordinatorProcess(nats.url, { ...env, BW_REPLICA_ID: "a" }));
    replicas.push(
      await startCoordinatorProcess(
        nats.url,
        { ...env, BW_REPLICA_ID: "b", BW_GRPC_PORT: String(await freePort()) },
        { awaitLeader: false },
      ),
    );
    venue = recordingVenue(replicas[1]!.grpc, "perp-a");
    await venue.synced;
  });
  afterAll(async () => {
    await venue?.client.close();
    for (const r of replicas) await r.proc.stop();
    await nats?.dispose();
  });

  const post = async (http: string, path: string, token: string, body?: unknown) => {
    const r = await fetch(`${http}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };

  it("behavior: asked through the follower, approved after the leader is killed, issued once by the new leader", async () => {
    const [a, b] = replicas as [CoordinatorProcess, CoordinatorProcess];
    const halt = await post(b.http, "/v1/operator/signals", OPS_A, {
      action: "halt",
      scope: { assets: ["ETH"] },
      reason: "drill through the follower",
    });
    expect(halt.status).toBe(201); // the follower asked the leader, which appended
    const haltSequence = Number((halt.body["signal"] as { sequence: string }).sequence);
    const asked = await post(b.http, "/v1/operator/signals", OPS_A, {
      action: "resume",
      resumesSequence: haltSequence,
      reason: "drill over",
    });
    expect(asked.status).toBe(202);

    await a.proc.kill(); // the leader that holds the request in memory
    await b.proc.waitFor(/"msg":"leader is consuming assessments"/, 30_000);

    const approved = await eventually(async () => {
      const r = await post(b.http, `/v1/operator/requests/${asked.body["requestId"]}/approve`, OPS_B);
      return r.status === 503 ? undefined : r; // no leader answering yet
    }, 15_000);
    expect(approved.status).toBe(201);
    expect(approved.body["signal"]).toMatchObject({
      kind: "SIGNAL_KIND_RESUME",
      resume: { resumesSequence: haltSequence },
    });
    await eventually(() =>
      venue.signals.some((s) => s.kind === SignalKind.SIGNAL_KIND_RESUME) ? true : undefined,
    );
    expect(venue.signals.filter((s) => s.kind === SignalKind.SIGNAL_KIND_RESUME)).toHaveLength(1);
    expect(venue.gaps).toBe(0);
  }, 90_000);
});
