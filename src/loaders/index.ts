import type { Access } from "../access/access";
import { taskIdentityKey } from "../domain/global-id";
import type { PrefetchTask } from "../domain/prefetch-task";
import type { OperationScope } from "../http/operation-scope";
import type { PrefetchProvider } from "../providers/provider";
import { accountKey, type ProviderRegistry } from "../providers/registry";
import { createTaskLoader, type ListingLedger, type TaskLoader } from "./task-loader";

export type { TaskLoader };

/** Every DataLoader of one GraphQL operation; created per request, never shared. */
export interface Loaders {
  /** Complete tasks (every field) by identity. */
  readonly task: TaskLoader;
  /** Runs one list call of this operation, so that by-id loads of the same account can use its rows. */
  listing<T>(
    provider: PrefetchProvider,
    run: (onRows: (rows: readonly PrefetchTask[]) => void) => Promise<T>,
  ): Promise<T>;
}

export function createLoaders(registry: ProviderRegistry, scope: OperationScope, access: Access): Loaders {
  const ledger: ListingLedger = { seen: new Map(), inFlight: new Map() };
  const task = createTaskLoader(registry, ledger, scope, access);
  // Rows that carry every field are as good as a lookup; rows that lack some are not.
  const onRows = (rows: readonly PrefetchTask[]): void => {
    for (const row of rows) {
      if (row.missing.size === 0) ledger.seen.set(taskIdentityKey(row.ref), row);
    }
  };
  return {
    task,
    async listing(provider, run) {
      const running = run(onRows);
      // Lookups wait only for listings whose rows could answer them.
      if (!provider.capabilities.listRowsComplete) return running;
      const k = accountKey(provider.kind, provider.account.name);
      let set = ledger.inFlight.get(k);
      if (!set) ledger.inFlight.set(k, (set = new Set()));
      set.add(running);
      try {
        return await running;
      } finally {
        set.delete(running);
      }
    },
  };
}
