import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addDays,
  DAY_MS,
  epochDayOf,
  formatLocalDate,
  formatLocalTime,
  HOUR_MS,
  isTimeZone,
  type LocalDate,
  localDateTimeOf,
  offsetMsAt,
  parseLocalDate,
  parseLocalTime,
  startOfLocalDay,
  utcOf,
  weekdayOf,
} from "./zoned-time.js";

const NY = "America/New_York";
const d = (year: number, month: number, day: number): LocalDate => ({ year, month, day });
const at = (text: string) => Date.parse(text);
const reading = (utcMs: number, zone: string) => {
  const l = localDateTimeOf(utcMs, zone);
  return `${formatLocalDate(l.date)} ${formatLocalTime(l.secondOfDay)} ${l.weekday} ${l.offsetMs / HOUR_MS}`;
};

/**
 * Independent oracles from the published rules (not from the zone data):
 * US daylight saving since 2007 runs from the second Sunday of March at 02:00
 * local standard time to the first Sunday of November at 02:00 local daylight
 * time; EU summer time since 1996 from the last Sunday of March to the last
 * Sunday of October, both at 01:00 UTC.
 */
function nthSunday(year: number, month: number, n: number): number {
  const first = new Date(Date.UTC(year, month - 1, 1)).getUTCDay();
  return 1 + ((7 - first) % 7) + (n - 1) * 7;
}
function lastSunday(year: number, month: number): number {
  const last = new Date(Date.UTC(year, month, 0));
  return last.getUTCDate() - last.getUTCDay();
}
function usEasternOffsetHours(utcMs: number): number {
  const year = new Date(utcMs).getUTCFullYear();
  const start = Date.UTC(year, 2, nthSunday(year, 3, 2), 7); // 02:00 EST
  const end = Date.UTC(year, 10, nthSunday(year, 11, 1), 6); // 02:00 EDT
  return utcMs >= start && utcMs < end ? -4 : -5;
}
function euOffsetHours(utcMs: number, standard: number): number {
  const year = new Date(utcMs).getUTCFullYear();
  const start = Date.UTC(year, 2, lastSunday(year, 3), 1);
  const end = Date.UTC(year, 9, lastSunday(year, 10), 1);
  return utcMs >= start && utcMs < end ? standard + 1 : standard;
}

const ZONES = [
  "UTC",
  NY,
  "America/Chicago",
  "Europe/London",
  "Europe/Berlin",
  "Asia/Kolkata",
  "Asia/Tokyo",
  "Australia/Lord_Howe", // a 30-minute daylight saving shift
  "Pacific/Chatham", // +12:45 / +13:45
  "America/Santiago", // midnight is skipped when daylight saving starts
  "Pacific/Apia", // skipped a whole day (2011-12-30)
];
const instant = fc.integer({ min: Date.UTC(1971, 0, 1), max: Date.UTC(2099, 11, 31) });
const naiveMs = (date: LocalDate, secondOfDay: number) => epochDayOf(date) * DAY_MS + secondOfDay * 1000;

describe("zoned time", () => {
  it.each<[string, number, string, string]>([
    ["winter, EST", at("2026-01-15T15:00:00Z"), NY, "2026-01-15 10:00:00 thu -5"],
    ["summer, EDT", at("2026-07-15T14:00:00Z"), NY, "2026-07-15 10:00:00 wed -4"],
    ["last second of EST", at("2026-03-08T06:59:59Z"), NY, "2026-03-08 01:59:59 sun -5"],
    ["first second of EDT (02:00 skipped)", at("2026-03-08T07:00:00Z"), NY, "2026-03-08 03:00:00 sun -4"],
    ["01:30 the first time (EDT)", at("2026-11-01T05:30:00Z"), NY, "2026-11-01 01:30:00 sun -4"],
    ["01:30 the second time (EST)", at("2026-11-01T06:30:00Z"), NY, "2026-11-01 01:30:00 sun -5"],
    ["London, BST", at("2026-03-29T01:00:00Z"), "Europe/London", "2026-03-29 02:00:00 sun 1"],
    ["Kolkata, half-hour offset", at("2026-03-09T04:00:00Z"), "Asia/Kolkata", "2026-03-09 09:30:00 mon 5.5"],
    ["Chatham, +13:45", at("2026-01-01T00:00:00Z"), "Pacific/Chatham", "2026-01-01 13:45:00 thu 13.75"],
  ])("default: %s", (_name, utcMs, zone, expected) => {
    expect(reading(utcMs, zone)).toBe(expected);
  });

  it.each<[string, LocalDate, string, string, string]>([
    ["an ordinary time", d(2026, 3, 9), "09:30", NY, "2026-03-09T13:30:00.000Z"],
    [
      "a skipped time resolves after the gap (02:30 → 03:30 EDT)",
      d(2026, 3, 8),
      "02:30",
      NY,
      "2026-03-08T07:30:00.000Z",
    ],
    [
      "a repeated time resolves to the earlier instant (01:30 EDT)",
      d(2026, 11, 1),
      "01:30",
      NY,
      "2026-11-01T05:30:00.000Z",
    ],
    ["24:00 is the next midnight", d(2026, 3, 8), "24:00", NY, "2026-03-09T04:00:00.000Z"],
    [
      "a time inside Chatham's 02:45 → 03:45 gap resolves as far past it (2083, rules beyond 2037)",
      d(2083, 9, 26),
      "03:00",
      "Pacific/Chatham",
      "2083-09-25T14:15:00.000Z",
    ],
    [
      "a time inside Lord Howe's 30-minute gap resolves as far past it",
      d(2021, 10, 3),
      "02:00:01",
      "Australia/Lord_Howe",
      "2021-10-02T15:30:01.000Z",
    ],
    [
      "a skipped midnight starts the day at 01:00 (Santiago)",
      d(2026, 9, 6),
      "00:00",
      "America/Santiago",
      "2026-09-06T04:00:00.000Z",
    ],
  ])("behavior: %s", (_name, date, time, zone, iso) => {
    expect(new Date(utcOf(date, parseLocalTime(time)!, zone)).toISOString()).toBe(iso);
  });

  it("behavior: New York days are 23, 24 and 25 hours long around the changes", () => {
    const length = (date: LocalDate) =>
      (startOfLocalDay(addDays(date, 1), NY) - startOfLocalDay(date, NY)) / HOUR_MS;
    expect([
      length(d(2026, 3, 7)),
      length(d(2026, 3, 8)),
      length(d(2026, 11, 1)),
      length(d(2026, 11, 2)),
    ]).toEqual([24, 23, 25, 24]);
  });

  it("behavior: Apia skipped 2011-12-30 entirely; the 29th ends where the 31st begins", () => {
    const zone = "Pacific/Apia";
    expect(startOfLocalDay(d(2011, 12, 31), zone) - startOfLocalDay(d(2011, 12, 29), zone)).toBe(DAY_MS);
  });

  it.each<[string, string | undefined]>([
    ["09:30", "34200"],
    ["24:00", "86400"],
    ["15:25:30", "55530"],
    ["24:01", undefined],
    ["9:30", undefined],
    ["12:60", undefined],
  ])("validation: parseLocalTime(%s)", (text, seconds) => {
    expect(parseLocalTime(text)?.toString()).toBe(seconds);
  });

  it.each<[string, boolean]>([
    ["2026-02-28", true],
    ["2028-02-29", true],
    ["2026-02-29", false],
    ["2026-13-01", false],
    ["2026-1-01", false],
  ])("validation: parseLocalDate(%s) is valid: %s", (text, valid) => {
    expect(parseLocalDate(text) !== undefined).toBe(valid);
  });

  it("validation: zone names are checked against the runtime's zone data", () => {
    expect(isTimeZone(NY)).toBe(true);
    expect(isTimeZone("UTC")).toBe(true);
    expect(isTimeZone("America/NewYork")).toBe(false);
    expect(isTimeZone("")).toBe(false);
  });

  it("property: New York offsets follow the US rule since 2007 (independent oracle)", () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2007, 0, 1), max: Date.UTC(2099, 11, 31) }), (t) => {
        expect(offsetMsAt(t, NY) / HOUR_MS).toBe(usEasternOffsetHours(t));
      }),
      { numRuns: 2_000 },
    );
  });

  it("property: London and Berlin offsets follow the EU rule since 1996 (independent oracle)", () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1996, 0, 1), max: Date.UTC(2099, 11, 31) }), (t) => {
        expect(offsetMsAt(t, "Europe/London") / HOUR_MS).toBe(euOffsetHours(t, 0));
        expect(offsetMsAt(t, "Europe/Berlin") / HOUR_MS).toBe(euOffsetHours(t, 1));
      }),
      { numRuns: 2_000 },
    );
  });

  it("property: the cached offset equals the zone data's every 30 seconds around transitions", () => {
    // Around each US change of 2026 and a Lord Howe half-hour change.
    for (const [zone, center] of [
      [NY, at("2026-03-08T07:00:00Z")],
      [NY, at("2026-11-01T06:00:00Z")],
      ["Australia/Lord_Howe", at("2026-10-03T15:30:00Z")],
    ] as const) {
      for (let t = center - 2 * HOUR_MS; t < center + 2 * HOUR_MS; t += 30_000) {
        const viaLocale = new Date(t).toLocaleString("en-US", { timeZone: zone, hourCycle: "h23" });
        const l = localDateTimeOf(t, zone);
        const [m, day, y] = [l.date.month, l.date.day, l.date.year];
        expect(viaLocale).toBe(`${m}/${day}/${y}, ${formatLocalTime(l.secondOfDay)}`);
      }
    }
  });

  it("property: reading an instant and resolving the reading gives the instant back (or the earlier of a repeated time)", () => {
    fc.assert(
      fc.property(instant, fc.constantFrom(...ZONES), (t, zone) => {
        const whole = Math.floor(t / 1000) * 1000;
        const l = localDateTimeOf(t, zone);
        const back = utcOf(l.date, l.secondOfDay, zone);
        if (back !== whole) {
          expect(back).toBeLessThan(whole);
          expect(reading(back, zone).slice(0, 19)).toBe(reading(whole, zone).slice(0, 19));
        }
        expect(naiveMs(l.date, l.secondOfDay) - whole).toBe(l.offsetMs);
        expect(l.weekday).toBe(weekdayOf(l.date));
      }),
      { numRuns: 3_000 },
    );
  });

  it("property: a local time resolves to an instant that reads it, or else it lies in a gap the clock jumped over", () => {
    fc.assert(
      fc.property(
        instant,
        fc.integer({ min: 0, max: 86_399 }),
        fc.constantFrom(...ZONES),
        (t, secondOfDay, zone) => {
          const date = localDateTimeOf(t, zone).date;
          const u = utcOf(date, secondOfDay, zone);
          const l = localDateTimeOf(u, zone);
          if (sameReading(l, date, secondOfDay)) return;
          // A gap of `jump` ms: the resolution lies as far past the gap's start
          // as the wanted time lies past the last reading before it, so `jump`
          // earlier the clock read `jump` before the wanted time, on the old
          // offset. (Checking one second earlier only holds for a time at the
          // very start of the gap: a random time inside Chatham's 2083 gap
          // failed that wrong check, not the resolution.)
          const wanted = naiveMs(date, secondOfDay);
          const jump = naiveMs(l.date, l.secondOfDay) - wanted;
          const prev = localDateTimeOf(u - jump, zone);
          expect(jump).toBeGreaterThan(0);
          expect(naiveMs(prev.date, prev.secondOfDay)).toBe(wanted - jump);
          expect(prev.offsetMs).toBe(l.offsetMs - jump);
        },
      ),
      { numRuns: 3_000 },
    );
  });

  it("property: consecutive local days tile time without gaps or overlaps", () => {
    fc.assert(
      fc.property(instant, fc.constantFrom(...ZONES), (t, zone) => {
        const date = localDateTimeOf(t, zone).date;
        const start = startOfLocalDay(date, zone);
        const end = startOfLocalDay(addDays(date, 1), zone);
        expect(start).toBeLessThanOrEqual(Math.floor(t / 1000) * 1000);
        expect(end).toBeGreaterThan(t);
        expect((end - start) / HOUR_MS).toBeGreaterThanOrEqual(22);
        expect((end - start) / HOUR_MS).toBeLessThanOrEqual(26);
      }),
      { numRuns: 2_000 },
    );
  });

  it("property: date arithmetic agrees with the epoch-day index", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -50_000, max: 50_000 }),
        fc.integer({ min: -1_000, max: 1_000 }),
        (day, n) => {
          const date = addDays(d(1970, 1, 1), day);
          expect(epochDayOf(date)).toBe(day);
          expect(epochDayOf(addDays(date, n))).toBe(day + n);
          expect(parseLocalDate(formatLocalDate(date))).toEqual(date);
        },
      ),
    );
  });
});

function sameReading(
  l: { date: LocalDate; secondOfDay: number },
  date: LocalDate,
  secondOfDay: number,
): boolean {
  return formatLocalDate(l.date) === formatLocalDate(date) && l.secondOfDay === secondOfDay;
}
