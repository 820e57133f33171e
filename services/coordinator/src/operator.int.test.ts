import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Bus, connectBus, replay, streams } from "@breakwater/bus";
import { tokenHash } from "@breakwater/identity";
import { type Signal, SignalKind } from "@breakwater/proto";
import { eventually, type NatsServer, sharedTestPki, startNats } from "@breakwater/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CoordinatorProcess, recordingVenue, startCoordinatorProcess } from "./test-helpers.js";

// Manual signals through the real coordinator: bearer tokens with roles on
// HTTP, the same signed, sequenced log as policy decisions, one operator for a
// halt, two distinct operators for a resume, every step audited in BW_AUDIT.

const TOKENS = {
  opsA: "operator-a-token-0123456789abcdef",
  opsB: "operator-b-token-0123456789abcdef",
  ana: "researcher-token-0123456789abcdef",
};

describe("audited operator signals", () => {
  let nats: NatsServer;
  let bus: Bus;
  let coordinator: CoordinatorProcess;
  let venue: ReturnType<typeof recordingVenue>;

  beforeAll(async () => {
    nats = await startNats();
    bus = await connectBus({ url: nats.url, name: "operator-test" });
    const pki = await sharedTestPki();
    const tokensFile = join(pki.dir, "operator-test-tokens.yaml");
    writeFileSync(
      tokensFile,
      `tokens:
  - { name: ops-a, role: operator, sha256: ${tokenHash(TOKENS.opsA)} }
  - { name: ops-b, role: operator, sha256: ${tokenHash(TOKENS.opsB)} }
  - { name: ana, role: researcher, sha256: ${tokenHash(TOKENS.ana)} }
`,
    );
    coordinator = await startCoordinatorProcess(nats.url, {
      BW_HTTP_TOKENS_FILE: tokensFile,
      BW_SIGNAL_LEAD_MS: "200",
      BW_OPERATOR_APPROVAL_WINDOW_MS: "3000",
    });
    venue = recordingVenue(coordinator.grpc, "perp-a", { signatures: { fetchFromCoordinator: true } });
    await venue.synced;
  });
  afterAll(async () => {
    await venue?.client.close();
    await coordinator?.proc.stop();
    await bus?.close();
    await nats?.dispose();
  });

  const call = (method: string, path: string, token?: string, body?: unknown) =>
    fetch(`${coordinator.http}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body ? { "content-type": "application/json" } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  const json = async (r: Response) => ({
    status: r.status,
    body: (await r.json()) as Record<string, unknown>,
  });
  const logged = async (token: string) => {
    const r = await call("GET", "/v1/signals?after=0", token);
    return ((await r.json()) as { signals: unknown[] }).signals.length;
  };

  it("behavior: reads need a token of a known holder; manual signals need the operator role", async () => {
    expect((await call("GET", "/v1/signals")).status).toBe(401);
    expect((await call("GET", "/v1/signals")).headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect((await call("GET", "/v1/signals", "not-a-known-token-at-all")).status).toBe(401);
    expect((await call("GET", "/v1/signals", TOKENS.ana)).status).toBe(200);
    const before = await logged(TOKENS.ana);
    const denied = await json(
      await call("POST", "/v1/operator/signals", TOKENS.ana, { action: "halt", reason: "researcher tries" }),
    );
    expect(denied.status).toBe(403);
    expect(denied.body["message"]).toMatch(/role researcher\) may not issue or approve manual signals/);
    expect(await logged(TOKENS.ana)).toBe(before);
    const bad = await json(
      await call("POST", "/v1/operator/signals", TOKENS.opsA, { action: "halt", reason: "" }),
    );
    expect(bad.status).toBe(400);
    expect(bad.body["message"]).toMatch(/reason/);
    // /metrics and probes stay open
    expect((await call("GET", "/readyz")).status).toBe(200);
    const metrics = await (await call("GET", "/metrics")).text();
    expect(metrics).toMatch(/bw_coordinator_http_auth_refusals_total\{reason="no_token"\} 2/);
    expect(metrics).toMatch(/bw_coordinator_http_auth_refusals_total\{reason="wrong_role"\} 1/);
  });

  let haltSequence = 0;

  it("behavior: one operator halts; the halt is in the log, signed, naming the operator and why, and reaches the venue", async () => {
    const r = await json(
      await call("POST", "/v1/operator/signals", TOKENS.opsA, {
        action: "halt",
        scope: { assets: ["ETH"] },
        reason: "exchange-wide incident on a bridge",
        level: 2,
      }),
    );
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ status: "issued" });
    const signals = (
      (await (await call("GET", "/v1/signals?after=0", TOKENS.ana)).json()) as { signals: Signal[] }
    ).signals;
    const halt = signals.find((s) => s.ruleId === "operator")!;
    expect(halt).toMatchObject({
      kind: "SIGNAL_KIND_CIRCUIT_BREAKER",
      reason: "manual halt by operator ops-a: exchange-wide incident on a bridge",
      scope: { assets: ["ETH"] },
    });
    expect(JSON.stringify(halt.evidence)).toContain("spiffe://breakwater/operator/ops-a");
    haltSequence = Number(halt.sequence);
    await eventually(() => (venue.signals.some((s) => s.sequence === haltSequence) ? true : undefined));
    const received = venue.signals.find((s) => s.sequence === haltSequence)!;
    expect(received.kind).toBe(SignalKind.SIGNAL_KIND_CIRCUIT_BREAKER);
    expect(received.signature).toHaveLength(64);
  });

  it("behavior: a resume needs a second, distinct operator: alone it waits, self-approval is refused, the second operator's approval issues it", async () => {
    const asked = await json(
      await call("POST", "/v1/operator/signals", TOKENS.opsA, {
        action: "resume",
        resumesSequence: haltSequence,
        reason: "bridge fixed",
      }),
    );
    expect(asked.status).toBe(202);
    expect(asked.body).toMatchObject({ status: "awaiting_approval" });
    const requestId = asked.body["requestId"] as string;
    const waiting = await json(await call("GET", "/v1/operator/requests", TOKENS.opsB));
    expect(waiting.body["pending"]).toMatchObject([
      { requestId, action: "resume", requestedBy: expect.stringContaining("ops-a") },
    ]);
    const before = await logged(TOKENS.ana);

    const self = await json(await call("POST", `/v1/operator/requests/${requestId}/approve`, TOKENS.opsA));
    expect(self.status).toBe(403);
    expect(self.body["message"]).toMatch(/a second, distinct operator must approve/);
    expect(await logged(TOKENS.ana)).toBe(before); // nothing appended
    expect(venue.signals.some((s) => s.kind === SignalKind.SIGNAL_KIND_RESUME)).toBe(false);

    const approved = await json(
      await call("POST", `/v1/operator/requests/${requestId}/approve`, TOKENS.opsB),
    );
    expect(approved.status).toBe(201);
    const resume = approved.body["signal"] as Record<string, unknown>;
    expect(resume).toMatchObject({
      kind: "SIGNAL_KIND_RESUME",
      resume: { resumesSequence: haltSequence },
      scope: { assets: ["ETH"] },
      reason:
        "manual resume of #" +
        haltSequence +
        " requested by operator ops-a, approved by operator ops-b: bridge fixed",
    });
    await eventually(() =>
      venue.signals.some((s) => s.kind === SignalKind.SIGNAL_KIND_RESUME) ? true : undefined,
    );
    // approving again: nothing is waiting any more
    expect((await call("POST", `/v1/operator/requests/${requestId}/approve`, TOKENS.opsB)).status).toBe(404);
  });

  it("behavior: an approval after the window is refused, and every step is in the audit trail", async () => {
    const asked = await json(
      await call("POST", "/v1/operator/signals", TOKENS.opsB, {
        action: "resume",
        resumesSequence: haltSequence,
        reason: "late resume",
      }),
    );
    const requestId = asked.body["requestId"] as string;
    await new Promise((r) => setTimeout(r, 3_300));
    const late = await json(await call("POST", `/v1/operator/requests/${requestId}/approve`, TOKENS.opsA));
    expect(late.status).toBe(409);
    expect(late.body["error"]).toBe("approval_expired");

    const trail: { event: string; by: string }[] = [];
    await replay(bus, {
      stream: streams.audit.name,
      onMessage: (_s, data) => void trail.push(JSON.parse(new TextDecoder().decode(data))),
    });
    expect(trail.map((t) => `${t.event} ${t.by.replace("spiffe://breakwater/operator/", "")}`)).toEqual([
      "issued ops-a",
      "requested ops-a",
      "refused ops-a",
      "approved ops-b",
      "requested ops-b",
      "expired ops-a",
    ]);
  });
});
