import { type Bus, buckets, connectBus } from "@breakwater/bus";
import type { SignalDraft } from "@breakwater/core";
import { SignalKind, SubscribeResponse } from "@breakwater/proto";
import { eventually, type NatsServer, startNats } from "@breakwater/testkit";
import { type ServiceError, status } from "@grpc/grpc-js";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LEASE_KEY } from "./leader-lease.js";
import { termStartDraft } from "./leader-role.js";
import { SignalLogFollower } from "./log-follower.js";
import { SignalIndex } from "./signal-index.js";
import { SignalLog } from "./signal-log.js";
import {
  type CoordinatorProcess,
  rawClient,
  recordingVenue,
  startCoordinatorProcess,
} from "./test-helpers.js";

const BULK = "x".repeat(100_000);

function advisory(n: number): SignalDraft {
  return {
    signalId: `bulk-${n}`,
    kind: SignalKind.SIGNAL_KIND_ADVISORY,
    ruleId: "bulk",
    scope: { assets: [], markets: [], venues: [], chains: [] },
    reason: BULK,
    evidence: [],
    action: { $case: "advisory", value: { code: "bulk", message: String(n) } },
    durationMs: 0,
  };
}

describe("subscriptions: markers and slow subscribers", () => {
  let nats: NatsServer;
  let bus: Bus;
  let coordinator: CoordinatorProcess;
  let follower: SignalLogFollower;
  let writer: SignalLog;
  let renewal: NodeJS.Timeout | undefined;
  const closers: (() => unknown)[] = [];

  beforeAll(async () => {
    nats = await startNats();
    bus = await connectBus({ url: nats.url, name: "subscription-test" });
    // The test process is the leader (it holds a live lease and opens term 1) and fills
    // the log directly; the coordinator follows and serves venues, as any replica does.
    const lease = await bus.kvm.create(buckets.leader, { history: 1 });
    const renew = () => lease.put(LEASE_KEY, JSON.stringify({ holder: "subscription-test", term: 1 }));
    await renew();
    renewal = setInterval(() => void renew().catch(() => undefined), 200);
    const index = new SignalIndex();
    follower = SignalLogFollower.start(bus, index, pino({ level: "silent" }));
    writer = new SignalLog(bus, index, { leadMs: 500, leaderTerm: 1 });
    await writer.append(termStartDraft(1, "subscription-test"));
    coordinator = await startCoordinatorProcess(
      nats.url,
      { BW_SUBSCRIBER_BUFFER: "10", BW_MARKER_INTERVAL_MS: "100" },
      { awaitLeader: false },
    );
  });
  afterAll(async () => {
    clearInterval(renewal);
    for (const close of closers) await close();
    await follower?.stop();
    await coordinator?.proc.stop();
    await bus?.close();
    await nats?.dispose();
  });

  it("behavior: an idle subscription gets position markers with the log sequence checked", async () => {
    await writer.append(advisory(0));
    const client = rawClient(coordinator.grpc, "idle-venue");
    closers.push(() => client.close());
    const seen: SubscribeResponse[] = [];
    const call = client.subscribe({ venueId: "idle-venue", afterSequence: 0, maxBatch: 0 });
    call.on("data", (r: SubscribeResponse) => seen.push(r));
    call.on("error", () => undefined);
    await eventually(() => (seen.filter((r) => r.item?.$case === "marker").length >= 3 ? true : undefined));
    call.cancel();
    // sequence 1 is the leader's internal term-start entry: no venue receives it
    expect(seen[0]).toMatchObject({ item: { $case: "signal", value: { sequence: 2 } }, previousInScope: 0 });
    for (const r of seen.slice(1)) {
      expect(r).toMatchObject({ item: { $case: "marker", value: { logSequence: 2 } }, previousInScope: 2 });
    }
  });

  it("behavior: a subscriber that stops reading is cut off with RESOURCE_EXHAUSTED; one that reads is not", async () => {
    const reader = recordingVenue(coordinator.grpc, "fast-venue", { afterSequence: 2 });
    closers.push(() => reader.client.close());
    await reader.synced;
    let readerDropped = 0;
    reader.client.on("disconnected", () => readerDropped++);
    const client = rawClient(coordinator.grpc, "slow-venue");
    closers.push(() => client.close());
    const call = client.subscribe({ venueId: "slow-venue", afterSequence: 2, maxBatch: 0 });
    const ended = new Promise<ServiceError>((resolve) => call.on("error", resolve));
    await new Promise((resolve) => call.once("data", resolve));
    call.pause(); // the venue stops reading

    for (let n = 1; n <= 60; n++) {
      await writer.append(advisory(n));
      await new Promise((r) => setTimeout(r, 5)); // a burst a reading venue keeps up with
    }
    await eventually(async () => {
      const metrics = await (await fetch(`${coordinator.http}/metrics`)).text();
      return /bw_coordinator_subscribers_dropped_total\{reason="slow_subscriber"\} 1/.test(metrics)
        ? true
        : undefined;
    });
    call.resume();
    call.on("data", () => undefined);
    const error = await ended;
    expect(error.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(error.details).toMatch(
      /fell \d+ signals behind \(limit 10\); resubscribe with after_sequence=\d+/,
    );

    await eventually(() => (reader.signals.length === 60 ? true : undefined), 15_000, "reader got all 60");
    expect(reader.signals.map((s) => s.sequence)).toEqual(Array.from({ length: 60 }, (_, i) => i + 3));
    expect(readerDropped).toBe(0);
  });

  it("batches: a subscriber that asks for them gets what is ready in a few responses, item for item what a one-at-a-time subscriber gets, no batch over 1 MiB", async () => {
    const after = await writer.readTail();
    // 150 small signals, then 12 of 100 kB (one batch of them would pass 1 MiB), before either subscribes
    const small = Array.from({ length: 150 }, (_, n) => ({ ...advisory(1_000 + n), reason: "small" }));
    expect((await writer.appendAll(small)).failure).toBeUndefined();
    const large = Array.from({ length: 12 }, (_, n) => advisory(2_000 + n));
    expect((await writer.appendAll(large)).failure).toBeUndefined();
    await eventually(async () => {
      const body = (await (await fetch(`${coordinator.http}/v1/signals?after=${after}`)).json()) as {
        lastSequence: number;
      };
      return body.lastSequence >= after + 162 ? true : undefined;
    });
    const subscribe = (venueId: string, maxBatch: number) => {
      const client = rawClient(coordinator.grpc, venueId);
      closers.push(() => client.close());
      const responses: SubscribeResponse[] = [];
      const sizes: number[] = [];
      const call = client.subscribe({ venueId, afterSequence: after, maxBatch });
      call.on("data", (r: SubscribeResponse) => {
        responses.push(r);
        sizes.push(SubscribeResponse.encode(r).finish().length);
      });
      call.on("error", () => undefined);
      closers.push(() => call.cancel());
      const items = () =>
        responses
          .flatMap((r) => (r.batch ? r.batch.items : [r]))
          .filter((r) => r.item?.$case === "signal")
          .map((r) => [r.item?.$case === "signal" ? r.item.value.sequence : 0, r.previousInScope]);
      return { responses, sizes, items };
    };
    const single = subscribe("perp-a", 0);
    const batched = subscribe("perp-b", 64);
    await eventually(
      () => (batched.items().length === 162 && single.items().length === 162 ? true : undefined),
      15_000,
      "both got the 162",
    );
    expect(batched.items()).toEqual(single.items());
    expect(single.responses.some((r) => r.batch)).toBe(false);
    const batches = batched.responses.filter((r) => r.batch);
    // 64 + 64 small, then 22 small with ten of 100 kB (the eleventh would pass 1 MiB), then two
    expect(batches.map((r) => r.batch!.items.length)).toEqual([64, 64, 32, 2]);
    expect(Math.max(...batched.sizes)).toBeLessThan(2 ** 20 + 1_000);
    expect(batched.responses.filter((r) => r.item?.$case === "signal" || r.batch).length).toBeLessThan(10);
  });
});
