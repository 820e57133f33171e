import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Bus, connectBus } from "@breakwater/bus";
import { eventually, type NatsServer, startNats } from "@breakwater/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  assessment,
  type CoordinatorProcess,
  httpSignals,
  processedUpTo,
  publishAssessment,
  startLeaderAndFollower,
} from "./test-helpers.js";

const HOLD_MS = 2_500;
const POLICY = `
version: 1
rules:
  - kind: limit-band
    id: luld
    params:
      bands: { tiers: [{ percent: 0.05 }], tickSize: 0.01 }
      holdMs: ${HOLD_MS}
      pauseMs: 60000
`;

/**
 * A limit state runs on the coordinator's clock, not on the next tick: when
 * the leader that saw the price reach its band dies before the hold ends, the
 * next leader rebuilds the limit state from the processed assessments and
 * pauses the asset when the hold ends, with no further assessment.
 */
describe("timers across a failover", () => {
  let nats: NatsServer;
  let bus: Bus;
  const replicas: CoordinatorProcess[] = [];

  beforeAll(async () => {
    nats = await startNats();
    bus = await connectBus({ url: nats.url, name: "timer-failover-test" });
    const file = join(mkdtempSync(join(tmpdir(), "bw-timer-")), "policy.yaml");
    writeFileSync(file, POLICY);
    const env = { BW_POLICY_FILE: file, BW_SIGNAL_LEAD_MS: "100", BW_LOG_LEVEL: "info" };
    replicas.push(...(await startLeaderAndFollower(nats.url, env)));
  }, 60_000);
  afterAll(async () => {
    for (const r of replicas) await r.proc.stop();
    await bus?.close();
    await nats?.dispose();
  });

  it("behavior: the leader is SIGKILLed during a limit state; the next leader pauses the asset once, when the hold ends", async () => {
    const [leader, follower] = replicas as [CoordinatorProcess, CoordinatorProcess];
    const t0 = Date.now() - 3_000;
    await publishAssessment(bus, assessment("ABC", 10, ["perp-a"], t0));
    const atBand = await publishAssessment(bus, assessment("ABC", 10.5, ["perp-a"], t0 + 1_000));
    await processedUpTo(bus, atBand);
    const enteredBy = Date.now();
    await leader.proc.kill();
    await follower.proc.waitFor(/"msg":"leader term opened/, 15_000);

    const pauses = await eventually(
      async () => {
        const found = (await httpSignals(follower.http)).signals.filter((s) => s.ruleId === "luld");
        return found.length > 0 ? found : undefined;
      },
      15_000,
      "the limit state's pause from the next leader",
    );
    expect(pauses).toHaveLength(1);
    const [pause] = pauses;
    expect(pause!.leaderTerm).toBe(2);
    expect(pause!.scope?.assets).toEqual(["ABC"]);
    expect(pause!.action).toMatchObject({ $case: "circuitBreaker", value: { level: 0, durationMs: 60_000 } });
    const held = pause!.evidence.find((e) => e.name === "limit_state_ms")!;
    const since = Number(/since (\d+)/.exec(held.detail)![1]);
    expect(since).toBeLessThanOrEqual(enteredBy);
    expect(held.value).toBeGreaterThanOrEqual(HOLD_MS);
    expect(pause!.issuedAtMs).toBeGreaterThanOrEqual(since + HOLD_MS);

    // Still one pause a while later: the replayed limit state does not fire again.
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await httpSignals(follower.http)).signals.filter((s) => s.ruleId === "luld")).toHaveLength(1);
  });
});
