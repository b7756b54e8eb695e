import { setTimeout as sleep } from "node:timers/promises";
import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import { providerDisplayName } from "../domain/provider-kind";
import { UpstreamError } from "../errors/app-error";

/**
 * A per-account budget of upstream calls. `take()` resolves when a call may go out, waiting a bounded time for
 * its turn, and otherwise rejects with an UPSTREAM_RATE_LIMITED UpstreamError that carries a retry-after hint.
 * `penalize()` is how a provider's own 429 drains the budget: it answers how long calls now wait, which is also
 * the retry-after hint clients get.
 */
export interface RateBudget {
  take(): Promise<void>;
  /** retryAfterSeconds: the provider's Retry-After, or null where it sent none. */
  penalize(retryAfterSeconds: number | null): Promise<number>;
}

/** A hint for a 429 without Retry-After from a provider that documents no limit. */
const DEFAULT_RETRY_AFTER_SECONDS = 60;

/** For accounts without a documented limit: nothing to draw from, nothing to block. */
export const UNLIMITED_BUDGET: RateBudget = {
  take: () => Promise.resolve(),
  penalize: (retryAfterSeconds) => Promise.resolve(retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS),
};

export interface LimiterBudgetOptions {
  readonly provider: string;
  readonly account: string;
  /**
   * The store. In-memory by default; a RateLimiterRedis with the same key prefix makes replicas share one
   * account's budget (rate-limiter-flexible offers both behind the same interface).
   */
  readonly limiter: RateLimiterAbstract;
  /** Longest a call waits for its turn before failing fast with UPSTREAM_RATE_LIMITED. */
  readonly maxWaitMs: number;
}

/**
 * Our window opens when a call leaves, the provider's when it arrives a little later; with equal windows the
 * first calls after our refill would reach the provider before its own refill and meet a 429. Our window is
 * therefore this much longer than the provider's.
 */
export const WINDOW_MARGIN_SECONDS = 1;

/** A RateBudget on rate-limiter-flexible: the budget key is provider/account. */
export class LimiterRateBudget implements RateBudget {
  private readonly key: string;

  constructor(private readonly options: LimiterBudgetOptions) {
    this.key = `${options.provider}/${options.account}`;
  }

  static inMemory(args: {
    provider: string;
    account: string;
    points: number;
    durationSeconds: number;
    maxWaitMs: number;
  }): LimiterRateBudget {
    return new LimiterRateBudget({
      provider: args.provider,
      account: args.account,
      limiter: new RateLimiterMemory({
        points: args.points,
        duration: args.durationSeconds + WINDOW_MARGIN_SECONDS,
      }),
      maxWaitMs: args.maxWaitMs,
    });
  }

  async take(): Promise<void> {
    const deadline = Date.now() + this.options.maxWaitMs;
    for (;;) {
      try {
        await this.options.limiter.consume(this.key, 1);
        return;
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection; // the store failed, not the budget
        const wait = Math.max(rejection.msBeforeNext, 1);
        if (Date.now() + wait > deadline) throw this.limited(wait);
        await sleep(wait);
      }
    }
  }

  /**
   * Blocks the budget for the longest of: what the provider asked for, what is left of the current window, and
   * the whole window where the provider named no time. block() replaces the window's record, so a shorter block
   * would hand out a fresh budget while the provider's own window still counts.
   */
  async penalize(retryAfterSeconds: number | null): Promise<number> {
    const current = await this.options.limiter.get(this.key);
    const windowLeft = current ? Math.ceil(current.msBeforeNext / 1000) : 0;
    const asked = retryAfterSeconds ?? this.options.limiter.duration;
    const seconds = Math.max(1, Math.ceil(asked), windowLeft);
    await this.options.limiter.block(this.key, seconds);
    return seconds;
  }

  private limited(waitMs: number): UpstreamError {
    const retryAfterSeconds = Math.ceil(waitMs / 1000);
    return new UpstreamError(
      "UPSTREAM_RATE_LIMITED",
      `The call budget of ${providerDisplayName(this.options.provider)} account "${this.options.account}" is spent; retry in ${retryAfterSeconds} s.`,
      { provider: this.options.provider, account: this.options.account, retryAfterSeconds },
    );
  }
}
