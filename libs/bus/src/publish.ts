import { Backoff, sleep } from "@breakwater/core";
import type { PubAck } from "@nats-io/jetstream";
import { headers as natsHeaders } from "@nats-io/transport-node";
import type { Context } from "@opentelemetry/api";
import { asPermissionError, type Bus } from "./connection.js";
import { FencedAppendError, PublishError } from "./errors.js";
import { busMetrics } from "./metrics.js";
import { injectTrace } from "./trace-headers.js";

export interface PublishOptions {
  /** Deduplication id (Nats-Msg-Id): a repeat within the stream's window is dropped. */
  readonly msgId: string;
  /** Fencing: the publish fails unless the stream's last sequence is exactly this. */
  readonly expectLastSequence?: number;
  /**
   * Fencing: the publish also fails unless the stream's last message carries
   * this dedup id. Pipelined appends name the one before them, so a burst whose
   * earlier entry was refused cannot land after a stranger's entry.
   */
  readonly expectLastMsgId?: string;
  /** Keep retrying transient failures until this much time has passed (ms). Default 30 s. */
  readonly retryForMs?: number;
  /** The trace the message continues (its headers carry it). Default: the active context. */
  readonly traceContext?: Context;
}

export interface Published {
  readonly stream: string;
  readonly seq: number;
  readonly duplicate: boolean;
}

const FENCED = /wrong last sequence/i;
const FENCED_BY_ID = /wrong last msg ?id/i;

function expectationsOf(opts: PublishOptions): { expect?: { lastSequence?: number; lastMsgID?: string } } {
  if (opts.expectLastSequence === undefined && opts.expectLastMsgId === undefined) return {};
  return {
    expect: {
      ...(opts.expectLastSequence === undefined ? {} : { lastSequence: opts.expectLastSequence }),
      ...(opts.expectLastMsgId === undefined ? {} : { lastMsgID: opts.expectLastMsgId }),
    },
  };
}

/**
 * Publishes to JetStream and waits for the stream's acknowledgement. Transient
 * failures (no responders, timeouts while reconnecting) are retried with
 * backoff; a fencing failure is never retried, nor is a publish the
 * service's NATS identity is not permitted (BusPermissionError).
 */
export async function publish(
  bus: Bus,
  subject: string,
  data: Uint8Array,
  opts: PublishOptions,
): Promise<Published> {
  const deadline = Date.now() + (opts.retryForMs ?? 30_000);
  const backoff = new Backoff({ initialDelayMs: 50, maxDelayMs: 2_000, jitter: false });
  for (;;) {
    let ack: PubAck;
    try {
      const hdrs = injectTrace(natsHeaders(), opts.traceContext);
      ack = await bus.js.publish(subject, data, {
        msgID: opts.msgId,
        headers: hdrs,
        ...expectationsOf(opts),
      });
    } catch (err) {
      const denied = asPermissionError(err);
      if (denied) throw denied;
      const message = String((err as Error).message ?? err);
      if (FENCED.test(message)) throw new FencedAppendError(opts.expectLastSequence ?? -1, err);
      if (FENCED_BY_ID.test(message)) throw new FencedAppendError(opts.expectLastSequence ?? -1, err);
      const delay = backoff.next();
      if (Date.now() + delay > deadline || bus.nc.isClosed()) throw new PublishError(subject, message, err);
      await sleep(delay);
      continue;
    }
    if (ack.duplicate) busMetrics.duplicates.inc({ stream: ack.stream });
    else busMetrics.published.inc({ stream: ack.stream });
    return { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate };
  }
}
