import {
  budgetStatus,
  queueAdmits,
  reservationRefusal,
  shareOfWindow,
  waitOrRefuse,
} from "../../../src/http/fair-share";

describe("shareOfWindow", () => {
  it.each([
    [300, 0.1, 30],
    [300, 0.5, 150],
    [300, 1, 300],
    [7, 0.5, 4],
    [3, 0.1, 1],
    [1, 0.01, 1],
  ])("gives %d points × %d = %d calls, rounded up and never zero", (points, share, calls) => {
    expect(shareOfWindow(points, share)).toBe(calls);
  });
});

describe("reservationRefusal", () => {
  const base = { calls: 0, maxCalls: 200, accountCalls: 0, accountLimit: 30 };

  it("lets an operation reserve up to its share of the account", () => {
    expect(reservationRefusal({ ...base, calls: 29, accountCalls: 29 })).toBeNull();
    expect(reservationRefusal({ ...base, calls: 30, accountCalls: 30 })).toBe("account-share");
  });

  it("counts only the calls of the account being called against its share", () => {
    expect(reservationRefusal({ ...base, calls: 150, accountCalls: 10 })).toBeNull();
  });

  it("names the overall cap first where both are reached", () => {
    expect(reservationRefusal({ ...base, calls: 200, accountCalls: 30 })).toBe("operation-cap");
  });

  it("applies no share to an account without a budget", () => {
    expect(reservationRefusal({ ...base, calls: 199, accountCalls: 199, accountLimit: null })).toBeNull();
  });
});

describe("waitOrRefuse", () => {
  it("waits where the next window opens within the time the call may still wait", () => {
    expect(waitOrRefuse(300, 2_000)).toEqual({ wait: true, ms: 300 });
    expect(waitOrRefuse(2_000, 2_000)).toEqual({ wait: true, ms: 2_000 });
  });

  it("refuses with whole seconds, rounded up, where it opens later", () => {
    expect(waitOrRefuse(2_001, 2_000)).toEqual({ wait: false, retryAfterSeconds: 3 });
    expect(waitOrRefuse(299_500, 2_000)).toEqual({ wait: false, retryAfterSeconds: 300 });
  });

  it("never says to retry in 0 s, and never waits 0 ms", () => {
    expect(waitOrRefuse(0, -5)).toEqual({ wait: false, retryAfterSeconds: 1 });
    expect(waitOrRefuse(0, 10)).toEqual({ wait: true, ms: 1 });
  });
});

describe("queueAdmits", () => {
  it("admits while fewer than the bound wait, and none where the bound is 0", () => {
    expect(queueAdmits(1, 2)).toBe(true);
    expect(queueAdmits(2, 2)).toBe(false);
    expect(queueAdmits(0, 0)).toBe(false);
  });
});

describe("budgetStatus", () => {
  const now = new Date("2026-03-01T12:00:00.000Z");
  const status = (window: { consumedPoints: number; msBeforeNext: number } | null) =>
    budgetStatus({ points: 300, windowSeconds: 301, window, now });

  it("shows a whole budget and no reset time where no window is running", () => {
    expect(status(null)).toEqual({ limit: 300, remaining: 300, windowSeconds: 301, resetAt: null });
  });

  it("shows what is left of a running window and when it ends", () => {
    expect(status({ consumedPoints: 3, msBeforeNext: 120_500 })).toEqual({
      limit: 300,
      remaining: 297,
      windowSeconds: 301,
      resetAt: new Date("2026-03-01T12:02:00.500Z"),
    });
  });

  it("never shows a negative remainder where refused attempts or a 429 overdrew the window", () => {
    expect(status({ consumedPoints: 301, msBeforeNext: 5_000 }).remaining).toBe(0);
  });

  it("treats a record past its end as no window", () => {
    expect(status({ consumedPoints: 300, msBeforeNext: -20 })).toMatchObject({
      remaining: 300,
      resetAt: null,
    });
  });
});
