import type { PrefetchTask } from "../domain/prefetch-task";

/**
 * The order of a site's merged feed (Query.sitePrefetchTasks): the exact reverse of sorting every row by
 * (createdAt, provider, account, task id) ascending. Newest first; on the same createdAt second the provider
 * whose ProviderKind value sorts last comes first (WANGSU_CDN_PRO before BAIDU_GEO), then the account name that
 * sorts last, then the task id that sorts last; strings compare by UTF-16 code units, as JavaScript's `<` does.
 * Task id last-first is also how both providers' listings order one second when read newest first (Wangsu's
 * descending listing; Baidu's ascending one reversed), so a provider page needs no more than a local sort
 * (so the sandboxes list; UNCONFIRMED for the real APIs: where a provider orders one second otherwise, the rows
 * of a second that a page boundary splits keep their pages' order).
 *
 * A row's place is its key: createdAt in whole seconds, made to fit its provider's sequence. A row without
 * createdAt takes the key of the row its provider listed before it, across the pages of one listing; where it
 * comes first in a listing (a piece of the window, or a sub-window, as the feed asked for them), the edge of that
 * listing's window where it starts (its end when newest first, its start otherwise). Rows are sorted within one
 * provider page (a sub-window whose listing shows no time order: within the whole of it); a row a provider lists
 * out of its own order on a later page, or outside the window it was asked for, is clamped into the sequence (no
 * later than the rows handed out before it, no earlier than the page before it or its window). So every source
 * is a non-increasing sequence of keys, which is what a k-way merge needs; such a row keeps its provider's place
 * instead of moving.
 */

/** A task and its key: effective createdAt, epoch seconds. */
export interface FeedRow {
  readonly task: PrefetchTask;
  readonly key: number;
}

/** What the order knows of a source besides its rows: a provider account. */
export interface SourceName {
  readonly provider: string;
  readonly account: string;
}

/**
 * Whether the rows of `a` at key `keyA` come before those of `b` at key `keyB`, for two different sources: the
 * order's first three parts. A source's next row has a key no greater than its bound, so comparing a bound this
 * way tells whether a source that has not been read yet could hold a row that comes before a known one.
 */
export function comesBefore(keyA: number, a: SourceName, keyB: number, b: SourceName): boolean {
  if (keyA !== keyB) return keyA > keyB;
  if (a.provider !== b.provider) return a.provider > b.provider;
  return a.account > b.account;
}

/** createdAt in whole epoch seconds; null where the row has none. */
export function createdSecond(task: PrefetchTask): number | null {
  return task.createdAt === null ? null : Math.floor(task.createdAt.getTime() / 1000);
}

/**
 * One unit a source hands out at a time (a provider page, or a sub-window read whole), in feed order: keys
 * filled in where createdAt is missing (from the row listed before it, else `fill`), rows sorted by key and task
 * id, both descending, then each key clamped into [floor, ceiling]. `ceiling` is the source's bound when the unit
 * is put in hand (no key may pass a row already handed out); `floor` where the unit's rows start (the start of
 * its window, or the last key of the page listed before it).
 *
 * The sort uses the filled keys, not the clamped ones, so the order of a unit never depends on its ceiling: a
 * cursor that resumes inside a unit with its bound as the ceiling sees the rows after its position exactly as
 * the page that issued it did (their clamped keys agree too, as min(key, ceiling) is monotone).
 */
export function orderUnit(
  tasks: readonly PrefetchTask[],
  fill: number,
  ceiling: number,
  floor: number,
): FeedRow[] {
  const own = filledKeys(tasks, fill);
  const keyed = tasks.map((task, i) => ({ task, own: own[i] as number }));
  keyed.sort((a, b) => {
    if (a.own !== b.own) return b.own - a.own;
    const x = a.task.ref.taskId;
    const y = b.task.ref.taskId;
    return x === y ? 0 : x > y ? -1 : 1;
  });
  return keyed.map(({ task, own }) => ({ task, key: Math.min(ceiling, Math.max(floor, own)) }));
}

/** Each row's createdAt second in listing order, or where it has none that of the row before it (else `fill`). */
export function filledKeys(tasks: readonly PrefetchTask[], fill: number): number[] {
  let previous = fill;
  return tasks.map((task) => (previous = createdSecond(task) ?? previous));
}
