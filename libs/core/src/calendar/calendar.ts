import {
  addDays,
  epochDayOf,
  formatLocalDate,
  type LocalDate,
  localDateTimeOf,
  parseLocalDate,
  parseLocalTime,
  SECONDS_PER_DAY,
  utcOf,
  WEEKDAYS,
  type Weekday,
  weekdayOf,
} from "./zoned-time.js";

/**
 * A trading session that opens on the listed weekdays at `open` and closes at
 * `close` (local times, `HH:MM[:SS]`). A close at or before the open closes on
 * the next day (an overnight session, e.g. 17:00 → 16:00); `24:00` closes at
 * the next midnight.
 */
export interface SessionSpec {
  readonly name: string;
  readonly days: readonly Weekday[];
  readonly open: string;
  readonly close: string;
}

/**
 * Where and when a market trades: a time zone, its sessions, holidays (local
 * dates on which no session opens) and when its trading day begins (local
 * time, `00:00` by default). With no sessions it is open around the clock:
 * one all-day session every day (24/7 markets).
 */
export interface CalendarSpec {
  readonly timeZone: string;
  readonly sessions: readonly SessionSpec[];
  readonly holidays: readonly string[];
  readonly dayStart: string;
}

/** A window of local time of day, `from` inclusive, `to` exclusive; `to` before `from` wraps past midnight. */
export interface TimeWindow {
  readonly from: string;
  readonly to: string;
}

/** One occurrence of a session. */
export interface SessionOccurrence {
  readonly name: string;
  /** The local date it opens on. */
  readonly date: LocalDate;
  readonly startMs: number;
  readonly endMs: number;
}

/** One trading day: from `dayStart` on its date to `dayStart` on the next date, in local time. */
export interface TradingDay {
  /** Days from 1970-01-01 to its date (a stable key: the same for every zone's day of that date). */
  readonly index: number;
  readonly date: LocalDate;
  readonly startMs: number;
  readonly endMs: number;
}

export const ALL_DAY_SESSION: SessionSpec = {
  name: "all-day",
  days: WEEKDAYS,
  open: "00:00",
  close: "24:00",
};

/** A calendar for a market open around the clock, with days at local midnight in `timeZone`. */
export function allDayCalendar(timeZone = "UTC"): CalendarSpec {
  return { timeZone, sessions: [ALL_DAY_SESSION], holidays: [], dayStart: "00:00" };
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new RangeError(`invalid ${what}`);
  return value;
}

interface Session {
  readonly name: string;
  readonly days: ReadonlySet<Weekday>;
  readonly open: number;
  readonly close: number;
}

/** How many days back a search for a trading date goes (longer closures have no prior close). */
const MAX_CLOSED_DAYS = 14;

/**
 * A calendar, evaluated. Every answer is computed in the zone's local time
 * from the runtime's time-zone data, so day and session boundaries move with
 * daylight saving (a New York day is 23, 24 or 25 hours long).
 */
export class TradingCalendar {
  readonly timeZone: string;
  private readonly sessions: readonly Session[];
  private readonly holidays: ReadonlySet<string>;
  private readonly dayStart: number;

  constructor(readonly spec: CalendarSpec) {
    this.timeZone = spec.timeZone;
    localDateTimeOf(0, spec.timeZone); // throws RangeError on an unknown zone
    const sessions = spec.sessions.length > 0 ? spec.sessions : [ALL_DAY_SESSION];
    this.sessions = sessions.map((s) => ({
      name: s.name,
      days: new Set(s.days),
      open: required(parseLocalTime(s.open), `session open "${s.open}"`),
      close: required(parseLocalTime(s.close), `session close "${s.close}"`),
    }));
    this.holidays = new Set(
      spec.holidays.map((h) => formatLocalDate(required(parseLocalDate(h), `holiday "${h}"`))),
    );
    this.dayStart = required(parseLocalTime(spec.dayStart), `day start "${spec.dayStart}"`) % SECONDS_PER_DAY;
  }

  /** True when `date` is a holiday of this calendar. */
  isHoliday(date: LocalDate): boolean {
    return this.holidays.has(formatLocalDate(date));
  }

  /** True when some session opens on `date` (a trading date: not a holiday, a session's weekday). */
  isTradingDate(date: LocalDate): boolean {
    if (this.isHoliday(date)) return false;
    const weekday = weekdayOf(date);
    return this.sessions.some((s) => s.days.has(weekday));
  }

  /** The occurrence of `s` that opens on `date`, if it opens that day. */
  private occurrence(s: Session, date: LocalDate): SessionOccurrence | undefined {
    if (!s.days.has(weekdayOf(date)) || this.isHoliday(date)) return undefined;
    const startMs = utcOf(date, s.open, this.timeZone);
    const endMs = utcOf(s.close > s.open ? date : addDays(date, 1), s.close, this.timeZone);
    return { name: s.name, date, startMs, endMs };
  }

  /** The session in progress at `atMs`, if any (the earliest opened when sessions overlap). */
  sessionAt(atMs: number): SessionOccurrence | undefined {
    const today = localDateTimeOf(atMs, this.timeZone).date;
    let found: SessionOccurrence | undefined;
    // A session in progress opened today, yesterday (overnight) or, near a transition, the day before.
    for (const back of [2, 1, 0]) {
      const date = addDays(today, -back);
      for (const s of this.sessions) {
        const o = this.occurrence(s, date);
        if (o && o.startMs <= atMs && atMs < o.endMs && (!found || o.startMs < found.startMs)) found = o;
      }
    }
    return found;
  }

  /** The trading day containing `atMs`. */
  dayAt(atMs: number): TradingDay {
    const local = localDateTimeOf(atMs, this.timeZone);
    let date = local.secondOfDay >= this.dayStart ? local.date : addDays(local.date, -1);
    // Near a transition the local reading can mislead by one day: settle it on instants.
    if (atMs < utcOf(date, this.dayStart, this.timeZone)) date = addDays(date, -1);
    else if (atMs >= utcOf(addDays(date, 1), this.dayStart, this.timeZone)) date = addDays(date, 1);
    return {
      index: epochDayOf(date),
      date,
      startMs: utcOf(date, this.dayStart, this.timeZone),
      endMs: utcOf(addDays(date, 1), this.dayStart, this.timeZone),
    };
  }

  /** True when the local time of day at `atMs` lies in `window`. */
  inWindow(atMs: number, window: TimeWindow): boolean {
    return inTimeWindow(localDateTimeOf(atMs, this.timeZone).secondOfDay, window);
  }

  /**
   * The latest instant at or before `atMs` at which the local clock read
   * `time` on a trading date (e.g. the prior close at 16:00), or undefined when
   * no trading date lies within two weeks.
   */
  latestAtOrBefore(atMs: number, time: string): number | undefined {
    const seconds = required(parseLocalTime(time), `time "${time}"`);
    const today = localDateTimeOf(atMs, this.timeZone).date;
    for (let back = 0; back <= MAX_CLOSED_DAYS; back++) {
      const date = addDays(today, -back);
      if (!this.isTradingDate(date)) continue;
      const instant = utcOf(date, seconds, this.timeZone);
      if (instant <= atMs) return instant;
    }
    return undefined;
  }
}

/** True when `secondOfDay` (local) lies in `window`. */
export function inTimeWindow(secondOfDay: number, window: TimeWindow): boolean {
  const from = required(parseLocalTime(window.from), `window start "${window.from}"`);
  const to = required(parseLocalTime(window.to), `window end "${window.to}"`);
  return from <= to ? from <= secondOfDay && secondOfDay < to : secondOfDay >= from || secondOfDay < to;
}
