/**
 * The decisions behind an account's call budget, as pure functions of numbers: what share of a window an
 * operation or a caller may spend, whether an operation may reserve one more call, whether a refused call waits
 * or fails, and what the budget shows. OperationScope, LimiterRateBudget and WaitQueue apply them.
 */

/**
 * Calls a share of a window allows: rounded up, so that a share of a small budget is never zero. The product
 * is rounded to nine places first: 300 × 0.1 is 30.000000000000004 in floating point, which must allow 30.
 */
export function shareOfWindow(points: number, share: number): number {
  return Math.max(1, Math.ceil(Number((points * share).toFixed(9))));
}

/** What one operation has reserved so far, and what it may: overall, and of the account about to be called. */
export interface ReservationState {
  /** Calls the operation has reserved, of every account. */
  readonly calls: number;
  readonly maxCalls: number;
  /** Calls the operation has reserved of this account. */
  readonly accountCalls: number;
  /** The operation's share of this account's window; null where the account has no budget. */
  readonly accountLimit: number | null;
}

/**
 * Why an operation may not reserve one more call, or null where it may: its overall cap first (the older and
 * wider limit, so its error stays the same whatever account is called), then its share of the account.
 */
export function reservationRefusal(state: ReservationState): "operation-cap" | "account-share" | null {
  if (state.calls >= state.maxCalls) return "operation-cap";
  if (state.accountLimit !== null && state.accountCalls >= state.accountLimit) return "account-share";
  return null;
}

export type WaitDecision =
  { readonly wait: true; readonly ms: number } | { readonly wait: false; readonly retryAfterSeconds: number };

/**
 * A limiter said no for `msBeforeNext` more ms: wait where the next window opens within the `msLeft` the call
 * may still wait, else refuse with a retry-after hint in whole seconds (at least 1: "retry in 0 s" reads as
 * "retry now", which would be refused again).
 */
export function waitOrRefuse(msBeforeNext: number, msLeft: number): WaitDecision {
  const ms = Math.max(msBeforeNext, 1);
  if (ms <= msLeft) return { wait: true, ms };
  return { wait: false, retryAfterSeconds: Math.max(1, Math.ceil(ms / 1000)) };
}

/** Whether one more call may join an account's wait queue, which holds `waiting` calls now. */
export function queueAdmits(waiting: number, maxQueue: number): boolean {
  return waiting < maxQueue;
}

/**
 * How long a call refused by a full wait queue should wait before trying again. The queue drains as the
 * account's calls in flight answer, normally well under a second each, so one second is a short back-off, not
 * a promise; a queue full because the budget is spent meets UPSTREAM_RATE_LIMITED with its real wait next.
 */
export const OVERLOADED_RETRY_AFTER_SECONDS = 1;

/** An account's budget as clients see it (GraphQL's CallBudget), in the manner of GitHub's rateLimit. */
export interface BudgetStatus {
  /** Calls per window. */
  readonly limit: number;
  /** Calls left in the current window, never negative. */
  readonly remaining: number;
  readonly windowSeconds: number;
  /** When the current window ends; null where none is running. */
  readonly resetAt: Date | null;
}

/**
 * The budget from the limiter's record of the current window (consumed points and ms before it ends), or from
 * null where no window is running. A record past its end is no window either: the store drops it lazily.
 * Consumed points may exceed the limit (refused attempts and a provider's 429 count too), so remaining is
 * clamped at zero.
 */
export function budgetStatus(args: {
  readonly points: number;
  readonly windowSeconds: number;
  readonly window: { readonly consumedPoints: number; readonly msBeforeNext: number } | null;
  readonly now: Date;
}): BudgetStatus {
  const running = args.window !== null && args.window.msBeforeNext > 0 ? args.window : null;
  return {
    limit: args.points,
    remaining: running
      ? Math.max(0, Math.min(args.points, args.points - running.consumedPoints))
      : args.points,
    windowSeconds: args.windowSeconds,
    resetAt: running ? new Date(args.now.getTime() + running.msBeforeNext) : null,
  };
}
