import { AckPolicy, type ConsumerMessages, DeliverPolicy, type JsMsg } from "@nats-io/jetstream";
import type { Bus } from "./connection.js";
import { DeadLetterQueue } from "./dead-letter-queue.js";
import { MalformedMessageError } from "./errors.js";
import { busMetrics } from "./metrics.js";

/** Minimal structured logger the bus writes to (pino fits). */
export interface BusLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface DurableConsumerSpec<T> {
  readonly stream: string;
  readonly durable: string;
  readonly filterSubject?: string;
  /** Service name, used for the dead-letter subject. */
  readonly service: string;
  /** Decodes and validates; throwing MalformedMessageError dead-letters the message. */
  readonly decode: (subject: string, data: Uint8Array, msg: JsMsg) => T;
  readonly handle: (value: T, msg: JsMsg) => Promise<void> | void;
  readonly log: BusLogger;
  /** A message whose handler keeps failing is dead-lettered after this many deliveries. Default 5. */
  readonly maxDeliveries?: number;
  readonly ackWaitMs?: number;
  /**
   * A new consumer starts at this stream sequence (default: the stream's
   * first). An existing consumer keeps its own position.
   */
  readonly deliverFromSeq?: number;
  /**
   * Handlers that may run at once. They are started one after another in
   * delivery order (a handler's synchronous part runs before the next message
   * is looked at); each message is acked or redelivered when its own handler
   * settles. Default 1: each handler finishes before the next starts.
   */
  readonly concurrency?: number;
}

export interface RunningConsumer {
  stop(): Promise<void>;
  /** Settles when the consume loop ends. */
  readonly done: Promise<void>;
}

/** Creates (or updates) a durable pull consumer with explicit acks. */
export async function ensureDurable(
  bus: Bus,
  spec: Pick<
    DurableConsumerSpec<unknown>,
    "stream" | "durable" | "filterSubject" | "ackWaitMs" | "deliverFromSeq"
  >,
): Promise<void> {
  await bus.jsm.consumers.add(spec.stream, {
    durable_name: spec.durable,
    ack_policy: AckPolicy.Explicit,
    ...(spec.deliverFromSeq !== undefined && spec.deliverFromSeq > 1
      ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: spec.deliverFromSeq }
      : { deliver_policy: DeliverPolicy.All }),
    ack_wait: (spec.ackWaitMs ?? 30_000) * 1_000_000,
    max_ack_pending: 10_000,
    ...(spec.filterSubject ? { filter_subject: spec.filterSubject } : {}),
  });
}

/**
 * Stream sequence below which the durable consumer has acknowledged everything
 * (0 for a new consumer). Used to rebuild in-memory state before consuming live.
 */
export async function ackFloor(bus: Bus, stream: string, durable: string): Promise<number> {
  try {
    const info = await bus.jsm.consumers.info(stream, durable);
    return info.ack_floor.stream_seq;
  } catch (err) {
    if (/not found/i.test(String((err as Error).message))) return 0;
    throw err;
  }
}

/**
 * Consumes a durable consumer: decodes, validates, hands each message to the
 * handler and acks it. Malformed messages go to the dead-letter subject (and
 * are acked once their dead letter is stored, without holding up the loop:
 * see DeadLetterQueue); a failing handler gets the message redelivered with
 * backoff, and after `maxDeliveries` it is dead-lettered too. Nothing is
 * dropped silently.
 */
export async function consumeDurable<T>(bus: Bus, spec: DurableConsumerSpec<T>): Promise<RunningConsumer> {
  await ensureDurable(bus, spec);
  const consumer = await bus.js.consumers.get(spec.stream, spec.durable);
  const maxDeliveries = spec.maxDeliveries ?? 5;
  let messages: ConsumerMessages | undefined = await consumer.consume({ max_messages: 2_048 });
  let stopped = false;

  // dead letters are confirmed in the background: a flood of rejects must not
  // hold up the good messages queued behind it
  const rejects = new DeadLetterQueue(bus, { service: spec.service, stream: spec.stream, log: spec.log });

  const concurrency = Math.max(1, Math.floor(spec.concurrency ?? 1));
  const inFlight = new Set<Promise<void>>();
  const settle = async (value: T, msg: JsMsg): Promise<void> => {
    try {
      await spec.handle(value, msg);
      msg.ack();
      busMetrics.consumed.inc({ consumer: spec.durable });
    } catch (err) {
      busMetrics.handlerErrors.inc({ consumer: spec.durable });
      const attempts = msg.info.deliveryCount;
      if (attempts >= maxDeliveries) {
        spec.log.error(
          { subject: msg.subject, seq: msg.seq, attempts, err: String(err) },
          "handler keeps failing; dead-lettering",
        );
        await rejects.submit(msg, `handler failed ${attempts} times: ${String(err)}`, 5_000);
      } else {
        spec.log.warn(
          { subject: msg.subject, seq: msg.seq, attempts, err: String(err) },
          "handler failed; will retry",
        );
        msg.nak(Math.min(250 * 2 ** attempts, 10_000));
      }
    }
  };

  const loop = async () => {
    for await (const msg of messages!) {
      let value: T;
      try {
        value = spec.decode(msg.subject, msg.data, msg);
      } catch (err) {
        const reason = err instanceof MalformedMessageError ? err.message : `decode failed: ${String(err)}`;
        spec.log.warn({ subject: msg.subject, seq: msg.seq, err: reason }, "rejected malformed message");
        await rejects.submit(msg, reason, 1_000);
        if (stopped) break;
        continue;
      }
      const handled = settle(value, msg);
      if (concurrency > 1) {
        inFlight.add(handled);
        const remove = () => void inFlight.delete(handled);
        handled.then(remove, remove);
        if (inFlight.size >= concurrency) await Promise.race(inFlight);
      } else await handled;
      if (stopped) break;
    }
  };
  const done = loop()
    .finally(() => Promise.all(inFlight))
    .catch((err) => {
      if (!stopped) spec.log.error({ err: String(err), durable: spec.durable }, "consumer loop ended");
    })
    // every dead letter under way is stored (its original acked) or its original nak'ed
    .finally(() => rejects.drain());
  return {
    done,
    async stop() {
      stopped = true;
      messages?.stop();
      messages = undefined;
      await done;
    },
  };
}
