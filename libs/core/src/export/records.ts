/**
 * What the Kafka exporter writes for each message of the signal log, the
 * acks and the exposure snapshots: the record's key, value and headers. Pure:
 * the exporter does the I/O.
 *
 * Every record carries where it came from (`bw-stream`, `bw-sequence`, and
 * for a snapshot split into parts `bw-part`), so a consumer drops a
 * redelivered record by that identity: the exporter is at-least-once.
 */
import { AckRequest, ExposureSnapshot, type MessageFns, Signal } from "@breakwater/proto";

/** Where the record's key comes from, per exported stream. */
export type SignalKeyBy = "asset" | "venue" | "none";
export type AckKeyBy = "venue" | "signal" | "none";
/** `asset` and `venue` split a snapshot into one record per asset (or venue) with its rows. */
export type SnapshotKeyBy = "asset" | "venue" | "none";
/** `json`: the proto's canonical JSON (UTF-8); `protobuf`: the binary message. */
export type PayloadFormat = "json" | "protobuf";

/** The stream message a record mirrors. */
export interface StreamPosition {
  readonly stream: string;
  readonly sequence: number;
  readonly subject: string;
  /** When the stream stored the message (ms): the record's timestamp, the same on every re-export. */
  readonly storedAtMs?: number;
}

export interface ExportRecord {
  /** null: no key (the partitioner spreads such records). */
  readonly key: string | null;
  readonly value: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
  /** The record's timestamp (ms), when the stream's stored time is known. */
  readonly timestampMs?: number;
}

/** Header names; a consumer deduplicates on (stream, sequence, part). */
export const EXPORT_HEADERS = {
  stream: "bw-stream",
  sequence: "bw-sequence",
  subject: "bw-subject",
  type: "bw-type",
  /** "<n>/<of>" on the records of a snapshot split by asset or venue. */
  part: "bw-part",
  contentType: "content-type",
} as const;

/** A key for a signal scope's list: its distinct entries sorted and comma-joined, or `*` for an empty (market-wide) one. */
export function scopeKey(values: readonly string[]): string {
  const distinct = [...new Set(values)].sort();
  return distinct.length === 0 ? "*" : distinct.join(",");
}

const encoder = new TextEncoder();

const timestampOf = (pos: StreamPosition) =>
  pos.storedAtMs === undefined ? {} : { timestampMs: pos.storedAtMs };

function headersOf(pos: StreamPosition, type: string, format: PayloadFormat, part?: string) {
  return {
    [EXPORT_HEADERS.stream]: pos.stream,
    [EXPORT_HEADERS.sequence]: String(pos.sequence),
    [EXPORT_HEADERS.subject]: pos.subject,
    [EXPORT_HEADERS.type]: type,
    [EXPORT_HEADERS.contentType]:
      format === "json" ? "application/json" : `application/x-protobuf; messageType=${type}`,
    ...(part === undefined ? {} : { [EXPORT_HEADERS.part]: part }),
  };
}

function payloadOf<T>(fns: MessageFns<T>, value: T, format: PayloadFormat, raw?: Uint8Array): Uint8Array {
  if (format === "json") return encoder.encode(JSON.stringify(fns.toJSON(value)));
  return raw ?? fns.encode(value).finish();
}

/**
 * The record of one signal log entry. With `protobuf` the value is the
 * stored bytes as they are, so its signature still verifies.
 */
export function signalRecord(
  signal: Signal,
  pos: StreamPosition,
  opts: { readonly keyBy: SignalKeyBy; readonly format: PayloadFormat; readonly raw?: Uint8Array },
): ExportRecord {
  const key =
    opts.keyBy === "asset"
      ? scopeKey(signal.scope?.assets ?? [])
      : opts.keyBy === "venue"
        ? scopeKey(signal.scope?.venues ?? [])
        : null;
  return {
    key,
    value: payloadOf(Signal, signal, opts.format, opts.raw),
    headers: headersOf(pos, "breakwater.v1.Signal", opts.format),
    ...timestampOf(pos),
  };
}

/** The record of one recorded venue ack: keyed by the venue, or by the acked signal's sequence. */
export function ackRecord(
  ack: AckRequest,
  pos: StreamPosition,
  opts: { readonly keyBy: AckKeyBy; readonly format: PayloadFormat; readonly raw?: Uint8Array },
): ExportRecord {
  const key = opts.keyBy === "venue" ? ack.venueId : opts.keyBy === "signal" ? String(ack.sequence) : null;
  return {
    key,
    value: payloadOf(AckRequest, ack, opts.format, opts.raw),
    headers: headersOf(pos, "breakwater.v1.AckRequest", opts.format),
    ...timestampOf(pos),
  };
}

/**
 * The records of one exposure snapshot: the whole snapshot unkeyed, or one
 * ExposureSnapshot per asset (or venue) holding only its rows, keyed by it
 * and numbered `bw-part: n/of` in key order. A part keeps the snapshot's
 * time, chains and stale chains; split by asset it keeps that asset's
 * reference price and unpriceable flag only. A snapshot without rows is one
 * unkeyed record either way, so nothing the stream holds goes unexported.
 */
export function snapshotRecords(
  snapshot: ExposureSnapshot,
  pos: StreamPosition,
  opts: { readonly keyBy: SnapshotKeyBy; readonly format: PayloadFormat; readonly raw?: Uint8Array },
): ExportRecord[] {
  const type = "breakwater.v1.ExposureSnapshot";
  if (opts.keyBy === "none" || snapshot.rows.length === 0)
    return [
      {
        key: null,
        value: payloadOf(ExposureSnapshot, snapshot, opts.format, opts.raw),
        headers: headersOf(pos, type, opts.format),
        ...timestampOf(pos),
      },
    ];
  const byAsset = opts.keyBy === "asset";
  const groups = new Map<string, ExposureSnapshot["rows"]>();
  for (const row of snapshot.rows) {
    const key = byAsset ? row.asset : row.venueId;
    const rows = groups.get(key);
    if (rows) rows.push(row);
    else groups.set(key, [row]);
  }
  const keys = [...groups.keys()].sort();
  return keys.map((key, i) => {
    const part: ExposureSnapshot = {
      ...snapshot,
      rows: groups.get(key)!,
      ...(byAsset
        ? {
            referencePrices:
              snapshot.referencePrices[key] === undefined ? {} : { [key]: snapshot.referencePrices[key] },
            unpriceableAssets: snapshot.unpriceableAssets.filter((a) => a === key),
          }
        : {}),
    };
    return {
      key,
      value: payloadOf(ExposureSnapshot, part, opts.format),
      headers: headersOf(pos, type, opts.format, `${i + 1}/${keys.length}`),
      ...timestampOf(pos),
    };
  });
}
