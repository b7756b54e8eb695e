import {
  createAccountBudget,
  LimiterRateBudget,
  UNLIMITED_BUDGET,
  WINDOW_MARGIN_SECONDS,
} from "../../../src/http/rate-budget";
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
    // A 2 s window (1 s and the margin) within a 3 s bound: slack for a timer that fires late on a busy machine,
    // which at a bound equal to the window left the retry just past it.
    const b = budget(1, 1, 3_000);
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
    await expect((await UNLIMITED_BUDGET.take()).giveBack()).resolves.toBeUndefined();
    await expect(UNLIMITED_BUDGET.penalize(7)).resolves.toBe(7);
    await expect(UNLIMITED_BUDGET.penalize(null)).resolves.toBe(60);
  });
});

describe("an account's budget with fair shares", () => {
  function account(
    limit: { points: number; durationSeconds?: number; operationShare?: number; callerShare?: number },
    options: { maxWaitMs?: number; maxQueue?: number } = {},
  ) {
    return createAccountBudget({
      provider: "WANGSU_CDN_PRO",
      account: "eu",
      limit: { durationSeconds: 300, operationShare: 0.1, callerShare: 0.5, ...limit },
      maxWaitMs: options.maxWaitMs ?? 0,
      maxQueue: options.maxQueue ?? 64,
    });
  }

  it("gives each operation its share of the window, rounded up", () => {
    expect(account({ points: 300 }).operationLimit).toBe(30);
    expect(account({ points: 300, operationShare: 0.25 }).operationLimit).toBe(75);
  });

  it("refuses a caller past its share with limit CALLER, while another caller still draws", async () => {
    const b = account({ points: 4 });
    await b.take({ caller: "ip:a" });
    await b.take({ caller: "ip:a" });
    const err = await rejection(b.take({ caller: "ip:a" }));
    expect(err.code).toBe("UPSTREAM_RATE_LIMITED");
    expect(err.extensions).toMatchObject({ limit: "CALLER", provider: "WANGSU_CDN_PRO", account: "eu" });
    expect(err.extensions.retryAfter).toBeGreaterThan(290);
    await expect(b.take({ caller: "ip:b" })).resolves.toBeDefined();
    expect(await b.status()).toMatchObject({ limit: 4, remaining: 1 });
  });

  it("gives the caller's point back where the account's budget then refuses", async () => {
    const b = account({ points: 4 }); // two calls per caller
    for (const caller of ["ip:x", "ip:x", "ip:y", "ip:y"]) await b.take({ caller });
    // Were ip:z's point kept on each refusal, its third attempt would meet its own share (CALLER).
    for (let attempt = 1; attempt <= 3; attempt++) {
      const err = await rejection(b.take({ caller: "ip:z" }));
      expect(err.code).toBe("UPSTREAM_RATE_LIMITED");
      expect(err.extensions.limit).toBe("ACCOUNT");
    }
  });

  it("applies no caller share where the share is the whole budget: a spent budget is the account's", async () => {
    const b = account({ points: 2, callerShare: 1 });
    await b.take({ caller: "ip:a" });
    await b.take({ caller: "ip:a" });
    expect((await rejection(b.take({ caller: "ip:a" }))).extensions.limit).toBe("ACCOUNT");
  });

  it("draws nothing from a caller's share for a call outside any operation", async () => {
    const b = account({ points: 2 });
    await b.take();
    await b.take();
    expect((await rejection(b.take({ caller: "ip:a" }))).extensions.limit).toBe("ACCOUNT");
  });

  it("returns both points of a call that was never sent", async () => {
    const b = account({ points: 4 }); // two calls per caller
    const grant = await b.take({ caller: "ip:a" });
    await b.take({ caller: "ip:a" });
    await grant.giveBack();
    expect(await b.status()).toMatchObject({ remaining: 3 });
    // ip:a's share has room again too.
    await expect(b.take({ caller: "ip:a" })).resolves.toBeDefined();
  });

  it("stops waiting for its turn when the signal aborts, and takes nothing", async () => {
    const b = account({ points: 1, durationSeconds: 1, callerShare: 1 }, { maxWaitMs: 5_000 });
    await b.take({ caller: "ip:a" });
    const controller = new AbortController();
    const waiting = b.take({ caller: "ip:b", signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toThrow(/abort/i);
    expect(b.queue!.size).toBe(0);
  });

  it("refuses a call at once with UPSTREAM_OVERLOADED where its wait would pass the queue's bound", async () => {
    const b = account({ points: 1, durationSeconds: 1, callerShare: 1 }, { maxWaitMs: 5_000, maxQueue: 1 });
    await b.take();
    const controller = new AbortController();
    const waiting = b.take({ signal: controller.signal });
    const err = await rejection(b.take());
    expect(err.code).toBe("UPSTREAM_OVERLOADED");
    expect(err.extensions).toMatchObject({ provider: "WANGSU_CDN_PRO", account: "eu", retryAfter: 1 });
    controller.abort();
    await expect(waiting).rejects.toThrow(/abort/i);
  });

  it("shows a whole budget before any call, then exactly what the calls took and when it refills", async () => {
    const b = account({ points: 300 });
    expect(await b.status()).toEqual({ limit: 300, remaining: 300, windowSeconds: 301, resetAt: null });
    for (let i = 0; i < 3; i++) await b.take({ caller: "ip:a" });
    const after = await b.status();
    expect(after).toMatchObject({ limit: 300, remaining: 297, windowSeconds: 301 });
    expect(after!.resetAt!.getTime()).toBeGreaterThan(Date.now());
  });

  it("shows nothing left, never less, once the provider's 429 blocked the budget", async () => {
    const b = account({ points: 300 });
    await b.take();
    await b.penalize(60);
    expect(await b.status()).toMatchObject({ remaining: 0 });
  });

  it("has no status, no share and a bounded queue where the account has no budget", async () => {
    const b = createAccountBudget({
      provider: "BAIDU_GEO",
      account: "cn",
      limit: null,
      maxWaitMs: 0,
      maxQueue: 5,
    });
    expect(b.operationLimit).toBeNull();
    expect(b.queue!.max).toBe(5);
    expect(await b.status()).toBeNull();
  });
});
