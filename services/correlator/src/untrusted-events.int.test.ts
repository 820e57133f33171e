import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Bus, codecs, connectBus, ensureStreams, replay, streams, subjects } from "@breakwater/bus";
import type { RiskAssessment } from "@breakwater/proto";
import { eventually, type NatsServer, startNats } from "@breakwater/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ExposureSnapshotJson } from "./snapshot-json.js";
import {
  metricValue,
  positionUpdate,
  priceTick,
  publishEvent,
  type RunningCorrelator,
  startCorrelator,
  T0,
} from "./test-harness.js";

const SKEW_MS = 2_000;
const YEAR_MS = 365.25 * 86_400_000;
const SOURCES = ["sim-a", "sim-b", "sim-c"] as const;

async function assessmentsById(bus: Bus): Promise<Map<string, RiskAssessment>> {
  const out = new Map<string, RiskAssessment>();
  await replay(bus, {
    stream: streams.assessments.name,
    onMessage: (_s, data) => {
      const a = codecs.assessment.decode(data);
      out.set(a.assessmentId, a);
    },
  });
  return out;
}

async function deadLetters(bus: Bus): Promise<{ original: string; error: string }[]> {
  const out: { original: string; error: string }[] = [];
  await replay(bus, {
    stream: streams.deadLetters.name,
    filterSubject: subjects.deadLetter("correlator"),
    onMessage: (_s, data) => {
      const d = codecs.deadLetter.decode(data);
      out.push({ original: d.originalSubject, error: d.error });
    },
  });
  return out;
}

/** Every chain prices ETH at `price`; resolves with the assessment of the last tick once stored. */
async function crashTo(bus: Bus, price: string, step: number): Promise<RiskAssessment> {
  let last = "";
  for (const chainId of SOURCES) {
    last = `${chainId}:0xcrash${step}:0`;
    await publishEvent(bus, {
      kind: "price",
      value: priceTick({ eventId: last, chainId, price, chainTimeMs: T0 + step * 1_000 }),
    });
  }
  return eventually(async () => (await assessmentsById(bus)).get(`assess:${last}`), 15_000, "assessed");
}

function allFinite(value: unknown): boolean {
  if (typeof value === "number") return Number.isFinite(value);
  if (value === null) return false; // JSON's rendering of Infinity and NaN
  if (Array.isArray(value)) return value.every(allFinite);
  if (typeof value === "object") return Object.values(value as object).every(allFinite);
  return true;
}

describe("untrusted chain events against a real nats-server", () => {
  let nats: NatsServer;
  let bus: Bus;
  let correlator: RunningCorrelator | undefined;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    nats = await startNats();
    bus = await connectBus({ url: nats.url, name: "untrusted-events-test" });
    dir = mkdtempSync(join(tmpdir(), "bw-untrusted-"));
    const config = join(dir, "correlator.yaml");
    // PEPE sizes beyond the default 1e15 are allowed for that asset alone
    writeFileSync(config, "amountBounds:\n  PEPE: { maxSize: 1.0e18, maxNotional: 1.0e16 }\n");
    env = {
      BW_CONFIG: config,
      BW_MAX_FUTURE_SKEW_MS: String(SKEW_MS),
      BW_STALE_AFTER_MS: "600000",
      BW_PRICE_FRESH_MS: "30000",
    };
    correlator = await startCorrelator(nats.url, env);
  });
  afterAll(async () => {
    correlator?.close();
    await correlator?.proc.stop();
    await bus?.close();
    await nats?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it("ticks from the future (1 h, 75 years, just past the skew) are dead-lettered and counted; a crash right after is assessed at the falling price", async () => {
    for (const chainId of SOURCES)
      await publishEvent(bus, {
        kind: "price",
        value: priceTick({ eventId: `${chainId}:0xstart:0`, chainId, price: "2000", chainTimeMs: T0 }),
      });
    const now = Date.now();
    const poisons = [
      { chainId: "sim-a", eventId: "sim-a:0xpoison-1h:0", chainTimeMs: now + 3_600_000 },
      { chainId: "sim-b", eventId: "sim-b:0xpoison-75y:0", chainTimeMs: Math.round(now + 75 * YEAR_MS) },
      // only just past the bound: accepted by a replay that compared with the wall clock seconds later
      { chainId: "sim-c", eventId: "sim-c:0xpoison-4s:0", chainTimeMs: now + 2 * SKEW_MS },
    ];
    for (const p of poisons)
      await publishEvent(bus, { kind: "price", value: priceTick({ ...p, price: "2000" }) });

    const crash = await crashTo(bus, "1840", 1); // -8% on every source
    expect(crash).toMatchObject({ referencePrice: "1840", unpriceable: false, agreeingSources: 3 });

    const m = await correlator!.metrics();
    for (const chain of SOURCES)
      expect(
        metricValue(m, `bw_correlator_events_rejected_total{chain="${chain}",reason="future_chain_time"}`),
      ).toBe(1);
    // dead letters are stored in the background: wait for them
    const letters = await eventually(async () => {
      const all = await deadLetters(bus);
      return all.filter((l) => /chain_time_ms is \d+ ms ahead/.test(l.error)).length === 3 ? all : undefined;
    });
    expect(letters.map((l) => l.original)).toEqual(expect.arrayContaining(SOURCES.map(subjects.price)));
    const prices = (await correlator!.get("/v1/prices?asset=ETH")).body as {
      prices: { sources: { chainTimeMs: number }[] }[];
    };
    expect(prices.prices[0]!.sources).toHaveLength(3);
    expect(Math.max(...prices.prices[0]!.sources.map((o) => Number(o.chainTimeMs)))).toBeLessThan(now);
  });

  it("amounts of 10^308 and 10^400 are dead-lettered as out of bounds and exposure stays finite; an asset's own bounds apply", async () => {
    const huge = (zeros: number) => `1${"0".repeat(zeros)}`;
    await publishEvent(bus, {
      kind: "position",
      value: positionUpdate({ eventId: "sim-a:0xok:0", size: "3", account: "0xok" }),
    });
    await publishEvent(bus, {
      kind: "position",
      value: positionUpdate({ eventId: "sim-a:0xhuge:0", size: huge(400), account: "0xhuge" }),
    });
    await publishEvent(bus, {
      kind: "position",
      value: positionUpdate({ eventId: "sim-a:0xhuge:1", size: "2", entryPrice: huge(308), account: "0xh2" }),
    });
    await publishEvent(bus, {
      kind: "price",
      value: priceTick({
        eventId: "sim-b:0xhuge:0",
        chainId: "sim-b",
        price: huge(308),
        chainTimeMs: T0 + 5_000,
      }),
    });
    await publishEvent(bus, {
      kind: "position",
      value: positionUpdate({
        eventId: "sim-a:0xpepe:0",
        asset: "PEPE",
        market: "PEPE-PERP",
        size: "100000000000000000", // 1e17: past the default, within PEPE's bound
        account: "0xpepe",
      }),
    });

    const m = await eventually(async () => {
      const text = await correlator!.metrics();
      const rejected =
        metricValue(
          text,
          'bw_correlator_events_rejected_total{chain="sim-a",reason="amount_out_of_bounds"}',
        ) +
        metricValue(text, 'bw_correlator_events_rejected_total{chain="sim-b",reason="amount_out_of_bounds"}');
      return rejected === 3 ? text : undefined;
    });
    expect(
      metricValue(m, 'bw_correlator_events_rejected_total{chain="sim-b",reason="amount_out_of_bounds"}'),
    ).toBe(1);
    await eventually(async () => {
      const all = await deadLetters(bus);
      return all.filter((l) => /is not a finite number|exceeds the bound/.test(l.error)).length === 3
        ? true
        : undefined;
    });

    const snap = await eventually(async () => {
      const s = await correlator!.exposure();
      return s.rows.some((r) => r.asset === "PEPE") ? s : undefined;
    });
    expect(allFinite(snap)).toBe(true);
    expect(snap.referencePrices["ETH"]).toBe("1840");
    expect(snap.rows.find((r) => r.asset === "ETH")).toMatchObject({ positions: 1, longNotional: 3 * 1840 });
  });

  it("after a restart the poisoned ticks are rejected again on replay: the next crash is assessed at its price", async () => {
    // let the wall clock pass the 4-second poison's chain time + the skew
    await new Promise((r) => setTimeout(r, 3 * SKEW_MS));
    correlator!.close();
    await correlator!.proc.stop();
    correlator = await startCorrelator(nats.url, env);

    const crash = await crashTo(bus, "1700", 2);
    expect(crash).toMatchObject({ referencePrice: "1700", unpriceable: false, agreeingSources: 3 });
    const snap = (await correlator.exposure()) as ExposureSnapshotJson;
    expect(allFinite(snap)).toBe(true);
    expect(snap.rows.some((r) => r.asset === "PEPE")).toBe(true);
  });

  it("/readyz is false while assessments cannot be stored and true again once they can", async () => {
    expect((await correlator!.get("/readyz")).status).toBe(200);
    await bus.jsm.streams.delete(streams.assessments.name);
    await publishEvent(bus, {
      kind: "price",
      value: priceTick({ eventId: "sim-a:0xnostream:0", price: "1700", chainTimeMs: T0 + 10_000 }),
    });
    const down = await eventually(
      async () => {
        const res = await correlator!.get("/readyz");
        return res.status === 503 ? res : undefined;
      },
      10_000,
      "not ready",
    );
    expect(JSON.stringify(down.body)).toMatch(/assessments/);

    await ensureStreams(bus.jsm);
    await eventually(
      async () => ((await correlator!.get("/readyz")).status === 200 ? true : undefined),
      20_000,
    );
    expect((await assessmentsById(bus)).has("assess:sim-a:0xnostream:0")).toBe(true);
  });
});
