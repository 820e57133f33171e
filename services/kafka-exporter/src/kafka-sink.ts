import { readFileSync } from "node:fs";
import { BreakwaterError, type ErrorStatus, type ExportRecord } from "@breakwater/core";
import type { Logger } from "@breakwater/telemetry";
import {
  type ICustomPartitioner,
  Kafka,
  type KafkaConfig,
  logLevel,
  Partitioners,
  type Producer,
  type SASLOptions,
} from "kafkajs";
import type { KafkaExporterConfig } from "./config.js";
import { exporterMetrics } from "./metrics.js";

/** Kafka refused or did not acknowledge a produce; `refusedRecord` when the record itself is at fault. */
export class KafkaProduceError extends BreakwaterError {
  override readonly status: ErrorStatus = "unavailable";
  override readonly retryable: boolean;
  /** The brokers refuse this record whatever the retries (too large, invalid): it is dead-lettered. */
  readonly refusedRecord: boolean;
  constructor(topic: string, records: number, cause: unknown) {
    const type = brokerErrorTypeOf(cause);
    const refused = RECORD_FAULTS.has(type);
    super(
      refused ? "kafka_record_refused" : "kafka_produce_failed",
      `producing ${records} record(s) to ${topic} failed: ${(cause as Error)?.message ?? String(cause)}`,
      { topic, records, type },
      cause,
    );
    this.refusedRecord = refused;
    this.retryable = !refused;
  }
}

/** The broker's error type (MESSAGE_TOO_LARGE, …) behind a kafkajs error and the errors it wraps, or "". */
function brokerErrorTypeOf(err: unknown): string {
  // kafkajs's error classes are not named exports of its ESM face: read the fields
  for (let e = err, depth = 0; e instanceof Error && depth < 5; depth++) {
    const type = (e as { type?: unknown }).type;
    if (typeof type === "string" && type !== "") return type;
    e =
      (e as { cause?: unknown; originalError?: unknown }).cause ??
      (e as { originalError?: unknown }).originalError;
  }
  return "";
}

/** Broker error types that mean the record, not the cluster, is the problem. */
const RECORD_FAULTS = new Set([
  "MESSAGE_TOO_LARGE",
  "INVALID_RECORD",
  "CORRUPT_MESSAGE",
  "RECORD_LIST_TOO_LARGE",
  "INVALID_TIMESTAMP",
]);

/** The kafkajs client settings of a configuration (brokers, TLS, SASL, timeouts). */
export function kafkaClientConfigOf(config: KafkaExporterConfig, log: Logger): KafkaConfig {
  const sasl =
    config.kafkaSaslMechanism && config.kafkaSaslUsername && config.kafkaSaslPasswordFile
      ? ({
          mechanism: config.kafkaSaslMechanism,
          username: config.kafkaSaslUsername,
          password: readFileSync(config.kafkaSaslPasswordFile, "utf8").trim(),
        } as SASLOptions)
      : undefined;
  return {
    clientId: config.kafkaClientId,
    brokers: config.kafkaBrokers,
    requestTimeout: config.produceTimeoutMs,
    connectionTimeout: 5_000,
    retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 5_000 },
    ...(config.kafkaTlsCaFile ? { ssl: { ca: [readFileSync(config.kafkaTlsCaFile, "utf8")] } } : {}),
    ...(sasl ? { sasl } : {}),
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ namespace, level, log: entry }) => {
        const { message, ...rest } = entry;
        const fields = { kafka: namespace, ...rest };
        if (level <= logLevel.ERROR) log.error(fields, `kafka: ${message}`);
        else log.warn(fields, `kafka: ${message}`);
      },
  };
}

/** Writes export records to Kafka and resolves once the brokers acknowledged them (acks: all). */
export class KafkaSink {
  private constructor(private readonly producer: Producer) {}

  static async connect(config: KafkaExporterConfig, log: Logger): Promise<KafkaSink> {
    const kafka = new Kafka(kafkaClientConfigOf(config, log));
    const createPartitioner: ICustomPartitioner =
      config.partitioner === "legacy" ? Partitioners.LegacyPartitioner : Partitioners.DefaultPartitioner;
    const producer = kafka.producer({
      createPartitioner,
      idempotent: config.idempotent,
      // one request in flight: records of one key stay in order across the client's own retries
      maxInFlightRequests: 1,
      allowAutoTopicCreation: true,
    });
    await producer.connect();
    return new KafkaSink(producer);
  }

  async send(topic: string, records: readonly ExportRecord[]): Promise<void> {
    const end = exporterMetrics.produceSeconds.startTimer({ topic });
    try {
      await this.producer.send({
        topic,
        acks: -1,
        messages: records.map((r) => ({
          key: r.key,
          value: Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength),
          headers: { ...r.headers },
          ...(r.timestampMs === undefined ? {} : { timestamp: String(r.timestampMs) }),
        })),
      });
      exporterMetrics.records.inc({ topic }, records.length);
    } catch (err) {
      exporterMetrics.produceFailures.inc({ topic });
      throw new KafkaProduceError(topic, records.length, err);
    } finally {
      end();
    }
  }

  close(): Promise<void> {
    return this.producer.disconnect();
  }
}
