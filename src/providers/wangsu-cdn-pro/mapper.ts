import { encodeGlobalId } from "../../domain/global-id";
import { PrefetchStatus } from "../../domain/prefetch-status";
import {
  NOTHING_MISSING,
  type LazyTaskField,
  type PrefetchTarget,
  type PrefetchTask,
  type TaskRef,
  type WangsuCdnProPrefetchDetails,
} from "../../domain/prefetch-task";
import { providerDisplayName } from "../../domain/provider-kind";
import { UpstreamError } from "../../errors/app-error";
import { PROVIDER, type WangsuPrefetchDetailDto, type WangsuPrefetchRowDto, type WangsuStatus } from "./dto";

/** What a list row does not carry: fileList, regions, webhook and startTime come only from the detail endpoint. */
export const LIST_ROW_MISSING: ReadonlySet<LazyTaskField> = new Set<LazyTaskField>(["targets", "details"]);

/**
 * Wangsu has no "failed" status: a finished request reports how many of its URLs succeeded. All of them is
 * COMPLETED, none is FAILED, anything between is PARTIALLY_COMPLETED. A finished request without a success rate
 * cannot be placed, and inventing a status would be worse than failing the field, so it is UPSTREAM_BAD_RESPONSE.
 * A rate sent with waiting/inprogress (the API's own example shows `waiting` with 0) does not affect the status.
 */
export function mapStatus(status: WangsuStatus, successRate: number | null, account: string): PrefetchStatus {
  switch (status) {
    case "waiting":
      return PrefetchStatus.WAITING;
    case "inprogress":
      return PrefetchStatus.IN_PROGRESS;
    case "finished":
      if (successRate === null) {
        throw new UpstreamError(
          "UPSTREAM_BAD_RESPONSE",
          `${providerDisplayName(PROVIDER)} reported a finished prefetch request without a successRate, so whether it completed or failed is unknown.`,
          { provider: PROVIDER, account },
        );
      }
      if (successRate >= 100) return PrefetchStatus.COMPLETED;
      if (successRate <= 0) return PrefetchStatus.FAILED;
      return PrefetchStatus.PARTIALLY_COMPLETED;
  }
}

/** Lower-cased hostname of a URL, or null where it does not parse. */
function hostnameOf(url: string): string | null {
  try {
    const host = new URL(url).hostname;
    return host === "" ? null : host;
  } catch {
    return null;
  }
}

/** The one hostname all URLs share; null for none, several, or any URL without a readable host. */
export function sharedHostname(urls: readonly string[]): string | null {
  const hosts = new Set(urls.map(hostnameOf));
  if (hosts.size !== 1) return null;
  const [only] = hosts;
  return only ?? null;
}

/**
 * A detail body as a complete task. Wangsu ids are global to the user, so the ref carries no site; the task's
 * `site` is still filled in where every URL is on one hostname.
 */
export function mapPrefetchDetail(
  dto: WangsuPrefetchDetailDto,
  ctx: { readonly account: string; readonly requestedId?: string; readonly observedAt: Date },
): PrefetchTask {
  const taskId = dto.metadata.id ?? ctx.requestedId;
  if (taskId === undefined) {
    throw new UpstreamError(
      "UPSTREAM_BAD_RESPONSE",
      `${providerDisplayName(PROVIDER)} returned a prefetch detail without metadata.id.`,
      { provider: PROVIDER, account: ctx.account },
    );
  }
  const targets: PrefetchTarget[] = dto.fileList.map((f) => ({
    url: f.url,
    headers: (f.headers ?? []).map((h) => ({ name: h.name, value: h.value })),
  }));
  const details: WangsuCdnProPrefetchDetails = {
    kind: "WANGSU_CDN_PRO",
    name: dto.name,
    fileList: targets,
    // Absent regions means "all continents" upstream; the list stays empty rather than naming continents.
    regions: dto.regions ?? [],
    startTime: dto.startTime,
    webhook: dto.webhook,
    metadata: {
      id: taskId,
      submissionTime: dto.metadata.submissionTime,
      successRate: dto.metadata.successRate,
      status: dto.metadata.status,
      finishTime: dto.metadata.finishTime,
      apiRequestId: dto.metadata.apiRequestId,
    },
  };
  const ref: TaskRef = { provider: PROVIDER, account: ctx.account, taskId, site: null };
  return {
    ref,
    id: encodeGlobalId(ref),
    site: sharedHostname(targets.map((t) => t.url)),
    name: dto.name,
    targets,
    status: mapStatus(dto.metadata.status, dto.metadata.successRate, ctx.account),
    providerStatus: dto.metadata.status,
    // Wangsu reports a success rate once finished, never a progress percentage.
    progress: null,
    successRate: dto.metadata.successRate,
    createdAt: dto.metadata.submissionTime,
    // Wangsu does not report when a prefetch actually began. startTime is the start the submitter scheduled (it
    // may lie in the future of a waiting task); it stays in providerDetails.startTime, and startedAt stays null.
    startedAt: null,
    finishedAt: dto.metadata.finishTime,
    failureReason: null,
    operator: null,
    details,
    missing: NOTHING_MISSING,
    observedAt: ctx.observedAt,
  };
}

/** A list row as a partial task: targets and details are loaded by id when a client selects them. */
export function mapPrefetchRow(
  row: WangsuPrefetchRowDto,
  ctx: { readonly account: string; readonly observedAt: Date },
): PrefetchTask {
  const hostnames = row.hostnames ?? [];
  const ref: TaskRef = { provider: PROVIDER, account: ctx.account, taskId: row.id, site: null };
  return {
    ref,
    id: encodeGlobalId(ref),
    site: hostnames.length === 1 && hostnames[0] !== undefined ? hostnames[0].toLowerCase() : null,
    name: row.name,
    targets: null,
    status: mapStatus(row.status, row.successRate, ctx.account),
    providerStatus: row.status,
    progress: null,
    successRate: row.successRate,
    createdAt: row.submissionTime,
    startedAt: null,
    finishedAt: row.finishTime,
    failureReason: null,
    operator: null,
    details: null,
    missing: LIST_ROW_MISSING,
    observedAt: ctx.observedAt,
  };
}

/**
 * A list row completed from an earlier complete observation of the same request: what the row lacks (file
 * list, regions, scheduled start, webhook) is what was submitted, and Wangsu's API has no call that changes a
 * submitted request, so those fields are taken from `earlier`; everything that moves (status, success rate,
 * finish time) is the row's own, and so is observedAt. UNCONFIRMED that submitted fields never change: the reuse
 * layer compares every later lookup with the earlier one (sameSubmission) and stops completing rows of an account
 * where they differ.
 */
export function completeRowFrom(row: PrefetchTask, earlier: PrefetchTask): PrefetchTask {
  const details = earlier.details;
  if (details?.kind !== "WANGSU_CDN_PRO" || earlier.ref.taskId !== row.ref.taskId) return row;
  return {
    ...row,
    site: earlier.site,
    targets: earlier.targets,
    details: {
      ...details,
      name: row.name,
      metadata: {
        id: row.ref.taskId,
        submissionTime: row.createdAt,
        successRate: row.successRate,
        status: row.providerStatus,
        finishTime: row.finishedAt,
        // The id of the API request that submitted the task: part of the submission.
        apiRequestId: details.metadata.apiRequestId,
      },
    },
    missing: NOTHING_MISSING,
  };
}

/** Whether two complete observations of one request agree on what was submitted. */
export function sameSubmission(a: PrefetchTask, b: PrefetchTask): boolean {
  const x = a.details;
  const y = b.details;
  if (x?.kind !== "WANGSU_CDN_PRO" || y?.kind !== "WANGSU_CDN_PRO") return false;
  return (
    x.startTime?.getTime() === y.startTime?.getTime() &&
    x.webhook === y.webhook &&
    x.regions.join("\n") === y.regions.join("\n") &&
    x.fileList.length === y.fileList.length &&
    x.fileList.every((f, i) => {
      const g = y.fileList[i];
      return (
        g !== undefined &&
        f.url === g.url &&
        f.headers.length === g.headers.length &&
        f.headers.every((h, j) => h.name === g.headers[j]?.name && h.value === g.headers[j]?.value)
      );
    })
  );
}
