import { type Bus, codecs, connectBus, replay, streams } from "@breakwater/bus";
import type { Signal } from "@breakwater/proto";
import { eventually, freePort, type NatsServer, startNats } from "@breakwater/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  assessment,
  type CoordinatorProcess,
  processedUpTo,
  publishAssessment,
  recordingVenue,
  startCoordinatorProcess,
  startLeaderAndFollower,
} from "./test-helpers.js";

async function storedLog(bus: Bus): Promise<{ streamSeq: number; signal: Signal }[]> {
  const entries: { streamSeq: number; signal: Signal }[] = [];
  await replay(bus, {
    stream: streams.signals.name,
    onMessage: (subject, data, seq) => {
      entries.push({ streamSeq: seq, signal: codecs.signal.decode(data, subject) });
    },
  });
  return entries;
}

/** Every asset falls 1.25% a step for 8 steps; each crosses 7% at step 6. Paced so a crash lands mid-burst. */
async function publishBurst(bus: Bus, assets: string[], venues: string[], paceMs: number): Promise<number> {
  const t0 = Date.now() - 120_000;
  let last = 0;
  for (let step = 0; step <= 8; step++) {
    for (const asset of assets) {
      last = await publishAssessment(
        bus,
        assessment(asset, 100 * (1 - 0.0125 * step), venues, t0 + step * 100),
      );
      await new Promise((r) => setTimeout(r, paceMs));
    }
  }
  return last;
}

function checkLog(log: { streamSeq: number; signal: Signal }[]): void {
  expect(log.map((e) => e.signal.sequence)).toEqual(log.map((_, i) => i + 1));
  expect(log.every((e) => e.streamSeq === e.signal.sequence)).toBe(true);
  expect(new Set(log.map((e) => e.signal.signalId)).size).toBe(log.length);
  // terms never go back along the log
  const terms = log.map((e) => e.signal.leaderTerm);
  expect(terms).toEqual([...terms].sort((x, y) => x - y));
}

describe("high availability: two coordinator processes, one lease", () => {
  let nats: NatsServer;
  let bus: Bus;
  const replicas: CoordinatorProcess[] = [];
  const venues: ReturnType<typeof recordingVenue>[] = [];
  let env: Record<string, string>;

  beforeAll(async () => {
    nats = await startNats();
    bus = await connectBus({ url: nats.url, name: "ha-test" });
    env = { BW_ASSESSMENT_ACK_WAIT_MS: "1000", BW_SIGNAL_LEAD_MS: "300", BW_LOG_LEVEL: "info" };
    replicas.push(...(await startLeaderAndFollower(nats.url, env)));
  }, 60_000);
  afterAll(async () => {
    for (const v of venues) await v.client.close();
    for (const r of replicas) {
      r.proc.child.kill("SIGCONT");
      await r.proc.stop();
    }
    await bus?.close();
    await nats?.dispose();
  });

  it("failover: SIGKILL of the leader mid-burst; the follower takes over and venues see no gap and no duplicate", async () => {
    const [leader, follower] = replicas as [CoordinatorProcess, CoordinatorProcess];
    expect((await (await fetch(`${follower.http}/v1/leader`)).json()) as object).toMatchObject({
      leader: false,
    });
    // One venue talks to both replicas (gRPC picks the first that answers); one only to the follower.
    const both = recordingVenue(`ipv4:${leader.grpc},${follower.grpc}`, "perp-a", {
      signatures: { fetchFromCoordinator: true },
    });
    const onFollower = recordingVenue(follower.grpc, "perp-a", {
      signatures: { fetchFromCoordinator: true },
    });
    venues.push(both, onFollower);
    const errors: string[] = [];
    for (const v of [both, onFollower]) v.client.on("error", (err) => errors.push(err.message));
    await Promise.all([both.synced, onFollower.synced]);

    const assets = Array.from({ length: 12 }, (_, i) => `F${i}`);
    const publishing = publishBurst(bus, assets, ["perp-a"], 10);
    await eventually(
      async () => ((await bus.jsm.streams.info(streams.signals.name)).state.last_seq >= 4 ? true : undefined),
      20_000,
      "a few halts logged",
    );
    await leader.proc.kill();
    const killedAt = Date.now();
    await follower.proc.waitFor(/"msg":"leader term opened/, 10_000);
    const failoverMs = Date.now() - killedAt;
    process.stdout.write(`leader failover (SIGKILL → follower opened its term): ${failoverMs} ms\n`);
    expect(failoverMs).toBeLessThan(3_000);

    await processedUpTo(bus, await publishing);
    const log = await storedLog(bus);
    checkLog(log);
    const halts = log.filter((e) => !e.signal.scope?.internal);
    expect(halts.map((e) => e.signal.scope!.assets[0]).sort()).toEqual([...assets].sort());
    expect(log.filter((e) => e.signal.scope?.internal).map((e) => e.signal.leaderTerm)).toEqual([1, 2]);

    const expected = halts.map((e) => e.signal.sequence);
    for (const v of [both, onFollower]) {
      await eventually(
        () => (v.signals.length >= expected.length ? true : undefined),
        15_000,
        "venue caught up",
      );
      expect(v.signals.map((s) => s.sequence)).toEqual(expected);
      expect(v.gaps).toBe(0);
    }
    expect(errors).toEqual([]);
  }, 60_000);

  it("fencing: a leader paused past its lease (SIGSTOP) is replaced, and after SIGCONT appends nothing", async () => {
    const third = await startCoordinatorProcess(
      nats.url,
      { ...env, BW_GRPC_PORT: String(await freePort()) },
      { awaitLeader: false },
    );
    replicas.push(third);
    const paused = replicas[1]!;
    const before = (await bus.jsm.streams.info(streams.signals.name)).state.last_seq;
    paused.proc.child.kill("SIGSTOP");
    await third.proc.waitFor(/"msg":"leader is consuming assessments/, 10_000);

    const assets = Array.from({ length: 6 }, (_, i) => `P${i}`);
    const publishing = publishBurst(bus, assets, ["perp-b"], 5);
    await new Promise((r) => setTimeout(r, 200)); // setup: resume the old leader while the burst is running
    paused.proc.child.kill("SIGCONT");
    await processedUpTo(bus, await publishing);
    await paused.proc.waitFor(/"msg":"leader lease lost/, 10_000);

    const log = await storedLog(bus);
    checkLog(log);
    const after = log.filter((e) => e.streamSeq > before);
    expect(after[0]!.signal).toMatchObject({ leaderTerm: 3, scope: { internal: true } });
    expect(after.every((e) => e.signal.leaderTerm === 3)).toBe(true);
    expect(
      after
        .filter((e) => !e.signal.scope?.internal)
        .map((e) => e.signal.scope!.assets[0])
        .sort(),
    ).toEqual([...assets].sort());
    const views = await Promise.all(
      [paused, third].map(
        async (r) => (await (await fetch(`${r.http}/v1/leader`)).json()) as { leader: boolean },
      ),
    );
    expect(views.map((v) => v.leader)).toEqual([false, true]);
  }, 60_000);
});
