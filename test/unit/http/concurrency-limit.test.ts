import { ConcurrencyLimit } from "../../../src/http/concurrency-limit";

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
