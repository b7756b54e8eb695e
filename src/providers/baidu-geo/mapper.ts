import { encodeGlobalId } from "../../domain/global-id";
import { NOTHING_MISSING, type PrefetchTask, type TaskRef } from "../../domain/prefetch-task";
import { PrefetchStatus } from "../../domain/prefetch-status";
import { ProviderKind, providerDisplayName } from "../../domain/provider-kind";
import { BadUserInputError, UpstreamError } from "../../errors/app-error";
import type { ListPage } from "../provider";
import { isoSeconds } from "../shared/timestamp";
import type { BaiduListDto, BaiduPrefetchStatus, BaiduPrefetchTaskDto, PrefetchStatusDto } from "./dto";

/** What a record does not say about itself: which account asked, and for which site. */
export interface BaiduGeoMappingContext {
  readonly account: string;
  readonly site: string;
  /** When Baidu's answer arrived. */
  readonly observedAt: Date;
}

const STATUS: Record<BaiduPrefetchStatus, PrefetchStatus> = {
  waiting: PrefetchStatus.WAITING,
  "in-progress": PrefetchStatus.IN_PROGRESS,
  completed: PrefetchStatus.COMPLETED,
  failed: PrefetchStatus.FAILED,
};

/**
 * A record covers exactly one URL, so a finished one succeeded or failed as a whole: the success rate is implied
 * there and unknown before.
 */
const SUCCESS_RATE: Record<BaiduPrefetchStatus, number | null> = {
  waiting: null,
  "in-progress": null,
  completed: 100,
  failed: 0,
};

export function toPrefetchTask(record: PrefetchStatusDto, context: BaiduGeoMappingContext): PrefetchTask {
  const url = taskUrl(record.task);
  const { createdAt, startedAt, finishedAt } = record;
  const ref: TaskRef = {
    provider: ProviderKind.BAIDU_GEO,
    account: context.account,
    taskId: record.id,
    site: context.site,
    // Not identity: the hint a lookup falls back on when Baidu's id query does not know a per-URL id.
    createdAt,
  };
  return {
    ref,
    id: encodeGlobalId(ref),
    site: context.site,
    name: null, // Baidu tasks have no name
    targets: [{ url, headers: [] }],
    status: STATUS[record.status],
    providerStatus: record.status,
    progress: record.progress,
    successRate: SUCCESS_RATE[record.status],
    createdAt,
    startedAt,
    finishedAt,
    failureReason: record.reason,
    operator: record.operator,
    details: {
      kind: ProviderKind.BAIDU_GEO,
      site: context.site,
      id: record.id,
      status: record.status,
      url,
      progress: record.progress,
      reason: record.reason,
      operator: record.operator,
      createdAt,
      startedAt,
      finishedAt,
    },
    // A list row carries every field Baidu has for the record: nothing to complete by id.
    missing: NOTHING_MISSING,
    observedAt: context.observedAt,
  };
}

/** One list page: rows in Baidu's order, and Baidu's nextMarker as the next page token. */
export function toListPage(dto: BaiduListDto, context: BaiduGeoMappingContext): ListPage {
  return {
    tasks: dto.details.map((record) => toPrefetchTask(record, context)),
    nextPageToken: nextMarker(dto, context),
  };
}

/** The marker of the page after this one, null on the last page. */
export function nextMarker(
  dto: BaiduListDto,
  context: Pick<BaiduGeoMappingContext, "account">,
): string | null {
  if (!dto.isTruncated) return null;
  if (dto.nextMarker === null || dto.nextMarker === "") {
    // Without a marker the rest of the window is unreachable; stopping here would silently drop rows.
    throw new UpstreamError(
      "UPSTREAM_BAD_RESPONSE",
      `${providerDisplayName(ProviderKind.BAIDU_GEO)} said the page is truncated but sent no nextMarker.`,
      {
        provider: ProviderKind.BAIDU_GEO,
        account: context.account,
      },
    );
  }
  return dto.nextMarker;
}

/**
 * The answer to an id query that returned records, none of them with the id asked for: the id is a prefetch
 * submission's (what Baidu's submit call returns), whose records are the tasks prefetch-graph serves. Rather
 * than pick one of them, the client is told where its tasks are.
 */
export function submissionLookupError(
  taskId: string,
  records: readonly PrefetchStatusDto[],
): BadUserInputError {
  const n = records.length;
  const created = records.map((r) => r.createdAt).sort((a, b) => a.getTime() - b.getTime())[0];
  const when = created === undefined ? "" : ` (the submission was created at ${isoSeconds(created)})`;
  return new BadUserInputError(
    "taskId",
    `"${taskId}" is a Baidu prefetch submission with ${n} URL record${n === 1 ? "" : "s"}; prefetch-graph serves each URL record as a task: list them with prefetchTasks${when}, or look one up by its record id.`,
  );
}

/**
 * The record a by-id query answers for `id`: Baidu returns "all records of the task", so pick the one whose id
 * is the one asked for and, should it appear several times (a re-run), the latest by createdAt; on a tie the one
 * listed last. Null where none matches.
 */
export function pickRecord(dto: BaiduListDto, id: string): PrefetchStatusDto | null {
  let best: PrefetchStatusDto | null = null;
  let bestAt = -Infinity;
  for (const record of dto.details) {
    if (record.id !== id) continue;
    const at = record.createdAt.getTime();
    if (best === null || at >= bestAt) {
      best = record;
      bestAt = at;
    }
  }
  return best;
}

function taskUrl(task: PrefetchStatusDto["task"]): string {
  const one: BaiduPrefetchTaskDto = "url" in task ? task : task[0];
  return one.url;
}
