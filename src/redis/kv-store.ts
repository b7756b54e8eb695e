import type { RedisConnection } from "./redis-connection";

/**
 * A small key-value store shared by every replica: the terminal-task cache and the coalescing of identical calls
 * across replicas. Sharing is an optimisation, never a dependency, so every method answers "nothing shared" when
 * the store cannot be reached and never throws.
 */
export interface SharedKv {
  /** null when the key is absent, expired, or the store is unreachable. */
  get(key: string): Promise<string | null>;
  /** One answer per key, in key order. */
  mget(keys: readonly string[]): Promise<(string | null)[]>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /**
   * Stores the value only if the key is absent; true means this caller leads (does the work and publishes it).
   * Also true when the store is unreachable: with nobody to coordinate with, the caller does the work itself.
   */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** Deletes the key only while it still holds `value`: a lease is released only by its holder. */
  deleteIfEquals(key: string, value: string): Promise<void>;
}

/**
 * SharedKv on Redis. A command fails at once while the connection is down and within the connection's command
 * timeout otherwise (see connectRedis), so none of these waits longer than that.
 */
export class RedisKv implements SharedKv {
  constructor(
    private readonly connection: RedisConnection,
    /** Namespaces this store's keys, e.g. "prefetch-graph:cache:"; applied as is. */
    private readonly keyPrefix: string,
  ) {}

  async get(key: string): Promise<string | null> {
    if (!this.connection.available) return null;
    try {
      return await this.connection.client.get(this.keyPrefix + key);
    } catch {
      return null;
    }
  }

  async mget(keys: readonly string[]): Promise<(string | null)[]> {
    if (keys.length === 0) return [];
    if (!this.connection.available) return keys.map(() => null);
    try {
      return await this.connection.client.mget(keys.map((key) => this.keyPrefix + key));
    } catch {
      return keys.map(() => null);
    }
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    if (!this.connection.available) return;
    try {
      await this.connection.client.set(this.keyPrefix + key, value, "PX", wholeMs(ttlMs));
    } catch {
      // Nothing shared: this replica still has its own answer.
    }
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    if (!this.connection.available) return true;
    try {
      const reply = await this.connection.client.set(this.keyPrefix + key, value, "PX", wholeMs(ttlMs), "NX");
      return reply === "OK";
    } catch {
      return true;
    }
  }

  async delete(key: string): Promise<void> {
    if (!this.connection.available) return;
    try {
      await this.connection.client.del(this.keyPrefix + key);
    } catch {
      // An entry that could not be deleted expires with its TTL.
    }
  }

  async deleteIfEquals(key: string, value: string): Promise<void> {
    if (!this.connection.available) return;
    try {
      await this.connection.client.eval(DELETE_IF_EQUALS, 1, this.keyPrefix + key, value);
    } catch {
      // A lease that could not be released expires with its TTL.
    }
  }
}

/** Compare-and-delete in one step, so a lease taken over by another replica is never released by the first. */
const DELETE_IF_EQUALS = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) else return 0 end`;

/** Redis rejects a PX of 0 or a fraction; a TTL that has all but run out still means "expire soon". */
function wholeMs(ttlMs: number): number {
  return Math.max(1, Math.ceil(ttlMs));
}
