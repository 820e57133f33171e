// The researcher history's query and cursor: which kinds of entry, which time
// range, how many per page, and where the next page starts. Pure: the
// correlator reads the streams, this decides what it reads.

import { InvalidRequestError } from "./errors.js";

/** What the history lists, in the order a query pages through them. */
export const HISTORY_KINDS = ["snapshot", "signal"] as const;
export type HistoryKind = (typeof HISTORY_KINDS)[number];

/** Entries per page when none is asked for, and the most one page holds. */
export const HISTORY_PAGE = { default: 100, max: 1000 } as const;

/** Where the next page starts: the first stream sequence not yet looked at, in the stream of `kind`. */
export interface HistoryPosition {
  readonly kind: HistoryKind;
  readonly seq: number;
}

/** A checked history query. Times are Unix ms: `fromMs` inclusive, `toMs` exclusive. */
export interface HistoryQuery {
  readonly fromMs: number | undefined;
  readonly toMs: number | undefined;
  /** Distinct, in HISTORY_KINDS order. */
  readonly kinds: readonly HistoryKind[];
  readonly limit: number;
  /** Undefined on the first page. */
  readonly position: HistoryPosition | undefined;
}

/** A query as a caller gives it: RFC 3339 times, kind names, an optional cursor. */
export interface HistoryRequest {
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly kinds?: readonly string[] | undefined;
  readonly limit?: number | undefined;
  readonly cursor?: string | undefined;
}

// RFC 3339 section 5.6 date-time: full date, "T" (or "t"/space), full time, "Z" or a numeric offset.
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-](\d{2}):(\d{2}))$/;

/** Unix ms of an RFC 3339 date-time; InvalidRequestError naming `field` when it is not one. */
export function parseRfc3339(text: string, field: string): number {
  const m = RFC3339.exec(text);
  const bad = () =>
    new InvalidRequestError(
      field,
      `"${text.slice(0, 40)}" is not an RFC 3339 time (e.g. 2026-12-04T18:00:00Z)`,
    );
  if (!m) throw bad();
  const [month, day, hour, minute, second] = [m[2], m[3], m[4], m[5], m[6]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) throw bad();
  if (m[9] !== undefined && (Number(m[9]) > 23 || Number(m[10]) > 59)) throw bad();
  // Date.parse wants milliseconds at most; finer digits are cut, a leap second folds into :59
  const fraction = m[7] === undefined ? "" : m[7].slice(0, 4);
  const normal = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${second === 60 ? "59" : m[6]}${fraction}${m[8]!.toUpperCase()}`;
  const ms = Date.parse(normal);
  // Date.parse rolls 2026-02-31 over to March: compare the calendar date it kept
  if (!Number.isFinite(ms)) throw bad();
  const offsetMin =
    m[9] === undefined ? 0 : (m[8]!.startsWith("-") ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10]));
  const local = new Date(ms + offsetMin * 60_000);
  if (local.getUTCDate() !== day || local.getUTCMonth() + 1 !== month) throw bad();
  return ms;
}

interface CursorBody {
  readonly v: 1;
  readonly f: number | null;
  readonly t: number | null;
  readonly k: readonly HistoryKind[];
  readonly n: number;
  readonly at: HistoryKind;
  readonly seq: number;
}

/** The opaque token of a page's next position: base64url of the query's range and kinds and the position. */
export function encodeHistoryCursor(query: HistoryQuery, next: HistoryPosition): string {
  const body: CursorBody = {
    v: 1,
    f: query.fromMs ?? null,
    t: query.toMs ?? null,
    k: query.kinds,
    n: query.limit,
    at: next.kind,
    seq: next.seq,
  };
  return Buffer.from(JSON.stringify(body), "utf8").toString("base64url");
}

const notACursor = (why: string) =>
  new InvalidRequestError("cursor", `not a cursor from a previous page (${why})`);

function decodeCursor(token: string): CursorBody {
  if (token.length > 512 || !/^[A-Za-z0-9_-]+$/.test(token)) throw notACursor("not base64url");
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    throw notACursor("undecodable");
  }
  const b = body as Partial<Record<keyof CursorBody, unknown>>;
  const time = (v: unknown) => v === null || (Number.isSafeInteger(v) && (v as number) >= 0);
  const kinds = b.k;
  const valid =
    typeof body === "object" &&
    body !== null &&
    b.v === 1 &&
    time(b.f) &&
    time(b.t) &&
    Array.isArray(kinds) &&
    kinds.length > 0 &&
    kinds.every((k) => (HISTORY_KINDS as readonly unknown[]).includes(k)) &&
    Number.isSafeInteger(b.n) &&
    (b.n as number) >= 1 &&
    (b.n as number) <= HISTORY_PAGE.max &&
    (kinds as unknown[]).includes(b.at) &&
    Number.isSafeInteger(b.seq) &&
    (b.seq as number) >= 1;
  if (!valid) throw notACursor("malformed");
  return body as CursorBody;
}

function kindsOf(names: readonly string[]): HistoryKind[] {
  for (const name of names)
    if (!(HISTORY_KINDS as readonly string[]).includes(name))
      throw new InvalidRequestError(
        "kinds",
        `unknown kind "${name.slice(0, 40)}" (known: ${HISTORY_KINDS.join(", ")})`,
      );
  return HISTORY_KINDS.filter((k) => names.includes(k));
}

/**
 * Checks a history request. Without a cursor: the range (`to` after `from`),
 * the kinds (none = every kind) and the page size. With one, the cursor's own
 * range, kinds and page size hold, so every page of a listing answers the same
 * question; a different range or kinds beside the cursor is refused rather
 * than silently mixed in. Every refusal is an InvalidRequestError naming the field.
 */
export function historyQueryOf(req: HistoryRequest): HistoryQuery {
  const fromMs = req.from === undefined ? undefined : parseRfc3339(req.from, "from");
  const toMs = req.to === undefined ? undefined : parseRfc3339(req.to, "to");
  if (fromMs !== undefined && fromMs < 0) throw new InvalidRequestError("from", "must not be before 1970");
  if (toMs !== undefined && toMs < 0) throw new InvalidRequestError("to", "must not be before 1970");
  if (fromMs !== undefined && toMs !== undefined && toMs <= fromMs)
    throw new InvalidRequestError("to", "must be after from (the range is from inclusive, to exclusive)");
  const kinds = req.kinds === undefined || req.kinds.length === 0 ? [...HISTORY_KINDS] : kindsOf(req.kinds);
  if (
    req.limit !== undefined &&
    !(Number.isInteger(req.limit) && req.limit >= 1 && req.limit <= HISTORY_PAGE.max)
  )
    throw new InvalidRequestError("limit", `must be from 1 to ${HISTORY_PAGE.max}`);
  const limit = req.limit ?? HISTORY_PAGE.default;
  if (req.cursor === undefined) return { fromMs, toMs, kinds, limit, position: undefined };

  const c = decodeCursor(req.cursor);
  const differs = (field: string) =>
    new InvalidRequestError(
      field,
      "differs from the cursor's; give the cursor alone, or with the same query",
    );
  if (req.from !== undefined && fromMs !== (c.f ?? undefined)) throw differs("from");
  if (req.to !== undefined && toMs !== (c.t ?? undefined)) throw differs("to");
  if (req.kinds !== undefined && req.kinds.length > 0 && kinds.join() !== c.k.join()) throw differs("kinds");
  return {
    fromMs: c.f ?? undefined,
    toMs: c.t ?? undefined,
    kinds: HISTORY_KINDS.filter((k) => c.k.includes(k)),
    limit: req.limit ?? c.n,
    position: { kind: c.at, seq: c.seq },
  };
}

/** Whether a time is inside the query's range (`from` inclusive, `to` exclusive). */
export function inHistoryRange(query: Pick<HistoryQuery, "fromMs" | "toMs">, timeMs: number): boolean {
  return (
    (query.fromMs === undefined || timeMs >= query.fromMs) &&
    (query.toMs === undefined || timeMs < query.toMs)
  );
}
