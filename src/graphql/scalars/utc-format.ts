/**
 * Date#toISOString for the DateTime scalar, about forty times faster: V8's own takes about a microsecond, and a
 * page of 100 tasks renders some 600 timestamps. The calendar part ("YYYY-MM-DDT") is toISOString's own, kept
 * per day (tasks of a page share few days); the time of day is assembled from tables. Instants outside years
 * 1970..9999, where toISOString's form changes (six-digit years), go to toISOString itself.
 */

const DAY_MS = 86_400_000;
/** 10000-01-01T00:00:00Z: from here toISOString writes "+010000-…". */
const YEAR_10000_MS = 253_402_300_800_000;
const MAX_DAYS_KEPT = 4_096;

const TWO = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, "0"));
const THREE = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, "0"));
const dayPrefixes = new Map<number, string>();

/** The same string as `date.toISOString()`, for a valid Date. */
export function formatUtc(date: Date): string {
  const ms = date.getTime();
  if (!(ms >= 0 && ms < YEAR_10000_MS)) return date.toISOString();
  const day = Math.floor(ms / DAY_MS);
  let prefix = dayPrefixes.get(day);
  if (prefix === undefined) {
    prefix = date.toISOString().slice(0, 11);
    if (dayPrefixes.size >= MAX_DAYS_KEPT) dayPrefixes.clear();
    dayPrefixes.set(day, prefix);
  }
  let rest = ms - day * DAY_MS;
  const milli = rest % 1000;
  rest = (rest - milli) / 1000;
  const second = rest % 60;
  rest = (rest - second) / 60;
  const minute = rest % 60;
  const hour = (rest - minute) / 60;
  return `${prefix}${TWO[hour]}:${TWO[minute]}:${TWO[second]}.${THREE[milli]}Z`;
}
