/**
 * Local dates and times in IANA time zones, from the runtime's own time-zone
 * data (`Intl.DateTimeFormat`; Node ships full ICU). Pure: no clock is read.
 *
 * A local time that does not exist (the hour skipped when daylight saving
 * starts) resolves to the instant just after the gap, as a wall clock moved
 * forward would show it; a local time that occurs twice (the hour repeated
 * when it ends) resolves to the earlier instant.
 */

export const SECOND_MS = 1_000;
export const MINUTE_MS = 60 * SECOND_MS;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;
/** Seconds in a day of the local clock (`24:00` is the end of the day). */
export const SECONDS_PER_DAY = 86_400;

/** A calendar date of a local clock (month and day from 1). */
export interface LocalDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

/** Days of the week, Sunday first (as `Date.getUTCDay`). */
export const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** What a local clock in a zone shows at one instant. */
export interface LocalDateTime {
  readonly date: LocalDate;
  /** Seconds since local midnight, 0 to 86,399. */
  readonly secondOfDay: number;
  readonly weekday: Weekday;
  /** Local time minus UTC, in ms (New York in winter: -18,000,000). */
  readonly offsetMs: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      era: "short",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when the runtime knows `timeZone` as an IANA zone name (or `UTC`). */
export function isTimeZone(timeZone: string): boolean {
  if (timeZone.length === 0) return false;
  try {
    formatterOf(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Milliseconds since the epoch of a date and time read as UTC (years below 100 included). */
function utcOfFields(date: LocalDate, secondOfDay: number): number {
  const d = new Date(0);
  d.setUTCFullYear(date.year, date.month - 1, date.day);
  return d.getTime() + secondOfDay * SECOND_MS;
}

/** The date `days` after `date` (negative: before). */
export function addDays(date: LocalDate, days: number): LocalDate {
  const d = new Date(utcOfFields(date, 0) + days * DAY_MS);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** Days from 1970-01-01 to `date`: a date's integer index, the same in every zone. */
export function epochDayOf(date: LocalDate): number {
  return Math.round(utcOfFields(date, 0) / DAY_MS);
}

export function weekdayOf(date: LocalDate): Weekday {
  return WEEKDAYS[new Date(utcOfFields(date, 0)).getUTCDay()]!;
}

export function sameDate(a: LocalDate, b: LocalDate): boolean {
  return a.year === b.year && a.month === b.month && a.day === b.day;
}

/** `2026-03-09` */
export function formatLocalDate(date: LocalDate): string {
  const pad = (n: number, w: number) => String(n).padStart(w, "0");
  return `${pad(date.year, 4)}-${pad(date.month, 2)}-${pad(date.day, 2)}`;
}

/** `09:30:00` (or `24:00:00` for the end of the day). */
export function formatLocalTime(secondOfDay: number): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(Math.floor(secondOfDay / 3600))}:${pad(Math.floor(secondOfDay / 60) % 60)}:${pad(secondOfDay % 60)}`;
}

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_PATTERN = /^(\d{2}):(\d{2})(?::(\d{2}))?$/;

/** Parses `YYYY-MM-DD` (a real calendar date), or undefined. */
export function parseLocalDate(text: string): LocalDate | undefined {
  const m = DATE_PATTERN.exec(text);
  if (!m) return undefined;
  const date = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
  if (date.month < 1 || date.month > 12 || date.day < 1) return undefined;
  return sameDate(addDays(date, 0), date) ? date : undefined;
}

/** Parses `HH:MM` or `HH:MM:SS` (00:00 to 24:00) into seconds since local midnight, or undefined. */
export function parseLocalTime(text: string): number | undefined {
  const m = TIME_PATTERN.exec(text);
  if (!m) return undefined;
  const [h, min, s] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  if (min > 59 || s > 59) return undefined;
  const seconds = h * 3600 + min * 60 + s;
  return seconds <= SECONDS_PER_DAY ? seconds : undefined;
}

/** The offset at `utcMs` read from the zone data itself (slow: one formatToParts). */
function exactOffsetMs(utcMs: number, timeZone: string): number {
  const parts = formatterOf(timeZone).formatToParts(new Date(utcMs));
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? "";
  const year = get("era").startsWith("B") ? 1 - Number(get("year")) : Number(get("year"));
  const date: LocalDate = { year, month: Number(get("month")), day: Number(get("day")) };
  const secondOfDay = Number(get("hour")) * 3600 + Number(get("minute")) * 60 + Number(get("second"));
  return utcOfFields(date, secondOfDay) - Math.floor(utcMs / SECOND_MS) * SECOND_MS;
}

/** Per zone: hour (since the epoch) → the offset throughout it, when one offset holds the whole hour. */
const offsetCache = new Map<string, Map<number, number>>();
const MAX_CACHED_HOURS = 200_000;

/**
 * Local time minus UTC in `timeZone` at `utcMs`, in ms. An hour whose start
 * and end have the same offset has it throughout (no zone changes twice within
 * an hour), so it is cached; an hour with a transition is read exactly.
 */
export function offsetMsAt(utcMs: number, timeZone: string): number {
  let byHour = offsetCache.get(timeZone);
  if (!byHour) {
    byHour = new Map();
    offsetCache.set(timeZone, byHour);
  }
  const hour = Math.floor(utcMs / HOUR_MS);
  const cached = byHour.get(hour);
  if (cached !== undefined) return cached;
  const start = exactOffsetMs(hour * HOUR_MS, timeZone);
  const end = exactOffsetMs((hour + 1) * HOUR_MS - SECOND_MS, timeZone);
  if (start !== end) return exactOffsetMs(utcMs, timeZone);
  if (byHour.size >= MAX_CACHED_HOURS) byHour.clear();
  byHour.set(hour, start);
  return start;
}

/** What the local clock in `timeZone` shows at `utcMs` (to the second). */
export function localDateTimeOf(utcMs: number, timeZone: string): LocalDateTime {
  const offsetMs = offsetMsAt(utcMs, timeZone);
  const local = new Date(Math.floor(utcMs / SECOND_MS) * SECOND_MS + offsetMs);
  const date: LocalDate = {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
  };
  const secondOfDay = local.getUTCHours() * 3600 + local.getUTCMinutes() * 60 + local.getUTCSeconds();
  return { date, secondOfDay, weekday: WEEKDAYS[local.getUTCDay()]!, offsetMs };
}

/**
 * The instant at which the local clock in `timeZone` shows `date` at
 * `secondOfDay` (`86400` is the next day's midnight). In a gap (skipped local
 * times) it is the instant the same distance past the gap's start, i.e. after
 * the gap; in an overlap (repeated local times) the earlier of the two.
 */
export function utcOf(date: LocalDate, secondOfDay: number, timeZone: string): number {
  if (secondOfDay >= SECONDS_PER_DAY) return utcOf(addDays(date, 1), secondOfDay - SECONDS_PER_DAY, timeZone);
  const naive = utcOfFields(date, secondOfDay);
  // Offsets a day either side bracket any one transition.
  const before = offsetMsAt(naive - DAY_MS, timeZone);
  const after = offsetMsAt(naive + DAY_MS, timeZone);
  let best: number | undefined;
  for (const offset of before === after ? [before] : [before, after]) {
    const candidate = naive - offset;
    const local = localDateTimeOf(candidate, timeZone);
    if (local.secondOfDay === secondOfDay && sameDate(local.date, date))
      best = best === undefined ? candidate : Math.min(best, candidate);
  }
  if (best !== undefined) return best;
  // Inside a gap: the clock as it read before the gap, moved forward across it.
  return naive - before;
}

/** The instant local midnight begins `date` in `timeZone` (after the gap where midnight is skipped). */
export function startOfLocalDay(date: LocalDate, timeZone: string): number {
  return utcOf(date, 0, timeZone);
}
