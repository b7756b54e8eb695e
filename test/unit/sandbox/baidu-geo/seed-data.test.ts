import {
  type BaiduPrefetchStatus,
  compareRecords,
  generateSeedData,
  type SeedRecord,
} from "../../../../src/sandbox/baidu-geo/seed-data";
import { parseUtcTimestamp } from "../../../../src/sandbox/time";

const ANCHOR = new Date("2026-03-01T12:00:00Z");
const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

const data = generateSeedData(1, ANCHOR);
const all: SeedRecord[] = [...data.bySite.values()].flat();

function ms(text: string | undefined): number {
  const value = text === undefined ? undefined : parseUtcTimestamp(text);
  if (value === undefined) throw new Error(`not a BCE timestamp: ${String(text)}`);
  return value;
}

describe("the Baidu GEO seed data", () => {
  it("is the same for the same seed and anchor", () => {
    expect(generateSeedData(1, ANCHOR)).toEqual(data);
  });

  it("differs for another seed", () => {
    expect(generateSeedData(2, ANCHOR).bySite.get("www.example.com")?.[0]?.id).not.toBe(
      data.bySite.get("www.example.com")?.[0]?.id,
    );
  });

  it("moves with its anchor", () => {
    const later = generateSeedData(1, new Date(ANCHOR.getTime() + DAY));
    const first = (d: typeof data): number => d.bySite.get("www.example.com")?.[0]?.createdAtMs ?? NaN;
    expect(first(later) - first(data)).toBe(DAY);
  });

  it("seeds three sites with 400, 150 and 6 records", () => {
    expect(data.sites).toEqual(["www.example.com", "static.example.com", "img.example.net"]);
    expect([...data.bySite].map(([site, records]) => [site, records.length])).toEqual([
      ["www.example.com", 400],
      ["static.example.com", 150],
      ["img.example.net", 6],
    ]);
  });

  it("orders each site by createdAt, ties by id, with ties present", () => {
    for (const records of data.bySite.values()) {
      expect([...records].sort(compareRecords)).toEqual(records);
    }
    const www = data.bySite.get("www.example.com") ?? [];
    expect(www.some((r, i) => i > 0 && www[i - 1]?.createdAtMs === r.createdAtMs)).toBe(true);
  });

  it("gives every record a unique 32-hex id that byId finds", () => {
    expect(all.every((r) => /^[0-9a-f]{32}$/.test(r.id) && r.json.id === r.id)).toBe(true);
    expect(new Set(all.map((r) => r.id)).size).toBe(all.length);
    expect(data.byId.size).toBe(all.length);
  });

  it("groups records into submissions with their own 32-hex ids, one site and one createdAt each", () => {
    const submissions = [...data.bySubmission];
    expect(submissions.every(([id]) => /^[0-9a-f]{32}$/.test(id) && !data.byId.has(id))).toBe(true);
    for (const [id, records] of submissions) {
      expect(records.length).toBeGreaterThan(0);
      expect(records.every((r) => r.submissionId === id)).toBe(true);
      expect(new Set(records.map((r) => r.site)).size).toBe(1);
      expect(new Set(records.map((r) => r.createdAtMs)).size).toBe(1);
      expect([...records].sort(compareRecords)).toEqual(records);
    }
    expect(submissions.reduce((n, [, records]) => n + records.length, 0)).toBe(all.length);
    expect(all.every((r) => data.bySubmission.get(r.submissionId)?.includes(r))).toBe(true);
  });

  it("has submissions of one URL, but mostly of several", () => {
    const sizes = [...data.bySubmission.values()].map((records) => records.length);
    const single = sizes.filter((n) => n === 1).length;
    expect(single).toBeGreaterThan(0);
    expect(single).toBeLessThan(sizes.length / 2);
  });

  it("never serialises the submission id in a record", () => {
    expect(all.some((r) => JSON.stringify(r.json).includes(r.submissionId))).toBe(false);
  });

  it("spans about 60 days up to the anchor, in whole seconds", () => {
    const www = data.bySite.get("www.example.com") ?? [];
    expect(
      all.every((r) => r.createdAtMs <= ANCHOR.getTime() && r.createdAtMs > ANCHOR.getTime() - 60 * DAY),
    ).toBe(true);
    expect(all.every((r) => r.createdAtMs % 1000 === 0 && ms(r.json.createdAt) === r.createdAtMs)).toBe(true);
    expect(ANCHOR.getTime() - (www[0]?.createdAtMs ?? 0)).toBeGreaterThan(45 * DAY);
  });

  it("has records in the last 24 hours of every site", () => {
    for (const records of data.bySite.values()) {
      expect(records.some((r) => r.createdAtMs >= ANCHOR.getTime() - DAY)).toBe(true);
    }
  });

  it("shows all four statuses on the big sites, for any of twenty seeds", () => {
    for (let seed = 1; seed <= 20; seed += 1) {
      const seeded = generateSeedData(seed, ANCHOR);
      for (const site of ["www.example.com", "static.example.com"]) {
        const statuses = new Set((seeded.bySite.get(site) ?? []).map((r) => r.json.status));
        expect([...statuses].sort()).toEqual(["completed", "failed", "in-progress", "waiting"]);
      }
    }
  });

  it("has www.example.com records waiting and in progress at the anchor, for any of a hundred seeds", () => {
    for (let seed = 1; seed <= 100; seed += 1) {
      const statuses = generateSeedData(seed, ANCHOR)
        .bySite.get("www.example.com")!
        .map((r) => r.json.status);
      expect(statuses).toEqual(expect.arrayContaining(["waiting", "in-progress"]));
    }
  });

  it("keeps waiting and in-progress records within the last two hours", () => {
    const unfinished = all.filter((r) => r.json.status === "waiting" || r.json.status === "in-progress");
    expect(unfinished.every((r) => ANCHOR.getTime() - r.createdAtMs < 2 * HOUR)).toBe(true);
  });

  it("keeps progress, times and reasons coherent with the status", () => {
    const expectations: Record<BaiduPrefetchStatus, (r: SeedRecord) => boolean> = {
      waiting: (r) =>
        r.json.progress === 0 && r.json.startedAt === undefined && r.json.finishedAt === undefined,
      "in-progress": (r) =>
        r.json.progress > 0 &&
        r.json.progress < 100 &&
        r.json.startedAt !== undefined &&
        r.json.finishedAt === undefined,
      completed: (r) =>
        r.json.progress === 100 && r.json.startedAt !== undefined && r.json.reason === undefined,
      failed: (r) =>
        r.json.progress >= 0 &&
        r.json.progress <= 100 &&
        r.json.startedAt !== undefined &&
        r.json.reason !== undefined,
    };
    expect(all.filter((r) => !expectations[r.json.status](r))).toEqual([]);
    for (const r of all) {
      if (r.json.startedAt !== undefined) expect(ms(r.json.startedAt)).toBeGreaterThanOrEqual(r.createdAtMs);
      if (r.json.finishedAt !== undefined)
        expect(ms(r.json.finishedAt)).toBeGreaterThanOrEqual(ms(r.json.startedAt));
      if (r.json.finishedAt !== undefined)
        expect(ms(r.json.finishedAt)).toBeLessThanOrEqual(ANCHOR.getTime());
    }
  });

  it("mostly carries finishedAt on finished records, but not always", () => {
    const finished = all.filter((r) => r.json.status === "completed" || r.json.status === "failed");
    const without = finished.filter((r) => r.json.finishedAt === undefined).length;
    expect(without).toBeGreaterThan(0);
    expect(without).toBeLessThan(finished.length * 0.2);
  });

  it("names the operator on most records, but not all", () => {
    const without = all.filter((r) => r.json.operator === undefined).length;
    expect(without).toBeGreaterThan(0);
    expect(without).toBeLessThan(all.length * 0.2);
  });

  it("serialises task both as an object and as a one-element array", () => {
    const arrays = all.filter((r) => Array.isArray(r.json.task));
    expect(arrays.length).toBeGreaterThan(0);
    expect(arrays.length).toBeLessThan(all.length / 2);
    expect(arrays.every((r) => Array.isArray(r.json.task) && r.json.task.length === 1)).toBe(true);
  });

  it("puts URLs of the record's own site in task", () => {
    for (const r of all) {
      const task = "url" in r.json.task ? r.json.task : r.json.task[0];
      expect(new URL(task.url).host).toBe(r.site);
    }
  });

  it("serialises keys in Baidu's order", () => {
    const record = all.find(
      (r) => r.json.status === "failed" && r.json.finishedAt !== undefined && r.json.operator,
    );
    expect(Object.keys(record?.json ?? {})).toEqual([
      "task",
      "createdAt",
      "startedAt",
      "finishedAt",
      "progress",
      "status",
      "reason",
      "operator",
      "id",
    ]);
  });
});
