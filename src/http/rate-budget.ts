import { setTimeout as sleep } from "node:timers/promises";
import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import { providerDisplayName } from "../domain/provider-kind";
import { UpstreamError } from "../errors/app-error";
import {
  budgetStatus,
  OVERLOADED_RETRY_AFTER_SECONDS,
  shareOfWindow,
  waitOrRefuse,
  type BudgetStatus,
} from "./fair-share";
import { WaitQueue } from "./wait-queue";

export type { BudgetStatus } from "./fair-share";

/** Who a call is made for: the caller's share is drawn from, and waiting stops when the signal aborts. */
export interface BudgetCall {
  /** The operation's caller (API key name, else client address); absent outside an operation: no share. */
  readonly caller?: string | undefined;
  readonly signal?: AbortSignal | undefined;
}

/** What take() drew; giveBack() returns it where the call was never sent after all. */
export interface BudgetGrant {
  giveBack(): Promise<void>;
}

/**
 * A per-account budget of upstream calls. `take()` resolves when a call may go out, waiting a bounded time for
 * its turn, and otherwise rejects with an UPSTREAM_RATE_LIMITED UpstreamError that carries a retry-after hint
 * and which limit refused it. `penalize()` is how a provider's own 429 drains the budget: it answers how long
 * calls now wait, which is also the retry-after hint clients get.
 */
export interface RateBudget {
  /** Calls one operation may make of this account (its share of the window); null: no share applies. */
  readonly operationLimit: number | null;
  /**
   * The account's bounded wait queue, shared by waits for this budget and for the account's connection slots.
   * It travels with the budget because the budget is the one per-account object the registry builds from
   * config and hands to the account's UpstreamHttp. null: waits are unbounded.
   */
  readonly queue: WaitQueue | null;
  take(call?: BudgetCall): Promise<BudgetGrant>;
  /** retryAfterSeconds: the provider's Retry-After, or null where it sent none. */
  penalize(retryAfterSeconds: number | null): Promise<number>;
  /** The budget's current window, read without drawing from it; null where the account has no budget. */
  status(): Promise<BudgetStatus | null>;
}

/** A hint for a 429 without Retry-After from a provider that documents no limit. */
const DEFAULT_RETRY_AFTER_SECONDS = 60;

const NOTHING_TO_GIVE_BACK: BudgetGrant = { giveBack: () => Promise.resolve() };

/** For accounts without a documented limit: nothing to draw from or block, no share; waits still bounded. */
export class UnlimitedBudget implements RateBudget {
  readonly operationLimit = null;
  constructor(readonly queue: WaitQueue | null) {}

  take(): Promise<BudgetGrant> {
    return Promise.resolve(NOTHING_TO_GIVE_BACK);
  }

  penalize(retryAfterSeconds: number | null): Promise<number> {
    return Promise.resolve(retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS);
  }

  status(): Promise<null> {
    return Promise.resolve(null);
  }
}

/** An unlimited budget with unbounded waits, for clients built outside the registry (tests, tools). */
export const UNLIMITED_BUDGET: RateBudget = new UnlimitedBudget(null);

/**
 * How budgets get their store: the same factory builds the account's budget and its callers' shares, so that a
 * Redis-backed factory (one RateLimiterRedis per prefix) makes replicas share both. `durationSeconds` is whole.
 */
export type LimiterFactory = (args: {
  readonly keyPrefix: string;
  readonly points: number;
  readonly durationSeconds: number;
}) => RateLimiterAbstract;

/** This process's own store. */
export const memoryLimiter: LimiterFactory = (args) =>
  new RateLimiterMemory({ keyPrefix: args.keyPrefix, points: args.points, duration: args.durationSeconds });

/**
 * Our window opens when a call leaves, the provider's when it arrives a little later; with equal windows the
 * first calls after our refill would reach the provider before its own refill and meet a 429. Our window is
 * therefore this much longer than the provider's.
 */
export const WINDOW_MARGIN_SECONDS = 1;

/** One account's budget as configured: the provider's window, and the shares operations and callers get. */
export interface AccountRateLimit {
  readonly points: number;
  readonly durationSeconds: number;
  /** Fraction (0, 1] of a window one operation may spend. */
  readonly operationShare: number;
  /** Fraction (0, 1] of a window one caller may spend. */
  readonly callerShare: number;
}

/**
 * Builds one account's budget from its limits (null: the provider documents none and none is configured).
 * The one place budgets are constructed, so that another store slots in through `limiter`.
 */
export function createAccountBudget(args: {
  readonly provider: string;
  readonly account: string;
  readonly limit: AccountRateLimit | null;
  /** Longest a call waits for its turn before UPSTREAM_RATE_LIMITED. */
  readonly maxWaitMs: number;
  /** Calls of the account that may wait at once (budget or slot) before UPSTREAM_OVERLOADED. */
  readonly maxQueue: number;
  readonly limiter?: LimiterFactory;
}): RateBudget {
  const queue = new WaitQueue(args.maxQueue, () => overloadedError(args.provider, args.account));
  if (args.limit === null) return new UnlimitedBudget(queue);
  const factory = args.limiter ?? memoryLimiter;
  const { points } = args.limit;
  const window = args.limit.durationSeconds + WINDOW_MARGIN_SECONDS;
  const callerPoints = shareOfWindow(points, args.limit.callerShare);
  return new LimiterRateBudget({
    provider: args.provider,
    account: args.account,
    limiter: factory({ keyPrefix: "prefetch-graph:budget", points, durationSeconds: window }),
    // Same window as the account's: a caller's share refills when the account's budget does. A share of the
    // whole budget is no share: without it, a spent budget is reported as the account's, which it is.
    ...(callerPoints < points && {
      callerLimiter: factory({
        keyPrefix: "prefetch-graph:caller-share",
        points: callerPoints,
        durationSeconds: window,
      }),
    }),
    operationLimit: shareOfWindow(points, args.limit.operationShare),
    queue,
    maxWaitMs: args.maxWaitMs,
  });
}

/** A call refused by the account's full wait queue: never sent. */
export function overloadedError(provider: string, account: string): UpstreamError {
  return new UpstreamError(
    "UPSTREAM_OVERLOADED",
    `Too many calls of ${providerDisplayName(provider)} account "${account}" are waiting; retry in ${OVERLOADED_RETRY_AFTER_SECONDS} s.`,
    { provider, account, retryAfterSeconds: OVERLOADED_RETRY_AFTER_SECONDS },
  );
}

export interface LimiterBudgetOptions {
  readonly provider: string;
  readonly account: string;
  /**
   * The store. In-memory by default; a RateLimiterRedis with the same key prefix makes replicas share one
   * account's budget (rate-limiter-flexible offers both behind the same interface).
   */
  readonly limiter: RateLimiterAbstract;
  /** Each caller's share of the window, keyed by account and caller; absent: no caller share. */
  readonly callerLimiter?: RateLimiterAbstract;
  /** Calls one operation may make of the account; absent: no operation share. */
  readonly operationLimit?: number;
  /** Bounds the calls waiting for this budget (and for the account's slots); absent: unbounded. */
  readonly queue?: WaitQueue;
  /** Longest a call waits for its turn before failing fast with UPSTREAM_RATE_LIMITED. */
  readonly maxWaitMs: number;
}

/** What one limiter handed out, and until when giving it back still counts in the same window. */
interface Drawn {
  readonly limiter: RateLimiterAbstract;
  readonly key: string;
  readonly windowEndsAt: number;
}

/**
 * A RateBudget on rate-limiter-flexible: the budget key is provider/account, a caller's share key
 * provider/account/caller. A call draws from the caller's share first, then from the account's budget; where
 * the account's budget refuses it, the caller's point is given back. Both draws wait within one maxWaitMs.
 */
export class LimiterRateBudget implements RateBudget {
  readonly operationLimit: number | null;
  readonly queue: WaitQueue | null;
  private readonly key: string;

  constructor(private readonly options: LimiterBudgetOptions) {
    this.key = `${options.provider}/${options.account}`;
    this.operationLimit = options.operationLimit ?? null;
    this.queue = options.queue ?? null;
  }

  /** The account's budget alone, in memory: no shares, unbounded waits. */
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
      limiter: memoryLimiter({
        keyPrefix: "prefetch-graph:budget",
        points: args.points,
        durationSeconds: args.durationSeconds + WINDOW_MARGIN_SECONDS,
      }),
      maxWaitMs: args.maxWaitMs,
    });
  }

  async take(call: BudgetCall = {}): Promise<BudgetGrant> {
    const deadline = Date.now() + this.options.maxWaitMs;
    const waiting = { queued: false };
    try {
      const callerLimiter = this.options.callerLimiter;
      const share =
        callerLimiter && call.caller !== undefined
          ? await this.draw(callerLimiter, `${this.key}/${call.caller}`, "CALLER", deadline, call, waiting)
          : null;
      let account: Drawn;
      try {
        account = await this.draw(this.options.limiter, this.key, "ACCOUNT", deadline, call, waiting);
      } catch (err) {
        if (share) await giveBack(share);
        throw err;
      }
      return { giveBack: () => Promise.all([giveBack(account), share && giveBack(share)]).then(() => {}) };
    } finally {
      if (waiting.queued) this.queue?.leave();
    }
  }

  async status(): Promise<BudgetStatus> {
    const { limiter } = this.options;
    const current = await limiter.get(this.key);
    return budgetStatus({
      points: limiter.points,
      windowSeconds: limiter.duration,
      window: current && { consumedPoints: current.consumedPoints, msBeforeNext: current.msBeforeNext },
      now: new Date(),
    });
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

  /**
   * One point of `limiter`, waiting its turn until `deadline`. The first wait takes a place in the account's
   * queue (kept until take() ends), or fails at once where the queue is full; a wait ends early on abort.
   */
  private async draw(
    limiter: RateLimiterAbstract,
    key: string,
    limit: "ACCOUNT" | "CALLER",
    deadline: number,
    call: BudgetCall,
    waiting: { queued: boolean },
  ): Promise<Drawn> {
    for (;;) {
      call.signal?.throwIfAborted();
      try {
        const res = await limiter.consume(key, 1);
        return { limiter, key, windowEndsAt: Date.now() + res.msBeforeNext };
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection; // the store failed, not the budget
        const decision = waitOrRefuse(rejection.msBeforeNext, deadline - Date.now());
        if (!decision.wait) throw this.limited(limit, decision.retryAfterSeconds);
        if (!waiting.queued && this.queue) {
          this.queue.enter();
          waiting.queued = true;
        }
        await sleep(decision.ms, undefined, call.signal ? { signal: call.signal } : {});
      }
    }
  }

  private limited(limit: "ACCOUNT" | "CALLER", retryAfterSeconds: number): UpstreamError {
    const { provider, account } = this.options;
    const name = `${providerDisplayName(provider)} account "${account}"`;
    return new UpstreamError(
      "UPSTREAM_RATE_LIMITED",
      limit === "CALLER"
        ? `Your share of the call budget of ${name} is spent; retry in ${retryAfterSeconds} s.`
        : `The call budget of ${name} is spent; retry in ${retryAfterSeconds} s.`,
      { provider, account, retryAfterSeconds, limit },
    );
  }
}

/**
 * Returns a point drawn for a call that was never sent, where its window still runs: in a window that has
 * since refilled, a reward would hand out a point the provider's window never gave. A store that fails here
 * leaves the point spent, which errs on the safe side, and must not replace the error that stopped the call.
 */
async function giveBack(drawn: Drawn): Promise<void> {
  if (Date.now() >= drawn.windowEndsAt) return;
  await drawn.limiter.reward(drawn.key, 1).catch(() => undefined);
}
