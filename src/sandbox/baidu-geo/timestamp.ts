/**
 * Baidu's `Timestamp` type: UTC `YYYY-MM-DDThh:mm:ssZ`, no fractional seconds, no offset other than `Z`.
 * Used both by bce-auth-v1 (the auth-string timestamp, `x-bce-date`) and by the GEO query parameters.
 */
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;

/** Milliseconds since the epoch, or undefined when the text is not a real instant in the strict format. */
export function parseBceTimestamp(text: string): number | undefined {
  const match = TIMESTAMP.exec(text);
  if (match === null) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls 2024-02-30 over to March; a round trip catches impossible dates and 24:00 / :60.
  return formatBceTimestamp(ms) === text ? ms : undefined;
}

export function formatBceTimestamp(instant: Date | number): string {
  const ms = typeof instant === "number" ? instant : instant.getTime();
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}
