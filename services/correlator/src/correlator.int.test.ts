import { type Bus, codecs, connectBus, publish, replay, streams, subjects } from "@breakwater/bus";
import { ChainStatus, PositionSide, type RiskAssessment } from "@breakwater/proto";
import { eventually, type NatsServer, startNats } from "@breakwater/testkit";
import { status as grpcStatus } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exposureSnapshotJson } from "./snapshot-json.js";
import {
  heartbeat,
  metricValue,
  positionUpdate,
  priceTick,
  publishEvent,
  type RunningCorrelator,
  startCorrelator,
  T0,
} from "./test-harness.js";

async function assessments(bus: Bus): Promise<RiskAssessment[]> {
  const out: RiskAssessment[] = [];
  await replay(bus, {
    stream: streams.assessments.name,
    onMessage: (_s, data) => {
      out.push(codecs.assessment.decode(data));
    },
  });
  return out;
}

describe("correlator against a real nats-server", () => {
  let nats: NatsServer;
  let bus: Bus;
  let correlator: RunningCorrelator;

  beforeAll(async () => {
    nats = await startNats();
    bus = await connectBus({ url: nats.url, name: "correlator-test" });
    correlator = await startCorrelator(nats.url, {
      BW_STALE_AFTER_MS: "60000",
      BW_SNAPSHOT_INTERVAL_MS: "300",
    });
  });
  afterAll(async () => {
    correlator?.close();
    await correlator?.proc.stop();
    await bus?.close();
    await nats?.dispose();
  });

  it("exposure over HTTP and gRPC is size × the median reference price, the same numbers in both", async () => {
    await publishEvent(bus, { kind: "heartbeat", value: heartbeat("sim-a") });
    await publishEvent(bus, { kind: "heartbeat", value: heartbeat("sim-b") });
    const positions = [
      positionUpdate({ eventId: "sim-a:0xb1:0", account: "0xa", size: "2.5" }),
      positionUpdate({
        eventId: "sim-a:0xb1:1",
        account: "0xb",
        size: "1.25",
        side: PositionSide.POSITION_SIDE_SHORT,
      }),
      positionUpdate({
        eventId: "sim-b:0xc1:0",
        chainId: "sim-b",
        venueId: "perp-b",
        account: "0xc",
        size: "3",
      }),
      positionUpdate({
        eventId: "sim-b:0xc1:1",
        chainId: "sim-b",
        venueId: "lend-b",
        account: "0xd",
        market: "ETH-LEND",
        side: PositionSide.POSITION_SIDE_SUPPLY,
        size: "4",
      }),
    ];
    for (const p of positions) await publishEvent(bus, { kind: "position", value: p });
    const ticks = [
      priceTick({ eventId: "sim-a:0xb2:0", price: "2000", chainTimeMs: T0 }),
      priceTick({ eventId: "sim-b:0xc2:0", chainId: "sim-b", price: "2004", chainTimeMs: T0 + 1 }),
      priceTick({
        eventId: "sim-b:0xc2:1",
        chainId: "sim-b",
        source: "pyth",
        price: "2010.5",
        chainTimeMs: T0 + 2,
      }),
    ];
    for (const t of ticks) await publishEvent(bus, { kind: "price", value: t });

    const price = 2004;
    const http = await eventually(async () => {
      const snap = await correlator.exposure("asset=ETH");
      return snap.referencePrices["ETH"] === "2004" && snap.rows.length === 3 ? snap : undefined;
    });
    expect(http.rows).toEqual([
      {
        asset: "ETH",
        venueId: "lend-b",
        chainId: "sim-b",
        longNotional: 0,
        shortNotional: 0,
        netNotional: 0,
        grossNotional: 0,
        collateralValue: 4 * price,
        positions: 1,
        stale: false,
      },
      {
        asset: "ETH",
        venueId: "perp-a",
        chainId: "sim-a",
        longNotional: 2.5 * price,
        shortNotional: 1.25 * price,
        netNotional: 2.5 * price - 1.25 * price,
        grossNotional: 2.5 * price + 1.25 * price,
        collateralValue: 0,
        positions: 2,
        stale: false,
      },
      {
        asset: "ETH",
        venueId: "perp-b",
        chainId: "sim-b",
        longNotional: 3 * price,
        shortNotional: 0,
        netNotional: 3 * price,
        grossNotional: 3 * price,
        collateralValue: 0,
        positions: 1,
        stale: false,
      },
    ]);
    expect(http.referencePrices).toEqual({ ETH: "2004" });
    expect(http.staleChains).toEqual([]);
    expect(http.chains.map((c) => [c.chainId, c.stale])).toEqual([
      ["sim-a", false],
      ["sim-b", false],
    ]);

    const grpc = await correlator.grpcExposure({ asset: "ETH" });
    const viaGrpc = exposureSnapshotJson(grpc.snapshot!);
    expect(viaGrpc.rows).toEqual(http.rows);
    expect(viaGrpc.referencePrices).toEqual(http.referencePrices);
    expect(viaGrpc.chains.map((c) => c.lastHeartbeatMs)).toEqual(http.chains.map((c) => c.lastHeartbeatMs));

    const onlyA = await correlator.exposure("chain=sim-a&venue=perp-a");
    expect(onlyA.rows.map((r) => r.venueId)).toEqual(["perp-a"]);
    const onlyAGrpc = await correlator.grpcExposure({ chainId: "sim-a", venueId: "perp-a" });
    expect(exposureSnapshotJson(onlyAGrpc.snapshot!).rows).toEqual(onlyA.rows);

    // one assessment per tick, id from the tick, the last one with the 3-source median
    const stored = await eventually(async () => {
      const all = await assessments(bus);
      return all.length === ticks.length ? all : undefined;
    });
    expect(stored.map((a) => a.assessmentId)).toEqual(ticks.map((t) => `assess:${t.eventId}`));
    expect(stored.map((a) => a.referencePrice)).toEqual(["2000", "2002", "2004"]);
    expect(stored[2]).toMatchObject({
      asset: "ETH",
      agreeingSources: 3,
      priceTimeMs: T0 + 2,
      venues: ["lend-b", "perp-a", "perp-b"],
      markets: ["ETH-LEND", "ETH-PERP"],
      chains: ["sim-a", "sim-b"],
      staleChains: [],
      grossNotional: (2.5 + 1.25 + 3) * price,
    });
    expect(stored[2]!.assessedAtMs).toBeGreaterThan(T0);
  });

  it("invalid queries are rejected with the field and the reason, over HTTP and gRPC", async () => {
    expect(await correlator.get("/v1/exposure?asset=ETH&colour=red")).toEqual({
      status: 400,
      body: {
        error: "invalid_query",
        field: "colour",
        reason: "unknown parameter (known: asset, chain, venue, entity)",
      },
    });
    const bad = await correlator.get("/v1/exposure?chain=SIM%20A");
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: "invalid_query", field: "chain" });
    expect((await correlator.get("/v1/chains?asset=ETH")).status).toBe(400);
    await expect(correlator.grpcExposure({ chainId: "SIM A" })).rejects.toMatchObject({
      code: grpcStatus.INVALID_ARGUMENT,
      details: expect.stringMatching(/^chain_id: /),
    });
  });

  it("a malformed position is counted, logged and dead-lettered while the next good one is applied", async () => {
    const garbage = new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]);
    await publish(bus, subjects.position("sim-a"), garbage, { msgId: "garbage-1" });
    await publishEvent(bus, {
      kind: "position",
      value: positionUpdate({ eventId: "sim-a:0xb3:0", account: "0xe", size: "10", venueId: "perp-a2" }),
    });
    const snap = await eventually(async () => {
      const s = await correlator.exposure("venue=perp-a2");
      return s.rows.length === 1 ? s : undefined;
    });
    expect(snap.rows[0]).toMatchObject({ positions: 1, longNotional: 10 * 2004 });

    const metrics = await correlator.metrics();
    expect(
      metricValue(metrics, 'bw_bus_dead_letters_total{service="correlator",subject_kind="position"}'),
    ).toBe(1);
    expect(correlator.proc.output()).toMatch(
      /"subject":"bw\.chain\.sim-a\.position".*"msg":"rejected malformed message"/,
    );

    // dead letters are stored in the background, after the consumer moved on
    await eventually(async () =>
      (await bus.jsm.streams.info(streams.deadLetters.name)).state.messages >= 1 ? true : undefined,
    );
    const letters: { subject: string; original: string; error: string; payload: Buffer }[] = [];
    await replay(bus, {
      stream: streams.deadLetters.name,
      onMessage: (subject, data) => {
        const d = codecs.deadLetter.decode(data);
        letters.push({ subject, original: d.originalSubject, error: d.error, payload: d.payload });
      },
    });
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      subject: subjects.deadLetter("correlator"),
      original: subjects.position("sim-a"),
      error: expect.stringMatching(/not a PositionUpdate/),
    });
    expect(Buffer.from(letters[0]!.payload)).toEqual(Buffer.from(garbage));
  });

  it("a chain whose heartbeats stopped, or that reports down, is stale; its positions are kept and marked", async () => {
    await publishEvent(bus, { kind: "heartbeat", value: heartbeat("sim-c", Date.now() - 120_000) });
    await publishEvent(bus, {
      kind: "position",
      value: positionUpdate({ eventId: "sim-c:0xd1:0", chainId: "sim-c", venueId: "perp-c", size: "1" }),
    });
    await publishEvent(bus, {
      kind: "heartbeat",
      value: heartbeat("sim-d", Date.now(), ChainStatus.CHAIN_STATUS_DOWN),
    });

    const chains = await eventually(async () => {
      const res = await correlator.get("/v1/chains");
      const body = res.body as {
        chains: { chainId: string; stale: boolean; ageMs: number; status: string }[];
      };
      return body.chains.length === 4 ? body : undefined;
    });
    expect(chains).toMatchObject({
      staleChains: ["sim-c", "sim-d"],
      chains: [
        { chainId: "sim-a", stale: false },
        { chainId: "sim-b", stale: false },
        { chainId: "sim-c", stale: true, status: "CHAIN_STATUS_HEALTHY" },
        { chainId: "sim-d", stale: true, status: "CHAIN_STATUS_DOWN" },
      ],
    });
    expect(chains.chains[2]!.ageMs).toBeGreaterThanOrEqual(120_000);

    const snap = await correlator.exposure("asset=ETH");
    expect(snap.staleChains).toEqual(["sim-c", "sim-d"]);
    expect(snap.rows.find((r) => r.chainId === "sim-c")).toMatchObject({
      venueId: "perp-c",
      positions: 1,
      stale: true,
    });
    expect(snap.rows.filter((r) => r.chainId !== "sim-c").every((r) => !r.stale)).toBe(true);
    expect(metricValue(await correlator.metrics(), "bw_correlator_stale_chains")).toBe(2);

    // the next assessment of ETH names the stale chain that holds it
    await publishEvent(bus, {
      kind: "price",
      value: priceTick({ eventId: "sim-a:0xb4:0", price: "2001", chainTimeMs: T0 + 3 }),
    });
    const last = await eventually(async () =>
      (await assessments(bus)).find((a) => a.assessmentId === "assess:sim-a:0xb4:0"),
    );
    expect(last.staleChains).toEqual(["sim-c"]);
    expect(last.chains).toEqual(["sim-a", "sim-b", "sim-c"]);
  });

  it("snapshots of the whole exposure are published periodically", async () => {
    const since = Date.now();
    // the first snapshot taken after everything the earlier scenarios published was applied
    const latest = await eventually(async () => {
      const info = await bus.jsm.streams.info(streams.snapshots.name);
      if (info.state.messages < 2) return undefined;
      const msg = await bus.jsm.streams.getMessage(streams.snapshots.name, { seq: info.state.last_seq });
      const snapshot = msg ? codecs.snapshot.decode(msg.data) : undefined;
      return snapshot && snapshot.takenAtMs >= since ? snapshot : undefined;
    });
    expect(latest.rows.map((r) => r.venueId)).toEqual(["lend-b", "perp-a", "perp-a2", "perp-b", "perp-c"]);
    expect(latest.referencePrices["ETH"]).toBeDefined();
    expect(
      metricValue(await correlator.metrics(), 'bw_correlator_snapshots_published_total{outcome="stored"}'),
    ).toBeGreaterThanOrEqual(2);
  });

  it("exposes what it applied and published as metrics", async () => {
    const m = await correlator.metrics();
    expect(metricValue(m, 'bw_correlator_events_applied_total{kind="position"}')).toBe(6);
    expect(metricValue(m, 'bw_correlator_events_applied_total{kind="price"}')).toBe(4);
    expect(metricValue(m, 'bw_correlator_assessments_published_total{outcome="stored"}')).toBe(4);
    expect(metricValue(m, "bw_correlator_positions")).toBe(6);
    expect(m).toMatch(/bw_correlator_apply_seconds_bucket/);
    expect(metricValue(m, 'bw_correlator_replayed_events{phase="silent"}')).toBe(0);
  });

  it("a chain its watcher reports DEGRADED reaches the assessments with the reason (and /v1/chains), without being stale", async () => {
    await publishEvent(bus, {
      kind: "heartbeat",
      value: {
        ...heartbeat("evm-e", Date.now(), ChainStatus.CHAIN_STATUS_DEGRADED),
        detail: "prices withheld: sequencer down",
      },
    });
    await publishEvent(bus, {
      kind: "position",
      value: positionUpdate({ eventId: "evm-e:0xe1:0", chainId: "evm-e", venueId: "aave-e", size: "3" }),
    });
    await publishEvent(bus, {
      kind: "price",
      value: priceTick({ eventId: "sim-a:0xb5:0", price: "2002", chainTimeMs: T0 + 4 }),
    });
    const a = await eventually(async () =>
      (await assessments(bus)).find((x) => x.assessmentId === "assess:sim-a:0xb5:0"),
    );
    expect(a.chains).toContain("evm-e");
    expect(a.staleChains).not.toContain("evm-e");
    expect(a.degradedChains).toEqual([
      {
        chainId: "evm-e",
        status: ChainStatus.CHAIN_STATUS_DEGRADED,
        detail: "prices withheld: sequencer down",
      },
    ]);
    const chains = (await correlator.get("/v1/chains?chain=evm-e")).body as {
      chains: { chainId: string; status: string; detail: string; stale: boolean }[];
    };
    expect(chains.chains).toEqual([
      expect.objectContaining({
        chainId: "evm-e",
        stale: false,
        status: "CHAIN_STATUS_DEGRADED",
        detail: "prices withheld: sequencer down",
      }),
    ]);
  });

  it("SIGTERM drains and exits 0", async () => {
    correlator.close();
    await correlator.proc.stop(8_000);
    expect(await correlator.proc.exited()).toBe(0);
    expect(correlator.proc.output()).toMatch(/"msg":"correlator stopping"/);
  });
});
