import { type Bus, codecs, connectBus, consumers, streams } from "@breakwater/bus";
import { natsConnectionOf } from "@breakwater/config";
import { ackRecord, signalRecord, snapshotRecords } from "@breakwater/core";
import type { Logger, ServiceHttp } from "@breakwater/telemetry";
import { startServiceHttp } from "@breakwater/telemetry";
import { trace } from "@opentelemetry/api";
import type { Exported, KafkaExporterConfig } from "./config.js";
import { KafkaSink } from "./kafka-sink.js";
import { type RunningExport, SERVICE, type StreamExport, startStreamExport } from "./stream-export.js";

export interface RunningKafkaExporter {
  /** http://host:port of /metrics, /healthz, /readyz. */
  readonly http: string;
  /**
   * Settles with the reason the exporter cannot go on (Kafka unreachable past
   * giveUpAfterMs); never while it runs. The process should exit: a restart
   * resumes from its durable NATS consumers and loses nothing.
   */
  readonly failed: Promise<Error>;
  stop(): Promise<void>;
}

/** What each exported stream is read from, written to and keyed by. */
function exportsOf(config: KafkaExporterConfig): Record<Exported, StreamExport<never>> {
  const format = config.payloadFormat;
  const specs = {
    signals: {
      stream: streams.signals.name,
      durable: consumers.kafkaExporterSignals,
      topic: config.signalsTopic,
      codec: codecs.signal,
      toRecords: (value, pos, raw) => [signalRecord(value, pos, { keyBy: config.signalsKey, format, raw })],
    } satisfies StreamExport<ReturnType<typeof codecs.signal.decode>>,
    acks: {
      stream: streams.acks.name,
      durable: consumers.kafkaExporterAcks,
      topic: config.acksTopic,
      codec: codecs.ack,
      toRecords: (value, pos, raw) => [ackRecord(value, pos, { keyBy: config.acksKey, format, raw })],
    } satisfies StreamExport<ReturnType<typeof codecs.ack.decode>>,
    snapshots: {
      stream: streams.snapshots.name,
      durable: consumers.kafkaExporterSnapshots,
      topic: config.snapshotsTopic,
      codec: codecs.snapshot,
      toRecords: (value, pos, raw) =>
        snapshotRecords(value, pos, { keyBy: config.snapshotsKey, format, raw }),
    } satisfies StreamExport<ReturnType<typeof codecs.snapshot.decode>>,
  };
  return specs as unknown as Record<Exported, StreamExport<never>>;
}

/**
 * Wires the Kafka exporter: one durable NATS consumer per exported stream
 * (the signal log, venue acks, exposure snapshots), each mirrored into its
 * topic, and the HTTP face (/metrics, /healthz, /readyz).
 */
export async function startKafkaExporter(
  config: KafkaExporterConfig,
  log: Logger,
): Promise<RunningKafkaExporter> {
  const cleanups: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    cleanups.length = 0;
  };
  try {
    const bus: Bus = await connectBus({
      ...natsConnectionOf(config),
      name: SERVICE,
      role: { kind: "kafka-exporter" },
      log,
    });
    cleanups.push(() => bus.close());
    const sink = await KafkaSink.connect(config, log);
    cleanups.push(() => sink.close());

    const running: RunningExport[] = [];
    let starting = true;
    const http: ServiceHttp = await startServiceHttp({
      host: config.httpHost,
      port: config.httpPort,
      notReadyReason: () =>
        starting ? "starting the stream consumers" : running.map((r) => r.notReadyReason()).find(Boolean),
      log,
    });
    cleanups.push(() => http.close());

    const tracer = trace.getTracer(`breakwater.${SERVICE}`);
    const specs = exportsOf(config);
    for (const name of config.exports) {
      const exporter = await startStreamExport({
        bus,
        sink,
        spec: specs[name],
        log,
        tracer,
        giveUpAfterMs: config.giveUpAfterMs,
        ackWaitMs: config.ackWaitMs,
      });
      running.push(exporter);
      cleanups.push(() => exporter.stop());
    }
    starting = false;

    let stopping = false;
    const failed = Promise.race(running.map((r) => r.failed)).then((err) =>
      stopping ? new Promise<Error>(() => undefined) : err,
    );
    log.info(
      {
        http: http.address,
        brokers: config.kafkaBrokers,
        exports: Object.fromEntries(config.exports.map((e) => [e, specs[e].topic])),
        keys: { signals: config.signalsKey, acks: config.acksKey, snapshots: config.snapshotsKey },
        payloadFormat: config.payloadFormat,
        partitioner: config.partitioner,
        idempotent: config.idempotent,
      },
      "kafka-exporter started",
    );
    return {
      http: http.address,
      failed,
      stop: async () => {
        stopping = true;
        await stop();
      },
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
