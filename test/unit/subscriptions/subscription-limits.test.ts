import { AppError } from "../../../src/errors/app-error";
import {
  SubscriptionLimits,
  type ConnectionSubscriptions,
  type SubscriptionLimitSettings,
} from "../../../src/subscriptions/subscription-limits";
import { codeThrownBy } from "../../support/error-codes";

const SETTINGS: SubscriptionLimitSettings = {
  perConnection: 10,
  perCaller: 10,
  connectionsPerCaller: 10,
  connectionsPerProcess: 10,
  watchedTasksPerCaller: 100,
  watchedTasksPerProcess: 1_000,
  idleTimeoutMs: 60_000,
};

function limits(settings: Partial<SubscriptionLimitSettings>): SubscriptionLimits {
  return new SubscriptionLimits({ ...SETTINGS, ...settings });
}

/** What `run` throws: an AppError's code and extensions. */
function refusalOf(run: () => unknown): { code: string; extensions: Record<string, unknown> } {
  try {
    run();
  } catch (err) {
    if (err instanceof AppError) return { code: err.code, extensions: { ...err.extensions } };
    throw err;
  }
  throw new Error("not refused");
}

describe("subscription limits", () => {
  it("refuse a connection's subscription past its bound, with the bound", () => {
    const bounds = limits({ perConnection: 2 });
    const connection: ConnectionSubscriptions = { active: 0 };
    bounds.acquire(connection, "key:a");
    bounds.acquire(connection, "key:a");
    expect(refusalOf(() => bounds.acquire(connection, "key:a"))).toEqual({
      code: "OPERATION_LIMIT_EXCEEDED",
      extensions: { maxSubscriptionsPerConnection: 2 },
    });
    expect(bounds.acquire({ active: 0 }, "key:a")).toEqual(expect.any(Function));
  });

  it("refuse a caller's subscription past its bound over all its connections", () => {
    const bounds = limits({ perCaller: 2 });
    bounds.acquire({ active: 0 }, "key:a");
    bounds.acquire({ active: 0 }, "key:a");
    expect(refusalOf(() => bounds.acquire({ active: 0 }, "key:a")).extensions).toEqual({
      maxSubscriptionsPerCaller: 2,
    });
    expect(codeThrownBy(() => bounds.acquire({ active: 0 }, "key:b"))).toBeUndefined();
  });

  it("count a subscription until its release, which may come twice", () => {
    const bounds = limits({ perConnection: 1, perCaller: 1 });
    const connection: ConnectionSubscriptions = { active: 0 };
    const release = bounds.acquire(connection, "key:a");
    expect(bounds.active).toBe(1);
    release();
    release();
    expect(bounds.active).toBe(0);
    expect(connection.active).toBe(0);
    expect(codeThrownBy(() => bounds.acquire(connection, "key:a"))).toBeUndefined();
  });
});

describe("connection limits", () => {
  it("refuse a connection past the process's bound, whoever it is, until one closes", () => {
    const bounds = limits({ connectionsPerProcess: 2 });
    const first = bounds.admitConnection();
    bounds.admitConnection();
    expect(refusalOf(() => bounds.admitConnection())).toEqual({
      code: "OPERATION_LIMIT_EXCEEDED",
      extensions: { maxConnectionsPerProcess: 2 },
    });
    first();
    first();
    expect(bounds.connections).toBe(1);
    expect(codeThrownBy(() => bounds.admitConnection())).toBeUndefined();
  });

  it("refuse a caller's connection past its bound, and no other caller's", () => {
    const bounds = limits({ connectionsPerCaller: 1 });
    const release = bounds.acquireConnection("key:a");
    expect(refusalOf(() => bounds.acquireConnection("key:a")).extensions).toEqual({
      maxConnectionsPerCaller: 1,
    });
    expect(codeThrownBy(() => bounds.acquireConnection("key:b"))).toBeUndefined();
    release();
    expect(codeThrownBy(() => bounds.acquireConnection("key:a"))).toBeUndefined();
  });
});

describe("watched-task limits", () => {
  it("refuse a subscription's tasks, all of them, past the caller's bound", () => {
    const bounds = limits({ watchedTasksPerCaller: 150 });
    bounds.acquireTasks("key:a", 100);
    expect(refusalOf(() => bounds.acquireTasks("key:a", 51)).extensions).toEqual({
      maxWatchedTasksPerCaller: 150,
    });
    expect(bounds.watchedTasks).toBe(100);
    expect(codeThrownBy(() => bounds.acquireTasks("key:a", 50))).toBeUndefined();
    expect(codeThrownBy(() => bounds.acquireTasks("key:b", 100))).toBeUndefined();
  });

  it("refuse a subscription's tasks past the process's bound, whichever caller asks", () => {
    const bounds = limits({ watchedTasksPerCaller: 100, watchedTasksPerProcess: 250 });
    bounds.acquireTasks("ip:10.0.0.1", 100);
    bounds.acquireTasks("ip:10.0.0.2", 100);
    expect(refusalOf(() => bounds.acquireTasks("ip:10.0.0.3", 100)).extensions).toEqual({
      maxWatchedTasksPerProcess: 250,
    });
    expect(bounds.watchedTasks).toBe(200);
  });

  it("count a subscription's tasks until their release, which may come twice", () => {
    const bounds = limits({ watchedTasksPerCaller: 100 });
    const release = bounds.acquireTasks("key:a", 100);
    release();
    release();
    expect(bounds.watchedTasks).toBe(0);
    expect(codeThrownBy(() => bounds.acquireTasks("key:a", 100))).toBeUndefined();
  });
});
