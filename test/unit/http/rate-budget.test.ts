import { LimiterRateBudget, UNLIMITED_BUDGET, WINDOW_MARGIN_SECONDS } from "../../../src/http/rate-budget";
import { AppError } from "../../../src/errors/app-error";

function budget(points: number, durationSeconds: number, maxWaitMs = 0): LimiterRateBudget {
  return LimiterRateBudget.inMemory({
    provider: "WANGSU_CDN_PRO",
    account: "eu",
    points,
    durationSeconds,
    maxWaitMs,
  });
}

async function rejection(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error("expected a rejection");
}

describe("LimiterRateBudget", () => {
  it("lets the budget's calls through and then fails fast with a retry-after hint", async () => {
    const b = budget(2, 60);
    await b.take();
    await b.take();
    const err = await rejection(b.take());
    expect(err.code).toBe("UPSTREAM_RATE_LIMITED");
    expect(err.extensions).toMatchObject({ provider: "WANGSU_CDN_PRO", account: "eu" });
    expect(err.extensions.retryAfter).toBeGreaterThan(50);
    expect(err.extensions.retryAfter).toBeLessThanOrEqual(60 + WINDOW_MARGIN_SECONDS);
  });

  it("waits for the next window when that is within the bounded delay", async () => {
    const b = budget(1, 1, 2_000);
    await b.take();
    const started = Date.now();
    await b.take();
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
  });

  it("blocks for the rest of the window, not only the provider's shorter Retry-After", async () => {
    const b = budget(3, 300);
    await b.take();
    const seconds = await b.penalize(1);
    expect(seconds).toBeGreaterThan(290);
    expect((await rejection(b.take())).extensions.retryAfter).toBeGreaterThan(290);
  });

  it("blocks for a whole window (and its margin) when the provider named no time", async () => {
    const b = budget(3, 300);
    expect(await b.penalize(null)).toBe(300 + WINDOW_MARGIN_SECONDS);
  });

  it("honours a Retry-After longer than the window", async () => {
    const b = budget(3, 10);
    expect(await b.penalize(120)).toBe(120);
  });
});

describe("UNLIMITED_BUDGET", () => {
  it("never waits and passes the provider's hint on, or a default where it gave none", async () => {
    await expect(UNLIMITED_BUDGET.take()).resolves.toBeUndefined();
    await expect(UNLIMITED_BUDGET.penalize(7)).resolves.toBe(7);
    await expect(UNLIMITED_BUDGET.penalize(null)).resolves.toBe(60);
  });
});
