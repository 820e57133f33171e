import { codecs } from "./codec.js";
import type { Bus } from "./connection.js";
import { busMetrics } from "./metrics.js";
import { publish } from "./publish.js";
import type { OutgoingMessage } from "./publish-many.js";
import { subjects } from "./subjects.js";

export interface Rejected {
  readonly service: string;
  readonly subject: string;
  readonly payload: Uint8Array;
  readonly error: string;
  /** Identifies the original message, so a retried dead-lettering is deduplicated. */
  readonly originId: string;
}

/** Payloads kept in a dead letter are cut to this many bytes (the stream's message limit is 128 KiB). */
const MAX_KEPT_PAYLOAD = 64 * 1024;

/** The dead letter for a rejected message (to `bw.dlq.<service>`, deduplicated by origin), counted. */
export function deadLetterMessage(rejected: Rejected): OutgoingMessage {
  const kind = rejected.subject.split(".").at(-1) ?? "unknown";
  busMetrics.deadLetters.inc({ service: rejected.service, subject_kind: kind });
  const payload =
    rejected.payload.length > MAX_KEPT_PAYLOAD
      ? rejected.payload.subarray(0, MAX_KEPT_PAYLOAD)
      : rejected.payload;
  return {
    subject: subjects.deadLetter(rejected.service),
    data: codecs.deadLetter.encode({
      originalSubject: rejected.subject,
      payload: Buffer.from(payload),
      error: rejected.error.slice(0, 2_000),
      service: rejected.service,
      atMs: Date.now(),
    }),
    msgId: `dlq:${rejected.service}:${rejected.originId}`,
  };
}

/** Moves a rejected message to `bw.dlq.<service>` with the reason, counts it, and waits until it is stored. */
export async function deadLetter(bus: Bus, rejected: Rejected): Promise<void> {
  const m = deadLetterMessage(rejected);
  await publish(bus, m.subject, m.data, { msgId: m.msgId });
}
