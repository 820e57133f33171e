import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Bus, connectBus } from "@breakwater/bus";
import { SignalKind } from "@breakwater/proto";
import { eventually, type NatsServer, sharedTestPki, startNats, startService } from "@breakwater/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  assessment,
  COORDINATOR_ENTRY,
  type CoordinatorProcess,
  httpSignals,
  processedUpTo,
  publishAssessment,
  startCoordinatorProcess,
} from "./test-helpers.js";

const POLICY = `
version: 1
margin:
  params: { intervalMs: 0 }
rules:
  - kind: oracle-divergence
    id: oracle
    params: { haltDivergence: 0.05, resumeDivergence: 0.01, resumeHoldMs: 2000 }
  - kind: cascade-risk
    id: cascade
    mode: shadow
    params: { pressureThreshold: 0.5, multiplier: 1.5 }
  - kind: limit-band
    id: luld
    params:
      bands: { tiers: [{ percent: 0.05 }], tickSize: 0.01 }
      holdMs: 1500
      pauseMs: 60000
`;

interface PolicyView {
  policy: { hash: string; source: string; document: { rules: { id: string }[] } };
  lastRejection: { problems: string[] } | null;
  shadow: { ruleId: string; evidence: { name: string; value: number }[] }[];
}

describe("declarative policy file", () => {
  let nats: NatsServer;
  let bus: Bus;
  let coordinator: CoordinatorProcess;
  let file: string;
  const view = async () => (await (await fetch(`${coordinator.http}/v1/policy`)).json()) as PolicyView;

  beforeAll(async () => {
    nats = await startNats();
    bus = await connectBus({ url: nats.url, name: "policy-test" });
    file = join(mkdtempSync(join(tmpdir(), "bw-policy-")), "policy.yaml");
    writeFileSync(file, POLICY);
    coordinator = await startCoordinatorProcess(nats.url, { BW_POLICY_FILE: file, BW_SIGNAL_LEAD_MS: "100" });
  });
  afterAll(async () => {
    await coordinator?.proc.stop();
    await bus?.close();
    await nats?.dispose();
  });

  it("oracle split: an unpriceable asset halts with no expiry, then resumes explicitly once sources agree long enough", async () => {
    const t0 = Date.now() - 60_000;
    await publishAssessment(bus, {
      ...assessment("ETH", 100, ["perp-a"], t0),
      referencePrice: "",
      unpriceable: true,
    });
    // agreeing again, but not yet for the hold time: still halted
    await publishAssessment(bus, { ...assessment("ETH", 100, ["perp-a"], t0 + 1_000), divergence: 0.002 });
    let last = await publishAssessment(bus, {
      ...assessment("ETH", 100, ["perp-a"], t0 + 2_000),
      divergence: 0.03,
    });
    await processedUpTo(bus, last);
    let log = (await httpSignals(coordinator.http)).signals.filter((s) => !s.scope?.internal);
    expect(log.map((s) => s.kind)).toEqual([SignalKind.SIGNAL_KIND_CIRCUIT_BREAKER]);
    const halt = log[0]!;
    expect(halt).toMatchObject({ ruleId: "oracle", expiresAtMs: 0 });
    for (const sec of [3, 4, 5, 6]) {
      last = await publishAssessment(bus, {
        ...assessment("ETH", 100, ["perp-a"], t0 + sec * 1_000),
        divergence: 0.001,
      });
    }
    await processedUpTo(bus, last);
    log = (await httpSignals(coordinator.http)).signals.filter((s) => !s.scope?.internal);
    expect(log.map((s) => s.kind)).toEqual([
      SignalKind.SIGNAL_KIND_CIRCUIT_BREAKER,
      SignalKind.SIGNAL_KIND_RESUME,
    ]);
    expect(log[1]!.action).toEqual({ $case: "resume", value: { resumesSequence: halt.sequence } });
  });

  it("timer: a price at its band pauses the asset once the limit state has lasted holdMs, with no further assessment", async () => {
    const t0 = Date.now() - 5_000;
    await publishAssessment(bus, assessment("ABC", 10, ["perp-a"], t0));
    const atBand = await publishAssessment(bus, assessment("ABC", 10.5, ["perp-a"], t0 + 1_000));
    await processedUpTo(bus, atBand);
    // Nothing else arrives: the leader's timer tick decides (hold 1.5 s, tick 250 ms; the bound is load-tolerant).
    const [pause] = await eventually(
      async () => {
        const found = (await httpSignals(coordinator.http)).signals.filter((s) => s.ruleId === "luld");
        return found.length > 0 ? found : undefined;
      },
      15_000,
      "the limit state's pause",
    );
    expect(pause!.scope?.assets).toEqual(["ABC"]);
    expect(pause!.action).toMatchObject({ $case: "circuitBreaker", value: { level: 0, durationMs: 60_000 } });
    const held = pause!.evidence.find((e) => e.name === "limit_state_ms")!;
    const since = Number(/since (\d+)/.exec(held.detail)![1]);
    expect(held.value).toBeGreaterThanOrEqual(1_500);
    expect(pause!.issuedAtMs).toBeGreaterThanOrEqual(since + 1_500);
  });

  it("shadow mode: a shadow rule's decisions are visible with evidence via the API and never sent", async () => {
    const last = await publishAssessment(bus, {
      ...assessment("BTC", 100, ["perp-a"]),
      liquidatableDownNotional: 8e6,
      depthNotional: 1e7,
      ladderMoveBps: 500,
    });
    await processedUpTo(bus, last);
    const shadow = (await view()).shadow;
    expect(shadow.map((r) => r.ruleId)).toEqual(["margin(shadow)"]);
    expect(shadow[0]!.evidence.find((e) => e.name === "ladder_pressure")?.value).toBe(0.8);
    const log = (await httpSignals(coordinator.http)).signals;
    expect(log.some((s) => s.kind === SignalKind.SIGNAL_KIND_MARGIN_ADJUSTMENT)).toBe(false);
    const metrics = await (await fetch(`${coordinator.http}/metrics`)).text();
    expect(metrics).toMatch(
      /bw_coordinator_shadow_decisions_total\{rule="margin\(shadow\)",kind="margin_adjustment"\} 1/,
    );
  });

  it("reload: a valid change applies; an invalid one is rejected by path while the running policy stays", async () => {
    const before = await view();
    writeFileSync(file, POLICY.replace("resumeHoldMs: 2000", "resumeHoldMs: 3000"));
    const changed = await eventually(async () => {
      const v = await view();
      return v.policy.hash !== before.policy.hash ? v : undefined;
    });
    writeFileSync(
      file,
      `${POLICY.replace("haltDivergence: 0.05", "haltDivergence: 2")}\n  - kind: teleport\n    id: x\n`,
    );
    const rejected = await eventually(async () => {
      const v = await view();
      return v.lastRejection ? v : undefined;
    });
    expect(rejected.policy.hash).toBe(changed.policy.hash);
    expect(rejected.lastRejection!.problems).toEqual([
      "rules.0.params.haltDivergence: must be a fraction in (0, 1]",
      expect.stringMatching(/^rules\.3\.kind: /), // after the three rules of POLICY
    ]);
    const metrics = await (await fetch(`${coordinator.http}/metrics`)).text();
    expect(metrics).toMatch(/bw_coordinator_policy_reloads_total\{outcome="applied"\} 1/);
    expect(metrics).toMatch(/bw_coordinator_policy_reloads_total\{outcome="rejected"\} 1/);
    expect(coordinator.proc.output()).toMatch(
      /"msg":"new policy rejected; the running policy stays in force"/,
    );
  });

  it("behavior: an invalid policy file at start exits 2 naming every problem by path", async () => {
    const bad = join(mkdtempSync(join(tmpdir(), "bw-policy-")), "bad.yaml");
    writeFileSync(bad, "version: 1\nrules:\n  - kind: price-band\n    id: Bad_Id\n    params: { band: 0 }\n");
    const proc = startService(COORDINATOR_ENTRY, [], {
      ...(await sharedTestPki()).coordinatorEnv(),
      BW_NATS_URL: nats.url,
      BW_POLICY_FILE: bad,
      BW_GRPC_PORT: "0",
      BW_HTTP_PORT: "0",
    });
    expect(await proc.exited()).toBe(2);
    expect(proc.output()).toMatch(/rules\.0\.id: must be lowercase/);
    expect(proc.output()).toMatch(/rules\.0\.params\.band: must be a fraction/);
  });
});
