import { Args, Directive, Resolver, Root, Subscription, type PubSub } from "type-graphql";
import type { Context } from "../context";
import type { PrefetchTask } from "../domain/prefetch-task";
import { BadUserInputError } from "../errors/app-error";
import { subscribeToTaskUpdates } from "../subscriptions/subscribe-task-updates";
import type { TaskUpdate } from "../subscriptions/task-updates";
import { UPSTREAM_CALL } from "./demand-control";
import { PrefetchTaskType } from "./prefetch-task.type";
import { IdsArgs } from "./prefetch.resolver";

/**
 * type-graphql builds no subscription without a PubSub, even where every subscription brings its own `subscribe`
 * function, as ours do (a task poller, not topics): this one is never reached, and says so if it ever is.
 */
export const NO_TOPICS: PubSub = {
  publish() {
    throw new Error("prefetch-graph publishes no subscription topics");
  },
  subscribe() {
    throw new Error("prefetch-graph has no subscription topics");
  },
};

@Resolver()
export class PrefetchTaskUpdatesResolver {
  @Directive(UPSTREAM_CALL)
  @Subscription(() => PrefetchTaskType, {
    description:
      "Watches tasks until they finish, over WebSocket (graphql-transport-ws) on the same URL as queries: first each task's current state, then the task again whenever its status, progress, success rate or finish time changes; completes once every task is finished. An id that names no task the caller can read gets one error (BAD_USER_INPUT with the id) and is not watched. Each task is polled once for all its watchers, under its account's call budget.",
    subscribe: ({ context, args }) =>
      subscribeToTaskUpdates(context as Context, (args as { ids?: unknown }).ids),
  })
  prefetchTaskUpdates(
    @Root() update: TaskUpdate | undefined,
    @Args(() => IdsArgs) _args: IdsArgs,
  ): PrefetchTask {
    if (update instanceof Error) throw update;
    // No event: the operation was executed rather than subscribed to (a transport without subscriptions).
    if (update === undefined) {
      throw new BadUserInputError("ids", "Subscriptions are served over WebSocket (graphql-transport-ws).");
    }
    return update;
  }
}
