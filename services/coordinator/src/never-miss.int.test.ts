// "Never miss a halt": scripted crashes with the coordinator killed, NATS frozen, a leader
// failing over, a period boundary crossed, a forged log entry and future-dated prices,
// each checked by what the venues received. Real processes, real NATS, real gRPC.

import { type Bus, codecs, connectBus, publish, streams, subjects } from "@breakwater/bus";
import { issueSignal } from "@breakwater/core";
import { type Signal, SignalKind } from "@breakwater/proto";
import { eventually, freePort, type NatsServer, startNats } from "@breakwater/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  assessment,
  type CoordinatorProcess,
  processedUpTo,
  publishAssessment,
  recordingVenue,
  startCoordinatorProcess,
} from "./test-helpers.js";

const VENUES = ["perp-a", "lend-a", "perp-b"];
/** Short leases so each takeover costs well under a second of waiting. */
const FAST_LEASE = { BW_LEASE_TTL_MS: "800", BW_LEASE_RENEW_MS: "200", BW_ASSESSMENT_ACK_WAIT_MS: "1000" };

/** A small seeded generator: every run prints its seed and can be replayed with NEVER_MISS_SEED. */
function seeded(): { seed: number; next: () => number } {
  const seed = Number(process.env["NEVER_MISS_SEED"] ?? Date.now() % 1_000_000);
  let state = seed >>> 0;
  return {
    seed,
    next: () => {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
    },
  };
}

type Venue = ReturnType<typeof recordingVenue>;

function level1Halts(venue: Venue, asset: string): Signal[] {
  return venue.signals.filter(
    (s) =>
      s.action?.$case === "circuitBreaker" && s.action.value.level === 1 && s.scope?.assets.includes(asset),
  );
}

/** Publishes a crash of `asset` from 100 to 92 (an 8% fall); resolves after the crossing assessment is stored. */
async function crash(bus: Bus, asset: string, top = 100): Promise<number> {
  let seq = 0;
  for (const price of [top, top * 0.96, top * 0.92])
    seq = await publishAssessment(bus, assessment(asset, price, VENUES));
  return seq;
}

async function everyVenueHalted(venues: Venue[], asset: string, count = 1): Promise<void> {
  await eventually(
    () => (venues.every((v) => level1Halts(v, asset).length >= count) ? true : undefined),
    20_000,
    `every venue received ${count} level-1 halt(s) of ${asset}`,
  );
}

async function metric(http: string, pattern: RegExp): Promise<number> {
  const text = await (await fetch(`${http}/metrics`)).text();
  const match = pattern.exec(text);
  return match ? Number(match[1]) : 0;
}

describe("never miss a halt: one coordinator, killed or frozen mid-crash", () => {
  let nats: NatsServer;
  let bus: Bus;
  let env: Record<string, string>;
  let coordinator: CoordinatorProcess;
  const venues: Venue[] = [];
  const random = seeded();

  beforeAll(async () => {
    nats = await startNats();
    bus = await connectBus({ url: nats.url, name: "never-miss" });
    env = { ...FAST_LEASE, BW_GRPC_PORT: String(await freePort()), BW_SIGNAL_LEAD_MS: "100" };
    coordinator = await startCoordinatorProcess(nats.url, env);
    for (const id of VENUES) venues.push(recordingVenue(coordinator.grpc, id));
    await Promise.all(venues.map((v) => v.synced));
    console.log(`never-miss seed ${random.seed} (NEVER_MISS_SEED=${random.seed} replays it)`);
  });
  afterAll(async () => {
    for (const v of venues) await v.client.close();
    await coordinator?.proc.stop();
    await bus?.close();
    await nats?.dispose();
  });

  it("SIGKILL at a random moment from the crossing assessment to 2 s after the append, 20 runs: exactly one level-1 halt at every venue", async () => {
    const runs = 20;
    for (let run = 0; run < runs; run++) {
      const asset = `KILL${run}`;
      await crash(bus, asset);
      await new Promise((r) => setTimeout(r, Math.floor(random.next() * 2_500)));
      await coordinator.proc.kill();
      coordinator = await startCoordinatorProcess(nats.url, env);
      // the crash goes on after the restart: no second halt
      const last = await publishAssessment(bus, assessment(asset, 91, VENUES));
      await processedUpTo(bus, last);
      await everyVenueHalted(venues, asset);
    }
    await new Promise((r) => setTimeout(r, 500));
    for (let run = 0; run < runs; run++)
      for (const v of venues) expect(level1Halts(v, `KILL${run}`), `KILL${run}`).toHaveLength(1);
    for (const v of venues) expect(v.gaps).toBe(0);
  }, 240_000);

  it("nats-server frozen for 10 s across the crash (the lease lapses, a new term starts): exactly one level-1 halt at every venue", async () => {
    for (let run = 0; run < 2; run++) {
      const asset = `FREEZE${run}`;
      const termBefore = (await (await fetch(`${coordinator.http}/v1/leader`)).json()) as { term: number };
      await crash(bus, asset);
      await new Promise((r) => setTimeout(r, Math.floor(random.next() * 300)));
      await nats.pause(10_000);
      await eventually(
        async () => {
          const leader = (await (await fetch(`${coordinator.http}/v1/leader`)).json()) as { term: number };
          return leader.term > termBefore.term ? true : undefined;
        },
        20_000,
        "a new term after the freeze",
      );
      const last = await publishAssessment(bus, assessment(asset, 91, VENUES));
      await processedUpTo(bus, last);
      await everyVenueHalted(venues, asset);
    }
    await new Promise((r) => setTimeout(r, 500));
    for (const run of [0, 1]) for (const v of venues) expect(level1Halts(v, `FREEZE${run}`)).toHaveLength(1);
  }, 120_000);

  it("future-dated prices (1 h and 75 years ahead) are dead-lettered and counted; crashes after them halt, also after a restart", async () => {
    const hour = 3_600_000;
    for (const ahead of [hour, 75 * 365 * 24 * hour])
      await publishAssessment(bus, assessment("POISON", 1_000_000, VENUES, Date.now() + ahead));
    await crash(bus, "POISON");
    await everyVenueHalted(venues, "POISON");
    expect(
      await metric(
        coordinator.http,
        /bw_coordinator_rejected_assessments_total\{reason="future_time"\} (\d+)/,
      ),
    ).toBe(2);
    const dead = await bus.jsm.streams.info(streams.deadLetters.name);
    expect(dead.state.messages).toBeGreaterThanOrEqual(2);

    // a restart replays the poisoned assessments: they are rejected again and disable nothing
    await coordinator.proc.kill();
    coordinator = await startCoordinatorProcess(nats.url, env);
    await crash(bus, "POISON2");
    await everyVenueHalted(venues, "POISON2");
    for (const v of venues) expect(level1Halts(v, "POISON")).toHaveLength(1);
  }, 60_000);

  it("a forged log entry of a higher term: the leader steps down, reports not ready, re-elects above it, and the next crash halts", async () => {
    const readiness: number[] = [];
    const poll = setInterval(() => {
      void fetch(`${coordinator.http}/readyz`)
        .then((r) => readiness.push(r.status))
        .catch(() => undefined);
    }, 20);
    try {
      const tail = (await bus.jsm.streams.info(streams.signals.name)).state.last_seq;
      const forgedTerm = 500;
      const forged = issueSignal(
        {
          signalId: "forged-resume",
          kind: SignalKind.SIGNAL_KIND_ADVISORY,
          ruleId: "forged",
          scope: { assets: [], markets: [], venues: [], chains: [], internal: true },
          reason: "forged",
          evidence: [],
          action: { $case: "advisory", value: { code: "forged", message: "" } },
          durationMs: 0,
        },
        { sequence: tail + 1, issuedAtMs: Date.now(), leadMs: 0, leaderTerm: forgedTerm },
      );
      await publish(bus, subjects.signal, codecs.signal.encode(forged), {
        msgId: forged.signalId,
        expectLastSequence: tail,
      });
      await eventually(
        async () => {
          const leader = (await (await fetch(`${coordinator.http}/v1/leader`)).json()) as {
            term: number;
            leader: boolean;
          };
          return leader.leader && leader.term > forgedTerm ? true : undefined;
        },
        10_000,
        "re-elected above the forged term",
      );
      await eventually(async () =>
        (await fetch(`${coordinator.http}/readyz`)).status === 200 ? true : undefined,
      );
      expect(readiness).toContain(503);
      expect(
        await metric(
          coordinator.http,
          /bw_coordinator_unexpected_log_entries_total\{reason="later_term"\} (\d+)/,
        ),
      ).toBe(1);
    } finally {
      clearInterval(poll);
    }
    await crash(bus, "AFTERFORGE");
    await everyVenueHalted(venues, "AFTERFORGE");
  }, 60_000);
});

describe("never miss a halt: two replicas, the leader killed mid-crash", () => {
  let nats: NatsServer;
  let bus: Bus;
  const replicas: { env: Record<string, string>; proc: CoordinatorProcess }[] = [];
  const venues: Venue[] = [];
  const random = seeded();

  beforeAll(async () => {
    nats = await startNats();
    bus = await connectBus({ url: nats.url, name: "never-miss-ha" });
    for (const i of [0, 1]) {
      const env = {
        ...FAST_LEASE,
        BW_GRPC_PORT: String(await freePort()),
        BW_HTTP_PORT: String(await freePort()),
        BW_REPLICA_ID: `replica-${i}`,
      };
      replicas.push({ env, proc: await startCoordinatorProcess(nats.url, env, { awaitLeader: i === 0 }) });
    }
    // venues spread over both replicas: every replica serves the log
    for (const [i, id] of VENUES.entries()) venues.push(recordingVenue(replicas[i % 2]!.proc.grpc, id));
    await Promise.all(venues.map((v) => v.synced));
  });
  afterAll(async () => {
    for (const v of venues) await v.client.close();
    for (const r of replicas) await r.proc.proc.stop();
    await bus?.close();
    await nats?.dispose();
  });

  it("the follower takes over and issues the halt, 4 runs: exactly one level-1 halt at every venue", async () => {
    for (let run = 0; run < 4; run++) {
      const asset = `FAIL${run}`;
      const leaders = await Promise.all(
        replicas.map(
          async (r) =>
            ((await (await fetch(`${r.proc.http}/v1/leader`)).json()) as { leader: boolean }).leader,
        ),
      );
      const leader = replicas[leaders.indexOf(true)]!;
      await crash(bus, asset);
      // the first run kills before the leader can append: the follower must issue the halt
      await new Promise((r) => setTimeout(r, run === 0 ? 0 : Math.floor(random.next() * 2_000)));
      await leader.proc.proc.kill();
      // back at once as a follower: the venues it served reconnect to it (same ports)
      leader.proc = await startCoordinatorProcess(nats.url, leader.env, { awaitLeader: false });
      const last = await publishAssessment(bus, assessment(asset, 91, VENUES));
      await processedUpTo(bus, last);
      await everyVenueHalted(venues, asset);
    }
    await new Promise((r) => setTimeout(r, 500));
    for (let run = 0; run < 4; run++)
      for (const v of venues) expect(level1Halts(v, `FAIL${run}`)).toHaveLength(1);
  }, 120_000);
});

describe("never miss a halt: a restart across a period boundary", () => {
  let nats: NatsServer;
  let bus: Bus;

  beforeAll(async () => {
    nats = await startNats();
    bus = await connectBus({ url: nats.url, name: "never-miss-period" });
  });
  afterAll(async () => {
    await bus?.close();
    await nats?.dispose();
  });

  it("a fall halted just before the reset, a restart just after it: the next crash in the new period halts, once", async () => {
    const periodMs = 8_000;
    const env = {
      ...FAST_LEASE,
      BW_GRPC_PORT: String(await freePort()),
      BW_BREAKER_PERIOD_MS: String(periodMs),
    };
    let coordinator = await startCoordinatorProcess(nats.url, env);
    const venue = recordingVenue(coordinator.grpc, "perp-a");
    await venue.synced;
    try {
      // land the first crash about 1 s before a period boundary
      const untilBoundary = periodMs - (Date.now() % periodMs);
      await new Promise((r) => setTimeout(r, (untilBoundary + periodMs - 1_000) % periodMs));
      const firstPeriod = Math.floor(Date.now() / periodMs);
      await crash(bus, "EDGE");
      await everyVenueHalted([venue], "EDGE");
      await coordinator.proc.kill();
      coordinator = await startCoordinatorProcess(nats.url, env);
      expect(Math.floor(Date.now() / periodMs)).toBeGreaterThan(firstPeriod);
      // a new crash in the new period (the old fall is still in the 5-minute window)
      await crash(bus, "EDGE", 100);
      await everyVenueHalted([venue], "EDGE", 2);
      await new Promise((r) => setTimeout(r, 500));
      const periods = level1Halts(venue, "EDGE").map((s) => Number(/:p(\d+)$/.exec(s.signalId)![1]));
      expect(periods).toEqual([firstPeriod, periods[0]! + 1]);
    } finally {
      await venue.client.close();
      await coordinator.proc.stop();
    }
  }, 60_000);
});
