import type { PrefetchTask } from "../domain/prefetch-task";
import type { ProviderRegistry } from "../providers/registry";
import { createTaskLoader, type TaskLoader } from "./task-loader";

export type { TaskLoader };

/** Every DataLoader of one GraphQL operation; created per request, never shared. */
export interface Loaders {
  /** Complete tasks (every field) by identity. */
  readonly task: TaskLoader;
}

export function createLoaders(registry: ProviderRegistry): Loaders {
  return { task: createTaskLoader(registry) };
}

/** Rows that carry every field are as good as a lookup: later by-id reads of them in the operation cost nothing. */
export function primeCompleteRows(loaders: Loaders, rows: readonly PrefetchTask[]): void {
  for (const row of rows) if (row.missing.size === 0) loaders.task.prime(row.ref, row);
}
