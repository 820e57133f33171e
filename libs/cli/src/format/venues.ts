// Human output of the coordinator's venue table and late acks: pure functions.
import { formatDuration, formatTime } from "./numbers.js";
import { renderTable } from "./table.js";

/** One row of `GET /v1/venues`. */
export interface VenueRow {
  readonly venueId: string;
  readonly connected: boolean;
  readonly subscriptions: number;
  readonly lastReceivedSequence: number;
  readonly lastAppliedSequence: number;
  readonly lastRejectedSequence: number;
  readonly lastAckAtMs: number;
}

/** One entry of `GET /v1/acks/late`. */
export interface LateAck {
  readonly sequence: number;
  readonly venueId: string;
  readonly effectiveAtMs: number;
  readonly reportedAtMs: number;
  /** 0 while the ack is still missing. */
  readonly ackedAtMs: number;
}

/** How late a halt's ack was (acked) or is (still missing, as of `nowMs`). */
export function latenessMs(l: LateAck, nowMs: number): number {
  return (l.ackedAtMs > 0 ? l.ackedAtMs : nowMs) - l.effectiveAtMs;
}

/** Per venue: the venue table joined with its late acks. */
export interface VenueView extends VenueRow {
  readonly lateHalts: number;
  readonly missingAcks: number;
  /** Largest lateness over its late halts (ms), 0 when none. */
  readonly worstLatenessMs: number;
}

/** Joins the two answers; venues only seen in late acks (evicted from the table) are kept. */
export function venueViews(
  venues: readonly VenueRow[],
  late: readonly LateAck[],
  nowMs: number,
): VenueView[] {
  const ids = [...new Set([...venues.map((v) => v.venueId), ...late.map((l) => l.venueId)])].sort();
  return ids.map((id) => {
    const row = venues.find((v) => v.venueId === id) ?? {
      venueId: id,
      connected: false,
      subscriptions: 0,
      lastReceivedSequence: 0,
      lastAppliedSequence: 0,
      lastRejectedSequence: 0,
      lastAckAtMs: 0,
    };
    const mine = late.filter((l) => l.venueId === id);
    return {
      ...row,
      lateHalts: mine.length,
      missingAcks: mine.filter((l) => l.ackedAtMs === 0).length,
      worstLatenessMs: Math.max(0, ...mine.map((l) => latenessMs(l, nowMs))),
    };
  });
}

const seq = (n: number) => (n > 0 ? String(n) : "-");

export function formatVenues(views: readonly VenueView[], late: readonly LateAck[], nowMs: number): string {
  const table = renderTable(
    [
      { header: "VENUE" },
      { header: "CONNECTED" },
      { header: "RECEIVED", align: "right" },
      { header: "APPLIED", align: "right" },
      { header: "REJECTED", align: "right" },
      { header: "LAST ACK" },
      { header: "LATE HALTS", align: "right" },
      { header: "MISSING", align: "right" },
      { header: "WORST LATENESS", align: "right" },
    ],
    views.map((v) => [
      v.venueId,
      v.connected ? `yes (${v.subscriptions})` : "no",
      seq(v.lastReceivedSequence),
      seq(v.lastAppliedSequence),
      seq(v.lastRejectedSequence),
      v.lastAckAtMs > 0 ? `${formatTime(v.lastAckAtMs)} (${formatDuration(nowMs - v.lastAckAtMs)} ago)` : "-",
      String(v.lateHalts),
      String(v.missingAcks),
      v.lateHalts > 0 ? formatDuration(v.worstLatenessMs) : "-",
    ]),
  );
  if (late.length === 0) return `${table}\nno halt was acked late\n`;
  const lateTable = renderTable(
    [
      { header: "SEQ", align: "right" },
      { header: "VENUE" },
      { header: "EFFECTIVE" },
      { header: "ACKED" },
      { header: "LATENESS", align: "right" },
    ],
    late.map((l) => [
      String(l.sequence),
      l.venueId,
      formatTime(l.effectiveAtMs),
      l.ackedAtMs > 0 ? formatTime(l.ackedAtMs) : "missing",
      formatDuration(latenessMs(l, nowMs)) + (l.ackedAtMs > 0 ? "" : " so far"),
    ]),
  );
  return `${table}\nhalts acked late or not at all:\n${lateTable}`;
}
