import { durationBetween } from "../../../src/domain/duration";

const now = new Date("2026-01-01T12:00:00Z");
const d = (s: string): Date => new Date(s);

describe("durationBetween", () => {
  it("measures a closed interval in the requested unit", () => {
    const from = d("2026-01-01T10:00:00Z");
    const to = d("2026-01-01T11:30:00Z");
    expect(durationBetween(from, to, "MILLISECONDS", { stillRunning: false, now })).toBe(5_400_000);
    expect(durationBetween(from, to, "SECONDS", { stillRunning: false, now })).toBe(5400);
    expect(durationBetween(from, to, "MINUTES", { stillRunning: false, now })).toBe(90);
    expect(durationBetween(from, to, "HOURS", { stillRunning: false, now })).toBe(1.5);
  });

  it("measures to now while the task still runs", () => {
    expect(durationBetween(d("2026-01-01T11:59:00Z"), null, "SECONDS", { stillRunning: true, now })).toBe(60);
  });

  it("is null when the start is unknown", () => {
    expect(durationBetween(null, now, "SECONDS", { stillRunning: false, now })).toBeNull();
  });

  it("is null when a finished task's end is unknown, rather than measuring to now", () => {
    expect(
      durationBetween(d("2026-01-01T11:00:00Z"), null, "SECONDS", { stillRunning: false, now }),
    ).toBeNull();
  });
});
