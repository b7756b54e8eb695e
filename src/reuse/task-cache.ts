import { LRUCache } from "lru-cache";
import { isFinished } from "../domain/prefetch-status";
import type { PrefetchTask } from "../domain/prefetch-task";

/**
 * Whether a task may be kept for every later operation: it has reached a state the provider never leaves
 * (completed, failed, finished) and it carries every field (a Wangsu list row lacks its file list).
 */
export function isFinal(task: PrefetchTask): boolean {
  return isFinished(task.status) && task.missing.size === 0;
}

/**
 * A rough count of the bytes a task holds in the V8 heap: strings at two bytes a character plus a fixed
 * overhead per object. It only has to rank and bound entries, not to be exact, and it must stay cheap: it runs
 * once per task stored.
 */
export function estimateTaskBytes(task: PrefetchTask): number {
  let bytes = 1_200; // the task, its ref, details and dates
  const add = (s: string | null | undefined): void => {
    if (s) bytes += 2 * s.length + 16;
  };
  add(task.ref.taskId);
  add(task.id);
  add(task.site);
  add(task.name);
  add(task.providerStatus);
  add(task.failureReason);
  add(task.operator);
  for (const target of task.targets ?? []) {
    bytes += 64;
    add(target.url);
    for (const header of target.headers) {
      bytes += 48;
      add(header.name);
      add(header.value);
    }
  }
  // Wangsu's details repeat the file list; Baidu's repeat the URL.
  if (task.details?.kind === "WANGSU_CDN_PRO") bytes += bytes / 2;
  return Math.ceil(bytes);
}

/**
 * Finished tasks of one provider account, by identity (taskIdentityKey), bounded by bytes: least recently used
 * go first. Holds only final tasks (isFinal), never an error or a "not found".
 */
export class FinalTaskCache {
  private readonly lru: LRUCache<string, PrefetchTask>;

  constructor(maxBytes: number) {
    this.lru = new LRUCache<string, PrefetchTask>({
      maxSize: maxBytes,
      sizeCalculation: estimateTaskBytes,
    });
  }

  get(key: string): PrefetchTask | undefined {
    return this.lru.get(key);
  }

  /** Keeps the task where it is final; anything else is ignored. */
  offer(key: string, task: PrefetchTask): void {
    if (isFinal(task) && !this.lru.has(key)) this.lru.set(key, task);
  }

  get size(): number {
    return this.lru.size;
  }

  get bytes(): number {
    return this.lru.calculatedSize;
  }
}

/**
 * Answers younger than the freshness setting, by key: list pages and unfinished tasks. An entry's age is
 * measured from when the provider's answer arrived (observedAt), so nothing older than `freshnessMs` is ever
 * served. Bounded by bytes (`sizeOf`); entries die on their own once stale.
 */
export class FreshCache<V> {
  private readonly lru: LRUCache<string, { value: V; observedAt: number }>;

  constructor(
    private readonly freshnessMs: number,
    maxBytes: number,
    sizeOf: (value: V) => number,
    private readonly now: () => number,
  ) {
    this.lru = new LRUCache({
      maxSize: maxBytes,
      sizeCalculation: (entry) => Math.max(1, sizeOf(entry.value)),
      ttl: Math.max(freshnessMs, 1),
      // No timer per entry (rows are stored by the hundred): stale entries go when met or evicted by size.
      ttlAutopurge: false,
    });
  }

  get(key: string): V | undefined {
    const entry = this.lru.get(key);
    if (entry === undefined) return undefined;
    if (this.now() - entry.observedAt > this.freshnessMs) {
      this.lru.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: V, observedAt: Date): void {
    if (this.now() - observedAt.getTime() > this.freshnessMs) return;
    this.lru.set(key, { value, observedAt: observedAt.getTime() });
  }
}
