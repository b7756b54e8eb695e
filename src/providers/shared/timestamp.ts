const RFC_3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$/;

/** Days of each month of a common year; February gains one in leap years. */
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * An RFC 3339 date-time (zone required), or null. Date.parse alone is too lenient: V8 rolls 2021-02-30 over into
 * March and accepts 24:00, so every field is range-checked and the calendar date must exist. Leap seconds (:60)
 * are rejected: Date cannot represent them, and so are years before 100, which Date.UTC would read as 19xx.
 * `form` is a stricter pattern the text must match as well, for a provider that documents a subset of RFC 3339.
 *
 * Every timestamp of every row passes here, so the instant is computed from the fields the pattern already
 * split out (one Date.UTC), not parsed a second time; fractions beyond milliseconds are cut, as Date.parse does.
 */
export function parseRfc3339(text: string, form?: RegExp): Date | null {
  if (form !== undefined && !form.test(text)) return null;
  const m = RFC_3339.exec(text);
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  if (year < 100 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  let offsetMinutes = 0;
  if (m[9] !== undefined) {
    const offsetHours = Number(m[9]);
    const offsetMins = Number(m[10]);
    if (offsetHours > 23 || offsetMins > 59) return null;
    offsetMinutes = (offsetHours * 60 + offsetMins) * (m[8]!.startsWith("-") ? -1 : 1);
  }
  const fraction = m[7];
  const ms = fraction === undefined ? 0 : Number(`${fraction.slice(1, 4)}00`.slice(0, 3));
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMinutes * 60_000);
}

function daysInMonth(year: number, month: number): number {
  if (month !== 2) return DAYS_IN_MONTH[month - 1]!;
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
}

/**
 * `YYYY-MM-DDThh:mm:ssZ`: UTC without milliseconds, the form both providers take in queries (and Baidu in its
 * signature). Milliseconds are cut, not rounded; windows arrive in whole seconds (see ListQuery.window).
 */
export function isoSeconds(at: Date): string {
  return at.toISOString().replace(/\.\d+Z$/, "Z");
}
