import { OPEN_ACCESS } from "../../../src/access/access";
import type { Context } from "../../../src/context";
import { encodeGlobalId } from "../../../src/domain/global-id";
import { AppError } from "../../../src/errors/app-error";
import { OperationScope } from "../../../src/http/operation-scope";
import { subscribeToTaskUpdates } from "../../../src/subscriptions/subscribe-task-updates";
import { SubscriptionLimits } from "../../../src/subscriptions/subscription-limits";
import { TaskWatchHub } from "../../../src/subscriptions/task-watch-hub";
import { ManualScheduler } from "../../support/manual-scheduler";
import { scriptedFetch } from "../../support/scripted-fetch";

const NOW = new Date("2026-03-01T00:00:00Z");
const id = (taskId: string) =>
  encodeGlobalId({ provider: "BAIDU_GEO", account: "main", site: "www.example.com", taskId });

function setUp(withHub = true, bounds = { watchedTasksPerCaller: 1_000, watchedTasksPerProcess: 10_000 }) {
  const { fetch, asked } = scriptedFetch();
  const limits = new SubscriptionLimits({
    perConnection: 20,
    perCaller: 100,
    connectionsPerCaller: 100,
    connectionsPerProcess: 1_000,
    idleTimeoutMs: 60_000,
    ...bounds,
  });
  const hub = new TaskWatchHub({ fetch, scheduler: new ManualScheduler(), freshnessMs: 0, bounds: limits });
  const scope = new OperationScope({ maxCalls: 10, caller: "key:ops", deadlineMs: null });
  const ctx = {
    now: NOW,
    access: OPEN_ACCESS,
    scope,
    ...(withHub && { taskWatch: hub }),
  } as unknown as Context;
  return { ctx, asked, limits, scope };
}

/** The refusal `subscribe` throws: its code, argument and message. */
function refusal(run: () => unknown): { code: string; argumentName: unknown; message: string } {
  try {
    run();
  } catch (err) {
    if (err instanceof AppError)
      return { code: err.code, argumentName: err.extensions.argumentName, message: err.message };
    throw err;
  }
  throw new Error("not refused");
}

describe("subscribing to task updates", () => {
  it("watches up to 100 ids", async () => {
    const { ctx, asked } = setUp();
    const ids = Array.from({ length: 100 }, (_, i) => id(`t${i}`));
    const updates = subscribeToTaskUpdates(ctx, ids);
    const first = updates.next();
    expect(asked).toHaveLength(100);
    await updates.return();
    expect(await first).toEqual({ value: undefined, done: true });
  });

  it("refuses more than 100 ids before any look-up", () => {
    const { ctx, asked } = setUp();
    const ids = Array.from({ length: 101 }, (_, i) => id(`t${i}`));
    const refused = refusal(() => subscribeToTaskUpdates(ctx, ids));
    expect(refused).toMatchObject({ code: "BAD_USER_INPUT", argumentName: "ids" });
    expect(refused.message).toContain("at most 100");
    expect(asked).toEqual([]);
  });

  it("refuses ids this API never issued, naming them, before any look-up", () => {
    const { ctx, asked } = setUp();
    const refused = refusal(() => subscribeToTaskUpdates(ctx, [id("ok"), "not-an-id", id("ok2"), "@@"]));
    expect(refused).toMatchObject({ code: "BAD_USER_INPUT", argumentName: "ids" });
    expect(refused.message).toContain("ids[1], ids[3] are not task ids");
    expect(asked).toEqual([]);
  });

  it("refuses an empty list", () => {
    const { ctx } = setUp();
    expect(refusal(() => subscribeToTaskUpdates(ctx, []))).toMatchObject({ code: "BAD_USER_INPUT" });
  });

  it("refuses more watched tasks than the caller's bound, all of them, before any look-up", () => {
    const { ctx, asked, limits } = setUp(true, { watchedTasksPerCaller: 5, watchedTasksPerProcess: 100 });
    const held = subscribeToTaskUpdates(ctx, [id("a"), id("b"), id("c")]);
    expect(limits.watchedTasks).toBe(3);
    const refused = refusal(() => subscribeToTaskUpdates(ctx, [id("d"), id("e"), id("f")]));
    expect(refused.code).toBe("OPERATION_LIMIT_EXCEEDED");
    expect(limits.watchedTasks).toBe(3);
    expect(asked).toEqual([]);
    void held.return();
    expect(limits.watchedTasks).toBe(0);
  });

  it("counts a task named twice once against the bounds", async () => {
    const { ctx, limits } = setUp();
    const updates = subscribeToTaskUpdates(ctx, [id("a"), id("a"), id("b")]);
    expect(limits.watchedTasks).toBe(2);
    await updates.return();
    expect(limits.watchedTasks).toBe(0);
  });

  it("releases its watched tasks when the subscription's scope ends, even if its stream is never read", () => {
    const { ctx, limits, scope } = setUp();
    subscribeToTaskUpdates(ctx, [id("a"), id("b")]);
    expect(limits.watchedTasks).toBe(2);
    scope.finish();
    expect(limits.watchedTasks).toBe(0);
  });

  it("refuses where the transport has no subscriptions (an operation over HTTP)", () => {
    const { ctx } = setUp(false);
    expect(refusal(() => subscribeToTaskUpdates(ctx, [id("t")])).message).toContain("WebSocket");
  });
});
