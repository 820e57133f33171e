import {
  ackFloor,
  type Bus,
  type Codec,
  consumeDurable,
  deadLetter,
  extractTrace,
  MalformedMessageError,
  type RunningConsumer,
  storedAtMsOf,
} from "@breakwater/bus";
import { Backoff, type ExportRecord, type StreamPosition, sleep } from "@breakwater/core";
import type { Logger } from "@breakwater/telemetry";
import { inSpan, traceparentOf } from "@breakwater/telemetry";
import { context, type Tracer } from "@opentelemetry/api";
import type { KafkaProduceError } from "./kafka-sink.js";
import { exporterMetrics } from "./metrics.js";

export const SERVICE = "kafka-exporter";

/** One stream mirrored into one topic. */
export interface StreamExport<T> {
  readonly stream: string;
  readonly durable: string;
  readonly topic: string;
  readonly codec: Codec<T>;
  /** The records of one decoded message (pure, libs/core); `raw` is the stored bytes. */
  readonly toRecords: (value: T, pos: StreamPosition, raw: Uint8Array) => ExportRecord[];
}

/** Where records go: resolves once Kafka acknowledged them, or throws KafkaProduceError. */
export interface RecordSink {
  send(topic: string, records: readonly ExportRecord[]): Promise<void>;
}

export interface RunningExport {
  /** Settles when Kafka stayed unreachable past giveUpAfterMs; then nothing more is exported by this process. */
  readonly failed: Promise<Error>;
  /** Why this export is not healthy now (Kafka refusing produces), or undefined. */
  notReadyReason(): string | undefined;
  stop(): Promise<void>;
}

/**
 * Mirrors one stream into Kafka through a durable NATS consumer with explicit
 * acks: each message is acked on NATS only after Kafka acknowledged its
 * records, so a crash at any point re-exports from the consumer's ack floor
 * (at-least-once; the `bw-sequence` header lets Kafka consumers drop the
 * repeats). Messages are handled one at a time in stream order, and a failed
 * produce is retried in place with backoff, so records of one key keep the
 * stream's order. A message that cannot be decoded, or that Kafka refuses as
 * a record (too large, invalid), is dead-lettered and counted.
 */
export async function startStreamExport<T>(opts: {
  readonly bus: Bus;
  readonly sink: RecordSink;
  readonly spec: StreamExport<T>;
  readonly log: Logger;
  readonly tracer: Tracer;
  readonly giveUpAfterMs: number;
  readonly ackWaitMs: number;
}): Promise<RunningExport> {
  const { bus, sink, spec, log, tracer } = opts;
  const labels = { stream: spec.stream };
  /** Sequences this process exported lately: a redelivery of one is acked, not produced again. */
  const exported = new RecentSequences(20_000);
  let failingSince: number | undefined;
  let lastError = "";
  let stopping = false;
  let fatal: Error | undefined;
  let resolveFailed: (err: Error) => void = () => undefined;
  const failed = new Promise<Error>((resolve) => {
    resolveFailed = resolve;
  });
  let wakeStop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => {
    wakeStop = resolve;
  });

  const produce = async (records: ExportRecord[], seq: number, working: () => void) => {
    const backoff = new Backoff({ initialDelayMs: 200, maxDelayMs: 5_000 });
    for (;;) {
      if (stopping || fatal) throw fatal ?? new Error("exporter stopping");
      try {
        await sink.send(spec.topic, records);
        if (failingSince !== undefined)
          log.info({ topic: spec.topic, seq }, "Kafka acknowledges produces again");
        failingSince = undefined;
        return;
      } catch (err) {
        const e = err as KafkaProduceError;
        if (e.refusedRecord) throw e;
        failingSince ??= Date.now();
        lastError = e.message;
        log.warn({ topic: spec.topic, seq, err: e.message }, "Kafka did not acknowledge; retrying");
        if (Date.now() - failingSince >= opts.giveUpAfterMs) {
          fatal = new Error(
            `Kafka unreachable for ${Date.now() - failingSince} ms (${spec.topic}): ${e.message}`,
          );
          resolveFailed(fatal);
          throw fatal;
        }
        working();
        await Promise.race([sleep(backoff.next()), stopped]);
      }
    }
  };

  // Resume in stream order: NATS would first deliver what the previous process
  // never pulled and only after the ack wait what it had pulled but not acked,
  // so records of one key would land out of order. The consumer is recreated
  // to start right after its ack floor instead (re-exporting at most what was
  // produced but not yet acked: repeats, with the same sequence header).
  const floor = await ackFloor(bus, spec.stream, spec.durable);
  await bus.jsm.consumers.delete(spec.stream, spec.durable).catch((err: unknown) => {
    if (!/not found/i.test(String((err as Error).message))) throw err;
  });
  log.info(
    { stream: spec.stream, durable: spec.durable, from: floor + 1 },
    "exporting from the consumer's ack floor",
  );
  const consumer: RunningConsumer = await consumeDurable(bus, {
    deliverFromSeq: floor + 1,
    stream: spec.stream,
    durable: spec.durable,
    service: SERVICE,
    log,
    // a failing handler means Kafka is down, not that the message is bad: it
    // is retried in place, never dead-lettered for its delivery count
    maxDeliveries: 1_000_000,
    ackWaitMs: opts.ackWaitMs,
    decode: (subject, data) => {
      try {
        return spec.codec.decode(data, subject);
      } catch (err) {
        exporterMetrics.rejected.inc({ ...labels, reason: "malformed" });
        throw err instanceof MalformedMessageError
          ? err
          : new MalformedMessageError(subject, `not a ${spec.codec.name}: ${String(err)}`, err);
      }
    },
    handle: async (value, msg) => {
      if (exported.has(msg.seq)) {
        exporterMetrics.redelivered.inc(labels);
        return;
      }
      const pos: StreamPosition = {
        stream: spec.stream,
        sequence: msg.seq,
        subject: msg.subject,
        storedAtMs: storedAtMsOf(msg),
      };
      // the span continues the trace the message's publisher put in its NATS headers
      const outcome = await context.with(extractTrace(msg.headers), () =>
        inSpan(tracer, "kafka-exporter.export", async (span) => {
          span.setAttributes({
            "messaging.destination": spec.topic,
            "bw.stream": spec.stream,
            "bw.sequence": msg.seq,
          });
          const traceparent = traceparentOf();
          const records = spec
            .toRecords(value, pos, msg.data)
            .map((r) => (traceparent ? { ...r, headers: { ...r.headers, traceparent } } : r));
          try {
            await produce(records, msg.seq, () => msg.working());
            return "exported" as const;
          } catch (err) {
            const e = err as KafkaProduceError;
            if (!e.refusedRecord) throw err;
            exporterMetrics.rejected.inc({ ...labels, reason: "kafka_refused" });
            log.error(
              { topic: spec.topic, seq: msg.seq, err: e.message },
              "Kafka refused the record; dead-lettering",
            );
            await deadLetter(bus, {
              service: SERVICE,
              subject: msg.subject,
              payload: msg.data,
              error: e.message,
              originId: `${spec.stream}:${msg.seq}`,
            });
            return "dead-lettered" as const;
          }
        }),
      );
      if (outcome === "exported") exporterMetrics.exported.inc(labels);
      exporterMetrics.lastSequence.set(labels, msg.seq);
      exported.add(msg.seq);
    },
  });

  return {
    failed,
    notReadyReason: () =>
      fatal
        ? fatal.message
        : failingSince === undefined
          ? undefined
          : `Kafka has not acknowledged ${spec.topic} for ${Date.now() - failingSince} ms: ${lastError}`,
    async stop() {
      stopping = true;
      wakeStop();
      await consumer.stop();
    },
  };
}

/** A bounded set of stream sequences: the oldest is forgotten first. */
class RecentSequences {
  private readonly seqs = new Set<number>();
  constructor(private readonly capacity: number) {}
  has(seq: number): boolean {
    return this.seqs.has(seq);
  }
  add(seq: number): void {
    this.seqs.add(seq);
    if (this.seqs.size > this.capacity) this.seqs.delete(this.seqs.values().next().value!);
  }
}
