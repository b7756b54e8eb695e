import type { Access, RefDecision } from "../access/access";
import { taskIdentityKey } from "../domain/global-id";
import { isFinished } from "../domain/prefetch-status";
import type { PrefetchTask, TaskRef } from "../domain/prefetch-task";
import { AppError, ErrorCode } from "../errors/app-error";
import type { PollerEvent, Watcher } from "./task-poller";
import type { TaskWatchHub } from "./task-watch-hub";

/**
 * One event of a subscription: a task as observed, or the error of one id (reported once, then not watched); an
 * error that is not an AppError is a bug of ours, masked where it is shown.
 */
export type TaskUpdate = PrefetchTask | Error;

/** One id a subscription asked for, and the task it names. */
export interface RequestedTask {
  readonly id: string;
  readonly ref: TaskRef;
}

export interface TaskUpdatesOptions {
  readonly hub: TaskWatchHub;
  /** Whose fair share pays for the polls this subscription starts or joins. */
  readonly caller: string;
  /** What the subscriber's API key may read: a task it may not is reported as unknown, as HTTP answers null. */
  readonly access: Access;
  /** Called once when the stream ends, however it ends (all tasks done, unsubscribed, disconnected). */
  readonly onEnd?: () => void;
}

interface Entry {
  readonly id: string;
  readonly index: number;
  readonly decision: RefDecision;
  unwatch: (() => void) | null;
}

/**
 * The events of one subscription to `tasks`: first each task's current state, then the task again on every
 * change its poller sees; an id that names no task (or one the key may not read) gets one error, as does a task
 * whose provider keeps failing; the stream completes once every task is finished or reported. Duplicate ids of
 * one task are watched once.
 *
 * An AsyncIterator by hand rather than an async generator: a generator waiting for the next event cannot be
 * returned until that event comes, and a subscriber that leaves must stop its watching at once.
 */
export class TaskUpdateStream implements AsyncIterableIterator<TaskUpdate> {
  private readonly queue: TaskUpdate[] = [];
  private readonly pending = new Map<string, Entry>();
  private waiting: ((result: IteratorResult<TaskUpdate>) => void) | null = null;
  private started = false;
  private ended = false;

  constructor(
    private readonly tasks: readonly RequestedTask[],
    private readonly options: TaskUpdatesOptions,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<TaskUpdate>> {
    if (!this.started) this.start();
    const update = this.queue.shift();
    if (update !== undefined) return Promise.resolve({ value: update, done: false });
    if (this.pending.size === 0) {
      this.end();
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<TaskUpdate>> {
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error?: unknown): Promise<IteratorResult<TaskUpdate>> {
    this.end();
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }

  /** Watching starts with the first read, so that a subscription refused before it is read polls nothing. */
  private start(): void {
    this.started = true;
    const { access, hub, caller } = this.options;
    const watches: { key: string; ref: TaskRef }[] = [];
    this.tasks.forEach(({ id, ref }, index) => {
      const decision = access.refDecision(ref);
      if (decision === "deny") {
        this.push(unknownTask(id, index));
        return;
      }
      const key = taskIdentityKey(ref);
      if (this.pending.has(key)) return;
      this.pending.set(key, { id, index, decision, unwatch: null });
      watches.push({ key, ref });
    });
    for (const { key, ref } of watches) {
      const watcher: Watcher = { caller, notify: (event) => this.hear(key, event) };
      const unwatch = hub.watch(ref, watcher);
      const entry = this.pending.get(key);
      // The poller may have answered (and this entry ended) inside watch().
      if (entry === undefined || this.ended) unwatch();
      else entry.unwatch = unwatch;
    }
  }

  private hear(key: string, event: PollerEvent): void {
    const entry = this.pending.get(key);
    if (entry === undefined || this.ended) return;
    switch (event.kind) {
      case "task":
        if (entry.decision === "check-task" && !this.options.access.allowsTask(event.task)) {
          this.finish(key, entry);
          this.push(unknownTask(entry.id, entry.index));
          return;
        }
        if (isFinished(event.task.status)) this.finish(key, entry);
        this.push(event.task);
        return;
      case "gone":
        this.finish(key, entry);
        this.push(unknownTask(entry.id, entry.index));
        return;
      case "failed":
        this.finish(key, entry);
        this.push(failedTask(entry.id, entry.index, event.error));
        return;
    }
  }

  private finish(key: string, entry: Entry): void {
    this.pending.delete(key);
    entry.unwatch?.();
  }

  private push(update: TaskUpdate): void {
    const waiting = this.waiting;
    if (waiting === null) {
      this.queue.push(update);
      return;
    }
    this.waiting = null;
    waiting({ value: update, done: false });
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    for (const entry of this.pending.values()) entry.unwatch?.();
    this.pending.clear();
    this.queue.length = 0;
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.({ value: undefined, done: true });
    this.options.onEnd?.();
  }
}

/** An id the server cannot watch: unknown to the provider, or not readable with this key (never told apart). */
function unknownTask(id: string, index: number): AppError {
  return new AppError(
    ErrorCode.BAD_USER_INPUT,
    `ids[${index}] names no task this API key can see (unknown to its provider, or not readable with this key); it is not watched.`,
    { argumentName: "ids", id, index },
  );
}

/** A task whose provider failed every poll of the last few minutes: its last error, naming the id. */
function failedTask(id: string, index: number, error: Error): Error {
  // Not ours to describe: masked as INTERNAL_SERVER_ERROR where it is shown, and logged there.
  if (!(error instanceof AppError)) return error;
  return new AppError(
    error.code,
    `${error.message} ids[${index}] is no longer watched.`,
    { ...error.extensions, id, index },
    { cause: error },
  );
}
