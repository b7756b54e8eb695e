import DataLoader from "dataloader";
import { encodeGlobalId } from "../domain/global-id";
import type { PrefetchTask, TaskRef } from "../domain/prefetch-task";
import { AccountNotConfiguredError } from "../errors/app-error";
import type { ProviderRegistry } from "../providers/registry";

export type TaskLoader = DataLoader<TaskRef, PrefetchTask | null, string>;

/**
 * Complete tasks by identity, per request. One batch fans out to each (provider, account) once, in parallel;
 * the provider bounds its own concurrency under its rate budget. Keys are global ids, so duplicates in one
 * operation cost one upstream call, and list rows primed by the paging engine cost none.
 */
export function createTaskLoader(registry: ProviderRegistry): TaskLoader {
  return new DataLoader<TaskRef, PrefetchTask | null, string>(
    async (refs) => {
      const results = new Array<PrefetchTask | null | Error>(refs.length);
      const groups = new Map<string, number[]>();
      refs.forEach((ref, i) => {
        const k = `${ref.provider}\u0000${ref.account}`;
        const idx = groups.get(k);
        if (idx) idx.push(i);
        else groups.set(k, [i]);
      });
      await Promise.all(
        [...groups.values()].map(async (indexes) => {
          const first = refs[indexes[0] as number] as TaskRef;
          const provider = registry.find(first.provider, first.account);
          if (!provider) {
            const error = new AccountNotConfiguredError(first.provider, first.account, []);
            for (const i of indexes) results[i] = error;
            return;
          }
          try {
            const found = await provider.getTasks(indexes.map((i) => refs[i] as TaskRef));
            indexes.forEach((i, j) => (results[i] = found[j] ?? null));
          } catch (err) {
            const error = err instanceof Error ? err : new Error(String(err));
            for (const i of indexes) results[i] = error;
          }
        }),
      );
      return results;
    },
    { cacheKeyFn: encodeGlobalId, maxBatchSize: 100 },
  );
}
