import { isFinished } from "../domain/prefetch-status";
import type { PrefetchTask, TaskRef } from "../domain/prefetch-task";
import {
  changedForWatchers,
  isCallerRefusal,
  isRefusal,
  nextPollInterval,
  pollInstant,
  retryAfterMs,
  staleAfterMs,
  type PollState,
} from "./poll-policy";
import type { ScheduledTimer, Scheduler } from "./scheduler";
import type { PollRecord, SharedPolls } from "./shared-polls";

/**
 * One look-up of a task on behalf of `caller` (whose fair share pays for it): the task, null where the provider
 * does not know it, or the error. Never rejects. `signal` aborts it when nobody watches any more.
 */
export type TaskFetch = (
  ref: TaskRef,
  caller: string,
  signal: AbortSignal,
) => Promise<PrefetchTask | null | Error>;

/** What a poller tells its watchers. */
export type PollerEvent =
  /** The task as last observed: on watching (once known), then on every change; a finished task is the last. */
  | { readonly kind: "task"; readonly task: PrefetchTask }
  /** The provider does not know the task: it is no longer polled. */
  | { readonly kind: "gone" }
  /** The provider failed MAX_CONSECUTIVE_ERRORS polls in a row: the last error; the task is no longer polled. */
  | { readonly kind: "failed"; readonly error: Error };

export interface Watcher {
  /**
   * Whose fair share pays for the polls: the polls take turns among the watchers' callers, skipping a caller
   * whose share is spent until its share's Retry-After.
   */
  readonly caller: string;
  readonly notify: (event: PollerEvent) => void;
}

export interface TaskPollerOptions {
  readonly fetch: TaskFetch;
  readonly scheduler: Scheduler;
  /** The grid step of the poll intervals (pollStepMs). */
  readonly stepMs: number;
  /** The shortest wait between two polls (minPollGapMs). */
  readonly minGapMs: number;
  /**
   * Where the replicas watching the task share its polls (Redis), under the task's identity `key`; absent or
   * null: this process polls on its own.
   */
  readonly shared?: { readonly polls: SharedPolls; readonly key: string } | null;
  /**
   * Called once the poller has stopped for good: finished, gone (`gone`: the provider does not know the task),
   * failed, or nobody watching.
   */
  readonly onStop: (gone: boolean) => void;
}

/** A caller whose fair share refused a poll: not asked to pay again before `until` (its Retry-After). */
interface RefusedCaller {
  readonly until: number;
  readonly error: Error;
}

/**
 * The single poll of one task, whatever the number of its watchers: it looks the task up at once, then on the
 * intervals of poll-policy.ts while the task is unfinished, and tells every watcher about each change. It stops
 * when the task is finished (a finished task comes from the reuse layer's final-task cache at no call), unknown,
 * failing persistently, or when its last watcher leaves (a poll still in flight is then aborted).
 *
 * Each look-up is charged to one watcher's caller, in turn. A caller whose fair share is spent is skipped until
 * its share's Retry-After, and the poll is made at once with the next caller: one watcher's spent share never
 * delays the others' updates. The poll backs off only where the account's budget refused it (or the provider's
 * rate limit, or a full queue), or where every watcher's share is spent; never sooner than the refusal said.
 *
 * A watcher who joins gets the latest observation at once; where that is older than a running task's longest
 * interval (staleAfterMs), the poller also polls at once, charged to the newcomer's caller first, and the
 * schedule goes on from that poll: a newcomer never waits minutes for the current state of a waiting task.
 *
 * With `shared`, the pollers of the task on every replica are one: each poll is made by one of them and applied
 * by all, with the schedule it set (shared-polls.ts). A poller that starts while another replica polls the task
 * applies that replica's last poll at once (where it is not stale), as a watcher joining here would hear this
 * poller's, and follows its schedule; a poller whose timer comes after another replica polled applies that poll
 * instead. A failed poll is not shared: each replica backs off from its own failures, on the same grid.
 */
export class TaskPoller {
  private readonly watchers = new Set<Watcher>();
  private readonly refusedCallers = new Map<string, RefusedCaller>();
  private readonly staleAfterMs: number;
  private latest: PrefetchTask | null = null;
  private state: PollState | null = null;
  /** Observations in a row that changed nothing watchers are told about. */
  private unchanged = 0;
  /** The instant of the last poll applied (made here or, with `shared`, by another replica); null before. */
  private lastAt: number | null = null;
  private timer: ScheduledTimer | null = null;
  private inFlight: AbortController | null = null;
  private stopped = false;
  /** The provider said it does not know the task (set before the watchers hear it: they may stop the poller). */
  private gone = false;
  private turn = 0;
  private ref: TaskRef;

  constructor(
    ref: TaskRef,
    private readonly options: TaskPollerOptions,
  ) {
    this.ref = ref;
    this.staleAfterMs = staleAfterMs(options.stepMs);
  }

  get watching(): number {
    return this.watchers.size;
  }

  /**
   * Adds a watcher; it hears the latest observation at once where there is one (a poll in flight answers the
   * newcomer with everybody else). The first watcher starts the polls; a later one polls at once where the
   * latest observation is stale. `ref` may carry a creation-time hint the poller's own ref lacks (a Baidu
   * look-up can use it).
   */
  watch(watcher: Watcher, ref: TaskRef): void {
    if (this.stopped) throw new Error("a stopped task poller cannot take watchers");
    if (!this.ref.createdAt && ref.createdAt) this.ref = ref;
    this.watchers.add(watcher);
    if (this.latest !== null) watcher.notify({ kind: "task", task: this.latest });
    if (this.stopped) return; // the watcher left while hearing it
    if (this.inFlight === null && this.timer === null) this.poll(null, null);
    else if (this.isStale()) this.poll(null, watcher.caller);
  }

  /** Removes a watcher; the last one leaving stops the poller. */
  unwatch(watcher: Watcher): void {
    if (!this.watchers.delete(watcher) || this.watchers.size > 0) return;
    this.stop();
  }

  /** Stops polling at once (shutdown, or nobody watching); watchers hear nothing more. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
    this.inFlight?.abort();
    this.inFlight = null;
    this.watchers.clear();
    this.options.onStop(this.gone);
  }

  /**
   * Whether a newcomer should not wait for the next scheduled poll: the last poll succeeded (no back-off from a
   * refusal or a failure is cut short), none is in flight, and it is older than staleAfterMs.
   */
  private isStale(): boolean {
    return (
      this.inFlight === null &&
      this.state?.kind === "observed" &&
      this.lastAt !== null &&
      this.options.scheduler.now() - this.lastAt >= this.staleAfterMs
    );
  }

  /**
   * One poll: `at` is the instant it was scheduled for, null for one made at once (the first, or a newcomer's);
   * `payer`: the caller to charge first, else the next in turn.
   */
  private poll(at: number | null, payer: string | null): void {
    this.timer?.cancel();
    this.timer = null;
    const controller = new AbortController();
    this.inFlight = controller;
    const shared = this.options.shared;
    const outcome = shared
      ? this.pollShared(shared.polls, shared.key, at, payer, controller.signal)
      : this.pollHere(at, payer, controller.signal);
    const settle = (result: PollRecord | Error): void => {
      if (controller.signal.aborted || this.stopped) return;
      this.inFlight = null;
      if (result instanceof Error) this.retry(result);
      else this.apply(result);
    };
    // Neither rejects by design; a bug that makes one (or a watcher's notify) throw ends the poll with the
    // error, told to every watcher, rather than leaving it stuck with nothing scheduled.
    void outcome.then(settle, (err: unknown) => settle(asError(err))).catch((err: unknown) => this.fail(err));
  }

  /** A look-up by this process, for the instant `at` (now where null). */
  private async pollHere(
    at: number | null,
    payer: string | null,
    signal: AbortSignal,
  ): Promise<PollRecord | Error> {
    const instant = at ?? this.options.scheduler.now();
    const result = await this.lookUp(payer, signal);
    return result instanceof Error ? result : this.recordOf(result, instant);
  }

  /**
   * A poll shared with the other replicas: a later poll another replica published (one whose next instant is
   * still ahead, and not stale for a newcomer) is applied as it is; otherwise the poll of the instant, made by
   * whichever replica leads it. A poll made at once is keyed by the start of its grid step, so that replicas
   * starting together make it once.
   */
  private async pollShared(
    polls: SharedPolls,
    key: string,
    at: number | null,
    payer: string | null,
    signal: AbortSignal,
  ): Promise<PollRecord | Error> {
    const { scheduler, stepMs } = this.options;
    try {
      const now = scheduler.now();
      const latest = await polls.latest(key);
      if (
        latest !== null &&
        latest.next !== null &&
        latest.next > now &&
        (this.lastAt === null || latest.at > this.lastAt) &&
        (at !== null || now - latest.at < this.staleAfterMs)
      ) {
        return latest;
      }
      const instant = at ?? Math.floor(now / stepMs) * stepMs;
      return await polls.poll(
        key,
        instant,
        async () => {
          // SharedCalls calls for a waiter whose wait was aborted too: nobody would hear this poll's answer.
          if (signal.aborted) throw new Error("nobody watches the task any more");
          const result = await this.lookUp(payer, signal);
          if (result instanceof Error) throw result;
          return this.recordOf(result, instant);
        },
        signal,
      );
    } catch (err) {
      return asError(err);
    }
  }

  /**
   * One look-up, charged to `payer` (where its share is not spent) or the next caller in turn. A caller whose
   * share refuses it is set aside until its Retry-After, and the look-up is made again at once with the next
   * one; where every watcher's caller is set aside, the refusal of the one free soonest.
   */
  private async lookUp(payer: string | null, signal: AbortSignal): Promise<PrefetchTask | null | Error> {
    let preferred = payer !== null && this.mayPay(payer) ? payer : null;
    for (;;) {
      const caller = preferred ?? this.nextCaller();
      preferred = null;
      if (caller === null) return this.soonestCallerRefusal();
      const result = await this.options.fetch(this.ref, caller, signal);
      if (!(result instanceof Error) || !isCallerRefusal(result) || signal.aborted || this.stopped) {
        return result;
      }
      const waitMs = retryAfterMs(result) ?? this.options.stepMs;
      this.refusedCallers.set(caller, { until: this.options.scheduler.now() + waitMs, error: result });
    }
  }

  /** The callers take turns paying: each poll is charged to the next distinct caller whose share may pay. */
  private nextCaller(): string | null {
    const callers = this.callers().filter((caller) => this.mayPay(caller));
    if (callers.length === 0) return null;
    const caller = callers[this.turn % callers.length]!;
    this.turn++;
    return caller;
  }

  private callers(): string[] {
    return [...new Set([...this.watchers].map((w) => w.caller))];
  }

  /** Whether `caller`'s share has not refused a poll, or its Retry-After has passed. */
  private mayPay(caller: string): boolean {
    const refused = this.refusedCallers.get(caller);
    if (refused === undefined) return true;
    if (refused.until > this.options.scheduler.now()) return false;
    this.refusedCallers.delete(caller);
    return true;
  }

  /** Of the watchers' callers set aside, the one free soonest: its refusal (the poll's Retry-After). */
  private soonestCallerRefusal(): Error {
    const watching = new Set(this.callers());
    for (const caller of this.refusedCallers.keys()) {
      if (!watching.has(caller)) this.refusedCallers.delete(caller);
    }
    let soonest: RefusedCaller | null = null;
    for (const refused of this.refusedCallers.values()) {
      if (soonest === null || refused.until < soonest.until) soonest = refused;
    }
    return soonest?.error ?? new Error("a task poller has no watcher to charge its poll to");
  }

  /** What this poller's answer at `at` means for every watcher of the task: the change count and the next poll. */
  private recordOf(task: PrefetchTask | null, at: number): PollRecord {
    if (task === null) return { at, task: null, unchanged: 0, next: null };
    const changed = this.latest === null || changedForWatchers(this.latest, task);
    const unchanged = changed ? 0 : this.unchanged + 1;
    const interval = nextPollInterval(
      { kind: "observed", status: task.status, unchanged },
      this.options.stepMs,
    );
    return { at, task, unchanged, next: interval === null ? null : this.instantAfter(interval, null) };
  }

  /** Applies a poll, made here or by another replica: watchers hear a change, and the next poll is set. */
  private apply(record: PollRecord): void {
    this.lastAt = record.at;
    const task = record.task;
    if (task === null) return this.end({ kind: "gone" });
    const changed = this.latest === null || changedForWatchers(this.latest, task);
    this.latest = task;
    this.unchanged = record.unchanged;
    this.state = { kind: "observed", status: task.status, unchanged: record.unchanged };
    if (changed) this.broadcast({ kind: "task", task });
    if (isFinished(task.status) || record.next === null) return this.end(null);
    this.scheduleAt(record.next);
  }

  /**
   * A poll that failed here: tried again after the policy's back-off, and never before the refusal's
   * Retry-After (for a refusal by every caller's share, the soonest of theirs), or the end where the policy
   * says to give up.
   */
  private retry(error: Error): void {
    const previous = this.state;
    let notBefore: number | null = null;
    if (isRefusal(error)) {
      this.state = { kind: "refused", refusals: previous?.kind === "refused" ? previous.refusals + 1 : 1 };
      const waitMs = retryAfterMs(error);
      if (waitMs !== null) notBefore = this.options.scheduler.now() + waitMs;
      if (isCallerRefusal(error)) {
        const soonest = Math.min(...[...this.refusedCallers.values()].map((r) => r.until));
        if (Number.isFinite(soonest)) notBefore = soonest;
      }
    } else {
      this.state = { kind: "failed", errors: previous?.kind === "failed" ? previous.errors + 1 : 1 };
    }
    const interval = nextPollInterval(this.state, this.options.stepMs);
    if (interval === null) return this.end({ kind: "failed", error });
    this.scheduleAt(this.instantAfter(interval, notBefore));
  }

  /** The grid instant `interval` away, and not before `notBefore` (pollInstant). */
  private instantAfter(interval: number, notBefore: number | null): number {
    const { scheduler, stepMs, minGapMs } = this.options;
    return pollInstant(scheduler.now(), interval, { stepMs, minGapMs, notBeforeMs: notBefore });
  }

  private scheduleAt(instant: number): void {
    if (this.stopped) return; // its last watcher left while hearing the news
    const { scheduler } = this.options;
    this.timer = scheduler.setTimer(() => this.poll(instant, null), Math.max(0, instant - scheduler.now()));
  }

  /** The way out of a bug in the poll's own continuation: the error to every watcher, and the poller stops. */
  private fail(err: unknown): void {
    try {
      this.broadcast({ kind: "failed", error: asError(err) });
    } catch {
      // A watcher that throws again hears nothing more; the poller stops all the same.
    }
    this.stop();
  }

  private end(event: PollerEvent | null): void {
    if (event?.kind === "gone") this.gone = true;
    if (event !== null) this.broadcast(event);
    this.stop();
  }

  private broadcast(event: PollerEvent): void {
    // A watcher may leave while hearing it (its subscription ends): iterate over a copy.
    for (const watcher of [...this.watchers]) watcher.notify(event);
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
