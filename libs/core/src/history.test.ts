import { describe, expect, it } from "vitest";
import { InvalidRequestError } from "./errors.js";
import { encodeHistoryCursor, historyQueryOf, inHistoryRange, parseRfc3339 } from "./history.js";

const refusal = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    if (err instanceof InvalidRequestError) return { field: err.field, reason: err.reason };
    throw err;
  }
  throw new Error("accepted");
};

describe("parseRfc3339", () => {
  it("default: UTC, offsets and fractions", () => {
    expect(parseRfc3339("2026-12-04T18:00:00Z", "from")).toBe(Date.UTC(2026, 11, 4, 18));
    expect(parseRfc3339("2026-12-04T19:30:00+01:30", "from")).toBe(Date.UTC(2026, 11, 4, 18));
    expect(parseRfc3339("2026-12-04t18:00:00.123456z", "from")).toBe(Date.UTC(2026, 11, 4, 18, 0, 0, 123));
  });

  it("behavior: not a date-time, a day the month lacks, an hour past 23: refused naming the field", () => {
    for (const bad of [
      "2026-12-04",
      "1733335200000",
      "2026-02-31T00:00:00Z",
      "2026-12-04T24:00:00Z",
      "2026-12-04T18:00:00",
    ])
      expect(
        refusal(() => parseRfc3339(bad, "to")),
        bad,
      ).toMatchObject({ field: "to" });
  });
});

describe("historyQueryOf", () => {
  const from = "2026-12-04T18:00:00Z";
  const to = "2026-12-04T19:00:00Z";

  it("default: every kind, the default page, an open range", () => {
    expect(historyQueryOf({})).toEqual({
      fromMs: undefined,
      toMs: undefined,
      kinds: ["snapshot", "signal"],
      limit: 100,
      position: undefined,
    });
    expect(historyQueryOf({ kinds: ["signal", "snapshot", "signal"] }).kinds).toEqual(["snapshot", "signal"]);
  });

  it("behavior: a range that ends before it starts, an unknown kind, a page too large: 400 fields", () => {
    expect(refusal(() => historyQueryOf({ from: to, to: from }))).toMatchObject({ field: "to" });
    expect(refusal(() => historyQueryOf({ from, to: from }))).toMatchObject({ field: "to" });
    expect(refusal(() => historyQueryOf({ kinds: ["trade"] }))).toMatchObject({ field: "kinds" });
    expect(refusal(() => historyQueryOf({ limit: 1001 }))).toMatchObject({ field: "limit" });
    expect(refusal(() => historyQueryOf({ limit: 0 }))).toMatchObject({ field: "limit" });
  });

  it("behavior: a cursor carries the query, so the next page answers the same question", () => {
    const first = historyQueryOf({ from, to, kinds: ["signal"], limit: 5 });
    const cursor = encodeHistoryCursor(first, { kind: "signal", seq: 42 });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    const next = historyQueryOf({ cursor });
    expect(next).toEqual({ ...first, position: { kind: "signal", seq: 42 } });
    expect(historyQueryOf({ cursor, from, to, kinds: ["signal"] })).toEqual(next);
    expect(refusal(() => historyQueryOf({ cursor, from: "2026-12-04T17:00:00Z" }))).toMatchObject({
      field: "from",
    });
    expect(refusal(() => historyQueryOf({ cursor, kinds: ["snapshot"] }))).toMatchObject({ field: "kinds" });
  });

  it("behavior: a forged or damaged cursor is refused as cursor", () => {
    const good = encodeHistoryCursor(historyQueryOf({}), { kind: "snapshot", seq: 1 });
    const forged = Buffer.from(
      JSON.stringify({ v: 1, f: null, t: null, k: ["snapshot"], n: 10, at: "signal", seq: 1 }),
    ).toString("base64url");
    for (const bad of ["nope!", "seq:5", good.slice(0, -3), forged, "x".repeat(600)])
      expect(
        refusal(() => historyQueryOf({ cursor: bad })),
        bad,
      ).toMatchObject({ field: "cursor" });
  });

  it("behavior: from is inclusive, to exclusive", () => {
    const q = historyQueryOf({ from, to });
    expect(inHistoryRange(q, Date.parse(from))).toBe(true);
    expect(inHistoryRange(q, Date.parse(to) - 1)).toBe(true);
    expect(inHistoryRange(q, Date.parse(to))).toBe(false);
    expect(inHistoryRange(q, Date.parse(from) - 1)).toBe(false);
  });
});
