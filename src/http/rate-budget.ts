/**
 * A per-account budget of upstream calls. `take()` resolves when a call may go out, waiting a bounded time for
 * its turn, and otherwise rejects with an UPSTREAM_RATE_LIMITED UpstreamError that carries a retry-after hint.
 * `penalize()` is how a provider's own 429 drains the budget until the time it asked for.
 */
export interface RateBudget {
  take(): Promise<void>;
  penalize(retryAfterSeconds: number): Promise<void>;
}

/** For accounts without a documented limit. */
export const UNLIMITED_BUDGET: RateBudget = {
  take: () => Promise.resolve(),
  penalize: () => Promise.resolve(),
};
