import { planRecordSchedules, recordJsonAt } from "../../../../src/sandbox/baidu-geo/live-records";
import { generateSeedData, type SeedRecord } from "../../../../src/sandbox/baidu-geo/seed-data";
import { parseUtcTimestamp } from "../../../../src/sandbox/time";

const ANCHOR = new Date("2026-03-01T12:00:00Z");
const ANCHOR_MS = ANCHOR.getTime();
const SECOND = 1000;
const MINUTE = 60 * SECOND;

const data = generateSeedData(1, ANCHOR);
const schedules = planRecordSchedules(data, 1);
const all: SeedRecord[] = [...data.bySite.values()].flat();
const unfinished = all.filter((r) => r.json.status === "waiting" || r.json.status === "in-progress");
const at = (record: SeedRecord, ms: number) => recordJsonAt(record, schedules.get(record.id), ms);
/** Every 5 seconds from the anchor to a minute past the settle time. */
const instants = Array.from(
  { length: (14 * MINUTE) / (5 * SECOND) + 1 },
  (_, i) => ANCHOR_MS + i * 5 * SECOND,
);

describe("the Baidu GEO records' schedules", () => {
  it("schedule exactly the records waiting or in progress at the anchor", () => {
    expect(unfinished.length).toBeGreaterThan(0);
    expect([...schedules.keys()].sort()).toEqual(unfinished.map((r) => r.id).sort());
  });

  it("are the same for the same seed and anchor, and differ for another seed", () => {
    expect(planRecordSchedules(generateSeedData(1, ANCHOR), 1)).toEqual(schedules);
    const other = planRecordSchedules(generateSeedData(2, ANCHOR), 2);
    expect([...other.values()].map((s) => s.terminalAtMs)).not.toEqual(
      [...schedules.values()].map((s) => s.terminalAtMs),
    );
  });

  it("leave every record as seeded until three minutes after the anchor", () => {
    for (const record of all) {
      expect(at(record, ANCHOR_MS)).toBe(record.json);
      expect(at(record, ANCHOR_MS + 3 * MINUTE - 1)).toBe(record.json);
    }
  });

  it("start the first records within two minutes after that, and end every one by 13 minutes", () => {
    const starts = [...schedules.values()].map((s) => s.startsAtMs).filter((ms) => ms !== undefined);
    expect(starts.length).toBeGreaterThan(0);
    expect(Math.min(...starts)).toBeLessThanOrEqual(ANCHOR_MS + 5 * MINUTE);
    for (const record of unfinished) {
      expect(at(record, ANCHOR_MS + 13 * MINUTE).status).toMatch(/^(completed|failed)$/);
    }
  });

  it("move waiting → in-progress → completed or failed, never back", () => {
    const rank = { waiting: 0, "in-progress": 1, completed: 2, failed: 2 } as const;
    for (const record of unfinished) {
      const statuses = instants.map((ms) => at(record, ms).status);
      for (let i = 1; i < statuses.length; i += 1) {
        expect(rank[statuses[i]!]).toBeGreaterThanOrEqual(rank[statuses[i - 1]!]);
      }
      if (record.json.status === "waiting") expect(statuses).toContain("in-progress");
    }
  });

  it("raise progress monotonically while running, from the seeded value", () => {
    for (const record of unfinished) {
      const progress = instants.map((ms) => at(record, ms).progress);
      expect(progress[0]).toBe(record.json.progress);
      for (let i = 1; i < progress.length; i += 1)
        expect(progress[i]).toBeGreaterThanOrEqual(progress[i - 1]!);
      const running = instants.map((ms) => at(record, ms)).filter((json) => json.status === "in-progress");
      expect(running.every((json) => json.progress <= 99 && json.finishedAt === undefined)).toBe(true);
    }
    // Some record visibly rises while it runs.
    expect(
      unfinished.some(
        (r) =>
          new Set(
            instants
              .map((ms) => at(r, ms))
              .filter((j) => j.status === "in-progress")
              .map((j) => j.progress),
          ).size > 2,
      ),
    ).toBe(true);
  });

  it("never change a record once terminal", () => {
    for (const record of unfinished) {
      const schedule = schedules.get(record.id)!;
      const terminal = at(record, schedule.terminalAtMs);
      expect(terminal.status).toBe(schedule.status);
      for (const later of [1, 1_000, 3_600_000, 30 * 86_400_000]) {
        expect(at(record, schedule.terminalAtMs + later)).toEqual(terminal);
      }
      expect(at(record, schedule.terminalAtMs - 1).status).toBe("in-progress");
    }
  });

  it("end completed records at 100 and failed ones with a reason, finishedAt the terminal instant", () => {
    for (const record of unfinished) {
      const schedule = schedules.get(record.id)!;
      const json = at(record, schedule.terminalAtMs);
      expect(parseUtcTimestamp(json.finishedAt!)).toBe(schedule.terminalAtMs);
      if (json.status === "completed") {
        expect(json.progress).toBe(100);
        expect(json.reason).toBeUndefined();
      } else {
        expect(json.reason).toEqual(expect.any(String));
      }
    }
  });

  it("keep startedAt of running records and give waiting ones their start", () => {
    for (const record of unfinished) {
      const schedule = schedules.get(record.id)!;
      const json = at(record, schedule.terminalAtMs);
      if (record.json.status === "in-progress") expect(json.startedAt).toBe(record.json.startedAt);
      else expect(parseUtcTimestamp(json.startedAt!)).toBe(schedule.startsAtMs);
      expect(parseUtcTimestamp(json.startedAt!)).toBeLessThanOrEqual(schedule.terminalAtMs);
    }
  });

  it("keep every record's other fields and Baidu's key order in every state", () => {
    const order = [
      "task",
      "createdAt",
      "startedAt",
      "finishedAt",
      "progress",
      "status",
      "reason",
      "operator",
      "id",
    ];
    for (const record of unfinished) {
      for (const ms of instants) {
        const json = at(record, ms);
        expect([json.task, json.createdAt, json.operator, json.id]).toEqual([
          record.json.task,
          record.json.createdAt,
          record.json.operator,
          record.json.id,
        ]);
        const keys = Object.keys(json);
        expect(keys).toEqual(order.filter((key) => keys.includes(key)));
      }
    }
  });
});
