import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "@breakwater/telemetry";
import { afterAll, describe, expect, it } from "vitest";
import { loadKafkaExporterConfig } from "./config.js";
import { KafkaProduceError, kafkaClientConfigOf } from "./kafka-sink.js";

const dir = mkdtempSync(join(tmpdir(), "bw-kafka-sink-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const log = createLogger("kafka-exporter", "silent");

describe("kafkaClientConfigOf", () => {
  it("default: plaintext, the brokers and client id of the configuration", () => {
    const c = kafkaClientConfigOf(loadKafkaExporterConfig([], { BW_KAFKA_BROKERS: "k1:9092,k2:9093" }), log);
    expect(c.brokers).toEqual(["k1:9092", "k2:9093"]);
    expect(c.clientId).toBe("breakwater-kafka-exporter");
    expect(c.ssl).toBeUndefined();
    expect(c.sasl).toBeUndefined();
  });

  it("behavior: TLS with the CA file's text, SASL with the password read from its file (trimmed)", () => {
    writeFileSync(join(dir, "ca.crt"), "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n");
    writeFileSync(join(dir, "password"), "s3cret\n");
    const c = kafkaClientConfigOf(
      loadKafkaExporterConfig([], {
        BW_KAFKA_BROKERS: "k1:9093",
        BW_KAFKA_TLS_CA_FILE: join(dir, "ca.crt"),
        BW_KAFKA_SASL_MECHANISM: "scram-sha-512",
        BW_KAFKA_SASL_USERNAME: "breakwater",
        BW_KAFKA_SASL_PASSWORD_FILE: join(dir, "password"),
      }),
      log,
    );
    expect(c.ssl).toEqual({ ca: ["-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n"] });
    expect(c.sasl).toEqual({ mechanism: "scram-sha-512", username: "breakwater", password: "s3cret" });
  });
});

describe("KafkaProduceError", () => {
  it("behavior: a broker's record fault is a refused record (dead-lettered), anything else is retried", () => {
    const fault = (type: string) => Object.assign(new Error(`broker says ${type}`), { type });
    const tooLarge = new KafkaProduceError(
      "t",
      1,
      Object.assign(new Error("retries"), { cause: fault("MESSAGE_TOO_LARGE") }),
    );
    expect(tooLarge.refusedRecord).toBe(true);
    expect(tooLarge.retryable).toBe(false);
    expect(tooLarge.context).toMatchObject({ topic: "t", records: 1, type: "MESSAGE_TOO_LARGE" });
    const down = new KafkaProduceError("t", 1, new Error("Connection error: ECONNREFUSED"));
    expect(down.refusedRecord).toBe(false);
    expect(down.retryable).toBe(true);
    expect(new KafkaProduceError("t", 2, fault("NOT_LEADER_FOR_PARTITION")).refusedRecord).toBe(false);
  });
});
