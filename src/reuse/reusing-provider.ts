import { LRUCache } from "lru-cache";
import type { Logger } from "pino";
import { taskIdentityKey } from "../domain/global-id";
import type { PrefetchTask, TaskRef } from "../domain/prefetch-task";
import { abortedError, isOperationBound, type OperationScope } from "../http/operation-scope";
import type { CallOutcome } from "../http/upstream-http";
import type {
  ListPage,
  ListQuery,
  PrefetchProvider,
  ProviderAccountInfo,
  ProviderCapabilities,
} from "../providers/provider";
import { FinalTaskCache, FreshCache, estimateTaskBytes, isFinal } from "./task-cache";
import type { Codec, SharedCalls } from "./shared-calls";
import { decodeTasksJson, encodeTasksJson, isTaskLike, type SharedFinalTasks } from "./shared-final-tasks";

export interface ReuseSettings {
  /**
   * How long list pages and unfinished tasks are reused across operations, counted from when the provider's
   * answer arrived; 0 turns that off, and with it the sharing of identical calls in flight.
   */
  readonly freshnessMs: number;
  /** Bytes of final tasks kept per account. */
  readonly finalTaskBytes: number;
  /** Where replicas share final tasks (Redis); null: this process only. */
  readonly shared?: SharedFinalTasks | null;
  /** Where replicas share identical calls and their fresh answers (Redis); used only with a freshness > 0. */
  readonly sharedCalls?: SharedCalls | null;
  /** Milliseconds since the epoch; tests may move it. */
  readonly now?: () => number;
  /** Where the account says it learnt something about its provider. */
  readonly logger?: Logger;
  /** Where its hits and misses are counted (src/metrics); absent: nowhere. */
  readonly metrics?: ReuseObserver | null;
}

/**
 * How a page or task was answered from reuse: a final task kept (here or, with Redis, by another replica), a
 * fresh answer, or a call in flight that another operation (or replica) was making.
 */
export type ReuseKind = "final" | "fresh" | "joined";

/** Counts an account's answers from reuse (hits) and those asked of the provider (misses). */
export interface ReuseObserver {
  hit(item: "page" | "task", kind: ReuseKind): void;
  miss(item: "page" | "task", count: number): void;
}

type TaskResult = PrefetchTask | null | Error;

/**
 * How long an earlier lookup of an unfinished task completes its list rows (RowCompletion). After that a row
 * that needs its lacking fields is looked up again, and the lookup is compared with the earlier one: that is
 * how an account learns whether its provider's task inputs really stay put.
 */
const COMPLETE_ROWS_FOR_MS = 60_000;

/**
 * One provider account behind the reuse rules, so that the call budget is spent only where an answer could have
 * changed (DESIGN: "Reuse and budget"). Every entry point — lists, lookups by id, `node`, `_entities`, lazily
 * loaded fields — reaches the provider through here, so:
 * - a final task (completed, failed, finished, with every field) is answered from memory forever, at 0 calls;
 * - list pages and unfinished tasks are answered again for `freshnessMs` after the provider's answer arrived;
 * - identical calls in flight at the same moment are made once, within the same freshness rule.
 * A call shared with another operation that fails for reasons of that operation (its cap, its client gone, its
 * deadline) is made again under the asking operation's own scope. Providers know nothing of any of this.
 */
export class ReusingProvider implements PrefetchProvider {
  private readonly finals: FinalTaskCache;
  private readonly freshPages: FreshCache<ListPage> | null;
  private readonly freshTasks: FreshCache<PrefetchTask> | null;
  private readonly pagesInFlight = new Map<string, Promise<ListPage>>();
  private readonly tasksInFlight = new Map<string, Promise<TaskResult>>();
  private readonly shared: SharedFinalTasks | null;
  private readonly calls: SharedCalls | null;
  /** Complete lookups of unfinished tasks, to complete their list rows; null where rows need no completion. */
  private readonly earlier: LRUCache<string, PrefetchTask> | null;
  /** False once two lookups of one task disagreed on its inputs: rows are then never completed from memory. */
  private inputsStable = true;
  private readonly now: () => number;
  private readonly logger: Logger | undefined;
  private readonly metrics: ReuseObserver | null;

  constructor(
    private readonly inner: PrefetchProvider,
    settings: ReuseSettings,
  ) {
    const now = settings.now ?? Date.now;
    this.now = now;
    this.logger = settings.logger;
    this.metrics = settings.metrics ?? null;
    // Inputs of unfinished tasks are reused only where reuse is on at all (freshness > 0).
    this.earlier =
      inner.rowCompletion && settings.freshnessMs > 0
        ? new LRUCache<string, PrefetchTask>({
            maxSize: Math.max(1024 * 1024, Math.floor(settings.finalTaskBytes / 4)),
            sizeCalculation: estimateTaskBytes,
          })
        : null;
    this.finals = new FinalTaskCache(settings.finalTaskBytes);
    this.shared = settings.shared ?? null;
    const fresh = settings.freshnessMs > 0;
    // Fresh answers take a quarter of the final-task memory each: they turn over every few seconds.
    const freshBytes = Math.max(1024 * 1024, Math.floor(settings.finalTaskBytes / 4));
    this.freshPages = fresh ? new FreshCache(settings.freshnessMs, freshBytes, pageBytes, now) : null;
    this.freshTasks = fresh ? new FreshCache(settings.freshnessMs, freshBytes, estimateTaskBytes, now) : null;
    this.calls = fresh ? (settings.sharedCalls ?? null) : null;
  }

  get kind(): PrefetchProvider["kind"] {
    return this.inner.kind;
  }

  get account(): ProviderAccountInfo {
    return this.inner.account;
  }

  get capabilities(): ProviderCapabilities {
    return this.inner.capabilities;
  }

  lastOutcome(): CallOutcome | null {
    return this.inner.lastOutcome();
  }

  listPage(query: ListQuery, pageToken: string | null, scope?: OperationScope): Promise<ListPage> {
    if (this.freshPages === null) {
      this.metrics?.miss("page", 1);
      return this.inner.listPage(query, pageToken, scope).then((page) => this.finishPage(page));
    }
    const key = pageKey(query, pageToken);
    const fresh = this.freshPages.get(key);
    if (fresh !== undefined) {
      if (scope) scope.cacheHits++;
      this.metrics?.hit("page", "fresh");
      return Promise.resolve(fresh);
    }
    const running = this.pagesInFlight.get(key);
    if (running === undefined) return this.leadPage(key, query, pageToken, scope);
    return untilAborted(running, scope, this.kind, this.account.name).then(
      (page) => {
        if (scope) scope.cacheHits++;
        this.metrics?.hit("page", "joined");
        return page;
      },
      (err: unknown) => {
        // The leader's operation stopped or hit its limits: ask again, leading (or joining) anew.
        if (isOperationBound(err) && !scope?.aborted) return this.listPage(query, pageToken, scope);
        throw err;
      },
    );
  }

  /** One list call for `key` that other operations (and, with Redis, other replicas) may join while it runs. */
  private leadPage(
    key: string,
    query: ListQuery,
    pageToken: string | null,
    scope: OperationScope | undefined,
  ): Promise<ListPage> {
    const pages = this.freshPages as FreshCache<ListPage>;
    const calls = this.calls;
    const fetch = (): Promise<ObservedPage> => {
      this.metrics?.miss("page", 1);
      return this.inner.listPage(query, pageToken, scope).then((page) => ({ page, observedAt: new Date() }));
    };
    const fetched: Promise<ObservedPage> =
      calls === null
        ? fetch()
        : calls.run(`p:${key}`, fetch, PAGE_CODEC, scope?.signal).then(({ value, shared }) => {
            if (shared) {
              if (scope) scope.cacheHits++;
              this.metrics?.hit("page", "joined");
            }
            return value;
          });
    const call = fetched.then(({ page, observedAt }) => {
      // Completed here, from this replica's own lookups: another replica's page is published as it was listed.
      const finished = this.finishPage(page);
      // Aged from when the provider answered, wherever the answer came from.
      pages.set(key, finished, observedAt);
      return finished;
    });
    return inFlight(this.pagesInFlight, key, call);
  }

  async getTasks(refs: readonly TaskRef[], scope?: OperationScope): Promise<ReadonlyArray<TaskResult>> {
    const results = new Array<TaskResult>(refs.length);
    const keys = refs.map(taskIdentityKey);
    const missed: number[] = [];
    const joined: number[] = [];
    const joinedCalls: Promise<TaskResult>[] = [];
    for (let i = 0; i < refs.length; i++) {
      const key = keys[i] as string;
      const final = this.finals.get(key);
      const known = final ?? this.freshTasks?.get(key);
      if (known !== undefined) {
        results[i] = known;
        if (scope) scope.cacheHits++;
        this.metrics?.hit("task", final !== undefined ? "final" : "fresh");
        continue;
      }
      const running =
        this.freshTasks === null ? undefined : this.tasksInFlight.get(flightKey(refs[i] as TaskRef, key));
      if (running !== undefined) {
        joined.push(i);
        joinedCalls.push(running);
      } else missed.push(i);
    }
    const own = missed.length > 0 ? this.fetchTasks(missed, refs, keys, scope, true) : null;
    const retry: number[] = [];
    const settled = await Promise.all(
      joinedCalls.map((call) =>
        untilAborted(call, scope, this.kind, this.account.name).catch((err: unknown) =>
          err instanceof Error ? err : new Error(String(err)),
        ),
      ),
    );
    settled.forEach((result, j) => {
      const i = joined[j] as number;
      if (result instanceof Error && isOperationBound(result) && !scope?.aborted) retry.push(i);
      else {
        results[i] = result;
        if (result !== null && !(result instanceof Error)) {
          if (scope) scope.cacheHits++;
          this.metrics?.hit("task", "joined");
        }
      }
    });
    const mine = own === null ? [] : await own;
    mine.forEach((result, j) => (results[missed[j] as number] = result));
    if (retry.length > 0) {
      // The calls joined stopped for their own operations' reasons: asked again, shared with whoever joins now.
      const again = await this.fetchTasks(retry, refs, keys, scope, true);
      again.forEach((result, j) => (results[retry[j] as number] = result));
    }
    return results;
  }

  /** A page as this account serves it: rows completed where they can be, complete rows remembered. */
  private finishPage(page: ListPage): ListPage {
    const { page: completed, composed } = this.completeRows(page);
    this.prime(completed, composed);
    return completed;
  }

  /**
   * Rows that lack only the task's inputs, completed from an earlier lookup of the same task where the provider
   * allows it (RowCompletion) and the account has not seen inputs change: a dashboard's rows then cost no lookup
   * each time the list is fresh again. A row whose earlier lookup is older than COMPLETE_ROWS_FOR_MS stays as it
   * is, and its lookup checks the inputs again.
   */
  private completeRows(page: ListPage): { page: ListPage; composed: ReadonlySet<PrefetchTask> } {
    const completion = this.inner.rowCompletion;
    if (completion === undefined || !this.inputsStable) return { page, composed: NONE };
    let tasks: PrefetchTask[] | null = null;
    const composed = new Set<PrefetchTask>();
    page.tasks.forEach((row, i) => {
      if (row.missing.size === 0) return;
      const key = taskIdentityKey(row.ref);
      // A final task's inputs always; an unfinished one's only where reuse is on (this.earlier).
      const before = this.finals.get(key) ?? this.earlier?.get(key);
      if (before === undefined) return;
      if (!isFinal(before) && this.now() - before.observedAt.getTime() > COMPLETE_ROWS_FOR_MS) return;
      tasks ??= [...page.tasks];
      const task = completion.complete(row, before);
      tasks[i] = task;
      composed.add(task);
    });
    return tasks === null ? { page, composed: NONE } : { page: { ...page, tasks }, composed };
  }

  /** A complete lookup: kept to complete later list rows, and compared with the one before it. */
  private observe(key: string, task: PrefetchTask): void {
    const completion = this.inner.rowCompletion;
    if (completion === undefined || this.earlier === null) return;
    const before = this.earlier.get(key);
    if (before !== undefined && this.inputsStable && !completion.sameInputs(before, task)) {
      this.inputsStable = false;
      this.logger?.warn(
        { provider: this.kind, account: this.account.name, taskId: task.ref.taskId },
        "a task's submitted fields changed between two lookups: list rows are no longer completed from earlier lookups",
      );
    }
    if (!isFinal(task)) this.earlier.set(key, task);
  }

  /**
   * Rows that carry every field are as good as a lookup: final ones are kept, unfinished ones stay fresh. A row
   * completed from an earlier lookup (`composed`) is served but never kept as final: only a lookup that saw the
   * task finished may be, so that the check of its inputs (observe) still runs once it has.
   */
  private prime(page: ListPage, composed: ReadonlySet<PrefetchTask>): void {
    for (const task of page.tasks) {
      if (task.missing.size > 0) continue;
      const final = isFinal(task);
      if (final && composed.has(task)) continue;
      if (final) this.keepFinal(taskIdentityKey(task.ref), task);
      else this.freshTasks?.set(taskIdentityKey(task.ref), task, task.observedAt);
    }
  }

  /**
   * One provider batch for refs[indexes], registered at once as in flight so that operations asking meanwhile
   * join it; with Redis, final tasks another replica saw are read first (one round trip for the batch).
   * `share`: other operations may join it.
   */
  private fetchTasks(
    indexes: readonly number[],
    refs: readonly TaskRef[],
    keys: readonly string[],
    scope: OperationScope | undefined,
    share: boolean,
  ): Promise<TaskResult[]> {
    const batch = this.lookUp(indexes, refs, keys, scope, share);
    if (share && this.freshTasks !== null) {
      indexes.forEach((i, j) => {
        const key = flightKey(refs[i] as TaskRef, keys[i] as string);
        // Joiners await it; the batch's own caller handles its outcome.
        void inFlight(
          this.tasksInFlight,
          key,
          batch.then((r) => r[j] ?? null),
        );
      });
    }
    return batch;
  }

  private async lookUp(
    indexes: readonly number[],
    refs: readonly TaskRef[],
    keys: readonly string[],
    scope: OperationScope | undefined,
    share: boolean,
  ): Promise<TaskResult[]> {
    const results = new Array<TaskResult>(indexes.length);
    let ask = [...indexes.keys()];
    if (this.shared !== null) {
      const fromShared = await this.shared.getMany(indexes.map((i) => keys[i] as string));
      ask = ask.filter((j) => {
        const task = fromShared[j];
        if (task === null || task === undefined) return true;
        this.finals.offer(keys[indexes[j] as number] as string, task);
        results[j] = task;
        if (scope) scope.cacheHits++;
        this.metrics?.hit("task", "final");
        return false;
      });
    }
    if (ask.length === 0) return results;
    const asked = ask.map((j) => indexes[j] as number);
    const calls = this.calls;
    // With replicas sharing calls, a miss is counted where this replica makes the call (fetchTasksShared).
    if (!(share && calls !== null)) this.metrics?.miss("task", asked.length);
    const found = await (
      share && calls !== null
        ? this.fetchTasksShared(calls, asked, refs, keys, scope)
        : this.inner.getTasks(
            asked.map((i) => refs[i] as TaskRef),
            scope,
          )
    ).then(
      (r) => asked.map((_, k) => r[k] ?? null),
      // A batch that fails as a whole fails each of its keys.
      (err: unknown) => asked.map(() => (err instanceof Error ? err : new Error(String(err)))),
    );
    found.forEach((result, k) => {
      const j = ask[k] as number;
      results[j] = result;
      if (result === null || result instanceof Error) return; // never kept: unknown now may exist later
      const key = keys[indexes[j] as number] as string;
      this.observe(key, result);
      if (isFinal(result)) this.keepFinal(key, result);
      else this.freshTasks?.set(key, result, result.observedAt);
    });
    return results;
  }

  /**
   * With replicas sharing calls: one call per task (both providers look tasks up one call each anyway), each made
   * by whichever replica asks first. Errors are not published; a waiting replica then calls itself.
   */
  private fetchTasksShared(
    calls: SharedCalls,
    indexes: readonly number[],
    refs: readonly TaskRef[],
    keys: readonly string[],
    scope: OperationScope | undefined,
  ): Promise<TaskResult[]> {
    return Promise.all(
      indexes.map(async (i) => {
        const ref = refs[i] as TaskRef;
        try {
          const { value, shared } = await calls.run(
            `t:${flightKey(ref, keys[i] as string)}`,
            async () => {
              this.metrics?.miss("task", 1);
              const [found] = await this.inner.getTasks([ref], scope);
              if (found instanceof Error) throw found;
              return { task: found ?? null };
            },
            TASK_CODEC,
            scope?.signal,
          );
          if (shared) {
            if (scope) scope.cacheHits++;
            this.metrics?.hit("task", "joined");
          }
          return value.task;
        } catch (err) {
          return err instanceof Error ? err : new Error(String(err));
        }
      }),
    );
  }

  private keepFinal(key: string, task: PrefetchTask): void {
    if (this.finals.get(key) !== undefined) return;
    this.finals.offer(key, task);
    this.shared?.put(key, task);
  }
}

/** A corrupt or foreign entry is a miss, never a failure. */
function safeDecode(text: string): unknown {
  try {
    return decodeTasksJson(text);
  } catch {
    return null;
  }
}

/** A list page and when the provider answered it, as replicas publish it. */
interface ObservedPage {
  readonly page: ListPage;
  readonly observedAt: Date;
}

const PAGE_CODEC: Codec<ObservedPage> = {
  encode: encodeTasksJson,
  decode(text) {
    const value = safeDecode(text) as ObservedPage | null;
    return typeof value === "object" &&
      value !== null &&
      value.observedAt instanceof Date &&
      typeof value.page === "object" &&
      value.page !== null &&
      Array.isArray(value.page.tasks) &&
      value.page.tasks.every(isTaskLike)
      ? value
      : null;
  },
};

const TASK_CODEC: Codec<{ task: PrefetchTask | null }> = {
  encode: encodeTasksJson,
  decode(text) {
    const value = safeDecode(text) as { task?: unknown } | null;
    if (typeof value !== "object" || value === null) return null;
    if (value.task === null) return { task: null };
    return isTaskLike(value.task) ? { task: value.task } : null;
  },
};

const NONE: ReadonlySet<PrefetchTask> = new Set();

function pageBytes(page: ListPage): number {
  let bytes = 200;
  for (const task of page.tasks) bytes += estimateTaskBytes(task);
  return bytes;
}

/**
 * The key under which a lookup is shared while it runs: the task's identity, and whether the ref carries a
 * creation-time hint, since a Baidu lookup with one can find what one without it cannot. The mark is a prefix no
 * identity key begins with (they begin with a letter, or "["): a suffix could be part of a task id a client typed.
 */
function flightKey(ref: TaskRef, identity: string): string {
  return ref.createdAt ? `+${identity}` : identity;
}

/** Registers a call as in flight under `key` until it settles (unless a newer call has taken the key since). */
function inFlight<T>(calls: Map<string, Promise<T>>, key: string, call: Promise<T>): Promise<T> {
  calls.set(key, call);
  const forget = (): void => {
    if (calls.get(key) === call) calls.delete(key);
  };
  call.then(forget, forget);
  return call;
}

/** Waits for another operation's call, but no longer than the waiting operation itself may run. */
function untilAborted<T>(
  call: Promise<T>,
  scope: OperationScope | undefined,
  provider: string,
  account: string,
): Promise<T> {
  if (scope === undefined) return call;
  if (scope.aborted) return Promise.reject(abortedError(scope.aborted, provider, account));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortedError(scope.aborted ?? "client-gone", provider, account));
    scope.signal.addEventListener("abort", onAbort, { once: true });
    call.then(
      (value) => {
        scope.signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (err: unknown) => {
        scope.signal.removeEventListener("abort", onAbort);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/** Everything that makes two list calls identical: the window, the site and the page token. */
function pageKey(query: ListQuery, pageToken: string | null): string {
  return `${query.window.start.getTime()}|${query.window.end.getTime()}|${query.site ?? ""}|${pageToken ?? ""}`;
}
