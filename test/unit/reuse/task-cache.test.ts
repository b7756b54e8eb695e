import { NOTHING_MISSING, type LazyTaskField, type PrefetchTask } from "../../../src/domain/prefetch-task";
import { PrefetchStatus } from "../../../src/domain/prefetch-status";
import { FinalTaskCache, FreshCache, estimateTaskBytes, isFinal } from "../../../src/reuse/task-cache";
import { decodeTasksJson, encodeTasksJson, parseTask } from "../../../src/reuse/shared-final-tasks";
import { testTask } from "../../support/tasks";

const OBSERVED = new Date("2026-11-30T10:00:00Z");

function task(id: string, status: PrefetchStatus, missing: ReadonlySet<LazyTaskField> = NOTHING_MISSING) {
  return testTask(
    { provider: "WANGSU_CDN_PRO", account: "main", taskId: id, site: null },
    {
      site: "www.example.com",
      name: "2026-11-30T10:00:00.000Z", // a string that looks like a date stays a string
      targets: [{ url: `https://www.example.com/${id}`, headers: [{ name: "a", value: "b" }] }],
      status,
      providerStatus: status.toLowerCase(),
      createdAt: new Date("2026-11-30T09:00:00Z"),
      missing,
      observedAt: OBSERVED,
    },
  );
}

describe("final tasks", () => {
  it("are finished tasks that carry every field", () => {
    expect(isFinal(task("a", PrefetchStatus.COMPLETED))).toBe(true);
    expect(isFinal(task("a", PrefetchStatus.FAILED))).toBe(true);
    expect(isFinal(task("a", PrefetchStatus.IN_PROGRESS))).toBe(false);
    expect(isFinal(task("a", PrefetchStatus.COMPLETED, new Set<LazyTaskField>(["targets"])))).toBe(false);
  });

  it("are kept within the byte bound, least recently used going first", () => {
    const one = estimateTaskBytes(task("a", PrefetchStatus.COMPLETED));
    const cache = new FinalTaskCache(one * 3 + one / 2);
    for (const id of ["a", "b", "c"]) cache.offer(id, task(id, PrefetchStatus.COMPLETED));
    cache.get("a"); // a is now the most recently used
    cache.offer("d", task("d", PrefetchStatus.COMPLETED));
    expect([..."abcd"].filter((id) => cache.get(id) !== undefined)).toEqual(["a", "c", "d"]);
    expect(cache.bytes).toBeLessThanOrEqual(one * 3 + one / 2);
  });

  it("never include an unfinished task", () => {
    const cache = new FinalTaskCache(1_000_000);
    cache.offer("a", task("a", PrefetchStatus.WAITING));
    expect(cache.get("a")).toBeUndefined();
  });
});

describe("fresh answers", () => {
  it("are bounded by bytes, least recently used going first", () => {
    const cache = new FreshCache<string>(
      5_000,
      10,
      (v) => v.length,
      () => OBSERVED.getTime(),
    );
    cache.set("a", "xxxx", OBSERVED);
    cache.set("b", "yyyy", OBSERVED);
    cache.set("c", "zzzz", OBSERVED);
    expect([cache.get("a"), cache.get("b"), cache.get("c")]).toEqual([undefined, "yyyy", "zzzz"]);
  });

  it("are served until the freshness has passed since the provider's answer, not since they were stored", () => {
    let now = OBSERVED.getTime() + 1_000;
    const cache = new FreshCache<string>(
      5_000,
      1_000,
      (v) => v.length,
      () => now,
    );
    cache.set("k", "v", OBSERVED);
    expect(cache.get("k")).toBe("v");
    now = OBSERVED.getTime() + 5_000;
    expect(cache.get("k")).toBe("v");
    now = OBSERVED.getTime() + 5_001;
    expect(cache.get("k")).toBeUndefined();
  });

  it("refuse an answer that is already too old", () => {
    const cache = new FreshCache<string>(
      5_000,
      1_000,
      (v) => v.length,
      () => OBSERVED.getTime() + 6_000,
    );
    cache.set("k", "v", OBSERVED);
    expect(cache.get("k")).toBeUndefined();
  });
});

describe("task JSON shared between replicas", () => {
  it("keeps dates, missing fields and strings that look like dates as they were", () => {
    const original = task("a", PrefetchStatus.WAITING, new Set<LazyTaskField>(["targets", "details"]));
    const copy = decodeTasksJson(encodeTasksJson({ tasks: [original] })) as { tasks: PrefetchTask[] };
    expect(copy.tasks[0]).toEqual(original);
    expect(copy.tasks[0]!.name).toBe("2026-11-30T10:00:00.000Z");
  });

  it("stores no global id and serves the ref's own, whatever an entry says", () => {
    const original = task("a", PrefetchStatus.COMPLETED);
    const text = encodeTasksJson(original);
    expect(JSON.parse(text)).not.toHaveProperty("id");
    const forged = JSON.stringify({ ...JSON.parse(text), id: "someone-elses-id" });
    expect(parseTask(text)?.id).toBe(original.id);
    expect(parseTask(forged)?.id).toBe(original.id);
  });

  it("reads a corrupt or foreign entry as a miss", () => {
    expect(parseTask("not json")).toBeNull();
    expect(parseTask(JSON.stringify({ ref: { taskId: "a" } }))).toBeNull();
  });
});
