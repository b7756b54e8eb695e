/** Units a duration can be rendered in; values match the GraphQL DurationUnit enum. */
export const DurationUnit = {
  MILLISECONDS: "MILLISECONDS",
  SECONDS: "SECONDS",
  MINUTES: "MINUTES",
  HOURS: "HOURS",
} as const;
export type DurationUnit = (typeof DurationUnit)[keyof typeof DurationUnit];

const MS_PER: Record<DurationUnit, number> = {
  MILLISECONDS: 1,
  SECONDS: 1_000,
  MINUTES: 60_000,
  HOURS: 3_600_000,
};

/**
 * from -> to in the given unit; `to` falls back to `now` when the end is still open (an unfinished task).
 * Null where the start is unknown, or where the end is unknown although the interval is closed.
 * A negative span (clock skew at the provider) is reported as it is rather than clamped: it is the provider's data.
 */
export function durationBetween(
  from: Date | null,
  to: Date | null,
  unit: DurationUnit,
  open: { readonly stillRunning: boolean; readonly now: Date },
): number | null {
  if (from === null) return null;
  const end = to ?? (open.stillRunning ? open.now : null);
  if (end === null) return null;
  return (end.getTime() - from.getTime()) / MS_PER[unit];
}
