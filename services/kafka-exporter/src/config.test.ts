import { ConfigError } from "@breakwater/config";
import { describe, expect, it } from "vitest";
import { loadKafkaExporterConfig } from "./config.js";

const load = (env: Record<string, string>, argv: string[] = []) => loadKafkaExporterConfig(argv, env);

describe("loadKafkaExporterConfig", () => {
  it("default: every stream to its own topic, keyed by asset and venue, JSON, murmur2, not idempotent", () => {
    const c = load({ BW_KAFKA_BROKERS: "k1:9092, k2:9092" });
    expect(c.kafkaBrokers).toEqual(["k1:9092", "k2:9092"]);
    expect(c.exports).toEqual(["signals", "acks", "snapshots"]);
    expect([c.signalsTopic, c.acksTopic, c.snapshotsTopic]).toEqual([
      "breakwater.signals",
      "breakwater.acks",
      "breakwater.snapshots",
    ]);
    expect([c.signalsKey, c.acksKey, c.snapshotsKey]).toEqual(["asset", "venue", "asset"]);
    expect([c.payloadFormat, c.partitioner, c.idempotent, c.httpPort]).toEqual([
      "json",
      "murmur2",
      false,
      9104,
    ]);
  });

  it("behavior: topics, keys, format, partitioner and idempotence from the environment", () => {
    const c = load({
      BW_KAFKA_BROKERS: "k1:9092",
      BW_KAFKA_EXPORTS: "signals,acks",
      BW_KAFKA_SIGNALS_TOPIC: "risk.signals.v1",
      BW_KAFKA_SIGNALS_KEY: "venue",
      BW_KAFKA_ACKS_KEY: "signal",
      BW_KAFKA_PAYLOAD_FORMAT: "protobuf",
      BW_KAFKA_PARTITIONER: "legacy",
      BW_KAFKA_IDEMPOTENT: "true",
    });
    expect(c).toMatchObject({
      exports: ["signals", "acks"],
      signalsTopic: "risk.signals.v1",
      signalsKey: "venue",
      acksKey: "signal",
      payloadFormat: "protobuf",
      partitioner: "legacy",
      idempotent: true,
    });
  });

  it("behavior: no brokers, a bad topic, an unknown stream, a shared topic and half a SASL setting are named at once", () => {
    const problems = (env: Record<string, string>) => {
      try {
        load(env);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as ConfigError).problems.join("\n");
      }
      throw new Error("accepted");
    };
    expect(problems({})).toMatch(/kafkaBrokers.*BW_KAFKA_BROKERS/);
    const all = problems({
      BW_KAFKA_BROKERS: "no-port",
      BW_KAFKA_SIGNALS_TOPIC: "bad topic!",
      BW_KAFKA_EXPORTS: "signals,positions",
      BW_KAFKA_SASL_USERNAME: "exporter",
    });
    expect(all).toMatch(/kafkaBrokers/);
    expect(all).toMatch(/signalsTopic/);
    expect(all).toMatch(/exports/);
    expect(problems({ BW_KAFKA_BROKERS: "k:1", BW_KAFKA_SASL_USERNAME: "exporter" })).toMatch(/SASL needs/);
    expect(problems({ BW_KAFKA_BROKERS: "k:1", BW_KAFKA_ACKS_TOPIC: "breakwater.signals" })).toMatch(
      /its own topic/,
    );
  });
});
