import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from "rate-limiter-flexible";
import type { RedisConnection } from "./redis-connection";

export interface SharedRateLimiterArgs {
  /** null: no Redis configured, the budget is this process's alone. */
  connection: RedisConnection | null;
  /** Namespaces the limiter's keys in Redis (rate-limiter-flexible adds ":" and the key). */
  keyPrefix: string;
  points: number;
  /** Whole seconds: RateLimiterRedis keeps windows as Redis EXPIRE seconds. */
  durationSeconds: number;
}

/**
 * A call budget that every replica shares through Redis when a connection is given, and this process's own
 * otherwise. Usable wherever a RateLimiterAbstract is.
 */
export function createSharedRateLimiter(args: SharedRateLimiterArgs): RateLimiterAbstract {
  if (!Number.isInteger(args.durationSeconds) || args.durationSeconds < 1) {
    // A zero duration means "never expires" to rate-limiter-flexible, and Redis would floor a fraction.
    throw new RangeError(`durationSeconds must be a whole number ≥ 1, got ${args.durationSeconds}`);
  }
  const options: LimiterOptions = {
    keyPrefix: args.keyPrefix,
    points: args.points,
    duration: args.durationSeconds,
  };
  if (!args.connection) return new RateLimiterMemory(options);
  return new SharedRateLimiter(args.connection, options);
}

interface LimiterOptions {
  keyPrefix: string;
  points: number;
  duration: number;
}

type LimiterCallOptions = Record<string, unknown>;

/**
 * A RateLimiterRedis whose insurance is a RateLimiterMemory of the same size, so that calls are still budgeted,
 * per process, while Redis is down (`rejectIfRedisNotReady` sends them there at once instead of waiting).
 *
 * It is a subclass rather than a plain RateLimiterRedis for three things the library does not do:
 * - it remembers what the insurance handed out and writes it back to Redis when Redis is back (see OutageLedger),
 *   since the library forgets it and the same window's points would be handed out a second time;
 * - it remembers Redis's last answer per key, to restore it should Redis come back empty (a restart without
 *   persistence, a failover to an empty replica);
 * - block() reaches both stores, so a provider's 429 is still honoured if Redis goes away during the block.
 */
export class SharedRateLimiter extends RateLimiterRedis {
  private readonly ledger: OutageLedger;
  private readonly insurance: InsuranceLimiter;
  private writing: Promise<void> | null = null;
  private writeAgain = false;

  constructor(
    private readonly connection: RedisConnection,
    options: LimiterOptions,
  ) {
    const ledger = new OutageLedger();
    const insurance = new InsuranceLimiter(options, ledger);
    super({
      ...options,
      storeClient: connection.client,
      rejectIfRedisNotReady: true,
      insuranceLimiter: insurance,
    });
    this.ledger = ledger;
    this.insurance = insurance;
    connection.onRecovered(() => void this.writeBack());
  }

  override async consume(
    key: string | number,
    pointsToConsume = 1,
    options: LimiterCallOptions = {},
  ): Promise<RateLimiterRes> {
    try {
      return this.observe(key, await super.consume(key, pointsToConsume, options));
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) this.observe(key, rejection);
      throw rejection;
    }
  }

  override async penalty(
    key: string | number,
    points = 1,
    options: LimiterCallOptions = {},
  ): Promise<RateLimiterRes> {
    return this.observe(key, await super.penalty(key, points, options));
  }

  override async reward(
    key: string | number,
    points = 1,
    options: LimiterCallOptions = {},
  ): Promise<RateLimiterRes> {
    return this.observe(key, await super.reward(key, points, options));
  }

  override async get(key: string | number, options: LimiterCallOptions = {}): Promise<RateLimiterRes | null> {
    const res = await super.get(key, options);
    return res && this.observe(key, res);
  }

  override async block(
    key: string | number,
    secDuration: number,
    options: LimiterCallOptions = {},
  ): Promise<RateLimiterRes> {
    // The library blocks the insurance only when Redis fails; this process honours the block on its own too.
    await this.insurance.holdBlock(key, secDuration);
    return this.observe(key, await super.block(key, secDuration, options));
  }

  override async delete(key: string | number, options: LimiterCallOptions = {}): Promise<boolean> {
    this.ledger.forget(String(key));
    const deletedHere = await this.insurance.delete(key);
    // When Redis fails, the library deletes from the insurance again, which by then answers false.
    const deletedShared = await super.delete(key, options);
    return deletedShared || deletedHere;
  }

  /**
   * Writes what this process counted on its own back to Redis. Runs on its own when the connection recovers;
   * resolves when done, or as soon as Redis fails again (what is left waits for the next recovery). Never rejects.
   */
  writeBack(): Promise<void> {
    if (this.writing) {
      this.writeAgain = true;
      return this.writing;
    }
    const run = async (): Promise<void> => {
      do {
        this.writeAgain = false;
        await this.drainLedger();
      } while (this.writeAgain && this.connection.available);
    };
    this.writing = run().finally(() => {
      this.writing = null;
    });
    return this.writing;
  }

  private async drainLedger(): Promise<void> {
    for (const { key, plan } of this.ledger.plans(Date.now(), this.points)) {
      if (!this.connection.available) return;
      try {
        const script = plan.kind === "block" ? BLOCK_SCRIPT : MERGE_SCRIPT;
        const args = plan.kind === "block" ? [plan.points, plan.ms] : [plan.restore, plan.add, plan.ms];
        const reply = await this.connection.client.eval(script, 1, this.getKey(key), ...args);
        this.ledger.written(key, plan, parseReply(reply), Date.now());
      } catch {
        return;
      }
    }
  }

  private observe(key: string | number, res: RateLimiterRes): RateLimiterRes {
    if (!this.insurance.answered(res)) {
      this.ledger.observed(String(key), res.consumedPoints, res.msBeforeNext, Date.now());
    } else if (this.connection.available) {
      // Redis is up but this command failed (a timeout, say): no recovery will come to trigger the write-back.
      void this.writeBack();
    }
    return res;
  }
}

/**
 * Merges what one process counted into a Redis that may have lost the key. ARGV: [1] points to restore when the
 * key is gone (Redis's last known count plus the unsynced points), [2] points to add when it is still there
 * (only the unsynced ones: Redis has the rest), [3] ms left of the window they belong to. SET NX and INCRBY in one
 * script, so that of several replicas writing back after a restart only the first restores the known count.
 */
const MERGE_SCRIPT = `
if not redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[3], 'NX') and tonumber(ARGV[2]) > 0 then
  redis.call('incrby', KEYS[1], ARGV[2])
end
return {tonumber(redis.call('get', KEYS[1])), redis.call('pttl', KEYS[1])}
`;

/**
 * A block taken while Redis was away: the key is blocked (ARGV[1] = points + 1, as rate-limiter-flexible's
 * block() does) for ARGV[2] ms, unless Redis already holds a block that ends later.
 */
const BLOCK_SCRIPT = `
local ttl = redis.call('pttl', KEYS[1])
if ttl ~= -1 and ttl < tonumber(ARGV[2]) then
  local current = tonumber(redis.call('get', KEYS[1])) or 0
  redis.call('set', KEYS[1], math.max(current, tonumber(ARGV[1])), 'PX', ARGV[2])
end
return {tonumber(redis.call('get', KEYS[1])), redis.call('pttl', KEYS[1])}
`;

function parseReply(reply: unknown): SharedCount | null {
  if (!Array.isArray(reply)) return null;
  const points: unknown = reply[0];
  const msLeft: unknown = reply[1];
  return typeof points === "number" && typeof msLeft === "number" ? { points, msLeft } : null;
}

interface SharedCount {
  points: number;
  msLeft: number;
}

/** What this process knows about one key that Redis may not. Times are epoch ms. */
export interface LedgerEntry {
  /** Redis's last answer: consumed points, and the end of that window. */
  sharedPoints: number;
  sharedUntil: number;
  /** Points the insurance handed out that Redis has not been told of, and the end of their window. */
  unsyncedPoints: number;
  unsyncedUntil: number;
  /** The end of a block that Redis could not take. */
  blockedUntil: number;
}

export type WriteBackPlan =
  | { kind: "block"; points: number; ms: number; blockedUntil: number; unsyncedPoints: number }
  | { kind: "merge"; restore: number; add: number; ms: number; unsyncedUntil: number };

/**
 * What to write to Redis for one key when it is back, or null when nothing is still inside its window.
 * A live block wins: rate-limiter-flexible's block() replaces the window's record, so points spent before it are
 * covered by it. Otherwise the unsynced points are added to the key, or, if Redis lost the key, the key is
 * rebuilt from Redis's last answer plus those points, for the longer of their two windows. Rewards during the
 * outage are not written back: giving points back twice is the error this exists to avoid, the reverse is not.
 */
export function planWriteBack(entry: LedgerEntry, now: number, points: number): WriteBackPlan | null {
  if (entry.blockedUntil > now) {
    return {
      kind: "block",
      points: points + 1,
      ms: Math.ceil(entry.blockedUntil - now),
      blockedUntil: entry.blockedUntil,
      unsyncedPoints: entry.unsyncedPoints,
    };
  }
  const add = entry.unsyncedUntil > now ? Math.max(0, entry.unsyncedPoints) : 0;
  const known = entry.sharedUntil > now ? Math.max(0, entry.sharedPoints) : 0;
  if (add === 0 && known === 0) return null;
  const until = Math.max(add > 0 ? entry.unsyncedUntil : 0, known > 0 ? entry.sharedUntil : 0);
  return {
    kind: "merge",
    restore: known + add,
    add,
    ms: Math.ceil(until - now),
    unsyncedUntil: entry.unsyncedUntil,
  };
}

/** Bookkeeping per key, kept small: entries whose windows have all ended are dropped. */
export class OutageLedger {
  private readonly entries = new Map<string, LedgerEntry>();

  /** Redis answered for the key. */
  observed(key: string, consumedPoints: number, msLeft: number, now: number): void {
    if (!(msLeft > 0)) return;
    const entry = this.entry(key, now);
    entry.sharedPoints = consumedPoints;
    entry.sharedUntil = now + msLeft;
  }

  /** The insurance handed out (or, negative, took back) points whose window ends in msLeft. */
  spent(key: string, points: number, msLeft: number, now: number): void {
    const entry = this.entry(key, now);
    if (entry.unsyncedUntil <= now) entry.unsyncedPoints = 0;
    entry.unsyncedPoints += points;
    // A later end is a new insurance window; keeping the older points in it only errs towards spending less.
    entry.unsyncedUntil = Math.max(entry.unsyncedUntil, now + msLeft);
  }

  /** The insurance took a block that Redis did not. */
  blocked(key: string, msLeft: number, now: number): void {
    if (!(msLeft > 0)) return;
    const entry = this.entry(key, now);
    entry.blockedUntil = Math.max(entry.blockedUntil, now + msLeft);
  }

  forget(key: string): void {
    this.entries.delete(key);
  }

  plans(now: number, points: number): { key: string; plan: WriteBackPlan }[] {
    this.prune(now);
    const plans: { key: string; plan: WriteBackPlan }[] = [];
    for (const [key, entry] of this.entries) {
      const plan = planWriteBack(entry, now, points);
      if (plan) plans.push({ key, plan });
    }
    return plans;
  }

  /** The plan reached Redis; what the insurance counted since stays for the next write-back. */
  written(key: string, plan: WriteBackPlan, shared: SharedCount | null, now: number): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    if (plan.kind === "block") {
      if (entry.blockedUntil === plan.blockedUntil) entry.blockedUntil = 0;
      entry.unsyncedPoints -= plan.unsyncedPoints;
    } else if (entry.unsyncedUntil === plan.unsyncedUntil) {
      entry.unsyncedPoints -= plan.add;
    }
    if (shared) this.observed(key, shared.points, shared.msLeft, now);
  }

  /** For tests and diagnostics. */
  peek(key: string): Readonly<LedgerEntry> | undefined {
    return this.entries.get(key);
  }

  private entry(key: string, now: number): LedgerEntry {
    let entry = this.entries.get(key);
    if (!entry) {
      if (this.entries.size >= PRUNE_AT) this.prune(now);
      entry = { sharedPoints: 0, sharedUntil: 0, unsyncedPoints: 0, unsyncedUntil: 0, blockedUntil: 0 };
      this.entries.set(key, entry);
    }
    return entry;
  }

  private prune(now: number): void {
    for (const [key, entry] of this.entries) {
      if (entry.sharedUntil <= now && entry.unsyncedUntil <= now && entry.blockedUntil <= now) {
        this.entries.delete(key);
      }
    }
  }
}

/** Budget keys are per provider account, so this is only reached by a misuse; it bounds the sweep's cost. */
const PRUNE_AT = 1_024;

/**
 * The per-process insurance. Every call that reaches it is one Redis did not count, so it tells the ledger what
 * it handed out; and it marks its answers, so the SharedRateLimiter can tell them from Redis's.
 */
class InsuranceLimiter extends RateLimiterMemory {
  private readonly answers = new WeakSet<RateLimiterRes>();

  constructor(
    options: LimiterOptions,
    private readonly ledger: OutageLedger,
  ) {
    super(options);
  }

  answered(res: RateLimiterRes): boolean {
    return this.answers.has(res);
  }

  override async consume(
    key: string | number,
    pointsToConsume = 1,
    options: LimiterCallOptions = {},
  ): Promise<RateLimiterRes> {
    try {
      const res = this.mark(await super.consume(key, pointsToConsume, options));
      this.ledger.spent(String(key), pointsToConsume, res.msBeforeNext, Date.now());
      return res;
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) this.mark(rejection);
      throw rejection;
    }
  }

  override async penalty(
    key: string | number,
    points = 1,
    options: LimiterCallOptions = {},
  ): Promise<RateLimiterRes> {
    const res = this.mark(await super.penalty(key, points, options));
    this.ledger.spent(String(key), points, res.msBeforeNext, Date.now());
    return res;
  }

  override async reward(
    key: string | number,
    points = 1,
    options: LimiterCallOptions = {},
  ): Promise<RateLimiterRes> {
    const res = this.mark(await super.reward(key, points, options));
    this.ledger.spent(String(key), -points, res.msBeforeNext, Date.now());
    return res;
  }

  override async get(key: string | number, options: LimiterCallOptions = {}): Promise<RateLimiterRes | null> {
    const res = await super.get(key, options);
    return res && this.mark(res);
  }

  /** Reached only when Redis failed to take the block. */
  override async block(
    key: string | number,
    secDuration: number,
    options: LimiterCallOptions = {},
  ): Promise<RateLimiterRes> {
    const res = this.mark(await super.block(key, secDuration, options));
    this.ledger.blocked(String(key), secDuration * 1000, Date.now());
    return res;
  }

  /** A block Redis took as well: nothing to write back. */
  async holdBlock(key: string | number, secDuration: number): Promise<void> {
    await super.block(key, secDuration);
  }

  private mark(res: RateLimiterRes): RateLimiterRes {
    this.answers.add(res);
    return res;
  }
}
