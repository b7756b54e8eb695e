import type { Context } from "../context";
import { decodeGlobalId, taskIdentityKey } from "../domain/global-id";
import { BadUserInputError } from "../errors/app-error";
import { MAX_IDS } from "../graphql/prefetch-tasks.args";
import { taskRefRules } from "../graphql/validators";
import { TaskUpdateStream, type RequestedTask } from "./task-updates";

/**
 * The event stream of `prefetchTaskUpdates(ids)`. Everything a client can get wrong is refused here, before any
 * upstream call: no ids, more than MAX_IDS (as `prefetchTasksByIds` refuses them), ids this API never issued,
 * and more watched tasks than the caller's or the process's bound (OPERATION_LIMIT_EXCEEDED). Ids the key may
 * not read, and ids the provider does not know, are reported by the stream, one error each.
 *
 * The tasks are counted against the bounds from here until the stream ends, however it ends; the subscription's
 * scope, finished when the subscription is over, releases them too, should a stream never be read nor returned.
 */
export function subscribeToTaskUpdates(ctx: Context, ids: unknown): TaskUpdateStream {
  const hub = ctx.taskWatch;
  if (hub === undefined) {
    // An operation that reached a resolver over HTTP: the HTTP edge refuses subscriptions before that.
    throw new BadUserInputError(
      "ids",
      "Subscriptions are served over WebSocket (graphql-transport-ws) on the same URL as queries.",
    );
  }
  const list: readonly unknown[] = Array.isArray(ids) ? ids : [];
  if (list.length === 0) throw new BadUserInputError("ids", "Pass at least one id to watch.");
  if (list.length > MAX_IDS) {
    throw new BadUserInputError(
      "ids",
      `A subscription watches at most ${MAX_IDS} tasks, as prefetchTasksByIds reads at most ${MAX_IDS}; got ${list.length} ids. Split them over several subscriptions.`,
    );
  }
  const rules = taskRefRules(ctx.now);
  const tasks: RequestedTask[] = [];
  const bad: number[] = [];
  list.forEach((id, index) => {
    const ref = typeof id === "string" ? decodeGlobalId(id, rules) : null;
    if (ref === null) bad.push(index);
    else tasks.push({ id: id as string, ref });
  });
  if (bad.length > 0) {
    throw new BadUserInputError(
      "ids",
      `${bad.map((i) => `ids[${i}]`).join(", ")} ${bad.length === 1 ? "is not a task id" : "are not task ids"} this API issued: pass PrefetchTask.id values.`,
    );
  }
  // What this subscription will watch: each task once, none the key may not read (those cost nothing).
  const watched = new Set(
    tasks.filter(({ ref }) => ctx.access.refDecision(ref) !== "deny").map(({ ref }) => taskIdentityKey(ref)),
  );
  const caller = ctx.scope.caller;
  const release = watched.size > 0 ? hub.reserve(caller, watched.size) : () => {};
  const signal = ctx.scope.signal;
  if (signal.aborted) release();
  else signal.addEventListener("abort", release, { once: true });
  const onEnd = (): void => {
    signal.removeEventListener("abort", release);
    release();
  };
  return new TaskUpdateStream(tasks, { hub, caller, access: ctx.access, onEnd });
}
