import DataLoader from "dataloader";
import type { Access } from "../access/access";
import { taskIdentityKey } from "../domain/global-id";
import type { PrefetchTask, TaskRef } from "../domain/prefetch-task";
import { AccountNotConfiguredError } from "../errors/app-error";
import type { OperationScope } from "../http/operation-scope";
import { accountKey, type ProviderRegistry } from "../providers/registry";

export type TaskLoader = DataLoader<TaskRef, PrefetchTask | null, string>;

/** What the operation's list pages have shown so far, shared with the by-id loader. */
export interface ListingLedger {
  /** Complete rows seen on list pages, by identity (taskIdentityKey: the createdAt hint is not part of it). */
  readonly seen: Map<string, PrefetchTask>;
  /** List calls still running, per provider account. */
  readonly inFlight: Map<string, Set<Promise<unknown>>>;
}

/**
 * Complete tasks by identity, per request. One batch fans out to each (provider, account) once, in parallel;
 * the provider bounds its own concurrency under its rate budget. Keys are identities (taskIdentityKey), so
 * duplicates in one operation cost one upstream call, whether a ref came from a typed lookup (no createdAt hint)
 * or from a global id (with one). Root fields of a query run concurrently, so before asking the provider a
 * batch waits for the same account's list calls of this operation and takes the rows they showed: a task
 * already listed in the operation costs no lookup.
 *
 * Every by-id entry point (prefetchTask, ids, node, nodes, entity references, list rows completed by id) comes
 * through here, so this is where a key's access applies to them: a ref of an account or site it may not read is
 * null, as an unknown task is, and costs no call; a ref that names no site (Wangsu) under a site-restricted key
 * is looked up and then null unless the task touches an allowed site.
 */
export function createTaskLoader(
  registry: ProviderRegistry,
  ledger: ListingLedger,
  scope: OperationScope,
  access: Access,
): TaskLoader {
  const hints = new Map<string, Date>();
  return new HintedTaskLoader(hints, async (keys) => {
    // The DataLoader hands on the first ref of each identity; a later one may have carried the hint.
    const refs = keys.map((ref) => withHint(ref, hints));
    const results = new Array<PrefetchTask | null | Error>(refs.length);
    const groups = new Map<string, number[]>();
    const checkTask: number[] = [];
    refs.forEach((ref, i) => {
      const decision = access.refDecision(ref);
      if (decision === "deny") {
        results[i] = null;
        return;
      }
      if (decision === "check-task") checkTask.push(i);
      const k = accountKey(ref.provider, ref.account);
      const idx = groups.get(k);
      if (idx) idx.push(i);
      else groups.set(k, [i]);
    });
    await Promise.all(
      [...groups.entries()].map(async ([k, indexes]) => {
        const listing = ledger.inFlight.get(k);
        if (listing && listing.size > 0) await Promise.allSettled([...listing]);
        const unseen: number[] = [];
        for (const i of indexes) {
          const row = ledger.seen.get(taskIdentityKey(refs[i] as TaskRef));
          if (row) results[i] = row;
          else unseen.push(i);
        }
        if (unseen.length === 0) return;
        const first = refs[unseen[0] as number] as TaskRef;
        const provider = registry.find(first.provider, first.account);
        if (!provider) {
          const error = new AccountNotConfiguredError(first.provider, first.account, []);
          for (const i of unseen) results[i] = error;
          return;
        }
        try {
          const found = await provider.getTasks(
            unseen.map((i) => refs[i] as TaskRef),
            scope,
          );
          unseen.forEach((i, j) => (results[i] = found[j] ?? null));
        } catch (err) {
          const error = err instanceof Error ? err : new Error(String(err));
          for (const i of unseen) results[i] = error;
        }
      }),
    );
    for (const i of checkTask) {
      const found = results[i];
      if (found && !(found instanceof Error) && !access.allowsTask(found)) results[i] = null;
    }
    return results;
  });
}

/**
 * Remembers the createdAt hint of every ref asked for, by identity. Refs of one identity share a cache entry,
 * so when a typed lookup (no hint) and a global id (with one) of the same task meet in one operation, the batch
 * still sees the hint, whichever came first.
 */
class HintedTaskLoader extends DataLoader<TaskRef, PrefetchTask | null, string> {
  constructor(
    private readonly hints: Map<string, Date>,
    batch: DataLoader.BatchLoadFn<TaskRef, PrefetchTask | null>,
  ) {
    super(batch, { cacheKeyFn: taskIdentityKey, maxBatchSize: 100 });
  }

  override load(ref: TaskRef): Promise<PrefetchTask | null> {
    if (ref.createdAt) {
      const key = taskIdentityKey(ref);
      if (!this.hints.has(key)) this.hints.set(key, ref.createdAt);
    }
    return super.load(ref);
  }
}

function withHint(ref: TaskRef, hints: ReadonlyMap<string, Date>): TaskRef {
  if (ref.createdAt) return ref;
  const createdAt = hints.get(taskIdentityKey(ref));
  return createdAt === undefined ? ref : { ...ref, createdAt };
}
