import { ConcurrencyLimit } from "../../../src/http/concurrency-limit";
import { WaitQueue } from "../../../src/http/wait-queue";

describe("ConcurrencyLimit", () => {
  it("never runs more than max tasks at once and runs them all", async () => {
    const limit = new ConcurrencyLimit(3);
    let active = 0;
    let peak = 0;
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        limit.run(async () => {
          active++;
          peak = Math.max(peak, active);
          await new Promise((r) => setTimeout(r, 5));
          active--;
          return i;
        }),
      ),
    );
    expect(results).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(peak).toBe(3);
  });

  it("frees the slot of a task that fails", async () => {
    const limit = new ConcurrencyLimit(1);
    await expect(limit.run(() => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await expect(limit.run(() => Promise.resolve("ok"))).resolves.toBe("ok");
  });

  it("starts waiting tasks in arrival order", async () => {
    const limit = new ConcurrencyLimit(1);
    const order: number[] = [];
    await Promise.all([1, 2, 3].map((n) => limit.run(() => Promise.resolve(void order.push(n)))));
    expect(order).toEqual([1, 2, 3]);
  });
});

describe("ConcurrencyLimit with a signal and a bounded queue", () => {
  /** A task that runs until release() is called, counting its starts. */
  function gate() {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const started: number[] = [];
    return {
      started,
      release: () => release(),
      task: (n: number) => () => released.then(() => void started.push(n)),
    };
  }

  const overloaded = () => new Error("overloaded");

  it("refuses a task at once where the queue is full, and never starts it", async () => {
    const limit = new ConcurrencyLimit(1);
    const queue = new WaitQueue(1, overloaded);
    const g = gate();
    const running = limit.run(g.task(1), { queue });
    const queued = limit.run(g.task(2), { queue });
    await expect(limit.run(g.task(3), { queue })).rejects.toThrow("overloaded");
    expect(queue.size).toBe(1);
    g.release();
    await Promise.all([running, queued]);
    expect(g.started.sort()).toEqual([1, 2]);
    expect(queue.size).toBe(0);
  });

  it("takes an aborted waiter out of the line at once: it never starts and frees its place", async () => {
    const limit = new ConcurrencyLimit(1);
    const queue = new WaitQueue(1, overloaded);
    const g = gate();
    const controller = new AbortController();
    const running = limit.run(g.task(1), { queue });
    const abandoned = limit.run(g.task(2), { queue, signal: controller.signal });
    controller.abort();
    await expect(abandoned).rejects.toThrow(/abort/i);
    expect(queue.size).toBe(0);
    // Its place is free for another task, which gets the slot next.
    const next = limit.run(g.task(3), { queue });
    g.release();
    await Promise.all([running, next]);
    expect(g.started).toEqual([1, 3]);
  });

  it("never starts a task whose signal aborted before it asked", async () => {
    const limit = new ConcurrencyLimit(2);
    const task = jest.fn(() => Promise.resolve());
    await expect(limit.run(task, { signal: AbortSignal.abort() })).rejects.toThrow(/abort/i);
    expect(task).not.toHaveBeenCalled();
  });

  it("lets no task wait where the bound is 0, while free slots still run tasks", async () => {
    const limit = new ConcurrencyLimit(1);
    const queue = new WaitQueue(0, overloaded);
    const g = gate();
    const running = limit.run(g.task(1), { queue });
    await expect(limit.run(g.task(2), { queue })).rejects.toThrow("overloaded");
    g.release();
    await running;
    await expect(limit.run(() => Promise.resolve("ok"), { queue })).resolves.toBe("ok");
  });
});
