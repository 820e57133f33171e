import { type Bus, codecs, connectBus, publish, replay, streams, subjects } from "@breakwater/bus";
import { AckState, HaltMode, SignalKind } from "@breakwater/proto";
import { eventually, type NatsServer, startNats, startService } from "@breakwater/testkit";
import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  assessment,
  COORDINATOR_ENTRY,
  type CoordinatorProcess,
  httpSignals,
  operatorClient,
  processedUpTo,
  publishAssessment,
  publishFall,
  rawClient,
  recordingVenue,
  startCoordinatorProcess,
  unaryError,
} from "./test-helpers.js";

const IN_SCOPE = ["perp-a", "perp-b", "lend-c"];

describe("coordinator: policy → signal log → venues", () => {
  let nats: NatsServer;
  let bus: Bus;
  let coordinator: CoordinatorProcess;
  const venues: ReturnType<typeof recordingVenue>[] = [];
  const raw: ReturnType<typeof rawClient>[] = [];

  beforeAll(async () => {
    nats = await startNats();
    bus = await connectBus({ url: nats.url, name: "coordinator-test" });
    coordinator = await startCoordinatorProcess(nats.url, { BW_SIGNAL_LEAD_MS: "500" });
  });
  afterAll(async () => {
    for (const v of venues) await v.client.close();
    for (const c of raw) c.close();
    await coordinator?.proc.stop();
    await bus?.close();
    await nats?.dispose();
  });

  function venue(venueId: string, extra: Parameters<typeof recordingVenue>[2] = {}) {
    const v = recordingVenue(coordinator.grpc, venueId, extra);
    venues.push(v);
    return v;
  }

  it("crash: one level-1 halt reaches every venue in scope with the same sequence and effective time", async () => {
    const inScope = IN_SCOPE.map((id) => venue(id));
    const outside = venue("perp-z");
    await Promise.all([...inScope, outside].map((v) => v.synced));

    // ETH falls 8% within a minute, then keeps falling: the breaker fires once.
    let last = await publishFall(bus, "ETH", IN_SCOPE, 0.08, 8);
    last = await publishAssessment(bus, assessment("ETH", 90, IN_SCOPE));
    last = await publishAssessment(bus, assessment("ETH", 88, IN_SCOPE));
    await processedUpTo(bus, last);

    const log = await httpSignals(coordinator.http);
    // the leader opened its term with an internal entry no venue receives
    expect(log.signals[0]).toMatchObject({
      sequence: 1,
      ruleId: "leader-election",
      scope: { internal: true },
    });
    const halts = log.signals.filter((s) => !s.scope?.internal);
    expect(halts).toHaveLength(1);
    const halt = halts[0]!;
    expect(halt).toMatchObject({
      sequence: 2,
      kind: SignalKind.SIGNAL_KIND_CIRCUIT_BREAKER,
      ruleId: "circuit-breaker-l1",
      scope: { assets: ["ETH"], venues: IN_SCOPE },
      action: {
        $case: "circuitBreaker",
        value: { level: 1, mode: HaltMode.HALT_MODE_FULL, durationMs: 900_000 },
      },
      leaderTerm: 1,
    });
    expect(halt.keyId).toMatch(/^ed25519:[0-9a-f]{16}$/);
    expect(halt.signature).toHaveLength(64);
    expect(halt.effectiveAtMs - halt.issuedAtMs).toBe(500);
    expect(halt.expiresAtMs).toBe(halt.effectiveAtMs + 900_000);

    await eventually(() => (inScope.every((v) => v.signals.length === 1) ? true : undefined));
    for (const v of inScope) {
      expect(v.signals.map((s) => [s.sequence, s.signalId, s.effectiveAtMs])).toEqual([
        [halt.sequence, halt.signalId, halt.effectiveAtMs],
      ]);
    }
    // The venue outside the scope proves (by markers) it has seen the log past the halt, and got nothing.
    await eventually(() => (outside.client.lastSequence >= halt.sequence ? true : undefined));
    expect(outside.signals).toEqual([]);
    expect([...inScope, outside].map((v) => v.gaps)).toEqual([0, 0, 0, 0]);

    // Every venue in scope acks receipt, then application at effective_at.
    const client = operatorClient(coordinator.grpc);
    raw.push(client);
    for (const id of IN_SCOPE) {
      const st = await eventually(
        () =>
          new Promise<
            { lastReceivedSequence: number; lastAppliedSequence: number; connected: boolean } | undefined
          >((resolve) =>
            client.getVenueStatus({ venueId: id }, (err, res) =>
              resolve(!err && res.status!.lastAppliedSequence === halt.sequence ? res.status! : undefined),
            ),
          ),
        10_000,
        `${id} applied`,
      );
      expect(st).toMatchObject({ connected: true, lastReceivedSequence: 2, lastAppliedSequence: 2 });
    }
    const acks: string[] = [];
    await replay(bus, {
      stream: streams.acks.name,
      onMessage: (subject, data) => {
        const ack = codecs.ack.decode(data, subject);
        acks.push(`${ack.venueId}:${ack.sequence}:${ack.state}`);
      },
    });
    expect(acks.sort()).toEqual(
      IN_SCOPE.flatMap((id) => [
        `${id}:2:${AckState.ACK_STATE_RECEIVED}`,
        `${id}:2:${AckState.ACK_STATE_APPLIED}`,
      ]).sort(),
    );
  });

  it("venue reconnect: resubscribing after sequence k receives exactly the missed signals, in order", async () => {
    const first = venues.find((v) => v.client.venueId === "perp-a")!;
    const k = first.client.lastSequence;
    expect(k).toBeGreaterThanOrEqual(1);
    const lastInScope = first.client.lastInScope;
    await first.client.close();

    // While perp-a is away: three assets crash for perp-a, one for others only.
    let last = 0;
    for (const asset of ["SOL", "BTC", "ARB"])
      last = await publishFall(bus, asset, ["perp-a", "perp-b"], 0.1);
    last = await publishFall(bus, "DOGE", ["perp-b"], 0.1);
    last = await publishFall(bus, "AVAX", ["perp-a"], 0.1);
    await processedUpTo(bus, last);
    const log = await httpSignals(coordinator.http, k);
    expect(log.signals.map((s) => s.scope!.assets[0])).toEqual(["SOL", "BTC", "ARB", "DOGE", "AVAX"]);
    const missed = log.signals.filter((s) => s.scope!.venues.includes("perp-a")).map((s) => s.sequence);

    const back = venue("perp-a", { afterSequence: k, ...(lastInScope === undefined ? {} : { lastInScope }) });
    await back.synced;
    await eventually(() => (back.signals.length >= missed.length ? true : undefined));
    expect(back.signals.map((s) => s.sequence)).toEqual(missed);
    expect(back.gaps).toBe(0);
    // and a venue resuming without knowing its last in-scope sequence gets the same
    const cold = venue("perp-a", { afterSequence: k });
    await cold.synced;
    expect(cold.signals.map((s) => s.sequence)).toEqual(missed);
    expect(cold.gaps).toBe(0);
  });

  it("behavior: invalid Subscribe and Ack requests get the right gRPC status", async () => {
    const client = rawClient(coordinator.grpc);
    raw.push(client);
    const subscribeError = (venueId: string) =>
      new Promise<number | undefined>((resolve) => {
        const call = client.subscribe({ venueId, afterSequence: 0, maxBatch: 0 });
        call.on("data", () => {
          call.cancel();
          resolve(undefined);
        });
        call.on("error", (err: { code: number }) => resolve(err.code));
      });
    expect(await subscribeError("")).toBe(status.INVALID_ARGUMENT);
    expect(await subscribeError("bad venue id!")).toBe(status.INVALID_ARGUMENT);

    const ack = client.ack.bind(client) as Parameters<typeof unaryError>[0];
    const received = AckState.ACK_STATE_RECEIVED;
    expect(
      (await unaryError(ack, { venueId: "perp-a", sequence: 999, state: received, detail: "" }))?.code,
    ).toBe(status.NOT_FOUND);
    expect((await unaryError(ack, { venueId: "", sequence: 1, state: received, detail: "" }))?.code).toBe(
      status.INVALID_ARGUMENT,
    );
    expect(
      (
        await unaryError(ack, {
          venueId: "perp-a",
          sequence: 2,
          state: AckState.ACK_STATE_UNSPECIFIED,
          detail: "",
        })
      )?.code,
    ).toBe(status.INVALID_ARGUMENT);
    // perp-a's certificate cannot ack for perp-z
    const impostor = await unaryError(ack, { venueId: "perp-z", sequence: 2, state: received, detail: "" });
    expect(impostor?.code).toBe(status.PERMISSION_DENIED);
    expect(impostor?.details).toMatch(/cannot act as venue perp-z/);
    // perp-z itself cannot ack a signal outside its scope
    const perpZ = rawClient(coordinator.grpc, "perp-z");
    raw.push(perpZ);
    const outsider = await unaryError(perpZ.ack.bind(perpZ) as Parameters<typeof unaryError>[0], {
      venueId: "perp-z",
      sequence: 2,
      state: received,
      detail: "",
    });
    expect(outsider?.code).toBe(status.INVALID_ARGUMENT);
    expect(outsider?.details).toMatch(/does not concern venue perp-z/);
    const getStatus = client.getVenueStatus.bind(client) as Parameters<typeof unaryError>[0];
    expect((await unaryError(getStatus, { venueId: "" }))?.code).toBe(status.INVALID_ARGUMENT);
    const keys = await new Promise<{ keyId: string; publicKey: Buffer }[]>((resolve, reject) =>
      client.getSigningKeys({}, (err, res) => (err ? reject(err) : resolve(res.keys))),
    );
    expect(keys).toHaveLength(1);
    expect(keys[0]!.publicKey).toHaveLength(32);
    const internal = await unaryError(ack, { venueId: "perp-a", sequence: 1, state: received, detail: "" });
    expect(internal?.details).toMatch(/does not concern venue perp-a/);
  });

  it("behavior: an unpriceable assessment halts its asset (oracle divergence, enforced by default) and a garbled one is dead-lettered", async () => {
    const unpriced = { ...assessment("XRP", 1, ["perp-a"]), referencePrice: "" };
    const garbled = { ...assessment("XRP", 1, ["perp-a"]), referencePrice: "12abc" };
    await publishAssessment(bus, unpriced);
    const last = await publishAssessment(bus, garbled);
    await processedUpTo(bus, last);
    const letters: string[] = [];
    await replay(bus, {
      stream: streams.deadLetters.name,
      filterSubject: subjects.deadLetter("coordinator"),
      onMessage: (_s, data) => {
        letters.push(codecs.deadLetter.decode(data).error);
      },
    });
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatch(/reference_price/);
    const metrics = await (await fetch(`${coordinator.http}/metrics`)).text();
    expect(metrics).toMatch(/bw_coordinator_assessments_total\{outcome="unpriceable"\} 1/);
    const xrp = (await httpSignals(coordinator.http)).signals.filter((s) => s.scope?.assets.includes("XRP"));
    expect(
      xrp.map((s) => [s.ruleId, s.kind, s.action?.$case === "circuitBreaker" && s.action.value.durationMs]),
    ).toEqual([["oracle-divergence", SignalKind.SIGNAL_KIND_CIRCUIT_BREAKER, 0]]);
    expect(metrics).toMatch(
      /bw_coordinator_signals_appended_total\{kind="circuit_breaker",rule="circuit-breaker-l1"\} 6/,
    );
    expect(metrics).toMatch(/bw_coordinator_issue_to_delivery_seconds_count \d+/);
    expect(metrics).toMatch(/bw_coordinator_acks_total\{state="applied"\} \d+/);
  });

  it("behavior: the HTTP API lists signals and venues", async () => {
    const res = await fetch(`${coordinator.http}/v1/signals?after=6`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { lastSequence: number; signals: { sequence: number }[] };
    expect(body.lastSequence).toBe(8);
    expect(body.signals.map((s) => s.sequence)).toEqual([7, 8]);
    expect((await fetch(`${coordinator.http}/v1/signals?after=-1`)).status).toBe(400);
    const list = (await (await fetch(`${coordinator.http}/v1/venues`)).json()) as {
      venues: { venueId: string; connected: boolean; lastAppliedSequence: number }[];
    };
    expect(list.venues.map((v) => v.venueId)).toEqual(["lend-c", "perp-a", "perp-b", "perp-z"]);
    expect(list.venues.find((v) => v.venueId === "lend-c")).toMatchObject({
      connected: true,
      lastAppliedSequence: 2,
    });
    expect((await fetch(`${coordinator.http}/readyz`)).status).toBe(200);
  });

  it("behavior: a malformed entry in the signal log is never served", async () => {
    const tail = (await bus.jsm.streams.info(streams.signals.name)).state.last_seq;
    await publish(bus, subjects.signal, new Uint8Array([1, 2, 3]), {
      msgId: "garbage",
      expectLastSequence: tail,
    });
    const log = await eventually(async () => {
      const l = await httpSignals(coordinator.http);
      return l.lastSequence === tail + 1 ? l : undefined;
    });
    expect(log.signals.map((s) => s.sequence)).not.toContain(tail + 1);
    // An entry the leader did not append makes it step down and re-elect: the new term
    // opens at the next sequence, and the next decision follows it with no gap.
    const reopened = await eventually(async () => {
      const l = await httpSignals(coordinator.http, tail);
      return l.signals.find((s) => s.scope?.internal) ? l : undefined;
    });
    expect(reopened.signals[0]).toMatchObject({ sequence: tail + 2, ruleId: "leader-election" });
    const last = await publishFall(bus, "LINK", ["perp-b"], 0.1);
    await processedUpTo(bus, last);
    const after = await httpSignals(coordinator.http, tail + 2);
    expect(after.signals.map((s) => s.sequence)).toEqual([tail + 3]);
    expect(after.signals[0]!.leaderTerm).toBeGreaterThan(reopened.signals[0]!.leaderTerm - 1);
  });

  it("behavior: an invalid configuration exits 2 and names every bad field", async () => {
    const proc = startService(COORDINATOR_ENTRY, [], {
      BW_NATS_URL: nats.url,
      BW_GRPC_PORT: "not-a-port",
      BW_BREAKER_THRESHOLD: "1.5",
      BW_BREAKER_MODE: "sideways",
    });
    expect(await proc.exited()).toBe(2);
    expect(proc.output()).toMatch(/grpcPort \(env BW_GRPC_PORT\)/);
    expect(proc.output()).toMatch(/breakerThreshold \(env BW_BREAKER_THRESHOLD\)/);
    expect(proc.output()).toMatch(/breakerMode \(env BW_BREAKER_MODE\)/);
  });
});
