import { randomUUID } from "node:crypto";
import type { PrefetchTask, TaskRef } from "../domain/prefetch-task";
import { AccountNotConfiguredError } from "../errors/app-error";
import { OperationScope } from "../http/operation-scope";
import type { ProviderRegistry } from "../providers/registry";
import type { TaskFetch } from "./task-poller";

export interface TaskFetchOptions {
  /**
   * Upstream calls one poll may make: a look-up is one call; a Baidu one whose id query finds nothing lists the
   * second the task was created in, one call per 100 records of that second (a submission of up to 1,000 URLs
   * shares one second; Baidu's provider stops at 30 pages). The account's budget and the caller's share still
   * bound what polls spend together.
   */
  readonly maxCallsPerPoll?: number;
  /** After this long a poll's pending upstream work is cancelled (the operation timeout). */
  readonly deadlineMs: number;
}

const MAX_CALLS_PER_POLL = 31;

/**
 * Polls through the account's reuse layer (src/reuse), like every other entry point: a finished task comes from
 * the final-task cache at no call, an identical call in flight (here or, with Redis, on another replica) is
 * joined, and each call is drawn from the account's budget and charged to `caller`'s fair share under a scope
 * of its own (its cap, its deadline, its abort signal).
 */
export function registryTaskFetch(registry: ProviderRegistry, options: TaskFetchOptions): TaskFetch {
  const maxCalls = options.maxCallsPerPoll ?? MAX_CALLS_PER_POLL;
  return async (ref: TaskRef, caller: string, signal: AbortSignal): Promise<PrefetchTask | null | Error> => {
    let scope: OperationScope | null = null;
    const abort = (): void => scope?.abort("client-gone");
    try {
      // Inside the try, as everything else: a TaskFetch never rejects (the poller relies on it).
      const provider = registry.find(ref.provider, ref.account);
      if (provider === null) return new AccountNotConfiguredError(ref.provider, ref.account, []);
      scope = new OperationScope({
        maxCalls,
        caller,
        deadlineMs: options.deadlineMs,
        requestId: `poll-${randomUUID()}`,
      });
      // A signal aborted already fires no event: the scope starts aborted, and refuses every call.
      if (signal.aborted) abort();
      else signal.addEventListener("abort", abort, { once: true });
      const [found] = await provider.getTasks([ref], scope);
      return found ?? null;
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    } finally {
      signal.removeEventListener("abort", abort);
      scope?.finish();
    }
  };
}
