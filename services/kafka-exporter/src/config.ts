import { checkNatsSettings, fields, loadConfig, NATS_ENV, natsFields } from "@breakwater/config";
import { z } from "zod";

/** The streams the exporter can mirror into Kafka. */
export const EXPORTABLE = ["signals", "acks", "snapshots"] as const;
export type Exported = (typeof EXPORTABLE)[number];

const flag = z
  .enum(["true", "false"], { error: "must be true or false" })
  .default("false")
  .transform((v) => v === "true");

/** Kafka's legal topic names: letters, digits, `.`, `_`, `-`, at most 249 characters. */
const topic = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,249}$/, "must be a Kafka topic name (letters, digits, . _ -; at most 249)")
  .refine((t) => t !== "." && t !== "..", "must be a Kafka topic name");

const brokers = z
  .string({ error: "required: the Kafka bootstrap brokers, host:port,host:port" })
  .transform((v) =>
    v
      .split(",")
      .map((b) => b.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().regex(/^[^\s:/]+:\d{1,5}$/, "every broker must be host:port")).min(1));

const exportList = z
  .union([z.string(), z.array(z.string())])
  .default([...EXPORTABLE])
  .transform((v) => (typeof v === "string" ? v.split(",") : v).map((s) => s.trim()).filter(Boolean))
  .pipe(z.array(z.enum(EXPORTABLE, { error: 'must be "signals", "acks" or "snapshots"' })).min(1));

/** The Kafka exporter's settings. Unknown keys in a config file are rejected. */
const kafkaExporterConfigObject = z.strictObject({
  ...natsFields,
  httpHost: fields.host,
  /** /metrics, /healthz, /readyz; 0 = any free port. */
  httpPort: fields.port.default(9_104),
  logLevel: fields.logLevel,
  /** Bootstrap brokers, comma-separated host:port. Required. */
  kafkaBrokers: brokers,
  kafkaClientId: z.string().min(1).default("breakwater-kafka-exporter"),
  /** Which streams to mirror (comma-separated): the signal log, venue acks, exposure snapshots. */
  exports: exportList,
  signalsTopic: topic.default("breakwater.signals"),
  acksTopic: topic.default("breakwater.acks"),
  snapshotsTopic: topic.default("breakwater.snapshots"),
  /** A signal's key: its scope's assets (sorted, comma-joined; `*` market-wide), its venues, or none. */
  signalsKey: z.enum(["asset", "venue", "none"]).default("asset"),
  /** An ack's key: the venue, or the acked signal's sequence, or none. */
  acksKey: z.enum(["venue", "signal", "none"]).default("venue"),
  /** A snapshot split into one record per asset (or venue) keyed by it, or one unkeyed record. */
  snapshotsKey: z.enum(["asset", "venue", "none"]).default("asset"),
  /**
   * Which partition a key goes to: `murmur2` as the Java client does (kafkajs's
   * default partitioner), or kafkajs's `legacy` one.
   */
  partitioner: z.enum(["murmur2", "legacy"]).default("murmur2"),
  /** `json`: the proto's canonical JSON; `protobuf`: the binary message (signals and acks exactly as stored). */
  payloadFormat: z.enum(["json", "protobuf"]).default("json"),
  /**
   * Kafka's idempotent producer (no duplicates from the producer's own
   * retries); needs a real cluster with idempotence allowed. The stream
   * sequence header deduplicates either way.
   */
  idempotent: flag,
  /** How long one produce may wait for the brokers' acknowledgement (ms). */
  produceTimeoutMs: fields.durationMs.default(30_000),
  /**
   * NATS redelivers a message not acked within this: after a crash, the
   * restarted exporter resumes with what its predecessor had pulled once this
   * has passed. While a produce is retried the message is kept alive.
   */
  ackWaitMs: fields.durationMs.default(10_000),
  /** Kafka unreachable for this long: the exporter exits, and its restart resumes from its NATS consumers. */
  giveUpAfterMs: fields.durationMs.default(120_000),
  /** TLS to the brokers: the CA of their certificates (set it to use TLS). */
  kafkaTlsCaFile: z.string().min(1).optional(),
  /** SASL: mechanism, user, and a file holding the password (a mounted Secret). */
  kafkaSaslMechanism: z.enum(["plain", "scram-sha-256", "scram-sha-512"]).optional(),
  kafkaSaslUsername: z.string().min(1).optional(),
  kafkaSaslPasswordFile: z.string().min(1).optional(),
});

export const kafkaExporterConfigSchema = kafkaExporterConfigObject.superRefine((cfg, ctx) => {
  checkNatsSettings(cfg, ctx);
  const sasl = [cfg.kafkaSaslMechanism, cfg.kafkaSaslUsername, cfg.kafkaSaslPasswordFile];
  if (sasl.some((v) => v !== undefined) && sasl.some((v) => v === undefined))
    ctx.addIssue({
      code: "custom",
      path: ["kafkaSaslMechanism"],
      message: "SASL needs kafkaSaslMechanism, kafkaSaslUsername and kafkaSaslPasswordFile together",
    });
  const topics = cfg.exports.map((e) => cfg[`${e}Topic`]);
  if (new Set(topics).size !== topics.length)
    ctx.addIssue({ code: "custom", path: ["exports"], message: "each exported stream needs its own topic" });
});

export type KafkaExporterConfig = z.infer<typeof kafkaExporterConfigSchema>;

const ENV = {
  ...NATS_ENV,
  BW_HTTP_HOST: "httpHost",
  BW_HTTP_PORT: "httpPort",
  BW_LOG_LEVEL: "logLevel",
  BW_KAFKA_BROKERS: "kafkaBrokers",
  BW_KAFKA_CLIENT_ID: "kafkaClientId",
  BW_KAFKA_EXPORTS: "exports",
  BW_KAFKA_SIGNALS_TOPIC: "signalsTopic",
  BW_KAFKA_ACKS_TOPIC: "acksTopic",
  BW_KAFKA_SNAPSHOTS_TOPIC: "snapshotsTopic",
  BW_KAFKA_SIGNALS_KEY: "signalsKey",
  BW_KAFKA_ACKS_KEY: "acksKey",
  BW_KAFKA_SNAPSHOTS_KEY: "snapshotsKey",
  BW_KAFKA_PARTITIONER: "partitioner",
  BW_KAFKA_PAYLOAD_FORMAT: "payloadFormat",
  BW_KAFKA_IDEMPOTENT: "idempotent",
  BW_KAFKA_PRODUCE_TIMEOUT_MS: "produceTimeoutMs",
  BW_KAFKA_GIVE_UP_AFTER_MS: "giveUpAfterMs",
  BW_KAFKA_ACK_WAIT_MS: "ackWaitMs",
  BW_KAFKA_TLS_CA_FILE: "kafkaTlsCaFile",
  BW_KAFKA_SASL_MECHANISM: "kafkaSaslMechanism",
  BW_KAFKA_SASL_USERNAME: "kafkaSaslUsername",
  BW_KAFKA_SASL_PASSWORD_FILE: "kafkaSaslPasswordFile",
} as const;

const FLAGS = {
  "nats-url": "natsUrl",
  "http-host": "httpHost",
  "http-port": "httpPort",
  "log-level": "logLevel",
  "kafka-brokers": "kafkaBrokers",
  exports: "exports",
} as const;

/** Loads the configuration (file, then env, then flags); throws ConfigError naming every bad field. */
export function loadKafkaExporterConfig(
  argv: readonly string[] = process.argv.slice(2),
  environment: NodeJS.ProcessEnv = process.env,
): KafkaExporterConfig {
  return loadConfig(kafkaExporterConfigSchema, {
    service: "kafka-exporter",
    env: ENV,
    flags: FLAGS,
    argv,
    environment,
  });
}
