import { describe, expect, it } from "vitest";
import type { Io } from "../io.js";
import { csvField, csvHeader, csvRecord } from "./csv.js";
import { exportProgress, progressLine } from "./progress.js";

describe("csv (RFC 4180)", () => {
  it("default: plain fields as they are, CRLF record ends, null empty, timestamps RFC 3339", () => {
    expect(csvHeader([{ name: "a", type: "string" }])).toBe("a\r\n");
    expect(
      csvRecord(
        ["ETH", 1.5, true, null, 1_767_225_600_000],
        [
          { name: "asset", type: "string" },
          { name: "n", type: "double" },
          { name: "b", type: "boolean" },
          { name: "p", type: "string" },
          { name: "t", type: "timestamp" },
        ],
      ),
    ).toBe("ETH,1.5,true,,2026-01-01T00:00:00.000Z\r\n");
  });

  it("behavior: commas, quotes, line breaks and edge spaces are quoted with quotes doubled", () => {
    expect(csvField('fell 8%, "fast"', "string")).toBe('"fell 8%, ""fast"""');
    expect(csvField("two\nlines", "string")).toBe('"two\nlines"');
    expect(csvField("cr\rhere", "string")).toBe('"cr\rhere"');
    expect(csvField(" padded", "string")).toBe('" padded"');
    expect(csvField("perp-a,perp-b", "string")).toBe('"perp-a,perp-b"');
  });
});

describe("export progress", () => {
  const io = (tty: boolean) => {
    const err: string[] = [];
    let now = 0;
    const value: Io = {
      out: () => undefined,
      err: (t) => err.push(t),
      env: {},
      now: () => (now += 200),
      onInterrupt: () => () => undefined,
      errIsTty: tty,
    };
    return { value, err };
  };

  it("default: a bar of the time range covered and the rows, redrawn in place on a terminal", () => {
    expect(progressLine("signals", 0.5, 1234)).toBe("signals   [############------------]  50% 1,234 rows");
    const t = io(true);
    const p = exportProgress(t.value, "snapshots", 1_000, 2_000);
    p.update(1_250, 10);
    p.done(40);
    expect(t.err).toEqual([
      "\rsnapshots [######------------------]  25% 10 rows",
      "\rsnapshots [########################] 100% 40 rows",
      "\n",
    ]);
  });

  it("behavior: silent when stderr is not a terminal", () => {
    const t = io(false);
    const p = exportProgress(t.value, "snapshots", 1_000, 2_000);
    p.update(1_500, 10);
    p.done(10);
    expect(t.err).toEqual([]);
  });
});
