import { PrefetchStatus } from "../../../src/domain/prefetch-status";
import { AppError, ErrorCode, UpstreamError } from "../../../src/errors/app-error";
import { OperationAbandonedError, OperationDeadlineError } from "../../../src/http/operation-scope";
import {
  alignedDelay,
  changedForWatchers,
  isCallerRefusal,
  isRefusal,
  minPollGapMs,
  MAX_CONSECUTIVE_ERRORS,
  nextPollInterval,
  pollInstant,
  pollStepMs,
  POLL_STEP_MS,
  retryAfterMs,
  staleAfterMs,
} from "../../../src/subscriptions/poll-policy";
import { testTask } from "../../support/tasks";

const STEP = POLL_STEP_MS;
const observed = (status: PrefetchStatus, unchanged: number) =>
  nextPollInterval({ kind: "observed", status, unchanged }, STEP);

describe("the poll step", () => {
  it("is five seconds while the reuse layer's freshness window is shorter", () => {
    expect(pollStepMs(0)).toBe(5_000);
    expect(pollStepMs(3_000)).toBe(5_000);
  });

  it("outlasts the freshness window by a second, so that a poll never reads back the previous poll's answer", () => {
    expect(pollStepMs(5_000)).toBe(6_000);
    expect(pollStepMs(60_000)).toBe(61_000);
  });
});

describe("the interval after an observation", () => {
  it("is one step while a running task's progress moves", () => {
    expect([0, 1, 2].map((n) => observed(PrefetchStatus.IN_PROGRESS, n))).toEqual([STEP, STEP, STEP]);
  });

  it("doubles for a running task that stopped changing, up to four steps", () => {
    expect([3, 4, 5, 50].map((n) => observed(PrefetchStatus.IN_PROGRESS, n))).toEqual([
      2 * STEP,
      4 * STEP,
      4 * STEP,
      4 * STEP,
    ]);
  });

  it("starts at four steps for a waiting task and doubles with each unchanged poll, up to 32 steps", () => {
    expect([0, 1, 2, 3, 4, 40].map((n) => observed(PrefetchStatus.WAITING, n))).toEqual([
      4 * STEP,
      8 * STEP,
      16 * STEP,
      32 * STEP,
      32 * STEP,
      32 * STEP,
    ]);
  });

  it("is none once the task is finished", () => {
    for (const status of [
      PrefetchStatus.COMPLETED,
      PrefetchStatus.FAILED,
      PrefetchStatus.PARTIALLY_COMPLETED,
    ]) {
      expect(observed(status, 0)).toBeNull();
    }
  });
});

describe("the interval after a refusal by a budget", () => {
  it("backs off from two steps, doubling, up to 64 steps", () => {
    const intervals = [1, 2, 3, 7, 30].map((refusals) =>
      nextPollInterval({ kind: "refused", refusals }, STEP),
    );
    expect(intervals).toEqual([2 * STEP, 4 * STEP, 8 * STEP, 64 * STEP, 64 * STEP]);
  });
});

describe("the instant of the next poll", () => {
  // Clocks in every phase of the grids: a multiple of everything, off by a millisecond either way, and odd ones.
  const phases = [
    1_800_000_000_000, 1_800_000_000_001, 1_799_999_999_999, 1_800_000_007_777, 1_800_000_123_456,
  ];
  const options = { stepMs: STEP, minGapMs: 0 };

  it("never comes sooner than a refusal's Retry-After, whatever the phase of the clock", () => {
    for (const now of phases) {
      for (const retryAfter of [1_000, 12_000, 60_000, 120_000, 290_000, 600_000]) {
        for (const refusals of [1, 2, 6]) {
          const interval = nextPollInterval({ kind: "refused", refusals }, STEP)!;
          const at = pollInstant(now, interval, { ...options, notBeforeMs: now + retryAfter });
          expect(at - now).toBeGreaterThanOrEqual(retryAfter);
          expect(at % STEP).toBe(0);
        }
      }
    }
  });

  it("is no later than a step past the Retry-After, where that is later than the back-off", () => {
    for (const now of phases) {
      const at = pollInstant(now, 2 * STEP, { ...options, notBeforeMs: now + 290_000 });
      expect(at - now).toBeLessThan(290_000 + STEP);
    }
  });

  it("is the aligned instant of the interval where the Retry-After is shorter, or there is none", () => {
    for (const now of phases) {
      const aligned = now + alignedDelay(now, 4 * STEP);
      expect(pollInstant(now, 4 * STEP, options)).toBe(aligned);
      expect(pollInstant(now, 4 * STEP, { ...options, notBeforeMs: now + 1_000 })).toBe(aligned);
    }
  });

  it("keeps the gap of the freshness window past a Retry-After too", () => {
    const now = phases[4]!;
    const at = pollInstant(now, STEP, { stepMs: 6_000, minGapMs: 6_000, notBeforeMs: now + 1 });
    expect(at - now).toBeGreaterThanOrEqual(6_000);
  });
});

describe("how stale a newcomer's current state may be", () => {
  it("is a running task's longest interval: four steps", () => {
    expect(staleAfterMs(STEP)).toBe(4 * STEP);
    expect(staleAfterMs(STEP)).toBe(observed(PrefetchStatus.IN_PROGRESS, 100));
  });
});

describe("the interval after a provider failure", () => {
  it("backs off from one step, doubling", () => {
    const intervals = [1, 2, 3, 4].map((errors) => nextPollInterval({ kind: "failed", errors }, STEP));
    expect(intervals).toEqual([STEP, 2 * STEP, 4 * STEP, 8 * STEP]);
  });

  it(`gives up after ${MAX_CONSECUTIVE_ERRORS} failures in a row`, () => {
    expect(nextPollInterval({ kind: "failed", errors: MAX_CONSECUTIVE_ERRORS - 1 }, STEP)).not.toBeNull();
    expect(nextPollInterval({ kind: "failed", errors: MAX_CONSECUTIVE_ERRORS }, STEP)).toBeNull();
  });
});

describe("aligned delays", () => {
  it("end on a multiple of the interval, so that every poller with that interval polls at the same instant", () => {
    const interval = 20_000;
    for (const now of [1_000_003, 1_005_000, 1_019_999]) {
      expect((now + alignedDelay(now, interval)) % interval).toBe(0);
    }
    expect(1_000_003 + alignedDelay(1_000_003, interval)).toBe(1_005_000 + alignedDelay(1_005_000, interval));
  });

  it("are never shorter than half an interval nor longer than one and a half", () => {
    for (let now = 0; now < 40_000; now += 777) {
      const delay = alignedDelay(now, 10_000);
      expect(delay).toBeGreaterThanOrEqual(5_000);
      expect(delay).toBeLessThanOrEqual(15_000);
    }
  });

  it("put a slower poller's instants among a faster one's (nested grids)", () => {
    const now = 123_456;
    expect((now + alignedDelay(now, 4 * STEP)) % STEP).toBe(0);
  });
});

describe("refusals", () => {
  const upstream = { provider: "WANGSU_CDN_PRO", account: "main" };

  it("are the budget's, the caller share's, the full queue's and the provider's 429", () => {
    expect(
      isRefusal(new UpstreamError("UPSTREAM_RATE_LIMITED", "x", { ...upstream, limit: "ACCOUNT" })),
    ).toBe(true);
    expect(isRefusal(new UpstreamError("UPSTREAM_RATE_LIMITED", "x", { ...upstream, limit: "CALLER" }))).toBe(
      true,
    );
    expect(
      isRefusal(new UpstreamError("UPSTREAM_RATE_LIMITED", "x", { ...upstream, limit: "PROVIDER" })),
    ).toBe(true);
    expect(isRefusal(new UpstreamError("UPSTREAM_OVERLOADED", "x", upstream))).toBe(true);
    expect(isRefusal(new OperationAbandonedError("WANGSU_CDN_PRO", "main"))).toBe(true);
  });

  it("are not a poll that outgrew its own call cap: it would again, so it counts towards giving up", () => {
    expect(isRefusal(new AppError(ErrorCode.OPERATION_LIMIT_EXCEEDED, "x"))).toBe(false);
  });

  it("are not the provider's failures, nor a poll that outlived its deadline", () => {
    expect(isRefusal(new UpstreamError("UPSTREAM_UNAVAILABLE", "x", upstream))).toBe(false);
    expect(isRefusal(new UpstreamError("UPSTREAM_BAD_RESPONSE", "x", upstream))).toBe(false);
    expect(isRefusal(new OperationDeadlineError("WANGSU_CDN_PRO", "main"))).toBe(false);
    expect(isRefusal(new Error("a bug"))).toBe(false);
  });

  it("are a caller's alone where its fair share is spent, and the account's otherwise", () => {
    const limited = (limit: "CALLER" | "ACCOUNT" | "PROVIDER") =>
      new UpstreamError("UPSTREAM_RATE_LIMITED", "x", { ...upstream, limit });
    expect(isCallerRefusal(limited("CALLER"))).toBe(true);
    expect(isCallerRefusal(limited("ACCOUNT"))).toBe(false);
    expect(isCallerRefusal(limited("PROVIDER"))).toBe(false);
    expect(isCallerRefusal(new UpstreamError("UPSTREAM_OVERLOADED", "x", upstream))).toBe(false);
    expect(isCallerRefusal(new AppError(ErrorCode.OPERATION_LIMIT_EXCEEDED, "x"))).toBe(false);
  });

  it("carry their Retry-After in milliseconds", () => {
    expect(
      retryAfterMs(new UpstreamError("UPSTREAM_RATE_LIMITED", "x", { ...upstream, retryAfterSeconds: 30 })),
    ).toBe(30_000);
    expect(retryAfterMs(new UpstreamError("UPSTREAM_RATE_LIMITED", "x", upstream))).toBeNull();
  });
});

describe("what watchers are told about", () => {
  const ref = { provider: "BAIDU_GEO", account: "main", site: "www.example.com", taskId: "t1" } as const;
  const running = testTask(ref, {
    status: PrefetchStatus.IN_PROGRESS,
    progress: 40,
    observedAt: new Date(1),
  });

  it("is a change of status, progress, success rate or finish time", () => {
    expect(changedForWatchers(running, { ...running, status: PrefetchStatus.COMPLETED })).toBe(true);
    expect(changedForWatchers(running, { ...running, progress: 41 })).toBe(true);
    expect(changedForWatchers(running, { ...running, successRate: 90 })).toBe(true);
    expect(changedForWatchers(running, { ...running, finishedAt: new Date(5) })).toBe(true);
  });

  it("is not a new observation of the same state, nor a field nobody watches", () => {
    expect(changedForWatchers(running, { ...running, observedAt: new Date(2) })).toBe(false);
    expect(changedForWatchers(running, { ...running, operator: "someone" })).toBe(false);
    const finished = { ...running, finishedAt: new Date(5) };
    expect(changedForWatchers(finished, { ...finished, finishedAt: new Date(5) })).toBe(false);
  });
});

describe("the gap between two polls", () => {
  it("is none without a freshness window", () => {
    expect(minPollGapMs(0)).toBe(0);
  });

  it("outlasts the freshness window, aligned or not", () => {
    expect(minPollGapMs(5_000)).toBe(6_000);
    for (let now = 0; now < 40_000; now += 333) {
      expect(alignedDelay(now, pollStepMs(5_000), minPollGapMs(5_000))).toBeGreaterThanOrEqual(6_000);
    }
  });
});
