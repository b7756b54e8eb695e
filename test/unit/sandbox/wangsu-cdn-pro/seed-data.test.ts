import {
  LIVE_HOSTNAME,
  SEEDED_HOSTNAMES,
  seedWangsuTasks,
  toDetailBody,
  toListRow,
  type SeededTask,
} from "../../../../src/sandbox/wangsu-cdn-pro/seed-data";
import { formatUtcSeconds } from "../../../../src/sandbox/time";

const ANCHOR = new Date("2024-05-01T12:00:00Z");
const ANCHOR_MS = ANCHOR.getTime();
const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
const tasks = seedWangsuTasks({ anchor: ANCHOR, seed: 1 });

function withStatus(status: SeededTask["status"]): SeededTask[] {
  return tasks.filter((task) => task.status === status);
}

describe("seedWangsuTasks", () => {
  it("produces the same tasks for the same seed and anchor", () => {
    expect(seedWangsuTasks({ anchor: ANCHOR, seed: 1 })).toEqual(tasks);
  });

  it("produces different tasks for a different seed", () => {
    const other = seedWangsuTasks({ anchor: ANCHOR, seed: 2 });
    expect(other.map((t) => t.id)).not.toEqual(tasks.map((t) => t.id));
  });

  it("seeds about 300 tasks", () => {
    expect(tasks.length).toBeGreaterThanOrEqual(250);
    expect(tasks.length).toBeLessThanOrEqual(350);
  });

  it("gives every task a unique 24-hex-character id", () => {
    const ids = tasks.map((t) => t.id);
    expect(ids.every((id) => /^[0-9a-f]{24}$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("submits every task within the 60 days up to and including the anchor", () => {
    const times = tasks.map((t) => t.submissionMs);
    expect(Math.max(...times)).toBe(ANCHOR_MS);
    expect(Math.min(...times)).toBeGreaterThanOrEqual(ANCHOR_MS - 60 * DAY_MS);
    expect(Math.min(...times)).toBeLessThan(ANCHOR_MS - 50 * DAY_MS);
  });

  it("includes tasks submitted in the same second, so the id tie-break matters", () => {
    const seconds = tasks.map((t) => t.submissionMs);
    expect(new Set(seconds).size).toBeLessThan(seconds.length);
  });

  it("keeps waiting tasks without a success rate or a finish time", () => {
    expect(withStatus("waiting").length).toBeGreaterThan(0);
    for (const task of withStatus("waiting")) {
      expect(task.successRate).toBeUndefined();
      expect(task.finishMs).toBeUndefined();
    }
  });

  it("gives in-progress tasks no finish time and at most a partial success rate", () => {
    const inProgress = withStatus("inprogress");
    expect(inProgress.some((t) => t.successRate === undefined)).toBe(true);
    expect(inProgress.some((t) => t.successRate !== undefined)).toBe(true);
    for (const task of inProgress) {
      expect(task.finishMs).toBeUndefined();
      if (task.successRate !== undefined) expect(task.successRate).toBeLessThan(100);
    }
  });

  it("only has unfinished tasks within the last day", () => {
    const unfinished = tasks.filter((t) => t.status !== "finished");
    expect(unfinished.every((t) => t.submissionMs > ANCHOR_MS - DAY_MS)).toBe(true);
  });

  it("gives finished tasks integer success rates of 0, 100 and values in between", () => {
    const rates = withStatus("finished").map((t) => t.successRate);
    expect(rates.every((r) => r !== undefined && Number.isInteger(r) && r >= 0 && r <= 100)).toBe(true);
    expect(rates).toContain(0);
    expect(rates).toContain(100);
    expect(rates.some((r) => r !== undefined && r > 0 && r < 100)).toBe(true);
  });

  it("gives most finished tasks a finish time between their submission and the anchor", () => {
    const finished = withStatus("finished");
    const timed = finished.filter((t) => t.finishMs !== undefined);
    expect(timed.length / finished.length).toBeGreaterThan(0.8);
    expect(timed.length).toBeLessThan(finished.length);
    for (const task of timed) {
      expect(task.finishMs).toBeGreaterThanOrEqual(task.submissionMs);
      expect(task.finishMs).toBeLessThanOrEqual(ANCHOR_MS);
    }
  });

  it("lists 1 to 5 distinct http(s) URLs of documented length per task", () => {
    for (const task of tasks) {
      expect(task.fileList.length).toBeGreaterThanOrEqual(1);
      expect(task.fileList.length).toBeLessThanOrEqual(5);
      const urls = task.fileList.map((f) => f.url);
      expect(new Set(urls).size).toBe(urls.length);
      expect(urls.every((u) => /^https?:\/\//.test(u) && u.length >= 10 && u.length <= 2048)).toBe(true);
    }
  });

  it("derives each task's hostnames from its URLs, using only the seeded hostnames", () => {
    for (const task of tasks) {
      const fromUrls = [...new Set(task.fileList.map((f) => new URL(f.url).hostname))];
      expect(task.hostnames).toEqual(fromUrls);
      expect(task.hostnames.every((h) => (SEEDED_HOSTNAMES as readonly string[]).includes(h))).toBe(true);
    }
  });

  it("has several tasks that touch two hostnames", () => {
    expect(tasks.filter((t) => t.hostnames.length === 2).length).toBeGreaterThanOrEqual(5);
  });

  it("never mentions a hostname in a task name, so a hostname search matches hostnames only", () => {
    const names = tasks.map((t) => t.name ?? "");
    expect(names.some((n) => SEEDED_HOSTNAMES.some((h) => n.includes(h)))).toBe(false);
  });

  it("varies the optional fields: names, per-URL headers, regions, start times and webhooks", () => {
    const share = (p: (t: SeededTask) => boolean) => tasks.filter(p).length / tasks.length;
    expect(share((t) => t.name !== undefined)).toBeGreaterThan(0.7);
    expect(share((t) => t.name === undefined)).toBeGreaterThan(0);
    expect(share((t) => t.fileList.some((f) => f.headers !== undefined))).toBeGreaterThan(0);
    expect(share((t) => t.regions.length === 0)).toBeGreaterThan(0);
    expect(share((t) => t.regions.length > 0)).toBeGreaterThan(0.5);
    expect(share((t) => t.startMs !== undefined)).toBeGreaterThan(0);
    expect(share((t) => t.webhook !== undefined)).toBeGreaterThan(0);
  });

  it("schedules some waiting tasks to start after the anchor", () => {
    expect(withStatus("waiting").some((t) => t.startMs !== undefined && t.startMs > ANCHOR_MS)).toBe(true);
  });

  it("schedules waiting tasks to start within the minutes in which the emulator moves tasks", () => {
    for (const task of withStatus("waiting").filter((t) => t.startMs !== undefined)) {
      expect(task.startMs).toBeGreaterThanOrEqual(ANCHOR_MS + 3 * 60_000);
      expect(task.startMs).toBeLessThanOrEqual(ANCHOR_MS + 9 * 60_000);
      expect(task.startMs! % 1000).toBe(0);
    }
  });

  it("has a task on www.example.com unfinished at the anchor for every seed, rare ones included", () => {
    expect(LIVE_HOSTNAME).toBe("www.example.com");
    for (let seed = 1; seed <= 300; seed++) {
      const seeded = seedWangsuTasks({ anchor: ANCHOR, seed });
      const live = seeded.filter((t) => t.status !== "finished" && t.hostnames.includes(LIVE_HOSTNAME));
      expect(live.length).toBeGreaterThan(0);
    }
  });

  it("keeps a task's hostnames those of its URLs where www.example.com had to be given an unfinished task", () => {
    // Seed 128 is one of the few whose unfinished tasks would otherwise all be on other hostnames.
    const [first] = seedWangsuTasks({ anchor: ANCHOR, seed: 128 });
    expect(first).toMatchObject({ status: "waiting", submissionMs: ANCHOR_MS });
    expect(first!.hostnames[0]).toBe(LIVE_HOSTNAME);
    expect(first!.hostnames).toEqual([...new Set(first!.fileList.map((f) => new URL(f.url).hostname))]);
  });

  it("uses both documented spellings of the metadata key", () => {
    const keys = new Set(tasks.map((t) => t.metadataKey));
    expect(keys).toEqual(new Set(["metadata", "metaData"]));
  });
});

describe("toDetailBody", () => {
  it("puts the status under the task's own spelling of the metadata key only", () => {
    const task = tasks.find((t) => t.metadataKey === "metaData")!;
    const body = toDetailBody(task);
    expect(body.metaData?.id).toBe(task.id);
    expect(body).not.toHaveProperty("metadata");
  });

  it("leaves out optional keys instead of sending null", () => {
    const waiting = withStatus("waiting").find((t) => t.startMs === undefined)!;
    const body = toDetailBody(waiting);
    const metadata = body.metadata ?? body.metaData;
    expect(metadata).not.toHaveProperty("finishTime");
    expect(metadata).not.toHaveProperty("successRate");
    expect(body).not.toHaveProperty("startTime");
  });
});

describe("toListRow", () => {
  it("summarises a task without the per-URL detail", () => {
    const task = tasks.find((t) => t.startMs !== undefined && t.webhook !== undefined)!;
    const row = toListRow(task);
    expect(row.fileEntries).toBe(task.fileList.length);
    expect(row.hostnames).toEqual(task.hostnames);
    expect(row.submissionTime).toBe(formatUtcSeconds(task.submissionMs));
    for (const key of ["fileList", "regions", "startTime", "webhook", "metadata", "metaData"]) {
      expect(row).not.toHaveProperty(key);
    }
  });
});
