import { type NatsServer, startNats } from "@breakwater/testkit";
import { DiscardPolicy, RetentionPolicy, StorageType } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Bus, connectBus } from "./connection.js";
import { publish } from "./publish.js";
import { streams, subjects } from "./subjects.js";

describe("stream limits on a real nats-server", () => {
  let nats: NatsServer;
  let bus: Bus | undefined;
  beforeAll(async () => {
    nats = await startNats();
  });
  afterAll(async () => {
    await bus?.close();
    await nats?.dispose();
  });

  it("a stream created by an older release (age limit only) gets every byte and size limit at the next connect", async () => {
    const old = await connectBus({ url: nats.url, name: "stream-limits-old", ensureStreams: false });
    const legacy = streams.deadLetters;
    await old.jsm.streams.add({
      name: legacy.name,
      subjects: [...legacy.subjects],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      discard: DiscardPolicy.Old,
      max_age: legacy.maxAgeNs,
      duplicate_window: legacy.duplicateWindowNs,
    });
    const before = await old.jsm.streams.info(legacy.name);
    expect(before.config.max_bytes).toBe(-1);
    await old.close();

    bus = await connectBus({ url: nats.url, name: "stream-limits" });
    for (const def of Object.values(streams)) {
      const { config } = await bus.jsm.streams.info(def.name);
      expect({ name: config.name, max_bytes: config.max_bytes, max_msg_size: config.max_msg_size }).toEqual({
        name: def.name,
        max_bytes: def.maxBytes,
        max_msg_size: def.maxMsgBytes,
      });
      expect(config.max_bytes).toBeGreaterThan(0);
      expect(config.max_msg_size).toBeGreaterThan(0);
      expect(config.max_age).toBe(def.maxAgeNs);
      expect(config.discard).toBe(DiscardPolicy.Old);
    }
  });

  it("the server itself refuses a message over a stream's size limit", async () => {
    const big = new Uint8Array(streams.deadLetters.maxMsgBytes + 1);
    await expect(
      publish(bus!, subjects.deadLetter("limits-test"), big, { msgId: "too-big", retryForMs: 0 }),
    ).rejects.toThrow(/maximum message size|message size exceeds/i);
  });
});
