import { Kafka, logLevel, Partitioners } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type KafkaMock, startKafkaMock } from "./kafka-mock.js";

describe("startKafkaMock", () => {
  let mock: KafkaMock;
  beforeAll(async () => {
    mock = await startKafkaMock();
  }, 20_000);
  afterAll(() => mock?.stop());

  it("default: serves the Kafka protocol on loopback; kcat reads back keys, headers and values", async () => {
    expect(mock.bootstrapServers).toMatch(/^127\.0\.0\.1:\d+(,127\.0\.0\.1:\d+){2}$/);
    const kafka = new Kafka({ brokers: mock.bootstrapServers.split(","), logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      await producer.send({
        topic: "mock-check",
        acks: -1,
        messages: [
          { key: "a", value: "one, with a comma", headers: { "h-1": "x" } },
          { key: null, value: "two" },
        ],
      });
    } finally {
      await producer.disconnect();
    }
    const records = await mock.readAll("mock-check");
    expect(records.map((r) => [r.key, r.headers, r.value]).sort()).toEqual(
      [
        ["a", { "h-1": "x" }, "one, with a comma"],
        [null, {}, "two"],
      ].sort(),
    );
    expect(await mock.readAll("never-written")).toEqual([]);
  });
});
