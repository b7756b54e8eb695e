import { isFinished, PrefetchStatus } from "../domain/prefetch-status";
import type { PrefetchTask } from "../domain/prefetch-task";
import { AppError, ErrorCode, UpstreamError } from "../errors/app-error";
import { isOperationBound } from "../http/operation-scope";

/**
 * When a watched task is polled next: pure functions of what the last polls saw, beside the poller that applies
 * them (src/subscriptions/task-poller.ts), unit-tested without timers.
 *
 * Every interval is `step × 2^k`, where `step` is at least POLL_STEP_MS and longer than the freshness window of
 * the reuse layer (PREFETCH_GRAPH_FRESHNESS_MS), and no two polls of a task are closer than that window plus a
 * margin (minPollGapMs): the reuse layer answers an unfinished task again for that long after the provider
 * answered, so a poll inside the window would only read back the previous poll's answer. The window is not
 * bypassed: an answer another operation fetched within it is as fresh as a poll's own, and costs nothing.
 *
 * Polls are aligned on multiples of their interval in wall time (pollInstant): replicas that watch the same task
 * poll it at the same instants, and with Redis one of them makes each poll for all (shared-polls.ts, keyed by
 * the task and the instant); the nested grids (2^k multiples of one step) keep a slower poller's instants among
 * a faster one's. A refusal's Retry-After is a lower bound on top of that, met on the step grid: never sooner
 * than the refusal said, and still on instants every poller of the task shares.
 */

/** The shortest interval between two polls of one task. */
export const POLL_STEP_MS = 5_000;
/** Margin over the freshness window, for the time a provider takes to answer (observedAt is when it did). */
const FRESHNESS_MARGIN_MS = 1_000;

/** A running task: every step while its progress moves; after 3 polls without a change, up to 4 steps. */
const RUNNING_MAX_DOUBLINGS = 2;
const RUNNING_STEADY_POLLS = 3;
/** A waiting task: 4 steps, doubling with each poll that sees no change, up to 32 steps (2 min 40 s by default). */
const WAITING_FIRST_DOUBLINGS = 2;
const WAITING_MAX_DOUBLINGS = 5;
/** A poll refused by a budget: 2 steps, doubling with each refusal in a row, up to 64 steps (5 min 20 s). */
const REFUSED_FIRST_DOUBLINGS = 1;
const REFUSED_MAX_DOUBLINGS = 6;
/** A poll the provider failed: 1 step, doubling, up to 16 steps; the subscription gives up after MAX_ERRORS. */
const ERROR_MAX_DOUBLINGS = 4;
/** Provider failures in a row (refusals by a budget not counted) after which the task's watchers get the error. */
export const MAX_CONSECUTIVE_ERRORS = 5;

/** The grid step of every poll interval, given the reuse layer's freshness window. */
export function pollStepMs(freshnessMs: number): number {
  return Math.max(POLL_STEP_MS, minPollGapMs(freshnessMs));
}

/** What the poller knows when it schedules the next poll. */
export type PollState =
  /** The last poll saw the task unfinished; `unchanged`: polls in a row that saw no change. */
  | { readonly kind: "observed"; readonly status: PrefetchStatus; readonly unchanged: number }
  /** The last `refusals` polls were refused by a budget or a queue (its Retry-After: pollInstant's bound). */
  | { readonly kind: "refused"; readonly refusals: number }
  /** The last `errors` polls failed at the provider. */
  | { readonly kind: "failed"; readonly errors: number };

/**
 * Milliseconds until the next poll (before alignment), or null where the task needs no more polls. Always
 * `stepMs × 2^k`; a refusal's Retry-After is not part of it but a lower bound of pollInstant.
 */
export function nextPollInterval(state: PollState, stepMs: number): number | null {
  switch (state.kind) {
    case "observed": {
      if (isFinished(state.status)) return null;
      if (state.status === PrefetchStatus.WAITING) {
        return stepMs * 2 ** Math.min(WAITING_FIRST_DOUBLINGS + state.unchanged, WAITING_MAX_DOUBLINGS);
      }
      const steady = Math.max(0, state.unchanged - RUNNING_STEADY_POLLS + 1);
      return stepMs * 2 ** Math.min(steady, RUNNING_MAX_DOUBLINGS);
    }
    case "refused":
      return stepMs * 2 ** Math.min(REFUSED_FIRST_DOUBLINGS + state.refusals - 1, REFUSED_MAX_DOUBLINGS);
    case "failed":
      if (state.errors >= MAX_CONSECUTIVE_ERRORS) return null;
      return stepMs * 2 ** Math.min(state.errors - 1, ERROR_MAX_DOUBLINGS);
  }
}

/**
 * The shortest wait between two polls of one task: past the freshness window, or the second poll would read back
 * the first one's answer (and count it as "unchanged").
 */
export function minPollGapMs(freshnessMs: number): number {
  return freshnessMs > 0 ? freshnessMs + FRESHNESS_MARGIN_MS : 0;
}

/**
 * The instant of the next poll: the first multiple of `intervalMs` at least half an interval (and `minGapMs`)
 * after `nowMs` (alignedDelay), or, where `notBeforeMs` (a refusal's Retry-After, as an instant) is later than
 * that, the first multiple of `stepMs` at or after it. A Retry-After is so never cut short, whatever the phase of
 * the clock, and the poll stays on the step grid that every poller of the task shares (a poll off it would be a
 * look-up of its own, shared with no other replica).
 */
export function pollInstant(
  nowMs: number,
  intervalMs: number,
  options: { readonly stepMs: number; readonly minGapMs: number; readonly notBeforeMs?: number | null },
): number {
  const aligned = nowMs + alignedDelay(nowMs, intervalMs, options.minGapMs);
  const notBefore = options.notBeforeMs ?? null;
  if (notBefore === null || notBefore <= aligned) return aligned;
  return Math.ceil(Math.max(notBefore, nowMs + options.minGapMs) / options.stepMs) * options.stepMs;
}

/**
 * How old the last observation of a task may be for a new watcher to get it as the task's current state: a
 * running task's longest interval (4 steps). Older, and the poller polls at once for the newcomer (TaskPoller).
 */
export function staleAfterMs(stepMs: number): number {
  return stepMs * 2 ** RUNNING_MAX_DOUBLINGS;
}

/**
 * The wait from `nowMs` to the first multiple of `intervalMs` at least half an interval (and `minGapMs`) away:
 * every poller with the same interval polls at the same instants, and no wait is shorter than half an interval
 * nor than the gap (nor longer than an interval past either).
 */
export function alignedDelay(nowMs: number, intervalMs: number, minGapMs = 0): number {
  const earliest = nowMs + Math.max(intervalMs / 2, minGapMs);
  return Math.ceil(earliest / intervalMs) * intervalMs - nowMs;
}

/**
 * Whether a failed poll was refused before it reached the provider, or by the provider's own rate limit: the
 * account's budget, a caller's share, a full wait queue, a 429, an abandoned poll. Such a poll is tried again
 * later and never counts towards giving up. A poll that outgrew its own call cap (OPERATION_LIMIT_EXCEEDED) is
 * not: it would outgrow it again, so it counts as a failure, and the task's watchers get the error in the end
 * rather than a subscription that neither updates nor ends.
 */
export function isRefusal(error: Error): boolean {
  if (error instanceof UpstreamError) {
    return error.code === ErrorCode.UPSTREAM_RATE_LIMITED || error.code === ErrorCode.UPSTREAM_OVERLOADED;
  }
  if (error instanceof AppError && error.code === ErrorCode.OPERATION_LIMIT_EXCEEDED) return false;
  return isOperationBound(error);
}

/**
 * Whether a refusal is the caller's fair share alone (its share of the account's window is spent): another
 * watcher's caller may still pay for the poll, and the account's budget is not spent.
 */
export function isCallerRefusal(error: Error): boolean {
  return (
    error instanceof UpstreamError &&
    error.code === ErrorCode.UPSTREAM_RATE_LIMITED &&
    error.extensions.limit === "CALLER"
  );
}

/** Milliseconds a refusal asks to wait (its retryAfter, in seconds), or null where it says nothing. */
export function retryAfterMs(error: Error): number | null {
  if (!(error instanceof AppError)) return null;
  const seconds = error.extensions.retryAfter;
  return typeof seconds === "number" && Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : null;
}

/** Whether `next` differs from `previous` in what watchers are told about: status, progress, success rate, finish. */
export function changedForWatchers(previous: PrefetchTask, next: PrefetchTask): boolean {
  return (
    previous.status !== next.status ||
    previous.progress !== next.progress ||
    previous.successRate !== next.successRate ||
    (previous.finishedAt?.getTime() ?? null) !== (next.finishedAt?.getTime() ?? null)
  );
}
