import { Access, OPEN_ACCESS } from "../../../src/access/access";
import { PrefetchStatus } from "../../../src/domain/prefetch-status";
import type { PrefetchTask, TaskRef } from "../../../src/domain/prefetch-task";
import { AppError, UpstreamError } from "../../../src/errors/app-error";
import { MAX_CONSECUTIVE_ERRORS } from "../../../src/subscriptions/poll-policy";
import { TaskUpdateStream, type TaskUpdate } from "../../../src/subscriptions/task-updates";
import { TaskWatchHub } from "../../../src/subscriptions/task-watch-hub";
import { ManualScheduler } from "../../support/manual-scheduler";
import { scriptedFetch } from "../../support/scripted-fetch";
import { testTask } from "../../support/tasks";

const BAIDU: TaskRef = { provider: "BAIDU_GEO", account: "main", site: "www.example.com", taskId: "b1" };
const WANGSU: TaskRef = { provider: "WANGSU_CDN_PRO", account: "main", site: null, taskId: "w1" };

const running = (ref: TaskRef, progress: number): PrefetchTask =>
  testTask(ref, { status: PrefetchStatus.IN_PROGRESS, providerStatus: "in-progress", progress });
const completed = (ref: TaskRef, fields: Partial<PrefetchTask> = {}): PrefetchTask =>
  testTask(ref, { status: PrefetchStatus.COMPLETED, progress: 100, finishedAt: new Date(9_000), ...fields });

function setUp() {
  const scheduler = new ManualScheduler();
  const { fetch, asked } = scriptedFetch();
  const hub = new TaskWatchHub({ fetch, scheduler, freshnessMs: 0 });
  return { scheduler, asked, hub };
}

function stream(
  hub: TaskWatchHub,
  refs: readonly TaskRef[],
  access: Access = OPEN_ACCESS,
  onEnd?: () => void,
) {
  return new TaskUpdateStream(
    refs.map((ref, i) => ({ id: `id-${i}`, ref })),
    { hub, caller: "key:ops", access, ...(onEnd && { onEnd }) },
  );
}

/** What an update says, in one word or number: a task's progress, or an error's code and id. */
function describeUpdate(update: TaskUpdate): string {
  if (update instanceof AppError) return `${update.code} ${String(update.extensions.id)}`;
  if (update instanceof Error) return `error ${update.message}`;
  return `${update.ref.taskId} ${update.progress ?? "-"}`;
}

async function drain(updates: TaskUpdateStream): Promise<string[]> {
  const seen: string[] = [];
  for await (const update of updates) seen.push(describeUpdate(update));
  return seen;
}

describe("a subscription's updates", () => {
  it("are each task's current state, then its changes, and end once every task is finished", async () => {
    const { hub, asked, scheduler } = setUp();
    const updates = stream(hub, [BAIDU, WANGSU]);
    const all = drain(updates);
    await Promise.resolve();
    expect(asked.map((a) => a.ref.taskId)).toEqual(["b1", "w1"]);
    await asked[0]!.answer(running(BAIDU, 10));
    await asked[1]!.answer(completed(WANGSU));
    scheduler.runNext();
    await asked[2]!.answer(running(BAIDU, 60));
    scheduler.runNext();
    await asked[3]!.answer(completed(BAIDU));
    expect(await all).toEqual(["b1 10", "w1 100", "b1 60", "b1 100"]);
    expect(hub.activePollers).toBe(0);
  });

  it("poll nothing until they are read", () => {
    const { hub, asked } = setUp();
    stream(hub, [BAIDU]);
    expect(asked).toEqual([]);
  });

  it("watch a task named twice once", async () => {
    const { hub, asked } = setUp();
    const updates = stream(hub, [BAIDU, { ...BAIDU, createdAt: new Date(1_000) }]);
    const all = drain(updates);
    await Promise.resolve();
    expect(asked).toHaveLength(1);
    await asked[0]!.answer(completed(BAIDU));
    expect(await all).toEqual(["b1 100"]);
  });

  it("report a task the provider does not know once, with its id, and do not poll it again", async () => {
    const { hub, asked, scheduler } = setUp();
    const all = drain(stream(hub, [BAIDU]));
    await Promise.resolve();
    await asked[0]!.answer(null);
    expect(await all).toEqual(["BAD_USER_INPUT id-0"]);
    scheduler.advance(3_600_000);
    expect(asked).toHaveLength(1);
  });

  it("report a task found unknown a moment ago to a later subscription at once, without a look-up", async () => {
    const { hub, asked } = setUp();
    const first = drain(stream(hub, [BAIDU]));
    await Promise.resolve();
    await asked[0]!.answer(null);
    expect(await first).toEqual(["BAD_USER_INPUT id-0"]);
    expect(await drain(stream(hub, [BAIDU]))).toEqual(["BAD_USER_INPUT id-0"]);
    expect(asked).toHaveLength(1);
  });

  it("report a task of an account the key may not read as unknown, without a look-up", async () => {
    const { hub, asked } = setUp();
    const onlyWangsu = new Access("ops", [{ provider: "WANGSU_CDN_PRO", account: "*", sites: null }], false);
    const all = drain(stream(hub, [BAIDU, WANGSU], onlyWangsu));
    await Promise.resolve();
    expect(asked.map((a) => a.ref.taskId)).toEqual(["w1"]);
    await asked[0]!.answer(completed(WANGSU));
    expect(await all).toEqual(["BAD_USER_INPUT id-0", "w1 100"]);
  });

  it("report a task that touches no site the key may read as unknown, once it is seen", async () => {
    const { hub, asked } = setUp();
    const oneSite = new Access("ops", [{ provider: "*", account: "*", sites: ["www.example.com"] }], false);
    const all = drain(stream(hub, [WANGSU], oneSite));
    await Promise.resolve();
    await asked[0]!.answer(
      completed(WANGSU, { targets: [{ url: "https://other.example.org/a", headers: [] }] }),
    );
    expect(await all).toEqual(["BAD_USER_INPUT id-0"]);
  });

  it("report a provider's persistent failure with its code and the id, and stop watching the task", async () => {
    const { hub, asked, scheduler } = setUp();
    const all = drain(stream(hub, [BAIDU]));
    await Promise.resolve();
    for (let i = 0; i < MAX_CONSECUTIVE_ERRORS; i++) {
      await asked
        .at(-1)!
        .answer(
          new UpstreamError("UPSTREAM_UNAVAILABLE", "down", { provider: "BAIDU_GEO", account: "main" }),
        );
      scheduler.runNext();
    }
    expect(await all).toEqual(["UPSTREAM_UNAVAILABLE id-0"]);
    expect(asked).toHaveLength(MAX_CONSECUTIVE_ERRORS);
  });
});

describe("a subscriber leaving", () => {
  it("ends a read that waits for the next event at once, and stops the polls nobody else watches", async () => {
    const { hub, asked, scheduler } = setUp();
    let ended = 0;
    const updates = stream(hub, [BAIDU], OPEN_ACCESS, () => ended++);
    const first = updates.next();
    await asked[0]!.answer(running(BAIDU, 10));
    expect(describeUpdate((await first).value as TaskUpdate)).toBe("b1 10");
    const waiting = updates.next();
    await updates.return();
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(ended).toBe(1);
    expect(hub.activePollers).toBe(0);
    scheduler.advance(3_600_000);
    expect(asked).toHaveLength(1);
  });

  it("leaves another subscriber of the same task its updates", async () => {
    const { hub, asked, scheduler } = setUp();
    const leaving = stream(hub, [BAIDU]);
    const staying = stream(hub, [BAIDU]);
    const stayed = drain(staying);
    void leaving.next();
    await Promise.resolve();
    expect(asked).toHaveLength(1);
    await asked[0]!.answer(running(BAIDU, 10));
    await leaving.return();
    scheduler.runNext();
    await asked[1]!.answer(completed(BAIDU));
    expect(await stayed).toEqual(["b1 10", "b1 100"]);
  });
});
