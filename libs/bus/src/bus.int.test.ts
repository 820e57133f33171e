import { numberToDecimal } from "@breakwater/core";
import { positionUpdate } from "@breakwater/core/testing";
import type { PriceTick } from "@breakwater/proto";
import { eventually, type NatsServer, startNats } from "@breakwater/testkit";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codecs } from "./codec.js";
import { type Bus, connectBus } from "./connection.js";
import { ackFloor, consumeDurable } from "./consume.js";
import { FencedAppendError } from "./errors.js";
import { publish } from "./publish.js";
import { publishMany } from "./publish-many.js";
import { replay } from "./replay.js";
import { streams, subjects } from "./subjects.js";

const log = pino({ level: "silent" });

function tick(n: number, price = 100 + n): PriceTick {
  return {
    eventId: `sim-a:0xblock${n}:0`,
    chainId: "sim-a",
    source: "oracle",
    asset: "ETH",
    price: numberToDecimal(price),
    coordinates: undefined,
    chainTimeMs: 1_700_000_000_000 + n,
    observedAtMs: Date.now(),
  };
}

describe("bus against a real nats-server", () => {
  let nats: NatsServer;
  let bus: Bus;
  beforeAll(async () => {
    nats = await startNats();
    bus = await connectBus({ url: nats.url, name: "bus-test" });
  });
  afterAll(async () => {
    await bus?.close();
    await nats?.dispose();
  });

  it("behavior: a repeated dedup id is stored once", async () => {
    const data = codecs.price.encode(tick(1));
    const first = await publish(bus, subjects.price("sim-a"), data, { msgId: "dup-1" });
    const second = await publish(bus, subjects.price("sim-a"), data, { msgId: "dup-1" });
    expect(second.duplicate).toBe(true);
    expect(second.seq).toBe(first.seq);
  });

  it("behavior: publishMany stores every message once, in one burst, under its dedup id", async () => {
    const subject = subjects.price("sim-many");
    const messages = Array.from({ length: 500 }, (_, n) => ({
      subject,
      data: codecs.price.encode({ ...tick(n), chainId: "sim-many", eventId: `sim-many:${n}` }),
      msgId: `many-${n}`,
    }));
    const first = await publishMany(bus, messages);
    expect(first.map((p) => p.duplicate)).toEqual(messages.map(() => false));
    expect(new Set(first.map((p) => p.seq)).size).toBe(500);
    // a restart republishing the same range: every message is recognised as a duplicate, nothing stored twice
    const again = await publishMany(bus, messages.slice(100, 300));
    expect(again.every((p) => p.duplicate)).toBe(true);
    expect(again.map((p) => p.seq)).toEqual(first.slice(100, 300).map((p) => p.seq));
    const stored = (await bus.jsm.streams.info(streams.chainEvents.name, { subjects_filter: subject })).state
      .subjects as Record<string, number> | undefined;
    expect(stored?.[subject]).toBe(500);
    expect(await publishMany(bus, [])).toEqual([]);
  });

  it("behavior: publishMany fails with a clear error when no stream takes the subject", async () => {
    await expect(
      publishMany(bus, [{ subject: "nobody.listens.here", data: new Uint8Array([1]), msgId: "x-1" }], {
        retryForMs: 300,
        ackTimeoutMs: 200,
      }),
    ).rejects.toThrow(
      /publish to nobody\.listens\.here failed: 1 of 1 messages unacknowledged; first: status 503/,
    );
  });

  it("failure: a message larger than the server takes fails publishMany at once; the others are stored", async () => {
    const subject = subjects.price("sim-big");
    const started = Date.now();
    await expect(
      publishMany(bus, [
        { subject, data: new Uint8Array(2 * 1024 * 1024), msgId: "big-1" },
        { subject, data: codecs.price.encode({ ...tick(1), chainId: "sim-big" }), msgId: "small-1" },
      ]),
    ).rejects.toThrow(/1 of 2 messages unacknowledged; first: .*max_payload/);
    expect(Date.now() - started).toBeLessThan(5_000);
    const stored = (await bus.jsm.streams.info(streams.chainEvents.name, { subjects_filter: subject })).state
      .subjects as Record<string, number> | undefined;
    expect(stored?.[subject]).toBe(1);
  });

  it("behavior: a malformed message is dead-lettered while good ones flow", async () => {
    const seen: string[] = [];
    const durable = "test-dlq";
    const running = await consumeDurable(bus, {
      stream: streams.chainEvents.name,
      durable,
      filterSubject: subjects.price("sim-b"),
      service: "bus-test",
      decode: (subject, data) => codecs.price.decode(data, subject),
      handle: (t) => {
        seen.push(t.eventId);
      },
      log,
    });
    const good = { ...tick(2), chainId: "sim-b" };
    const negative = { ...tick(3), chainId: "sim-b", price: "-5" };
    await publish(bus, subjects.price("sim-b"), new Uint8Array([0xff, 0xff, 0xff, 0x0f]), {
      msgId: "garbage",
    });
    await publish(bus, subjects.price("sim-b"), codecs.price.encode(negative), { msgId: "negative" });
    await publish(bus, subjects.price("sim-b"), codecs.price.encode(good), { msgId: "good" });
    await eventually(() => (seen.length === 1 ? true : undefined), 10_000, "good message consumed");
    expect(seen).toEqual([good.eventId]);
    const dlq = await eventually(async () => {
      const info = await bus.jsm.streams.info(streams.deadLetters.name);
      return info.state.messages >= 2 ? info : undefined;
    });
    expect(dlq.state.messages).toBe(2);
    const letters: string[] = [];
    await replay(bus, {
      stream: streams.deadLetters.name,
      onMessage: (_s, data) => {
        letters.push(codecs.deadLetter.decode(data).error);
      },
    });
    expect(letters[0]).toMatch(/not a PriceTick|malformed/);
    expect(letters[1]).toMatch(/price: must not be negative/);
    await running.stop();
    await eventually(async () =>
      (await ackFloor(bus, streams.chainEvents.name, durable)) > 0 ? true : undefined,
    );
  });

  it("behavior: with concurrency, handlers start in delivery order, at most that many at once, and each message is acked", async () => {
    const started: string[] = [];
    const releases: (() => void)[] = [];
    let running = 0;
    let most = 0;
    const durable = "test-concurrency";
    const consumer = await consumeDurable(bus, {
      stream: streams.chainEvents.name,
      durable,
      filterSubject: subjects.price("sim-c"),
      service: "bus-test",
      concurrency: 4,
      decode: (subject, data) => codecs.price.decode(data, subject),
      handle: async (t) => {
        started.push(t.eventId);
        running++;
        most = Math.max(most, running);
        await new Promise<void>((resolve) => releases.push(resolve));
        running--;
      },
      log,
    });
    const ticks = Array.from({ length: 10 }, (_, i) => ({ ...tick(100 + i), chainId: "sim-c" }));
    for (const t of ticks)
      await publish(bus, subjects.price("sim-c"), codecs.price.encode(t), { msgId: t.eventId });
    await eventually(() => (started.length === 4 ? true : undefined), 10_000, "four handlers running");
    await new Promise((r) => setTimeout(r, 100)); // a fifth must not start while four run
    expect(started).toHaveLength(4);
    while (started.length < 10 || releases.length > 0) {
      releases.shift()?.();
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(started).toEqual(ticks.map((t) => t.eventId));
    expect(most).toBe(4);
    const info = await bus.jsm.streams.info(streams.chainEvents.name);
    await eventually(
      async () =>
        (await ackFloor(bus, streams.chainEvents.name, durable)) >= info.state.last_seq ? true : undefined,
      10_000,
      "every message acked",
    );
    await consumer.stop();
  });

  it("behavior: an append with a stale expected sequence is fenced", async () => {
    const info = await bus.jsm.streams.info(streams.signals.name);
    const last = info.state.last_seq;
    const signal = (seq: number) =>
      codecs.signal.encode({
        sequence: seq,
        signalId: `s${seq}`,
        kind: 4,
        issuedAtMs: 1,
        effectiveAtMs: 1,
        expiresAtMs: 0,
        scope: undefined,
        reason: "",
        ruleId: "",
        evidence: [],
        action: undefined,
        leaderTerm: 1,
        keyId: "",
        signature: Buffer.alloc(0),
      });
    await publish(bus, subjects.signal, signal(last + 1), { msgId: "sig-a", expectLastSequence: last });
    await expect(
      publish(bus, subjects.signal, signal(last + 1), { msgId: "sig-b", expectLastSequence: last }),
    ).rejects.toBeInstanceOf(FencedAppendError);
  });

  it("behavior: replay reads a range in order", async () => {
    for (let n = 10; n < 15; n++) {
      await publish(
        bus,
        subjects.position("sim-c"),
        codecs.position.encode(
          positionUpdate({
            eventId: `p${n}`,
            chainId: "sim-c",
            venueId: "perp-c",
            account: "0xabc",
            size: String(n),
            chainTimeMs: 1_700_000_000_000,
          }),
        ),
        { msgId: `p${n}` },
      );
    }
    const sizes: string[] = [];
    await replay(bus, {
      stream: streams.chainEvents.name,
      filterSubject: subjects.position("sim-c"),
      onMessage: (_s, data) => {
        sizes.push(codecs.position.decode(data).size);
      },
    });
    expect(sizes).toEqual(["10", "11", "12", "13", "14"]);
  });
});
