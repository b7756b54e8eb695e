export interface RateLimit {
  readonly points: number;
  readonly durationSeconds: number;
}

/** Documented on the detail API: 300 calls per 5 minutes per user. */
export const DOCUMENTED_RATE_LIMIT: RateLimit = { points: 300, durationSeconds: 300 };

export type RateDecision =
  { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

interface BudgetWindow {
  startedMs: number;
  used: number;
}

/**
 * A fixed window per key that opens with the key's first call. Fixed rather than sliding so Retry-After is
 * exact: the window's end is when the budget refills. Rejected calls do not use up points.
 *
 * The clock is monotonic wall time, not the emulator's injectable `now()`: tests often freeze `now()` to pin
 * the data, and a frozen clock would never refill the budget while clients really wait Retry-After seconds.
 */
export class FixedWindowRateLimiter {
  private readonly windows = new Map<string, BudgetWindow>();

  constructor(
    private readonly limit: RateLimit,
    private readonly clockMs: () => number = () => performance.now(),
  ) {
    if (!Number.isInteger(limit.points) || limit.points < 1) {
      throw new RangeError("rateLimit.points must be a positive integer");
    }
    if (!Number.isFinite(limit.durationSeconds) || limit.durationSeconds <= 0) {
      throw new RangeError("rateLimit.durationSeconds must be a positive number");
    }
  }

  get description(): string {
    return `${this.limit.points} calls per ${this.limit.durationSeconds} seconds`;
  }

  consume(key: string): RateDecision {
    const nowMs = this.clockMs();
    const durationMs = this.limit.durationSeconds * 1000;
    let window = this.windows.get(key);
    if (window === undefined || nowMs - window.startedMs >= durationMs) {
      window = { startedMs: nowMs, used: 0 };
      this.windows.set(key, window);
    }
    if (window.used >= this.limit.points) {
      const retryAfterSeconds = Math.max(1, Math.ceil((window.startedMs + durationMs - nowMs) / 1000));
      return { allowed: false, retryAfterSeconds };
    }
    window.used += 1;
    return { allowed: true };
  }

  reset(): void {
    this.windows.clear();
  }
}
