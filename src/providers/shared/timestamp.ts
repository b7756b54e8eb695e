const RFC_3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$/;

/**
 * An RFC 3339 date-time (zone required), or null. Date.parse alone is too lenient: V8 rolls 2021-02-30 over into
 * March and accepts 24:00, so every field is range-checked and the calendar date must exist. Leap seconds (:60)
 * are rejected: Date cannot represent them. `form` is a stricter pattern the text must match as well, for a
 * provider that documents a subset of RFC 3339.
 */
export function parseRfc3339(text: string, form?: RegExp): Date | null {
  if (form !== undefined && !form.test(text)) return null;
  const m = RFC_3339.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (hour > 23 || minute > 59 || second > 59) return null;
  if (m[9] !== undefined && (Number(m[9]) > 23 || Number(m[10]) > 59)) return null;
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (
    calendar.getUTCFullYear() !== year ||
    calendar.getUTCMonth() !== month - 1 ||
    calendar.getUTCDate() !== day
  ) {
    return null;
  }
  const at = Date.parse(text.toUpperCase());
  return Number.isNaN(at) ? null : new Date(at);
}

/**
 * `YYYY-MM-DDThh:mm:ssZ`: UTC without milliseconds, the form both providers take in queries (and Baidu in its
 * signature). Milliseconds are cut, not rounded; windows arrive in whole seconds (see ListQuery.window).
 */
export function isoSeconds(at: Date): string {
  return at.toISOString().replace(/\.\d+Z$/, "Z");
}
