import { encodeGlobalId } from "../../src/domain/global-id";
import { NOTHING_MISSING, type PrefetchTask, type TaskRef } from "../../src/domain/prefetch-task";
import { PrefetchStatus } from "../../src/domain/prefetch-status";
import { ProviderKind } from "../../src/domain/provider-kind";

/**
 * A domain task for tests that need one without a provider: `ref`'s identity and global id, a finished task with
 * every optional field null, and `fields` on top. The id always follows the ref, as the mappers compute it.
 */
export function testTask(ref: TaskRef, fields: Partial<Omit<PrefetchTask, "ref" | "id">> = {}): PrefetchTask {
  return {
    ref,
    id: encodeGlobalId(ref),
    site: ref.site,
    name: null,
    targets: [],
    status: PrefetchStatus.COMPLETED,
    providerStatus: "completed",
    progress: null,
    successRate: null,
    createdAt: null,
    startedAt: null,
    finishedAt: null,
    failureReason: null,
    operator: null,
    details: null,
    missing: NOTHING_MISSING,
    observedAt: new Date(0),
    ...fields,
  };
}

/**
 * Two rows of one account, created a minute apart and listed in `direction`: what a listing shows of its order.
 * For tests that need an undocumented list order already learnt.
 */
export function rowsListed(direction: "asc" | "desc"): PrefetchTask[] {
  const rows = [0, 60_000].map((ms, i) =>
    testTask(
      { provider: ProviderKind.BAIDU_GEO, account: "main", site: "www.example.com", taskId: `order-${i}` },
      { createdAt: new Date(Date.UTC(2026, 0, 1) + ms) },
    ),
  );
  return direction === "asc" ? rows : rows.reverse();
}
