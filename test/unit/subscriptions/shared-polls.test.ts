import { PrefetchStatus } from "../../../src/domain/prefetch-status";
import type { PrefetchTask, TaskRef } from "../../../src/domain/prefetch-task";
import { UpstreamError } from "../../../src/errors/app-error";
import { POLL_STEP_MS } from "../../../src/subscriptions/poll-policy";
import { RECORD_CODEC } from "../../../src/subscriptions/shared-polls";
import type { PollerEvent, Watcher } from "../../../src/subscriptions/task-poller";
import { TaskWatchHub } from "../../../src/subscriptions/task-watch-hub";
import { ManualScheduler } from "../../support/manual-scheduler";
import { MemoryKv } from "../../support/memory-kv";
import { waitUntil } from "../../support/redis-server";
import { scriptedFetch, type AskedFetch } from "../../support/scripted-fetch";
import { testTask } from "../../support/tasks";

/** Real time one step of a test may take on a loaded CI machine: only a step that never comes waits it out. */
const SETTLE_MS = 20_000;
function settled(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  return waitUntil(condition, what, SETTLE_MS);
}

/**
 * The hubs of two replicas on one shared store (a MemoryKv standing for Redis) and one clock: each poll of a
 * task is made by one of them and applied by both. A replica waiting for the other's poll looks for it a few
 * real milliseconds apart (SharedCalls), hence the waitUntil.
 */

const REF: TaskRef = { provider: "BAIDU_GEO", account: "main", site: "www.example.com", taskId: "t1" };

const running = (progress: number): PrefetchTask =>
  testTask(REF, { status: PrefetchStatus.IN_PROGRESS, providerStatus: "in-progress", progress });
const waiting = (): PrefetchTask =>
  testTask(REF, { status: PrefetchStatus.WAITING, providerStatus: "waiting", progress: 0 });
const completed = (): PrefetchTask =>
  testTask(REF, { status: PrefetchStatus.COMPLETED, progress: 100, finishedAt: new Date(9_000) });
const rateLimited = (retryAfterSeconds: number) =>
  new UpstreamError("UPSTREAM_RATE_LIMITED", "budget spent", {
    provider: "BAIDU_GEO",
    account: "main",
    limit: "ACCOUNT",
    retryAfterSeconds,
  });
const unavailable = () =>
  new UpstreamError("UPSTREAM_UNAVAILABLE", "down", { provider: "BAIDU_GEO", account: "main" });

function recorder(): Watcher & { events: PollerEvent[] } {
  const events: PollerEvent[] = [];
  return { caller: "key:ops", events, notify: (event) => events.push(event) };
}

function progressOf(events: readonly PollerEvent[]): (number | string | null)[] {
  return events.map((e) => (e.kind === "task" ? e.task.progress : e.kind));
}

function setUp() {
  const scheduler = new ManualScheduler();
  const kv = new MemoryKv();
  // One scripted fetch for both: `asked` lists the look-ups of either replica in the order they were made.
  const { fetch, asked } = scriptedFetch();
  const hubs = Array.from(
    { length: 2 },
    () => new TaskWatchHub({ fetch, scheduler, freshnessMs: 0, shared: { kv, leaseMs: 5_000 } }),
  );
  return { scheduler, kv, hubs, asked: () => asked };
}

/** Waits until the replicas' next polls are set: `count` timers. */
function untilTimers(scheduler: ManualScheduler, count: number): Promise<void> {
  return settled(() => scheduler.timers === count, `${count} polls to be set`);
}

/** Waits until exactly `count` look-ups were asked in all, and answers the last one. */
async function answerLast(asked: () => AskedFetch[], count: number, result: PrefetchTask | Error | null) {
  await settled(() => asked().length >= count, `look-up ${count}`);
  expect(asked()).toHaveLength(count);
  await asked().at(-1)!.answer(result);
}

describe("a task watched on two replicas sharing their polls", () => {
  it("is looked up once per poll, by either replica, and both replicas' watchers hear the same", async () => {
    const { scheduler, hubs, asked } = setUp();
    const [a, b] = [recorder(), recorder()];
    hubs[0]!.watch(REF, a);
    hubs[1]!.watch(REF, b);
    const answers = [running(10), running(40), running(80), completed()];
    for (const [i, answer] of answers.entries()) {
      await answerLast(asked, i + 1, answer);
      await settled(() => b.events.length === i + 1 && a.events.length === i + 1, "both to hear it");
      if (i < answers.length - 1) {
        // Both replicas' next polls fall on the same instant.
        await untilTimers(scheduler, 2);
        expect(scheduler.runNext()).toBe(true);
        expect(scheduler.timers).toBe(0);
      }
    }
    expect(asked()).toHaveLength(answers.length);
    expect(progressOf(a.events)).toEqual([10, 40, 80, 100]);
    expect(b.events).toEqual(a.events);
    await settled(() => hubs.every((hub) => hub.activePollers === 0), "both pollers to stop");
    expect(scheduler.timers).toBe(0);
  });

  it("tells a watcher who joins on the other replica the last poll at once, and keeps one schedule", async () => {
    const { scheduler, hubs, asked } = setUp();
    const a = recorder();
    hubs[0]!.watch(REF, a);
    // Waiting: A's next poll is on the 4-step grid, at least 2 steps away.
    await answerLast(asked, 1, waiting());
    await untilTimers(scheduler, 1);
    const dueAt = scheduler.now() + scheduler.nextDueIn!;
    expect(dueAt % (4 * POLL_STEP_MS)).toBe(0);
    expect(dueAt - scheduler.now()).toBeGreaterThanOrEqual(2 * POLL_STEP_MS);

    // B starts watching in a later step than A's poll, which it applies at once.
    scheduler.advance(POLL_STEP_MS + 2_000);
    const late = recorder();
    hubs[1]!.watch(REF, late);
    await settled(() => late.events.length === 1, "the late watcher to hear the last poll");
    expect(late.events).toEqual(a.events);
    expect(asked()).toHaveLength(1);
    // Replica B polls next when replica A does: one look-up for both.
    await untilTimers(scheduler, 2);
    expect(scheduler.now() + scheduler.nextDueIn!).toBe(dueAt);
    scheduler.runNext();
    expect(scheduler.timers).toBe(0);
    await answerLast(asked, 2, running(30));
    await settled(() => late.events.length === 2 && a.events.length === 2, "both to hear the next poll");
    expect(progressOf(late.events)).toEqual([0, 30]);
    expect(progressOf(a.events)).toEqual([0, 30]);
  });

  it("does not share a failed poll: the other replica then looks the task up itself", async () => {
    const { scheduler, hubs, asked } = setUp();
    const [a, b] = [recorder(), recorder()];
    hubs[0]!.watch(REF, a);
    hubs[1]!.watch(REF, b);
    await answerLast(asked, 1, unavailable());
    await answerLast(asked, 2, running(10));
    await settled(() => b.events.length === 1, "B to hear its own look-up");
    expect(a.events).toEqual([]);
    // A retries a step later, when B polls next: one look-up for both again.
    await untilTimers(scheduler, 2);
    scheduler.runNext();
    expect(scheduler.timers).toBe(0);
    await answerLast(asked, 3, running(20));
    await settled(() => a.events.length === 1 && b.events.length === 2, "both to hear it");
    expect(progressOf(a.events)).toEqual([20]);
    expect(progressOf(b.events)).toEqual([10, 20]);
  });

  it("polls again after a refusal no sooner than its Retry-After, at an instant the other replica polls too", async () => {
    const { scheduler, hubs, asked } = setUp();
    const [a, b] = [recorder(), recorder()];
    hubs[0]!.watch(REF, a);
    hubs[1]!.watch(REF, b);
    // A leads the first poll and is refused for 12 s, off the 5 s grid; B then makes that poll itself.
    await answerLast(asked, 1, rateLimited(12));
    const refusedAt = scheduler.now();
    await answerLast(asked, 2, running(10));
    await settled(() => b.events.length === 1, "B to hear its poll");
    let instants = 0;
    while (a.events.length === 0 && instants < 6) {
      await untilTimers(scheduler, 2);
      scheduler.runNext();
      instants++;
      // One look-up per instant, whichever replica makes it, whether one or both poll then.
      await answerLast(asked, 2 + instants, running(10 + 10 * instants));
      await settled(() => b.events.length === 1 + instants, "B to hear the poll");
    }
    await settled(() => a.events.length === 1, "A to hear the poll it shared");
    expect(scheduler.now() - refusedAt).toBeGreaterThanOrEqual(12_000);
    expect(scheduler.now() % POLL_STEP_MS).toBe(0);
    expect(asked()).toHaveLength(2 + instants);
    expect(a.events).toEqual(b.events.slice(-1));
    // From then on both poll at the same instants: one look-up each time.
    await untilTimers(scheduler, 2);
    scheduler.runNext();
    expect(scheduler.timers).toBe(0);
    await answerLast(asked, 3 + instants, running(99));
    await settled(() => a.events.length === 2 && b.events.length === 2 + instants, "both to hear it");
  });

  it("polls on each replica on its own while the store is unreachable, and fails nothing", async () => {
    const { hubs, asked, kv } = setUp();
    kv.available = false;
    const [a, b] = [recorder(), recorder()];
    hubs[0]!.watch(REF, a);
    hubs[1]!.watch(REF, b);
    await settled(() => asked().length === 2, "each replica's look-up");
    for (const ask of asked()) await ask.answer(running(10));
    await settled(() => a.events.length === 1 && b.events.length === 1, "both to hear their own");
    expect(progressOf(a.events)).toEqual([10]);
    expect(progressOf(b.events)).toEqual([10]);
  });

  it("makes no look-up for a replica whose last watcher leaves while it waits for the other's poll", async () => {
    const { hubs, asked, kv } = setUp();
    hubs[0]!.watch(REF, recorder());
    await settled(() => asked().length === 1, "replica A's look-up");
    const stop = hubs[1]!.watch(REF, recorder());
    // B waits for A's poll of the same instant while A holds its lease.
    await settled(() => kv.keys().some((k) => k.startsWith("l:")), "A's lease");
    stop();
    expect(hubs[1]!.activePollers).toBe(0);
    await asked()[0]!.answer(running(10));
    await settled(() => kv.keys().some((k) => k.startsWith("latest:")), "A's poll to be published");
    expect(asked()).toHaveLength(1);
  });
});

describe("a shared poll record", () => {
  it("round-trips a task with its dates, and reads a foreign or corrupt entry as nothing", () => {
    const record = { at: 5 * POLL_STEP_MS, task: running(10), unchanged: 2, next: 6 * POLL_STEP_MS };
    expect(RECORD_CODEC.decode(RECORD_CODEC.encode(record))).toEqual(record);
    const gone = { at: 0, task: null, unchanged: 0, next: null };
    expect(RECORD_CODEC.decode(RECORD_CODEC.encode(gone))).toEqual(gone);
    for (const text of [
      "{",
      "null",
      '{"at":"x","task":null,"unchanged":0,"next":null}',
      '{"at":1,"task":{},"unchanged":0,"next":null}',
    ]) {
      expect(RECORD_CODEC.decode(text)).toBeNull();
    }
  });
});
