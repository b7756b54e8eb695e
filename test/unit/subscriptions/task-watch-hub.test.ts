import { PrefetchStatus } from "../../../src/domain/prefetch-status";
import type { PrefetchTask, TaskRef } from "../../../src/domain/prefetch-task";
import { UpstreamError } from "../../../src/errors/app-error";
import { MAX_CONSECUTIVE_ERRORS, POLL_STEP_MS } from "../../../src/subscriptions/poll-policy";
import type { PollerEvent, TaskFetch, Watcher } from "../../../src/subscriptions/task-poller";
import { TaskWatchHub, UNKNOWN_TASK_TTL_MS } from "../../../src/subscriptions/task-watch-hub";
import { ManualScheduler, OFF_GRID_MS } from "../../support/manual-scheduler";
import { scriptedFetch } from "../../support/scripted-fetch";
import { testTask } from "../../support/tasks";

const REF: TaskRef = { provider: "BAIDU_GEO", account: "main", site: "www.example.com", taskId: "t1" };
const OTHER: TaskRef = { ...REF, taskId: "t2" };

function running(progress: number, ref: TaskRef = REF): PrefetchTask {
  return testTask(ref, { status: PrefetchStatus.IN_PROGRESS, providerStatus: "in-progress", progress });
}
function waiting(ref: TaskRef = REF): PrefetchTask {
  return testTask(ref, { status: PrefetchStatus.WAITING, providerStatus: "waiting", progress: 0 });
}
function completed(ref: TaskRef = REF): PrefetchTask {
  return testTask(ref, { status: PrefetchStatus.COMPLETED, progress: 100, finishedAt: new Date(9_000) });
}

const unavailable = () =>
  new UpstreamError("UPSTREAM_UNAVAILABLE", "down", { provider: "BAIDU_GEO", account: "main" });
const rateLimited = (retryAfterSeconds?: number) =>
  new UpstreamError("UPSTREAM_RATE_LIMITED", "budget spent", {
    provider: "BAIDU_GEO",
    account: "main",
    limit: "ACCOUNT",
    ...(retryAfterSeconds !== undefined && { retryAfterSeconds }),
  });
/** The caller's fair share of the account's window is spent (the account's budget is not). */
const shareSpent = (retryAfterSeconds: number) =>
  new UpstreamError("UPSTREAM_RATE_LIMITED", "your share is spent", {
    provider: "BAIDU_GEO",
    account: "main",
    limit: "CALLER",
    retryAfterSeconds,
  });

/** Clocks in several phases of the poll grids: on every grid, just past or before one, and off all. */
const PHASES = [0, 1, OFF_GRID_MS, 59_999, 119_999].map((offset) => Date.UTC(2026, 0, 1) + offset);

function recorder(caller = "key:ops"): Watcher & { events: PollerEvent[] } {
  const events: PollerEvent[] = [];
  return { caller, events, notify: (event) => events.push(event) };
}

function progressOf(events: readonly PollerEvent[]): (number | string | null)[] {
  return events.map((e) => (e.kind === "task" ? e.task.progress : e.kind));
}

function setUp(freshnessMs = 0, startAt?: number) {
  const scheduler = new ManualScheduler(startAt);
  const { fetch, asked } = scriptedFetch();
  const hub = new TaskWatchHub({ fetch, scheduler, freshnessMs });
  return { scheduler, asked, hub };
}

describe("a task watched by many", () => {
  it("is looked up once, at once, and every watcher hears the answer", async () => {
    const { hub, asked } = setUp();
    const watchers = Array.from({ length: 50 }, () => recorder());
    for (const w of watchers) hub.watch(REF, w);
    expect(asked).toHaveLength(1);
    await asked[0]!.answer(running(10));
    for (const w of watchers) expect(progressOf(w.events)).toEqual([10]);
    expect(hub.activePollers).toBe(1);
  });

  it("is polled on one schedule whatever the number of watchers", async () => {
    const { hub, asked, scheduler } = setUp();
    for (let i = 0; i < 50; i++) hub.watch(REF, recorder());
    await asked[0]!.answer(running(10));
    scheduler.advance(10 * POLL_STEP_MS);
    // One poll per step: the first one came due, and no other until it is answered.
    expect(asked).toHaveLength(2);
  });

  it("tells a watcher who joins later the last observation at once, without a look-up", async () => {
    const { hub, asked } = setUp();
    hub.watch(REF, recorder());
    await asked[0]!.answer(running(10));
    const late = recorder();
    hub.watch(REF, late);
    expect(progressOf(late.events)).toEqual([10]);
    expect(asked).toHaveLength(1);
  });

  it("is one task whether its ref carries a creation-time hint or not, and the poll uses the hint", async () => {
    const { hub, asked, scheduler } = setUp();
    hub.watch(REF, recorder());
    hub.watch({ ...REF, createdAt: new Date("2026-01-01T00:00:00Z") }, recorder());
    expect(hub.activePollers).toBe(1);
    await asked[0]!.answer(running(10));
    scheduler.runNext();
    expect(asked[1]!.ref.createdAt).toEqual(new Date("2026-01-01T00:00:00Z"));
  });

  it("charges its polls to its watchers' callers in turn", async () => {
    const { hub, asked, scheduler } = setUp();
    hub.watch(REF, recorder("key:a"));
    hub.watch(REF, recorder("key:a"));
    hub.watch(REF, recorder("key:b"));
    for (let i = 0; i < 4; i++) {
      await asked[i]!.answer(running(10 + i));
      scheduler.runNext();
    }
    expect(asked.map((a) => a.caller)).toEqual(["key:a", "key:b", "key:a", "key:b", "key:a"]);
  });
});

describe("a running task", () => {
  it("is polled every step, aligned on the step, and its watchers hear each change in order", async () => {
    const { hub, asked, scheduler } = setUp();
    const w = recorder();
    hub.watch(REF, w);
    await asked[0]!.answer(running(10));
    const due = scheduler.nextDueIn!;
    expect((scheduler.now() + due) % POLL_STEP_MS).toBe(0);
    for (const progress of [20, 20, 55]) {
      scheduler.runNext();
      await asked.at(-1)!.answer(running(progress));
    }
    scheduler.runNext();
    await asked.at(-1)!.answer(completed());
    expect(progressOf(w.events)).toEqual([10, 20, 55, 100]);
    expect(asked).toHaveLength(5);
  });

  it("stops being polled once finished, and its poller goes", async () => {
    const { hub, asked, scheduler } = setUp();
    hub.watch(REF, recorder());
    await asked[0]!.answer(completed());
    expect(hub.activePollers).toBe(0);
    expect(scheduler.timers).toBe(0);
  });

  it("is never polled sooner than the reuse layer's freshness window allows", async () => {
    const { hub, asked, scheduler } = setUp(30_000);
    hub.watch(REF, recorder());
    await asked[0]!.answer(running(10));
    expect(scheduler.nextDueIn!).toBeGreaterThan(30_000);
  });
});

describe("a waiting task", () => {
  it("is polled far less often than a running one while nothing changes", async () => {
    const polls = async (task: PrefetchTask): Promise<number> => {
      const { hub, asked, scheduler } = setUp();
      hub.watch(REF, recorder());
      await asked[0]!.answer(task);
      const end = scheduler.now() + 15 * 60_000;
      while (scheduler.nextDueIn !== null && scheduler.now() + scheduler.nextDueIn <= end) {
        scheduler.runNext();
        await asked.at(-1)!.answer(task);
      }
      return asked.length;
    };
    // Waiting: 20 s, 40 s, 80 s, then every 160 s; running: every 5 s, then every 20 s.
    expect(await polls(waiting())).toBeLessThanOrEqual(10);
    expect(await polls(running(10))).toBeGreaterThanOrEqual(40);
  });
});

describe("a task the provider does not know", () => {
  it("is reported at once, without a look-up, to a watcher who comes within a minute; looked up again after", async () => {
    const { hub, asked, scheduler } = setUp();
    hub.watch(REF, recorder());
    await asked[0]!.answer(null);
    const again = recorder();
    hub.watch(REF, again);
    expect(again.events).toEqual([{ kind: "gone" }]);
    expect(asked).toHaveLength(1);
    expect(hub.activePollers).toBe(0);
    scheduler.advance(UNKNOWN_TASK_TTL_MS);
    hub.watch(REF, recorder());
    expect(asked).toHaveLength(2);
  });

  it("is reported once to every watcher and not polled again", async () => {
    const { hub, asked, scheduler } = setUp();
    const [a, b] = [recorder(), recorder()];
    hub.watch(REF, a);
    hub.watch(REF, b);
    await asked[0]!.answer(null);
    expect(a.events).toEqual([{ kind: "gone" }]);
    expect(b.events).toEqual([{ kind: "gone" }]);
    expect(scheduler.timers).toBe(0);
    expect(hub.activePollers).toBe(0);
  });
});

describe("a poll refused by a budget", () => {
  it("is tried again later, no sooner than the refusal says, and watchers hear nothing of it", async () => {
    for (const startAt of PHASES) {
      for (const retryAfter of [12, 60, 120, 290]) {
        const { hub, asked, scheduler } = setUp(0, startAt);
        const w = recorder();
        hub.watch(REF, w);
        await asked[0]!.answer(rateLimited(retryAfter));
        expect(scheduler.nextDueIn!).toBeGreaterThanOrEqual(retryAfter * 1_000);
        scheduler.runNext();
        await asked[1]!.answer(running(30));
        expect(progressOf(w.events)).toEqual([30]);
      }
    }
  });

  it("is tried again no sooner than the Retry-After of each refusal in a row", async () => {
    const { hub, asked, scheduler } = setUp();
    hub.watch(REF, recorder());
    for (const retryAfter of [45, 7, 200, 31]) {
      await asked.at(-1)!.answer(rateLimited(retryAfter));
      expect(scheduler.nextDueIn!).toBeGreaterThanOrEqual(retryAfter * 1_000);
      expect((scheduler.now() + scheduler.nextDueIn!) % POLL_STEP_MS).toBe(0);
      scheduler.runNext();
    }
    expect(asked).toHaveLength(5);
  });

  it("by the account's budget backs off for every watcher, without asking another caller", async () => {
    const { hub, asked, scheduler } = setUp();
    hub.watch(REF, recorder("key:a"));
    hub.watch(REF, recorder("key:b"));
    await asked[0]!.answer(rateLimited(45));
    expect(asked).toHaveLength(1);
    expect(scheduler.nextDueIn!).toBeGreaterThanOrEqual(45_000);
  });

  it("never counts towards giving up", async () => {
    const { hub, asked, scheduler } = setUp();
    const w = recorder();
    hub.watch(REF, w);
    for (let i = 0; i < 3 * MAX_CONSECUTIVE_ERRORS; i++) {
      await asked.at(-1)!.answer(rateLimited());
      expect(scheduler.runNext()).toBe(true);
    }
    expect(w.events).toEqual([]);
    expect(hub.activePollers).toBe(1);
  });
});

describe("a poll refused by one caller's fair share", () => {
  it("is made at once with another watcher's caller, and the watchers hear it", async () => {
    const { hub, asked, scheduler } = setUp();
    const w = recorder("key:a");
    hub.watch(REF, w);
    hub.watch(REF, recorder("key:b"));
    expect(asked[0]!.caller).toBe("key:a");
    await asked[0]!.answer(shareSpent(60));
    expect(asked.map((a) => a.caller)).toEqual(["key:a", "key:b"]);
    await asked[1]!.answer(running(10));
    expect(progressOf(w.events)).toEqual([10]);
    // A running task's next poll, a step or so away: no back-off for anyone.
    expect(scheduler.nextDueIn!).toBeLessThanOrEqual(1.5 * POLL_STEP_MS);
  });

  it("is not charged to that caller again before its share's Retry-After, and then is", async () => {
    const { hub, asked, scheduler } = setUp();
    hub.watch(REF, recorder("key:a"));
    hub.watch(REF, recorder("key:b"));
    await asked[0]!.answer(shareSpent(60));
    const refusedAt = scheduler.now();
    await asked[1]!.answer(running(10));
    const before: string[] = [];
    let progress = 10;
    while (scheduler.now() + scheduler.nextDueIn! < refusedAt + 60_000) {
      scheduler.runNext();
      before.push(asked.at(-1)!.caller);
      await asked.at(-1)!.answer(running(++progress));
    }
    expect(before.length).toBeGreaterThan(5);
    expect(new Set(before)).toEqual(new Set(["key:b"]));
    const after: string[] = [];
    for (let i = 0; i < 2; i++) {
      scheduler.runNext();
      after.push(asked.at(-1)!.caller);
      await asked.at(-1)!.answer(running(++progress));
    }
    expect(after).toContain("key:a");
  });

  it("backs off until the first caller's share allows it, where every watcher's share is spent", async () => {
    const { hub, asked, scheduler } = setUp();
    const w = recorder("key:a");
    hub.watch(REF, w);
    hub.watch(REF, recorder("key:b"));
    await asked[0]!.answer(shareSpent(30));
    await asked[1]!.answer(shareSpent(90));
    expect(asked).toHaveLength(2);
    expect(scheduler.nextDueIn!).toBeGreaterThanOrEqual(30_000);
    expect(scheduler.nextDueIn!).toBeLessThan(90_000);
    scheduler.runNext();
    expect(asked.map((a) => a.caller)).toEqual(["key:a", "key:b", "key:a"]);
    await asked[2]!.answer(running(10));
    expect(progressOf(w.events)).toEqual([10]);
  });
});

describe("a watcher who joins", () => {
  it("gets a poll made at once, charged to its caller, where the last observation is stale", async () => {
    const { hub, asked, scheduler } = setUp();
    const first = recorder("key:a");
    hub.watch(REF, first);
    // Waiting and unchanged three times: the next poll is at least 8 steps after the last.
    for (let i = 0; i < 3; i++) {
      if (i > 0) scheduler.runNext();
      await asked.at(-1)!.answer(waiting());
    }
    expect(scheduler.nextDueIn!).toBeGreaterThanOrEqual(8 * POLL_STEP_MS);
    scheduler.advance(5 * POLL_STEP_MS);
    const late = recorder("key:late");
    hub.watch(REF, late);
    expect(progressOf(late.events)).toEqual([0]);
    expect(asked).toHaveLength(4);
    expect(asked[3]!.caller).toBe("key:late");
    await asked[3]!.answer(running(20));
    expect(progressOf(late.events)).toEqual([0, 20]);
    expect(progressOf(first.events)).toEqual([0, 20]);
    // One schedule still: the poll made for the newcomer replaced the one due.
    expect(scheduler.timers).toBe(1);
  });

  it("never cuts a refusal's back-off short", async () => {
    const { hub, asked, scheduler } = setUp();
    hub.watch(REF, recorder());
    await asked[0]!.answer(running(10));
    scheduler.runNext();
    await asked[1]!.answer(rateLimited(300));
    scheduler.advance(200_000);
    hub.watch(REF, recorder("key:late"));
    expect(asked).toHaveLength(2);
  });
});

describe("a provider that keeps failing", () => {
  it(`reports its last error after ${MAX_CONSECUTIVE_ERRORS} failures in a row, and the task is no longer polled`, async () => {
    const { hub, asked, scheduler } = setUp();
    const w = recorder();
    hub.watch(REF, w);
    for (let i = 1; i < MAX_CONSECUTIVE_ERRORS; i++) {
      await asked.at(-1)!.answer(unavailable());
      expect(scheduler.runNext()).toBe(true);
    }
    const last = unavailable();
    await asked.at(-1)!.answer(last);
    expect(w.events).toEqual([{ kind: "failed", error: last }]);
    expect(scheduler.timers).toBe(0);
    expect(hub.activePollers).toBe(0);
  });

  it("starts counting again after an answer", async () => {
    const { hub, asked, scheduler } = setUp();
    const w = recorder();
    hub.watch(REF, w);
    for (let round = 0; round < 2; round++) {
      for (let i = 1; i < MAX_CONSECUTIVE_ERRORS; i++) {
        await asked.at(-1)!.answer(unavailable());
        scheduler.runNext();
      }
      await asked.at(-1)!.answer(running(10 + round));
      scheduler.runNext();
    }
    expect(progressOf(w.events)).toEqual([10, 11]);
  });
});

describe("a look-up that rejects (a bug: a TaskFetch never should)", () => {
  it("is a failed poll: tried again after a back-off, then reported, never a poller stuck", async () => {
    const scheduler = new ManualScheduler();
    let calls = 0;
    const fetch: TaskFetch = () => {
      calls++;
      return Promise.reject(new Error("a bug"));
    };
    const hub = new TaskWatchHub({ fetch, scheduler, freshnessMs: 0 });
    const w = recorder();
    hub.watch(REF, w);
    for (let i = 1; i < MAX_CONSECUTIVE_ERRORS; i++) {
      await new Promise((settled) => setImmediate(settled));
      expect(scheduler.runNext()).toBe(true);
    }
    await new Promise((settled) => setImmediate(settled));
    expect(calls).toBe(MAX_CONSECUTIVE_ERRORS);
    expect(w.events).toEqual([{ kind: "failed", error: new Error("a bug") }]);
    expect(hub.activePollers).toBe(0);
  });
});

describe("watchers leaving", () => {
  it("keeps the poll while one watcher is left", () => {
    const { hub, asked } = setUp();
    const stop = hub.watch(REF, recorder());
    hub.watch(REF, recorder());
    stop();
    expect(asked[0]!.signal.aborted).toBe(false);
    expect(hub.activePollers).toBe(1);
  });

  it("stops the poll with the last one: the look-up in flight is aborted and no other is made", async () => {
    const { hub, asked, scheduler } = setUp();
    const w = recorder();
    const stop = hub.watch(REF, w);
    stop();
    expect(asked[0]!.signal.aborted).toBe(true);
    await asked[0]!.answer(running(10));
    expect(w.events).toEqual([]);
    scheduler.advance(3_600_000);
    expect(asked).toHaveLength(1);
    expect(hub.activePollers).toBe(0);
  });

  it("cancels the next poll where none is in flight", async () => {
    const { hub, asked, scheduler } = setUp();
    const stop = hub.watch(REF, recorder());
    await asked[0]!.answer(running(10));
    expect(scheduler.timers).toBe(1);
    stop();
    expect(scheduler.timers).toBe(0);
  });

  it("lets a later watcher of the same task start a poll of its own", async () => {
    const { hub, asked } = setUp();
    hub.watch(REF, recorder())();
    const w = recorder();
    hub.watch(REF, w);
    expect(asked).toHaveLength(2);
    await asked[1]!.answer(running(10));
    expect(progressOf(w.events)).toEqual([10]);
  });
});

describe("closing the hub", () => {
  it("stops every poll and takes no more watchers", async () => {
    const { hub, asked, scheduler } = setUp();
    hub.watch(REF, recorder());
    hub.watch(OTHER, recorder());
    await asked[0]!.answer(running(10, REF));
    hub.close();
    expect(asked[1]!.signal.aborted).toBe(true);
    expect(scheduler.timers).toBe(0);
    expect(hub.activePollers).toBe(0);
    expect(() => hub.watch(REF, recorder())).toThrow();
  });
});
