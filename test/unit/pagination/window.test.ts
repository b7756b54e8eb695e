import { floorToSecond, splitWindow } from "../../../src/pagination/window";

const DAY = 86_400_000;
const t0 = new Date("2026-01-01T00:00:00Z");
const at = (ms: number): Date => new Date(t0.getTime() + ms);

describe("splitWindow", () => {
  it("keeps a window within the maximum span whole", () => {
    expect(splitWindow({ start: t0, end: at(10 * DAY) }, 30 * DAY, "asc")).toEqual([
      { start: t0, end: at(10 * DAY) },
    ]);
  });

  it("splits 45 days into a 30-day window and the rest, oldest first for ascending providers", () => {
    const pieces = splitWindow({ start: t0, end: at(45 * DAY) }, 30 * DAY, "asc");
    expect(pieces).toEqual([
      { start: t0, end: at(30 * DAY - 1000) },
      { start: at(30 * DAY), end: at(45 * DAY) },
    ]);
  });

  it("splits newest first for descending providers", () => {
    const pieces = splitWindow({ start: t0, end: at(45 * DAY) }, 30 * DAY, "desc");
    expect(pieces).toEqual([
      { start: at(15 * DAY + 1000), end: at(45 * DAY) },
      { start: t0, end: at(15 * DAY) },
    ]);
  });

  it("covers every second exactly once and no piece spans more than the maximum", () => {
    for (const order of ["asc", "desc"] as const) {
      const pieces = splitWindow({ start: t0, end: at(95 * DAY + 7000) }, 30 * DAY, order);
      const sorted = [...pieces].sort((a, b) => a.start.getTime() - b.start.getTime());
      expect(sorted[0]!.start).toEqual(t0);
      expect(sorted[sorted.length - 1]!.end).toEqual(at(95 * DAY + 7000));
      for (let i = 1; i < sorted.length; i++) {
        expect(sorted[i]!.start.getTime()).toBe(sorted[i - 1]!.end.getTime() + 1000);
      }
      for (const p of pieces) expect(p.end.getTime() - p.start.getTime()).toBeLessThan(30 * DAY);
    }
  });

  it("returns nothing for a window that ends before it starts", () => {
    expect(splitWindow({ start: at(DAY), end: t0 }, 30 * DAY, "asc")).toEqual([]);
  });

  it("floors to whole seconds, as providers speak them", () => {
    expect(floorToSecond(new Date("2026-01-01T00:00:01.999Z"))).toEqual(new Date("2026-01-01T00:00:01Z"));
  });
});
