/** Durations in milliseconds, for seed data and windows. */
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/**
 * `now` floored to the minute, in epoch milliseconds: an emulator's data anchor, so two emulators started in
 * the same minute with the same seed serve the same data.
 */
export function anchorMinute(now: Date): number {
  return Math.floor(now.getTime() / MINUTE) * MINUTE;
}

/**
 * UTC `YYYY-MM-DDThh:mm:ssZ`, whole seconds (any milliseconds are dropped): Baidu's `Timestamp` type and the
 * RFC 3339 form the Wangsu documents' examples use (`2021-03-05T00:34:28Z`).
 */
export function formatUtcSeconds(instant: Date | number): string {
  const ms = typeof instant === "number" ? instant : instant.getTime();
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

export interface UtcTimestampOptions {
  /** Accept fractional seconds (`.1` to `.123456789`), kept to the millisecond. Default false. */
  readonly fractionalSeconds?: boolean;
  /** Accept lowercase `t` and `z`, as RFC 3339 allows. Default false. */
  readonly lowercase?: boolean;
}

const UTC_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})([Tt])(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz])$/;

/**
 * Epoch milliseconds of a UTC timestamp in the strict form `YYYY-MM-DDThh:mm:ssZ` (no offset other than `Z`),
 * or undefined when the text is not in that form or not a real instant; `options` widen the form to RFC 3339's.
 */
export function parseUtcTimestamp(text: string, options: UtcTimestampOptions = {}): number | undefined {
  const match = UTC_TIMESTAMP.exec(text);
  if (match === null) return undefined;
  // The groups always participate except the fraction; the defaults only satisfy the index typing.
  const [, year = "", month = "", day = "", t = "", hour = "", minute = "", second = "", fraction, z = ""] =
    match;
  if (fraction !== undefined && options.fractionalSeconds !== true) return undefined;
  if ((t === "t" || z === "z") && options.lowercase !== true) return undefined;
  const ms = Date.UTC(
    Number(year),
    Number(month) - 1,
    Number(day),
    Number(hour),
    Number(minute),
    Number(second),
  );
  // Date.UTC rolls 2024-02-30 over to March (and years below 100 into the 1900s); a round trip catches
  // impossible dates and 24:00 / :60.
  if (formatUtcSeconds(ms) !== `${year}-${month}-${day}T${hour}:${minute}:${second}Z`) return undefined;
  return ms + Number((fraction ?? "").padEnd(3, "0").slice(0, 3));
}
