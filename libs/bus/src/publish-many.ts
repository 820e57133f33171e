import { Backoff, sleep } from "@breakwater/core";
import { createInbox, type Msg, headers as natsHeaders } from "@nats-io/transport-node";
import type { Bus } from "./connection.js";
import { type BusPermissionError, PublishError } from "./errors.js";
import { busMetrics } from "./metrics.js";
import type { Published } from "./publish.js";
import { injectTrace } from "./trace-headers.js";

export interface OutgoingMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  /** Deduplication id (Nats-Msg-Id): a repeat within the stream's window is dropped. */
  readonly msgId: string;
}

export interface PublishManyOptions {
  /** Keep retrying messages without a positive acknowledgement until this much time has passed (ms). Default 30 s. */
  readonly retryForMs?: number;
  /** How long one round waits for the stream's acknowledgements (ms). Default 5 s. */
  readonly ackTimeoutMs?: number;
}

interface StreamAck {
  readonly stream?: string;
  readonly seq?: number;
  readonly duplicate?: boolean;
  readonly error?: { readonly code?: number; readonly description?: string };
}

const decoder = new TextDecoder();

/**
 * Publishes many messages to JetStream in pipelined rounds and waits for every
 * acknowledgement. Each round sends all outstanding messages as plain
 * publishes with a reply subject of their own under one inbox, and reads the
 * stream's acknowledgements from one subscription: no request object, timer or
 * promise per message, which is what makes a backfill's thousands of events
 * cheap to publish.
 *
 * A message that gets no acknowledgement in a round (timeout, no stream
 * responding, an error from the stream) is sent again with the same dedup id,
 * with backoff, until `retryForMs` (a message the connection refuses outright,
 * larger than the server's max payload, fails the call at once); so messages of one call may be stored in
 * any order relative to each other. Messages that must keep their order (two
 * states of one position) belong in successive calls. Resolves with one
 * `Published` per message, in input order; rejects with a PublishError naming
 * the first message that still failed.
 */
export async function publishMany(
  bus: Bus,
  messages: readonly OutgoingMessage[],
  opts: PublishManyOptions = {},
): Promise<Published[]> {
  const results: (Published | undefined)[] = new Array(messages.length);
  if (messages.length === 0) return [];
  const deadline = Date.now() + (opts.retryForMs ?? 30_000);
  const ackTimeoutMs = opts.ackTimeoutMs ?? 5_000;
  const traceparent = injectTrace(natsHeaders()).get("traceparent");
  let pending = messages.map((_, i) => i);
  const backoff = new Backoff({ initialDelayMs: 50, maxDelayMs: 2_000, jitter: false });
  const errors = new Map<number, string>();
  const refused = new Set<number>();
  let denied: BusPermissionError | undefined;
  const subjectsSent = new Set(messages.map((m) => m.subject));
  const stopListening = bus.onPermissionDenied((d) => {
    if (d.operation === "publish" && subjectsSent.has(d.subject)) denied ??= d;
  });
  try {
    for (;;) {
      await publishRound(
        bus,
        messages,
        pending,
        results,
        errors,
        refused,
        traceparent,
        ackTimeoutMs,
        () => denied,
      );
      // the server refused a subject outright: no retry will help
      if (denied) throw denied;
      pending = pending.filter((i) => results[i] === undefined);
      if (pending.length === 0) break;
      const first = pending.find((i) => refused.has(i)) ?? pending[0]!;
      const delay = backoff.next();
      if (refused.size > 0 || Date.now() + delay > deadline || bus.nc.isClosed())
        throw new PublishError(
          messages[first]!.subject,
          `${pending.length} of ${messages.length} messages unacknowledged; first: ${errors.get(first) ?? "no acknowledgement"}`,
        );
      await sleep(delay);
    }
  } finally {
    stopListening();
  }
  const counts = new Map<string, { published: number; duplicates: number }>();
  for (const r of results as Published[]) {
    const c = counts.get(r.stream) ?? { published: 0, duplicates: 0 };
    counts.set(r.stream, c);
    if (r.duplicate) c.duplicates++;
    else c.published++;
  }
  for (const [stream, c] of counts) {
    if (c.published) busMetrics.published.inc({ stream }, c.published);
    if (c.duplicates) busMetrics.duplicates.inc({ stream }, c.duplicates);
  }
  return results as Published[];
}

/** The stream's acknowledgement, or why there is none. */
function ackOf(m: Msg): Published | string {
  // a status reply (503: no stream is listening on the subject right now)
  if (m.headers?.hasError || m.data.length === 0)
    return `status ${m.headers?.code ?? "?"} ${m.headers?.description ?? ""}`.trim();
  let ack: StreamAck;
  try {
    ack = JSON.parse(decoder.decode(m.data)) as StreamAck;
  } catch {
    return "unreadable acknowledgement";
  }
  if (ack.error || typeof ack.stream !== "string" || typeof ack.seq !== "number")
    return ack.error?.description ?? "malformed acknowledgement";
  return { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate === true };
}

/** Sends `pending` once and records what the stream acknowledged before the timeout. */
async function publishRound(
  bus: Bus,
  messages: readonly OutgoingMessage[],
  pending: readonly number[],
  results: (Published | undefined)[],
  errors: Map<number, string>,
  refused: Set<number>,
  traceparent: string,
  ackTimeoutMs: number,
  denied: () => BusPermissionError | undefined,
): Promise<void> {
  const inbox = createInbox(bus.inboxPrefix);
  const prefix = `${inbox}.`;
  let outstanding = pending.length;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const onAck = (m: Msg): void => {
    const i = Number(m.subject.slice(prefix.length));
    if (!Number.isInteger(i) || i < 0 || i >= messages.length || results[i] !== undefined) return;
    const outcome = ackOf(m);
    if (typeof outcome === "string") errors.set(i, outcome);
    else results[i] = outcome;
    if (--outstanding === 0) finish();
  };
  const sub = bus.nc.subscribe(`${inbox}.*`, { callback: (err, m) => (err ? undefined : onAck(m)) });
  const timer = setTimeout(finish, ackTimeoutMs);
  // a refusal arrives as an asynchronous error: it ends the round at once
  const stopListening = bus.onPermissionDenied(() => {
    if (denied()) finish();
  });
  // one headers object for the round: nats.js encodes it inside publish, so only the id changes
  const h = natsHeaders();
  if (traceparent) h.set("traceparent", traceparent);
  try {
    for (const i of pending) {
      const m = messages[i]!;
      h.set("Nats-Msg-Id", m.msgId);
      try {
        bus.nc.publish(m.subject, m.data, { reply: `${prefix}${i}`, headers: h });
      } catch (err) {
        const message = String((err as Error).message ?? err);
        if (bus.nc.isClosed()) throw err;
        // this message cannot be sent at all (larger than the server takes): no retry will help
        errors.set(i, message);
        refused.add(i);
        if (--outstanding === 0) finish();
      }
    }
    await done;
  } catch (err) {
    // the connection refused the publish (closed, draining): the round ends, the caller retries or gives up
    const message = String((err as Error).message ?? err);
    for (const i of pending) if (results[i] === undefined && !errors.has(i)) errors.set(i, message);
  } finally {
    clearTimeout(timer);
    stopListening();
    sub.unsubscribe();
  }
}
