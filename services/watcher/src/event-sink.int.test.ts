import { type Bus, codecs, connectBus, replay, streams, subjects } from "@breakwater/bus";
import { createLogger } from "@breakwater/telemetry";
import { type NatsServer, startNats } from "@breakwater/testkit";
import { trace } from "@opentelemetry/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BlockEvent } from "./chain-driver.js";
import { ChainProgress } from "./chain-progress.js";
import { CheckpointStore } from "./checkpoint-store.js";
import { BusEventSink } from "./event-sink.js";
import { watcherMetrics } from "./metrics.js";

const CHAIN = "sink-test";

function price(n: number, value: string): BlockEvent {
  return {
    kind: "price",
    value: {
      eventId: `${CHAIN}:0xb${n}:0`,
      chainId: CHAIN,
      source: "chainlink:ETH/USD",
      asset: "ETH",
      price: value,
      coordinates: undefined,
      chainTimeMs: 1_700_000_000_000 + n,
      observedAtMs: 1_700_000_000_000 + n,
    },
  };
}

describe("BusEventSink against a real nats-server", () => {
  let nats: NatsServer;
  let bus: Bus;
  let sink: BusEventSink;
  beforeAll(async () => {
    nats = await startNats();
    bus = await connectBus({ url: nats.url, name: "sink-test" });
    sink = new BusEventSink({
      bus,
      chainId: CHAIN,
      driverKind: "evm",
      store: await CheckpointStore.open(bus, CHAIN),
      progress: new ChainProgress({ staleMs: 60_000, downMs: 120_000 }),
      tracer: trace.getTracer("test"),
      log: createLogger("test", "silent"),
      initial: undefined,
    });
  });
  afterAll(async () => {
    await bus?.close();
    await nats?.dispose();
  });

  /** The chain's price event ids in the stream, and the watcher's dead letters' reasons. */
  async function onTheBus(): Promise<{ stored: string[]; dead: string[] }> {
    const stored: string[] = [];
    const dead: string[] = [];
    await replay(bus, {
      stream: streams.chainEvents.name,
      onMessage: (subject, data) => {
        if (subject === subjects.price(CHAIN)) stored.push(codecs.price.decode(data).eventId);
      },
    });
    await replay(bus, {
      stream: streams.deadLetters.name,
      onMessage: (subject, data) => {
        if (subject === subjects.deadLetter("watcher")) dead.push(codecs.deadLetter.decode(data).error);
      },
    });
    return { stored, dead };
  }

  it("behavior: a batch publishes its valid events and dead-letters the invalid one, counting both", async () => {
    const invalidBefore =
      (await watcherMetrics.errors.get()).values.find(
        (v) => v.labels["chain"] === CHAIN && v.labels["stage"] === "invalid_event",
      )?.value ?? 0;
    await sink.publishBatch([price(1, "3000.5"), price(2, "NaN"), price(3, "2999")]);
    const { stored, dead } = await onTheBus();
    expect(stored.sort()).toEqual([`${CHAIN}:0xb1:0`, `${CHAIN}:0xb3:0`]);
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatch(/price: "NaN" is not a decimal number/);
    const invalidAfter = (await watcherMetrics.errors.get()).values.find(
      (v) => v.labels["chain"] === CHAIN && v.labels["stage"] === "invalid_event",
    )?.value;
    expect(invalidAfter).toBe(invalidBefore + 1);
    // the same batch again (a restart): nothing stored twice
    await sink.publishBatch([price(1, "3000.5"), price(3, "2999")]);
    const { stored: again } = await onTheBus();
    expect(again).toHaveLength(2);
  });

  it("failure: an event too large for the bus is dead-lettered (truncated), the rest of the batch is stored", async () => {
    const huge = `1.${"0".repeat(300_000)}`; // a plain 1, within every bound, but too large for the bus
    await sink.publishBatch([price(10, huge), price(11, "3001")]);
    const { stored, dead } = await onTheBus();
    expect(stored).toContain(`${CHAIN}:0xb11:0`);
    expect(stored).not.toContain(`${CHAIN}:0xb10:0`);
    expect(dead.some((e) => /exceeds the 262144-byte limit/.test(e))).toBe(true);
  });
});
