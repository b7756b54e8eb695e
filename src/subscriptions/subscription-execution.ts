import { createSourceEventStream, execute, type ExecutionArgs, type ExecutionResult } from "graphql";
import type { Access } from "../access/access";
import { createContext, type AppServices, type Context } from "../context";
import { OperationScope } from "../http/operation-scope";
import type { TaskWatchHub } from "./task-watch-hub";

/** What the execution of a subscription and of each of its events needs. */
export interface SubscriptionExecution {
  readonly services: AppServices;
  readonly hub: TaskWatchHub;
  /** Upstream calls the resolution of one event may cause (nested fields that need a look-up). */
  readonly maxUpstreamCallsPerOperation: number;
  /** After this long the pending upstream work of one event's resolution is cancelled, as an operation's. */
  readonly operationTimeoutMs: number;
}

/**
 * The context the subscription's `subscribe` runs with: its caller, its access, its requestId, and the task
 * pollers; its scope lasts as long as the subscription (and releases what the subscription holds when it ends).
 */
export function subscriptionContext(
  execution: Pick<SubscriptionExecution, "services" | "hub">,
  requestId: string,
  scope: OperationScope,
  access: Access,
): Context {
  return { ...createContext(execution.services, requestId, scope, access), taskWatch: execution.hub };
}

/**
 * graphql-js's subscribe, except that each event is executed with a context of its own: a fresh scope (the
 * operation's call cap and deadline, aborted with the subscription's) and fresh loaders, under the
 * subscription's requestId, caller and access, and a clock read when the event is sent.
 */
export async function subscribeByEvent(
  execution: SubscriptionExecution,
  args: ExecutionArgs,
): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const stream = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in stream)) return stream;
  const session = args.contextValue as Context;
  return mapEvents(stream, async (event) => {
    const scope = new OperationScope({
      maxCalls: execution.maxUpstreamCallsPerOperation,
      caller: session.scope.caller,
      deadlineMs: execution.operationTimeoutMs,
      requestId: session.requestId,
    });
    const stop = (): void => scope.abort("client-gone");
    session.scope.signal.addEventListener("abort", stop, { once: true });
    try {
      return await execute({
        ...args,
        rootValue: event,
        contextValue: subscriptionContext(execution, session.requestId, scope, session.access),
      });
    } finally {
      session.scope.signal.removeEventListener("abort", stop);
      scope.finish();
    }
  });
}

/**
 * graphql-js's mapping of a source event stream to its results (as its subscribe does): each event through
 * `run`, one at a time; returning or throwing returns the source, so that its watching stops at once.
 */
function mapEvents<T>(
  source: AsyncIterable<unknown>,
  run: (event: unknown) => Promise<T>,
): AsyncIterableIterator<T> {
  const iterator = source[Symbol.asyncIterator]();
  const done = async (): Promise<IteratorResult<T>> => {
    await iterator.return?.();
    return { value: undefined, done: true };
  };
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      const step = await iterator.next();
      if (step.done === true) return { value: undefined, done: true };
      try {
        return { value: await run(step.value), done: false };
      } catch (err) {
        await iterator.return?.();
        throw err;
      }
    },
    return: done,
    async throw(error: unknown) {
      await done();
      throw error instanceof Error ? error : new Error(String(error));
    },
  };
}
