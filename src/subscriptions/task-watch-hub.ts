import { taskIdentityKey } from "../domain/global-id";
import type { TaskRef } from "../domain/prefetch-task";
import type { SharedKv } from "../redis/kv-store";
import { minPollGapMs, pollStepMs } from "./poll-policy";
import type { Scheduler } from "./scheduler";
import { SharedPolls } from "./shared-polls";
import type { WatchedTaskBounds } from "./subscription-limits";
import { TaskPoller, type TaskFetch, type Watcher } from "./task-poller";

/**
 * How long a task the provider said it does not know is answered as unknown without a look-up: a client that
 * subscribes again and again to a bad id costs one look-up (two for a Baidu id) per this long, not per subscription.
 */
export const UNKNOWN_TASK_TTL_MS = 60_000;
/** Unknown tasks remembered at most; the oldest are forgotten first. */
const UNKNOWN_TASKS_KEPT = 10_000;

export interface TaskWatchHubOptions {
  readonly fetch: TaskFetch;
  readonly scheduler: Scheduler;
  /** The reuse layer's freshness window (PREFETCH_GRAPH_FRESHNESS_MS): no poll interval is shorter. */
  readonly freshnessMs: number;
  /**
   * Where replicas share the polls of the tasks they watch (Redis): each poll of a task is made by one replica
   * and applied by every replica watching it (shared-polls.ts). `leaseMs`: the longest a replica waits for
   * another's poll before it polls itself. Absent or null: this process polls on its own.
   */
  readonly shared?: { readonly kv: SharedKv; readonly leaseMs: number } | null;
  /** The bound on watched tasks, per caller and per process (SubscriptionLimits); absent: none. */
  readonly bounds?: WatchedTaskBounds | null;
}

/**
 * Every watched task of the process, one TaskPoller each, by identity (taskIdentityKey: a global id with a
 * creation-time hint and a typed one without it are the same task): 50 subscriptions on one task cost the
 * upstream calls of one; with `shared`, so do watchers on several replicas. The last watcher leaving stops the
 * task's poller. A task the provider does not know is remembered for UNKNOWN_TASK_TTL_MS (per replica): a
 * watcher of it in that time hears so at once, at no look-up.
 */
export class TaskWatchHub {
  private readonly pollers = new Map<string, TaskPoller>();
  private readonly stepMs: number;
  private readonly minGapMs: number;
  private readonly polls: SharedPolls | null;
  /** Tasks the provider did not know, by identity, and until when (scheduler time) that answer stands. */
  private readonly unknown = new Map<string, number>();
  private closed = false;

  constructor(private readonly options: TaskWatchHubOptions) {
    this.stepMs = pollStepMs(options.freshnessMs);
    this.minGapMs = minPollGapMs(options.freshnessMs);
    const { scheduler, shared } = options;
    this.polls = shared
      ? new SharedPolls(shared.kv, {
          stepMs: this.stepMs,
          leaseMs: shared.leaseMs,
          now: () => scheduler.now(),
        })
      : null;
  }

  /** Tasks being polled now. */
  get activePollers(): number {
    return this.pollers.size;
  }

  /**
   * Counts `tasks` tasks one subscription of `caller` is about to watch against the bounds, all or none:
   * throws OPERATION_LIMIT_EXCEEDED where they would be exceeded; returns the release.
   */
  reserve(caller: string, tasks: number): () => void {
    return this.options.bounds?.acquireTasks(caller, tasks) ?? (() => {});
  }

  /** Starts watching (and, for the first watcher, polling) the task; returns how to stop watching it. */
  watch(ref: TaskRef, watcher: Watcher): () => void {
    if (this.closed) throw new Error("the task watch hub is closed");
    const key = taskIdentityKey(ref);
    if (this.knownUnknown(key)) {
      watcher.notify({ kind: "gone" });
      return () => {};
    }
    let poller = this.pollers.get(key);
    if (poller === undefined) {
      const created: TaskPoller = new TaskPoller(ref, {
        fetch: this.options.fetch,
        scheduler: this.options.scheduler,
        stepMs: this.stepMs,
        minGapMs: this.minGapMs,
        shared: this.polls && { polls: this.polls, key },
        onStop: (gone) => {
          if (this.pollers.get(key) === created) this.pollers.delete(key);
          if (gone) this.rememberUnknown(key);
        },
      });
      poller = created;
      this.pollers.set(key, poller);
    }
    const watched = poller;
    watched.watch(watcher, ref);
    return () => watched.unwatch(watcher);
  }

  private knownUnknown(key: string): boolean {
    const until = this.unknown.get(key);
    if (until === undefined) return false;
    if (until > this.options.scheduler.now()) return true;
    this.unknown.delete(key);
    return false;
  }

  private rememberUnknown(key: string): void {
    this.unknown.delete(key);
    this.unknown.set(key, this.options.scheduler.now() + UNKNOWN_TASK_TTL_MS);
    // Insertion order is expiry order (one TTL for all): the first entries are the oldest.
    for (const oldest of this.unknown.keys()) {
      if (this.unknown.size <= UNKNOWN_TASKS_KEPT) break;
      this.unknown.delete(oldest);
    }
  }

  /** Stops every poller (polls in flight are aborted); watchers hear nothing more. For shutdown. */
  close(): void {
    this.closed = true;
    for (const poller of [...this.pollers.values()]) poller.stop();
    this.pollers.clear();
  }
}
