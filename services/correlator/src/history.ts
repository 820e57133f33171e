import { type Bus, codecs, storedAtMsOf, streams } from "@breakwater/bus";
import {
  encodeHistoryCursor,
  type HistoryKind as HistoryKindName,
  type HistoryPosition,
  type HistoryQuery,
  historyQueryOf,
  inHistoryRange,
} from "@breakwater/core";
import {
  type HistoryEntry,
  HistoryKind,
  type ListHistoryRequest,
  type ListHistoryResponse,
} from "@breakwater/proto";
import type { Logger } from "@breakwater/telemetry";
import { DeliverPolicy } from "@nats-io/jetstream";
import { correlatorMetrics } from "./metrics.js";

/**
 * How far a stream's storage time may lie from an entry's own time (a snapshot
 * is stored just after it is taken, a signal just after it is issued, on
 * clocks that may differ a little): the reader starts this much before `from`
 * and stops this much after `to`, then keeps exactly the entries whose own
 * time is in range.
 */
export const HISTORY_CLOCK_SLACK_MS = 60_000;
/** Messages one page may look at before it answers (possibly short, with a cursor to go on from). */
export const HISTORY_MAX_SCAN = 20_000;

interface KindSource {
  readonly stream: string;
  readonly decode: (data: Uint8Array, subject: string) => { entry: HistoryEntry; timeMs: number };
}

const SOURCES: Record<HistoryKindName, KindSource> = {
  snapshot: {
    stream: streams.snapshots.name,
    decode: (data, subject) => {
      const snapshot = codecs.snapshot.decode(data, subject);
      return { entry: { entry: { $case: "snapshot", value: snapshot } }, timeMs: snapshot.takenAtMs };
    },
  },
  signal: {
    stream: streams.signals.name,
    decode: (data, subject) => {
      const signal = codecs.signal.decode(data, subject);
      return { entry: { entry: { $case: "signal", value: signal } }, timeMs: signal.issuedAtMs };
    },
  },
};

const KIND_NAMES: Partial<Record<HistoryKind, HistoryKindName>> = {
  [HistoryKind.HISTORY_KIND_SNAPSHOT]: "snapshot",
  [HistoryKind.HISTORY_KIND_SIGNAL]: "signal",
};

/** The wire request as the core's history request: empty = absent; an unknown kind keeps its number (and is refused). */
export function historyRequestOf(req: ListHistoryRequest) {
  return {
    from: req.from === "" ? undefined : req.from,
    to: req.to === "" ? undefined : req.to,
    kinds: req.kinds.map((k) => KIND_NAMES[k] ?? `kind ${k}`),
    limit: req.limit === 0 ? undefined : req.limit,
    cursor: req.cursor === "" ? undefined : req.cursor,
  };
}

interface Scan {
  readonly entries: HistoryEntry[];
  scanned: number;
  /** Set when the page is full (the next in-range entry) or the scan budget ran out. */
  next: HistoryPosition | undefined;
}

/** Reads one kind's stream from `startSeq` (or the range's start), adding in-range entries to the scan. */
async function scanKind(
  bus: Bus,
  query: HistoryQuery,
  kind: HistoryKindName,
  startSeq: number | undefined,
  scan: Scan,
  log: Logger | undefined,
): Promise<void> {
  const source = SOURCES[kind];
  const info = await bus.jsm.streams.info(source.stream);
  const last = info.state.last_seq;
  if (info.state.messages === 0 || (startSeq !== undefined && startSeq > last)) return;
  const consumer = await bus.js.consumers.get(
    source.stream,
    startSeq !== undefined
      ? {
          deliver_policy: DeliverPolicy.StartSequence,
          opt_start_seq: Math.max(startSeq, info.state.first_seq),
        }
      : query.fromMs !== undefined && query.fromMs > HISTORY_CLOCK_SLACK_MS
        ? {
            deliver_policy: DeliverPolicy.StartTime,
            opt_start_time: new Date(query.fromMs - HISTORY_CLOCK_SLACK_MS).toISOString(),
          }
        : { deliver_policy: DeliverPolicy.All },
  );
  try {
    for (;;) {
      // at least a small batch: past a full page the scan looks for the next entry in range, maybe not the next message
      const want = Math.min(Math.max(query.limit - scan.entries.length + 1, 32), 256);
      const batch = await consumer.fetch({ max_messages: want, expires: 1_000 });
      let got = 0;
      for await (const msg of batch) {
        got++;
        if (msg.seq > last) return;
        if (query.toMs !== undefined && storedAtMsOf(msg) >= query.toMs + HISTORY_CLOCK_SLACK_MS) return;
        if (scan.scanned >= HISTORY_MAX_SCAN) {
          scan.next = { kind, seq: msg.seq };
          return;
        }
        scan.scanned++;
        let decoded: ReturnType<KindSource["decode"]>;
        try {
          decoded = source.decode(msg.data, msg.subject);
        } catch (err) {
          // stored but unreadable: counted and logged, the listing goes on past it
          correlatorMetrics.historyUndecodable.inc({ kind });
          log?.warn(
            { err, stream: source.stream, seq: msg.seq },
            "history entry cannot be decoded; left out",
          );
          if (msg.seq >= last) return;
          continue;
        }
        if (inHistoryRange(query, decoded.timeMs)) {
          if (scan.entries.length === query.limit) {
            scan.next = { kind, seq: msg.seq };
            return;
          }
          scan.entries.push(decoded.entry);
        }
        if (msg.seq >= last) return;
      }
      if (got === 0) return;
    }
  } finally {
    await consumer.delete().catch(() => undefined);
  }
}

/**
 * One page of the researcher history: the query's kinds in order (snapshots
 * from BW_SNAPSHOTS by `taken_at_ms`, then signals from BW_SIGNALS by
 * `issued_at_ms`, each oldest first by stream sequence), entries with `from <=
 * time < to`. The cursor names the stream and sequence of the next entry in
 * range, with the query, so pages neither repeat nor skip an entry while the
 * streams grow. A page holds `limit` entries unless it is the last, or it
 * looked at HISTORY_MAX_SCAN messages first (then it is short and has a
 * cursor). Bad ranges, kinds, limits and cursors are InvalidRequestErrors.
 */
export async function listHistory(
  bus: Bus,
  req: ListHistoryRequest,
  log?: Logger,
): Promise<ListHistoryResponse> {
  let query: HistoryQuery;
  try {
    query = historyQueryOf(historyRequestOf(req));
  } catch (err) {
    correlatorMetrics.historyPages.inc({ outcome: "invalid" });
    throw err;
  }
  const scan: Scan = { entries: [], scanned: 0, next: undefined };
  const first = query.position ? query.kinds.indexOf(query.position.kind) : 0;
  for (let i = first; i < query.kinds.length && scan.next === undefined; i++) {
    const kind = query.kinds[i]!;
    await scanKind(bus, query, kind, i === first ? query.position?.seq : undefined, scan, log);
  }
  correlatorMetrics.historyPages.inc({ outcome: "served" });
  correlatorMetrics.historyEntries.inc(scan.entries.length);
  return {
    entries: scan.entries,
    nextCursor: scan.next === undefined ? "" : encodeHistoryCursor(query, scan.next),
  };
}
