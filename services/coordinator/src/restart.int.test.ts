import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Bus, codecs, connectBus, replay, streams } from "@breakwater/bus";
import { eventually, freePort, type NatsServer, startNats } from "@breakwater/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  assessment,
  type CoordinatorProcess,
  httpSignals,
  processedUpTo,
  publishAssessment,
  recordingVenue,
  startCoordinatorProcess,
} from "./test-helpers.js";

async function storedLog(bus: Bus) {
  const entries: {
    streamSeq: number;
    sequence: number;
    signalId: string;
    asset: string;
    internal: boolean;
  }[] = [];
  await replay(bus, {
    stream: streams.signals.name,
    onMessage: (subject, data, seq) => {
      const s = codecs.signal.decode(data, subject);
      entries.push({
        streamSeq: seq,
        sequence: s.sequence,
        signalId: s.signalId,
        asset: s.scope!.assets[0] ?? "",
        internal: s.scope?.internal === true,
      });
    },
  });
  return entries;
}

async function httpSignalsLevels(http: string): Promise<Map<string, number[]>> {
  const { signals } = await httpSignals(http);
  const levels = new Map<string, number[]>();
  for (const s of signals) {
    if (s.action?.$case !== "circuitBreaker") continue;
    const asset = s.scope!.assets[0]!;
    levels.set(asset, [...(levels.get(asset) ?? []), s.action.value.level]);
  }
  return levels;
}

function halted(log: Awaited<ReturnType<typeof storedLog>>): string[] {
  return log.filter((e) => !e.internal).map((e) => e.asset);
}

/** A policy of the embedded velocity breaker's levels alone, on a `windowMs` window. */
function policyFile(windowMs: number): string {
  const file = join(mkdtempSync(join(tmpdir(), "bw-restart-")), "policy.yaml");
  writeFileSync(
    file,
    `version: 1
rules:
  - kind: circuit-breaker
    id: circuit-breaker
    params:
      windowMs: ${windowMs}
      levels:
        - { level: 1, threshold: 0.07, haltMs: 900000 }
        - { level: 2, threshold: 0.13, haltMs: 900000 }
        - { level: 3, threshold: 0.20, haltMs: 0 }
`,
  );
  return file;
}

describe("coordinator restart", () => {
  let nats: NatsServer;
  let bus: Bus;
  let coordinator: CoordinatorProcess;
  let env: Record<string, string>;
  let venue: ReturnType<typeof recordingVenue> | undefined;

  beforeAll(async () => {
    nats = await startNats();
    bus = await connectBus({ url: nats.url, name: "restart-test" });
    // A fixed gRPC port, so the venue reconnects to the restarted coordinator.
    env = {
      BW_GRPC_PORT: String(await freePort()),
      BW_ASSESSMENT_ACK_WAIT_MS: "1000",
      BW_SIGNAL_LEAD_MS: "200",
      // The velocity breaker alone, on a 3 s window: the rebuild replays exactly that window.
      BW_POLICY_FILE: policyFile(3_000),
    };
    coordinator = await startCoordinatorProcess(nats.url, env);
  });
  afterAll(async () => {
    await venue?.client.close();
    await coordinator?.proc.stop();
    await bus?.close();
    await nats?.dispose();
  });

  it("behavior: a restart rebuilds the rule window from processed assessments and remembers past halts", async () => {
    const t0 = Date.now() - 60_000;
    const at = (sec: number) => t0 + sec * 1_000;
    let last = 0;
    for (const [sec, price] of [
      [0, 100],
      [1, 97],
      [2, 95],
    ] as const) {
      last = await publishAssessment(bus, assessment("WIN", price, ["perp-a"], at(sec)));
    }
    await processedUpTo(bus, last);
    await coordinator.proc.kill();
    coordinator = await startCoordinatorProcess(nats.url, env);
    expect(coordinator.proc.output()).toMatch(/"ackFloor":3,"assessmentsRead":3,"observationsReplayed":3/);
    // 92 is 8% below the peak of 100, which only the replayed assessments know about.
    last = await publishAssessment(bus, assessment("WIN", 92, ["perp-a"], at(3)));
    await processedUpTo(bus, last);
    expect(halted(await storedLog(bus))).toEqual(["WIN"]);

    // Later the halt's own observations are out of the window: only the log remembers it.
    for (const sec of [10, 11])
      last = await publishAssessment(bus, assessment("WIN", 92, ["perp-a"], at(sec)));
    await processedUpTo(bus, last);
    await coordinator.proc.kill();
    coordinator = await startCoordinatorProcess(nats.url, env);
    expect(coordinator.proc.output()).toMatch(
      /"signalsRestored":3,"ackFloor":6,"assessmentsRead":6,"observationsReplayed":2/,
    );
    // A fresh 10% fall within the period does not halt WIN a second time.
    last = await publishAssessment(bus, assessment("WIN", 100, ["perp-a"], at(12)));
    last = await publishAssessment(bus, assessment("WIN", 90, ["perp-a"], at(13)));
    await processedUpTo(bus, last);
    expect(halted(await storedLog(bus))).toEqual(["WIN"]);
  });

  it("SIGKILL mid-stream: the log has no gap and no duplicate, and halted assets do not re-fire", async () => {
    venue = recordingVenue(coordinator.grpc, "perp-a");
    await venue.synced;
    const assets = Array.from({ length: 8 }, (_, i) => `A${i}`);
    const t0 = Date.now() - 120_000;
    // Every asset falls 1.25% a step for 8 steps (10%): each crosses 7% at step 6.
    const publishing = (async () => {
      let last = 0;
      for (let step = 0; step <= 8; step++) {
        for (const asset of assets) {
          const price = 100 * (1 - 0.0125 * step);
          last = await publishAssessment(bus, assessment(asset, price, ["perp-a"], t0 + step * 100));
          await new Promise((r) => setTimeout(r, 15)); // pace the feed so the crash lands mid-stream
        }
      }
      return last;
    })();
    await eventually(
      async () => ((await bus.jsm.streams.info(streams.signals.name)).state.last_seq >= 3 ? true : undefined),
      20_000,
      "a few halts logged",
    );
    await coordinator.proc.kill();
    const killedAt = (await bus.jsm.streams.info(streams.signals.name)).state.last_seq;
    coordinator = await startCoordinatorProcess(nats.url, env);
    let last = await publishing;
    await processedUpTo(bus, last);
    // Falling to 20% fires level 3 once (level 2 counts as fired with it); repeating it changes nothing.
    for (const repeat of [0, 1]) {
      for (const asset of assets) {
        last = await publishAssessment(bus, assessment(asset, 80, ["perp-a"], t0 + 1_000 + repeat));
      }
    }
    await processedUpTo(bus, last);

    const log = await storedLog(bus);
    expect(killedAt).toBeLessThan(log.length);
    expect(log.map((e) => e.sequence)).toEqual(log.map((_, i) => i + 1));
    expect(log.every((e) => e.streamSeq === e.sequence)).toBe(true);
    expect(new Set(log.map((e) => e.signalId)).size).toBe(log.length);
    expect(halted(log).sort()).toEqual(["WIN", ...assets, ...assets].sort());
    const levels = await httpSignalsLevels(coordinator.http);
    for (const asset of assets) expect(levels.get(asset)).toEqual([1, 3]);
    // every start opened a new term with an internal entry
    expect(log.filter((e) => e.internal).length).toBe(4);

    // The venue (in every scope here) rode through the crash: every halt once, in order, no gap.
    const halts = log.filter((e) => !e.internal).map((e) => e.sequence);
    await eventually(
      () => (venue!.signals.length >= halts.length ? true : undefined),
      15_000,
      "venue caught up",
    );
    expect(venue.signals.map((s) => s.sequence)).toEqual(halts);
    expect(venue.gaps).toBe(0);
  });
});
