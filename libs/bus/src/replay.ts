import { DeliverPolicy } from "@nats-io/jetstream";
import type { Bus } from "./connection.js";

export interface ReplaySpec {
  readonly stream: string;
  readonly filterSubject?: string;
  /** First stream sequence to read (inclusive). */
  readonly fromSeq?: number;
  /** Last stream sequence to read (inclusive); default the stream's last sequence now. */
  readonly toSeq?: number;
  /** `storedAtMs` is when the stream stored the message (the server's clock). */
  readonly onMessage: (
    subject: string,
    data: Uint8Array,
    seq: number,
    storedAtMs: number,
  ) => void | Promise<void>;
}

/**
 * Reads a range of a stream in order with an ephemeral ordered consumer.
 * Returns the number of messages read. Used to rebuild state on start.
 */
export async function replay(bus: Bus, spec: ReplaySpec): Promise<number> {
  const info = await bus.jsm.streams.info(spec.stream);
  const last = Math.min(spec.toSeq ?? info.state.last_seq, info.state.last_seq);
  const first = Math.max(spec.fromSeq ?? 1, info.state.first_seq);
  if (info.state.messages === 0 || last < first) return 0;
  const consumer = await bus.js.consumers.get(spec.stream, {
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: first,
    ...(spec.filterSubject ? { filter_subjects: spec.filterSubject } : {}),
  });
  let count = 0;
  for (;;) {
    const batch = await consumer.fetch({ max_messages: 1_000, expires: 1_000 });
    let got = 0;
    let reachedEnd = false;
    for await (const msg of batch) {
      got++;
      if (msg.seq > last) {
        reachedEnd = true;
        break;
      }
      await spec.onMessage(msg.subject, msg.data, msg.seq, storedAtMsOf(msg));
      count++;
      if (msg.seq >= last) {
        reachedEnd = true;
        break;
      }
    }
    if (reachedEnd || got === 0) break;
  }
  await consumer.delete().catch(() => undefined);
  return count;
}

/** When the stream stored a message, in Unix ms (the server's clock; the same on every delivery). */
export function storedAtMsOf(msg: { readonly info: { readonly timestampNanos: number } }): number {
  return Math.floor(msg.info.timestampNanos / 1e6);
}
