import { codecs } from "./codec.js";
import type { Bus } from "./connection.js";
import { busMetrics } from "./metrics.js";
import { publish } from "./publish.js";
import { subjects } from "./subjects.js";

export interface Rejected {
  readonly service: string;
  readonly subject: string;
  readonly payload: Uint8Array;
  readonly error: string;
  /** Identifies the original message, so a retried dead-lettering is deduplicated. */
  readonly originId: string;
}

/** Moves a rejected message to `bw.dlq.<service>` with the reason, and counts it. */
export async function deadLetter(bus: Bus, rejected: Rejected): Promise<void> {
  const kind = rejected.subject.split(".").at(-1) ?? "unknown";
  busMetrics.deadLetters.inc({ service: rejected.service, subject_kind: kind });
  const payload =
    rejected.payload.length > 64 * 1024 ? rejected.payload.subarray(0, 64 * 1024) : rejected.payload;
  await publish(
    bus,
    subjects.deadLetter(rejected.service),
    codecs.deadLetter.encode({
      originalSubject: rejected.subject,
      payload: Buffer.from(payload),
      error: rejected.error.slice(0, 2_000),
      service: rejected.service,
      atMs: Date.now(),
    }),
    { msgId: `dlq:${rejected.service}:${rejected.originId}` },
  );
}
