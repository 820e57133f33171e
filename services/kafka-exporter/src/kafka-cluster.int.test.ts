import { randomUUID } from "node:crypto";
import { type Bus, codecs, connectBus, publish, subjects } from "@breakwater/bus";
import { Signal, SignalKind } from "@breakwater/proto";
import {
  eventually,
  type NatsServer,
  readTopic,
  type ServiceProcess,
  startNats,
  startService,
} from "@breakwater/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// librdkafka's mock cluster refuses kafkajs's idempotent producer ("Broker 0
// not found in the cached metadata"): this path runs only against a real
// cluster named by KAFKA_BROKERS (host:port,…; plaintext, topics auto-created).
const brokers = process.env["KAFKA_BROKERS"];
if (!brokers)
  console.warn(
    "kafka-cluster.int.test.ts skipped: set KAFKA_BROKERS=host:port to run the idempotent producer against a real Kafka cluster",
  );

describe.skipIf(!brokers)(
  "kafka-exporter's idempotent producer against a real Kafka cluster (KAFKA_BROKERS)",
  () => {
    let nats: NatsServer;
    let bus: Bus;
    let proc: ServiceProcess | undefined;
    const topic = `breakwater-test-signals-${randomUUID().slice(0, 8)}`;

    beforeAll(async () => {
      nats = await startNats();
      bus = await connectBus({ url: nats.url, name: "test" });
    }, 30_000);
    afterAll(async () => {
      await proc?.kill();
      await bus?.close();
      await nats?.dispose();
    });

    it("default: signals produced idempotently, keyed by asset, with their sequence headers", async () => {
      for (let n = 1; n <= 20; n++)
        await publish(
          bus,
          subjects.signal,
          codecs.signal.encode(
            Signal.fromPartial({
              sequence: n,
              signalId: `cluster:${n}`,
              kind: SignalKind.SIGNAL_KIND_ADVISORY,
              scope: { assets: [n % 2 ? "ETH" : "BTC"] },
            }),
          ),
          { msgId: `cluster:${n}` },
        );
      proc = startService("services/kafka-exporter/src/main.ts", [], {
        BW_NATS_URL: nats.url,
        BW_KAFKA_BROKERS: brokers!,
        BW_KAFKA_IDEMPOTENT: "true",
        BW_KAFKA_EXPORTS: "signals",
        BW_KAFKA_SIGNALS_TOPIC: topic,
        BW_HTTP_PORT: "0",
      });
      await proc.waitFor(/"msg":"kafka-exporter started"/, 30_000);
      const records = await eventually(
        async () => {
          const r = await readTopic(brokers!, topic);
          return r.length >= 20 ? r : undefined;
        },
        60_000,
        "20 signals in the cluster",
      );
      // the idempotent producer writes each exactly once here (no crash)
      expect(records.map((r) => Number(r.headers["bw-sequence"])).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
      for (const r of records) expect(r.key).toBe(Number(r.headers["bw-sequence"]) % 2 ? "ETH" : "BTC");
    }, 120_000);
  },
);
