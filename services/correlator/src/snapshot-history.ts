import { type Bus, codecs, streams } from "@breakwater/bus";
import { InvalidRequestError } from "@breakwater/core";
import type { ExposureSnapshot, ListSnapshotsRequest, ListSnapshotsResponse } from "@breakwater/proto";
import { DeliverPolicy } from "@nats-io/jetstream";

const STREAM = streams.snapshots.name;
export const MAX_SNAPSHOT_PAGE = 100;
const TOKEN = /^seq:([1-9]\d{0,15})$/;

interface Page {
  readonly fromMs: number;
  readonly toMs: number;
  readonly pageSize: number;
  readonly startSeq: number | undefined;
}

/** Checks a ListSnapshots request; InvalidRequestError names the field. */
export function parseSnapshotPage(req: ListSnapshotsRequest): Page {
  if (!(Number.isSafeInteger(req.fromMs) && req.fromMs >= 0))
    throw new InvalidRequestError("from_ms", "must be a non-negative integer (Unix ms)");
  if (!(Number.isSafeInteger(req.toMs) && req.toMs >= 0))
    throw new InvalidRequestError("to_ms", "must be a non-negative integer (Unix ms)");
  if (req.toMs !== 0 && req.toMs < req.fromMs)
    throw new InvalidRequestError("to_ms", "must not be before from_ms");
  const pageSize = req.pageSize === 0 ? 20 : req.pageSize;
  if (!(Number.isInteger(pageSize) && pageSize >= 1 && pageSize <= MAX_SNAPSHOT_PAGE))
    throw new InvalidRequestError("page_size", `must be from 1 to ${MAX_SNAPSHOT_PAGE}`);
  let startSeq: number | undefined;
  if (req.pageToken !== "") {
    const m = TOKEN.exec(req.pageToken);
    if (!m) throw new InvalidRequestError("page_token", "not a token from a previous answer");
    startSeq = Number(m[1]);
  }
  return { fromMs: req.fromMs, toMs: req.toMs, pageSize, startSeq };
}

/**
 * Reads one page of exposure snapshots from the history stream, oldest first,
 * with `from_ms <= taken_at_ms <= to_ms`. The first page starts at the stream
 * time `from_ms` (a snapshot is stored after it is taken, so none in range is
 * skipped); the token carries the stream sequence the next page starts at.
 */
export async function listSnapshots(bus: Bus, req: ListSnapshotsRequest): Promise<ListSnapshotsResponse> {
  const page = parseSnapshotPage(req);
  const info = await bus.jsm.streams.info(STREAM);
  const last = info.state.last_seq;
  if (info.state.messages === 0 || (page.startSeq !== undefined && page.startSeq > last))
    return { snapshots: [], nextPageToken: "" };
  const consumer = await bus.js.consumers.get(
    STREAM,
    page.startSeq !== undefined
      ? {
          deliver_policy: DeliverPolicy.StartSequence,
          opt_start_seq: Math.max(page.startSeq, info.state.first_seq),
        }
      : page.fromMs > 0
        ? { deliver_policy: DeliverPolicy.StartTime, opt_start_time: new Date(page.fromMs).toISOString() }
        : { deliver_policy: DeliverPolicy.All },
  );
  const snapshots: ExposureSnapshot[] = [];
  let nextPageToken = "";
  try {
    scan: for (;;) {
      const batch = await consumer.fetch({ max_messages: page.pageSize + 1, expires: 1_000 });
      let got = 0;
      for await (const msg of batch) {
        got++;
        const snapshot = codecs.snapshot.decode(msg.data, msg.subject);
        if (page.toMs !== 0 && snapshot.takenAtMs > page.toMs) break scan;
        if (snapshot.takenAtMs >= page.fromMs) {
          if (snapshots.length === page.pageSize) {
            nextPageToken = `seq:${msg.seq}`;
            break scan;
          }
          snapshots.push(snapshot);
        }
        if (msg.seq >= last) break scan;
      }
      if (got === 0) break;
    }
  } finally {
    await consumer.delete().catch(() => undefined);
  }
  return { snapshots, nextPageToken };
}
