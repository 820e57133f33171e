import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { allDayCalendar, type CalendarSpec, inTimeWindow, TradingCalendar } from "./calendar.js";
import { formatLocalDate, HOUR_MS, localDateTimeOf, parseLocalTime } from "./zoned-time.js";

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const at = (text: string) => Date.parse(text);

/** US equities: 09:30-16:00 New York time on weekdays, with two 2026 holidays. */
const US_EQUITIES: CalendarSpec = {
  timeZone: "America/New_York",
  sessions: [{ name: "regular", days: ["mon", "tue", "wed", "thu", "fri"], open: "09:30", close: "16:00" }],
  holidays: ["2026-04-03", "2026-07-03"], // Good Friday, Independence Day observed
  dayStart: "00:00",
};
/** An overnight session, Chicago time: Sunday-Thursday 17:00 to 16:00 the next day; days begin at 17:00. */
const OVERNIGHT: CalendarSpec = {
  timeZone: "America/Chicago",
  sessions: [{ name: "globex", days: ["sun", "mon", "tue", "wed", "thu"], open: "17:00", close: "16:00" }],
  holidays: [],
  dayStart: "17:00",
};

describe("trading calendar", () => {
  const us = new TradingCalendar(US_EQUITIES);

  it.each<[string, string, string | undefined, string | undefined]>([
    [
      "a Monday after the change to EDT opens 13:30 UTC",
      "2026-03-09T14:00:00Z",
      "2026-03-09T13:30:00.000Z",
      "2026-03-09T20:00:00.000Z",
    ],
    [
      "the Friday before it, in EST, closes 21:00 UTC",
      "2026-03-06T20:59:59Z",
      "2026-03-06T14:30:00.000Z",
      "2026-03-06T21:00:00.000Z",
    ],
    ["the close itself is outside (end exclusive)", "2026-03-06T21:00:00Z", undefined, undefined],
    ["before the open", "2026-03-09T13:29:59Z", undefined, undefined],
    ["a Saturday", "2026-03-07T15:00:00Z", undefined, undefined],
    ["a holiday", "2026-04-03T15:00:00Z", undefined, undefined],
  ])("default: %s", (_name, t, start, end) => {
    const s = us.sessionAt(at(t));
    expect([iso(s?.startMs), iso(s?.endMs)]).toEqual([start, end]);
  });

  it("behavior: an overnight session runs from Sunday 17:00 into Monday; Friday 16:00 ends the week", () => {
    const cme = new TradingCalendar(OVERNIGHT);
    const monday3am = cme.sessionAt(at("2026-03-09T08:00:00Z")); // 03:00 CDT
    expect(
      monday3am && [formatLocalDate(monday3am.date), iso(monday3am.startMs), iso(monday3am.endMs)],
    ).toEqual([
      "2026-03-08",
      "2026-03-08T22:00:00.000Z", // Sunday 17:00 CDT (the change was that morning)
      "2026-03-09T21:00:00.000Z", // Monday 16:00 CDT
    ]);
    expect(cme.sessionAt(at("2026-03-09T21:30:00Z"))).toBeUndefined(); // the daily break, 16:00-17:00
    expect(cme.sessionAt(at("2026-03-13T20:59:59Z"))?.name).toBe("globex"); // Friday 15:59:59
    expect(cme.sessionAt(at("2026-03-14T15:00:00Z"))).toBeUndefined(); // Saturday
    // the trading day begins at 17:00 local: Monday 03:00 belongs to the day begun Sunday 17:00
    const day = cme.dayAt(at("2026-03-09T08:00:00Z"));
    expect([formatLocalDate(day.date), iso(day.startMs), iso(day.endMs)]).toEqual([
      "2026-03-08",
      "2026-03-08T22:00:00.000Z",
      "2026-03-09T22:00:00.000Z",
    ]);
  });

  it("behavior: the prior close at 16:00 on a Monday is Friday's, at 21:00 UTC before the change to EDT", () => {
    expect(iso(us.latestAtOrBefore(at("2026-03-09T14:00:00Z"), "16:00"))).toBe("2026-03-06T21:00:00.000Z");
    // after Monday's close it is Monday's (20:00 UTC, EDT)
    expect(iso(us.latestAtOrBefore(at("2026-03-09T20:30:00Z"), "16:00"))).toBe("2026-03-09T20:00:00.000Z");
    // exactly at the close: that close
    expect(iso(us.latestAtOrBefore(at("2026-03-09T20:00:00Z"), "16:00"))).toBe("2026-03-09T20:00:00.000Z");
    // after Good Friday (a holiday): Thursday's
    expect(iso(us.latestAtOrBefore(at("2026-04-06T14:00:00Z"), "16:00"))).toBe("2026-04-02T20:00:00.000Z");
  });

  it("behavior: days are the zone's local days, 23 and 25 hours long on the change days", () => {
    const march = us.dayAt(at("2026-03-08T12:00:00Z"));
    expect([iso(march.startMs), iso(march.endMs)]).toEqual([
      "2026-03-08T05:00:00.000Z",
      "2026-03-09T04:00:00.000Z",
    ]);
    const november = us.dayAt(at("2026-11-01T12:00:00Z"));
    expect((november.endMs - november.startMs) / HOUR_MS).toBe(25);
    // the day's index is its date's epoch day: a UTC calendar's days are the 00:00 UTC periods
    const utc = new TradingCalendar(allDayCalendar());
    expect(utc.dayAt(at("2026-03-08T12:00:00Z")).index).toBe(
      Math.floor(at("2026-03-08T12:00:00Z") / 86_400_000),
    );
  });

  it("behavior: a 24/7 calendar is one all-day session from local midnight to local midnight", () => {
    const cal = new TradingCalendar(allDayCalendar("America/New_York"));
    const s = cal.sessionAt(at("2026-03-08T12:00:00Z"));
    expect([s?.name, iso(s?.startMs), iso(s?.endMs)]).toEqual([
      "all-day",
      "2026-03-08T05:00:00.000Z",
      "2026-03-09T04:00:00.000Z",
    ]);
    expect(cal.isTradingDate({ year: 2026, month: 3, day: 7 })).toBe(true);
  });

  it.each<[string, string, string, boolean]>([
    ["09:30", "09:45", "09:30:00", true],
    ["09:30", "09:45", "09:44:59", true],
    ["09:30", "09:45", "09:45:00", false],
    ["15:35", "16:00", "15:59:59", true],
    ["22:00", "02:00", "23:00:00", true],
    ["22:00", "02:00", "01:59:59", true],
    ["22:00", "02:00", "02:00:00", false],
    ["00:00", "24:00", "23:59:59", true],
  ])("behavior: window %s-%s contains %s: %s", (from, to, time, inside) => {
    expect(inTimeWindow(parseLocalTime(time)!, { from, to })).toBe(inside);
  });

  it("behavior: windows follow local time across the change (15:25 ET is 20:25 UTC in winter, 19:25 UTC in summer)", () => {
    const cutOff = { from: "09:30", to: "15:25" };
    expect(us.inWindow(at("2026-03-06T20:24:59Z"), cutOff)).toBe(true);
    expect(us.inWindow(at("2026-03-06T20:25:00Z"), cutOff)).toBe(false);
    expect(us.inWindow(at("2026-03-09T19:24:59Z"), cutOff)).toBe(true);
    expect(us.inWindow(at("2026-03-09T19:25:00Z"), cutOff)).toBe(false);
  });

  it("validation: an unknown zone, a bad time or a bad holiday is refused", () => {
    expect(() => new TradingCalendar({ ...US_EQUITIES, timeZone: "Mars/Olympus" })).toThrow(RangeError);
    expect(
      () =>
        new TradingCalendar({
          ...US_EQUITIES,
          sessions: [{ name: "x", days: ["mon"], open: "9:30", close: "16:00" }],
        }),
    ).toThrow(/session open/);
    expect(() => new TradingCalendar({ ...US_EQUITIES, holidays: ["2026-02-30"] })).toThrow(/holiday/);
  });

  const calendars = [
    US_EQUITIES,
    OVERNIGHT,
    allDayCalendar("Europe/London"),
    allDayCalendar("Australia/Lord_Howe"),
  ];
  const instant = fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2060, 0, 1) });

  it("property: a session in progress contains the instant and opens on a trading date at its open time", () => {
    fc.assert(
      fc.property(instant, fc.constantFrom(...calendars), (t, spec) => {
        const cal = new TradingCalendar(spec);
        const s = cal.sessionAt(t);
        if (!s) return;
        expect(s.startMs).toBeLessThanOrEqual(t);
        expect(s.endMs).toBeGreaterThan(t);
        expect(cal.isTradingDate(s.date)).toBe(true);
        expect(formatLocalDate(localDateTimeOf(s.startMs, spec.timeZone).date)).toBe(formatLocalDate(s.date));
      }),
      { numRuns: 1_000 },
    );
  });

  it("property: trading days contain the instant and tile time (a day ends where the next begins)", () => {
    fc.assert(
      fc.property(instant, fc.constantFrom(...calendars), (t, spec) => {
        const cal = new TradingCalendar(spec);
        const day = cal.dayAt(t);
        expect(day.startMs).toBeLessThanOrEqual(t);
        expect(day.endMs).toBeGreaterThan(t);
        expect(cal.dayAt(day.endMs).startMs).toBe(day.endMs);
        expect(cal.dayAt(day.endMs).index).toBe(day.index + 1);
        expect(cal.dayAt(day.startMs - 1).endMs).toBe(day.startMs);
      }),
      { numRuns: 1_000 },
    );
  });

  it("property: the latest 16:00 at or before an instant is at most two weeks back, reads 16:00 and no later one fits", () => {
    fc.assert(
      fc.property(instant, (t) => {
        const close = us.latestAtOrBefore(t, "16:00");
        if (close === undefined) return;
        expect(close).toBeLessThanOrEqual(t);
        const local = localDateTimeOf(close, US_EQUITIES.timeZone);
        expect(local.secondOfDay).toBe(16 * 3600);
        expect(us.isTradingDate(local.date)).toBe(true);
        // no trading date's 16:00 lies between it and t: every instant between sees the same close
        for (let probe = t; probe > close; probe -= 6 * HOUR_MS)
          expect(us.latestAtOrBefore(probe, "16:00")).toBe(close);
      }),
      { numRuns: 300 },
    );
  });
});
