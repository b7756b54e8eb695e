import type { PrefetchTask, TaskRef } from "../../src/domain/prefetch-task";
import type { TaskFetch } from "../../src/subscriptions/task-poller";

/** One look-up a poller asked for, answered when the test says. */
export interface AskedFetch {
  readonly ref: TaskRef;
  readonly caller: string;
  readonly signal: AbortSignal;
  answer(result: PrefetchTask | null | Error): Promise<void>;
}

/**
 * A TaskFetch whose every call waits for the test: `asked` lists the calls in order, and answering one settles
 * it (and lets the poller's continuation run before the returned promise resolves: every microtask it queues,
 * however long its chain, runs before a setImmediate callback).
 */
export function scriptedFetch(): { fetch: TaskFetch; asked: AskedFetch[] } {
  const asked: AskedFetch[] = [];
  const fetch: TaskFetch = (ref, caller, signal) =>
    new Promise((resolve) => {
      asked.push({
        ref,
        caller,
        signal,
        async answer(result) {
          resolve(result);
          await new Promise((settled) => setImmediate(settled));
        },
      });
    });
  return { fetch, asked };
}
