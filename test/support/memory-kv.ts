import type { SharedKv } from "../../src/redis/kv-store";

/**
 * A SharedKv in memory, for unit tests of what replicas share: several objects given the same MemoryKv behave
 * as replicas on one Redis. Entries expire in real time, as Redis's do. `available = false` answers as RedisKv
 * does while Redis is unreachable: nothing read, nothing written, every caller its own leader.
 */
export class MemoryKv implements SharedKv {
  available = true;
  private readonly entries = new Map<string, { value: string; expiresAt: number }>();

  /** Keys held now (not expired). */
  keys(): string[] {
    return [...this.entries.keys()].filter((key) => this.read(key) !== null);
  }

  get(key: string): Promise<string | null> {
    return Promise.resolve(this.available ? this.read(key) : null);
  }

  mget(keys: readonly string[]): Promise<(string | null)[]> {
    return Promise.resolve(keys.map((key) => (this.available ? this.read(key) : null)));
  }

  set(key: string, value: string, ttlMs: number): Promise<void> {
    if (this.available) this.entries.set(key, { value, expiresAt: Date.now() + Math.max(1, ttlMs) });
    return Promise.resolve();
  }

  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    if (!this.available) return Promise.resolve(true);
    if (this.read(key) !== null) return Promise.resolve(false);
    this.entries.set(key, { value, expiresAt: Date.now() + Math.max(1, ttlMs) });
    return Promise.resolve(true);
  }

  delete(key: string): Promise<void> {
    if (this.available) this.entries.delete(key);
    return Promise.resolve();
  }

  deleteIfEquals(key: string, value: string): Promise<void> {
    if (this.available && this.read(key) === value) this.entries.delete(key);
    return Promise.resolve();
  }

  private read(key: string): string | null {
    const entry = this.entries.get(key);
    if (entry === undefined) return null;
    if (entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return null;
    }
    return entry.value;
  }
}
