import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { SharedKv } from "../redis/kv-store";

export interface SharedCallsOptions {
  /** How long a result stays usable by other replicas: the freshness setting. */
  readonly freshnessMs: number;
  /** Longest a replica waits for another's call before making its own: a bound on a leader that died. */
  readonly leaseMs: number;
  /** How often a waiting replica first looks for the result; it backs off to 10 times that. */
  readonly pollMs?: number;
}

export interface Codec<T> {
  encode(value: T): string;
  /** null where the text is not a value of T (a foreign or corrupt entry is a miss). */
  decode(text: string): T | null;
}

/**
 * Identical calls of several replicas made once: the first replica to ask takes a lease on the call's key and
 * publishes the answer for `freshnessMs`; the others wait for that answer (polling, a few ms apart) instead of
 * calling too. A failed call publishes nothing and drops its lease, so a waiter then calls itself. Where Redis is
 * unreachable every replica is its own leader (SharedKv.setIfAbsent answers true), so nothing ever waits on it.
 */
export class SharedCalls {
  private readonly replica = randomUUID().slice(0, 8);
  private readonly pollMs: number;

  constructor(
    private readonly kv: SharedKv,
    private readonly options: SharedCallsOptions,
  ) {
    this.pollMs = options.pollMs ?? 25;
  }

  /** The published answer for `key`, another replica's call awaited, or `call()` made here. `shared`: not made here. */
  async run<T>(
    key: string,
    call: () => Promise<T>,
    codec: Codec<T>,
    signal?: AbortSignal,
  ): Promise<{ value: T; shared: boolean }> {
    const resultKey = `r:${key}`;
    const leaseKey = `l:${key}`;
    const published = await this.read(resultKey, codec);
    if (published !== null) return { value: published, shared: true };
    // One token per call: the lease is released only by the call that holds it.
    const token = `${this.replica}:${randomUUID()}`;
    const deadline = Date.now() + this.options.leaseMs;
    let leading = await this.kv.setIfAbsent(leaseKey, token, this.options.leaseMs);
    let pause = this.pollMs;
    while (!leading && Date.now() < deadline && !signal?.aborted) {
      try {
        await sleep(pause, undefined, signal ? { signal } : undefined);
      } catch {
        break; // the waiting operation ended; its caller sees why
      }
      pause = Math.min(pause * 2, this.pollMs * 10);
      const answer = await this.read(resultKey, codec);
      if (answer !== null) return { value: answer, shared: true };
      leading = await this.kv.setIfAbsent(leaseKey, token, this.options.leaseMs);
    }
    try {
      const value = await call();
      await this.kv.set(resultKey, codec.encode(value), this.options.freshnessMs);
      return { value, shared: false };
    } finally {
      // A replica that gave up waiting calls without the lease, and leaves the leader's alone.
      if (leading) await this.kv.deleteIfEquals(leaseKey, token);
    }
  }

  private async read<T>(key: string, codec: Codec<T>): Promise<T | null> {
    const text = await this.kv.get(key);
    return text === null ? null : codec.decode(text);
  }
}
