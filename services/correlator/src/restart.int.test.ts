import {
  type Bus,
  type ChainEvent,
  codecs,
  connectBus,
  decodeChainEvent,
  replay,
  streams,
} from "@breakwater/bus";
import { PositionSide, PositionStatus } from "@breakwater/proto";
import { eventually, type NatsServer, startNats } from "@breakwater/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CorrelatorState } from "./correlator-state.js";
import { exposureSnapshotJson } from "./snapshot-json.js";
import {
  heartbeat,
  metricValue,
  positionUpdate,
  priceTick,
  publishEvent,
  type RunningCorrelator,
  retraction,
  startCorrelator,
  T0,
} from "./test-harness.js";

const ENV = { BW_STALE_AFTER_MS: "600000", BW_PRICE_FRESH_MS: "30000", BW_LOG_LEVEL: "info" };
const CHAINS = ["sim-a", "sim-b"] as const;
const VENUES: Record<string, string[]> = { "sim-a": ["perp-a", "lend-a"], "sim-b": ["perp-b"] };
const ASSETS = ["ETH", "BTC"] as const;

/** A deterministic workload: positions (opens, resizes, closes), prices from two sources per chain, heartbeats and reorg retractions. */
function workload(count: number, seed: number): ChainEvent[] {
  let state = seed;
  const rand = () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const events: ChainEvent[] = [];
  const positionIds: Record<string, string[]> = { "sim-a": [], "sim-b": [] };
  const prices: Record<string, number> = { ETH: 2000, BTC: 60000 };
  for (let i = 0; i < count; i++) {
    const chainId = pick(CHAINS);
    const id = `${chainId}:0xblk${seed}-${i}:0`;
    const r = rand();
    if (r < 0.55) {
      const asset = pick(ASSETS);
      const close = rand() < 0.1;
      events.push({
        kind: "position",
        value: positionUpdate({
          eventId: id,
          chainId,
          venueId: pick(VENUES[chainId]!),
          account: `0x${Math.floor(rand() * 30).toString(16)}`,
          market: `${asset}-PERP`,
          asset,
          side: rand() < 0.6 ? PositionSide.POSITION_SIDE_LONG : PositionSide.POSITION_SIDE_SHORT,
          status: close ? PositionStatus.POSITION_STATUS_CLOSED : PositionStatus.POSITION_STATUS_OPEN,
          size: close ? "0" : (Math.floor(rand() * 10_000) / 100).toFixed(2),
          chainTimeMs: T0 + i,
        }),
      });
      positionIds[chainId]!.push(id);
    } else if (r < 0.9) {
      const asset = pick(ASSETS);
      prices[asset] = Math.max(1, prices[asset]! * (1 + (rand() - 0.5) / 50));
      events.push({
        kind: "price",
        value: priceTick({
          eventId: id,
          chainId,
          source: pick(["oracle", "pyth"]),
          asset,
          price: prices[asset]!.toFixed(4),
          chainTimeMs: T0 + i * 10,
        }),
      });
    } else if (r < 0.95) {
      // distinct watcher times per workload, so no two heartbeats share a dedup id
      events.push({ kind: "heartbeat", value: heartbeat(chainId, Date.now() - 200_000 + seed * 10_000 + i) });
    } else if (positionIds[chainId]!.length > 0) {
      events.push({ kind: "retraction", value: retraction(chainId, id, pick(positionIds[chainId]!)) });
    }
  }
  return events;
}

async function publishAll(bus: Bus, events: readonly ChainEvent[]): Promise<void> {
  for (const e of events) await publishEvent(bus, e);
}

async function storedAssessmentIds(bus: Bus): Promise<string[]> {
  const ids: string[] = [];
  await replay(bus, {
    stream: streams.assessments.name,
    onMessage: (_s, data) => {
      ids.push(codecs.assessment.decode(data).assessmentId);
    },
  });
  return ids;
}

async function assessmentCount(bus: Bus): Promise<number> {
  return (await bus.jsm.streams.info(streams.assessments.name)).state.messages;
}

/** What the exposure is with no restart: every stored chain event applied once, in stream order. */
async function exposureWithoutRestart(bus: Bus, nowMs: number) {
  const state = new CorrelatorState({ staleAfterMs: 600_000, priceFreshMs: 30_000 });
  await replay(bus, {
    stream: streams.chainEvents.name,
    onMessage: (subject, data) => {
      state.apply(decodeChainEvent(subject, data), nowMs);
    },
  });
  return exposureSnapshotJson(state.snapshot({}, nowMs));
}

describe("correlator restart after SIGKILL mid-stream", () => {
  let nats: NatsServer;
  let bus: Bus;
  let correlator: RunningCorrelator | undefined;

  beforeAll(async () => {
    nats = await startNats();
    bus = await connectBus({ url: nats.url, name: "correlator-restart-test" });
  });
  afterAll(async () => {
    correlator?.close();
    await correlator?.proc.stop();
    await bus?.close();
    await nats?.dispose();
  });

  it("loses nothing and duplicates nothing: exposure equals the no-restart exposure, one assessment per tick", async () => {
    const before = workload(2_500, 7);
    const whileDown = workload(400, 11);
    const after = workload(300, 13);
    const ticks = [...before, ...whileDown, ...after].filter((e) => e.kind === "price");

    correlator = await startCorrelator(nats.url, ENV);
    const publishing = publishAll(bus, before);
    // crash as soon as the correlator is busy: the stream is still being written
    await eventually(
      async () => ((await assessmentCount(bus)) >= 50 ? true : undefined),
      20_000,
      "assessing",
    );
    await correlator.proc.kill();
    correlator.close();
    const atKill = await assessmentCount(bus);
    await publishing;
    expect(atKill).toBeLessThan(before.filter((e) => e.kind === "price").length);

    await publishAll(bus, whileDown);
    correlator = await startCorrelator(nats.url, ENV);
    const rebuilt = JSON.parse(await correlator.proc.waitFor(/"msg":"consuming chain events live"/));
    expect(rebuilt.replayed + rebuilt.caughtUp).toBeGreaterThan(0);
    await publishAll(bus, after);

    await eventually(
      async () => ((await assessmentCount(bus)) === ticks.length ? true : undefined),
      20_000,
      "every tick assessed",
    );
    const ids = await storedAssessmentIds(bus);
    expect(ids).toHaveLength(ticks.length);
    expect(new Set(ids).size).toBe(ticks.length);
    expect(new Set(ids)).toEqual(
      new Set(ticks.map((t) => `assess:${(t.value as { eventId: string }).eventId}`)),
    );

    const events = before.length + whileDown.length + after.length;
    expect((await bus.jsm.streams.info(streams.chainEvents.name)).state.messages).toBe(events);
    const applied = await eventually(
      async () => {
        const m = await correlator!.metrics();
        const kinds = ["position", "price", "heartbeat", "retraction"];
        const total = kinds.reduce(
          (n, k) => n + metricValue(m, `bw_correlator_events_applied_total{kind="${k}"}`),
          0,
        );
        return total === events ? total : undefined;
      },
      20_000,
      "every event applied once",
    );
    expect(applied).toBe(events);

    const now = Date.now();
    const expected = await exposureWithoutRestart(bus, now);
    const actual = await correlator.exposure();
    expect(actual.rows).toEqual(expected.rows);
    expect(actual.referencePrices).toEqual(expected.referencePrices);
    expect(actual.chains.map((c) => [c.chainId, c.lastHeartbeatMs, c.stale])).toEqual(
      expected.chains.map((c) => [c.chainId, c.lastHeartbeatMs, c.stale]),
    );
    expect(actual.rows.length).toBeGreaterThan(4);
  });

  it("a tick delivered again under another message id yields a deduplicated assessment", async () => {
    const c = correlator!;
    const count = await assessmentCount(bus);
    const tick = priceTick({ eventId: "sim-a:0xagain:0", price: "2100", chainTimeMs: T0 + 999_999 });
    await publishEvent(bus, { kind: "price", value: tick });
    await eventually(async () => ((await assessmentCount(bus)) === count + 1 ? true : undefined));
    // the watcher republishes after its own crash with a different msg id: the stream keeps both ticks
    await publishEvent(bus, { kind: "price", value: tick }, "republished-after-crash");
    await eventually(async () => {
      const m = await c.metrics();
      return metricValue(m, 'bw_correlator_assessments_published_total{outcome="duplicate"}') >= 1
        ? true
        : undefined;
    });
    expect(await assessmentCount(bus)).toBe(count + 1);
  });
});
