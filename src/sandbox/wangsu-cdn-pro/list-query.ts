import { DAY, parseUtcTimestamp } from "../time";
import type { SeededTask } from "./seed-data";

export type SortBy = "submissionTime" | "finishTime";
export type SortOrder = "asc" | "desc";

export interface TaskFilter {
  /** Inclusive bounds on submissionTime, epoch milliseconds. */
  readonly startMs: number;
  readonly endMs: number;
  /** Case-insensitive substring of the name, the id or any hostname. */
  readonly search?: string;
  /** Exact hostname (the test-facing taskIds() filter; the API itself only has `search`). */
  readonly hostname?: string;
}

export interface ListQuery extends TaskFilter {
  readonly offset: number;
  readonly limit: number;
  readonly sortBy: SortBy;
  readonly sortOrder: SortOrder;
}

export type ListQueryResult =
  { readonly ok: true; readonly query: ListQuery } | { readonly ok: false; readonly message: string };

/** Documented: limit defaults to 100 and may not exceed 200. */
export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 200;
/**
 * UNCONFIRMED upstream: the documents do not say what an omitted startdate/enddate means. The emulator
 * answers with the last 24 hours (enddate defaults to now, startdate to enddate minus a day), which is what
 * similar CDN list APIs do; clients should always send both.
 */
export const DEFAULT_WINDOW_MS = DAY;

/**
 * Parses `2021-03-01T01:00:00Z` to epoch milliseconds, or null: RFC 3339 restricted to UTC ("Z"), as the
 * documents require, so fractional seconds and lowercase `t`/`z` are accepted.
 */
export function parseRfc3339Utc(value: string): number | null {
  return parseUtcTimestamp(value, { fractionalSeconds: true, lowercase: true }) ?? null;
}

function invalid(message: string): ListQueryResult {
  return { ok: false, message };
}

function parseCount(raw: string | null, fallback: number): number | null {
  if (raw === null) return fallback;
  if (!/^\d{1,9}$/.test(raw)) return null;
  return Number(raw);
}

/** Validates the documented query parameters; unknown parameters are ignored, as most REST APIs do. */
export function parseListQuery(params: URLSearchParams, nowMs: number): ListQueryResult {
  const rawStart = params.get("startdate");
  const rawEnd = params.get("enddate");
  const endMs = rawEnd === null ? nowMs : parseRfc3339Utc(rawEnd);
  if (endMs === null) {
    return invalid("The parameter enddate must be an RFC 3339 UTC date such as 2021-03-01T01:00:00Z.");
  }
  const startMs = rawStart === null ? endMs - DEFAULT_WINDOW_MS : parseRfc3339Utc(rawStart);
  if (startMs === null) {
    return invalid("The parameter startdate must be an RFC 3339 UTC date such as 2021-03-01T01:00:00Z.");
  }
  if (startMs > endMs) return invalid("The parameter startdate must not be later than enddate.");

  const offset = parseCount(params.get("offset"), 0);
  if (offset === null) return invalid("The parameter offset must be an integer of at least 0.");
  const limit = parseCount(params.get("limit"), DEFAULT_LIMIT);
  if (limit === null || limit < 1 || limit > MAX_LIMIT) {
    return invalid(`The parameter limit must be an integer from 1 to ${MAX_LIMIT}.`);
  }

  const sortBy = params.get("sortBy") ?? "submissionTime";
  if (sortBy !== "submissionTime" && sortBy !== "finishTime") {
    return invalid("The parameter sortBy must be submissionTime or finishTime.");
  }
  const sortOrder = params.get("sortOrder") ?? "desc";
  if (sortOrder !== "asc" && sortOrder !== "desc") {
    return invalid("The parameter sortOrder must be asc or desc.");
  }

  const search = params.get("search") ?? "";
  return {
    ok: true,
    query: { startMs, endMs, offset, limit, sortBy, sortOrder, ...(search === "" ? {} : { search }) },
  };
}

function matches(task: SeededTask, filter: TaskFilter): boolean {
  if (task.submissionMs < filter.startMs || task.submissionMs > filter.endMs) return false;
  if (filter.hostname !== undefined && !task.hostnames.includes(filter.hostname)) return false;
  if (filter.search !== undefined) {
    const needle = filter.search.toLowerCase();
    const haystack = [task.name ?? "", task.id, ...task.hostnames];
    if (!haystack.some((text) => text.toLowerCase().includes(needle))) return false;
  }
  return true;
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The order the list serves. Ties (same-second submissions are common in batches) are broken by
 * submissionTime and then id, in the requested direction, so offset paging is stable. Tasks without a
 * finishTime sort after those with one in both directions, like SQL's NULLS LAST.
 */
export function compareTasks(sortBy: SortBy, sortOrder: SortOrder): (a: SeededTask, b: SeededTask) => number {
  const sign = sortOrder === "asc" ? 1 : -1;
  return (a, b) => {
    if (sortBy === "finishTime") {
      if (a.finishMs === undefined || b.finishMs === undefined) {
        if (a.finishMs !== b.finishMs) return a.finishMs === undefined ? 1 : -1;
      } else if (a.finishMs !== b.finishMs) {
        return sign * (a.finishMs - b.finishMs);
      }
    }
    return sign * (a.submissionMs - b.submissionMs || compareIds(a.id, b.id));
  };
}

/** Every task matching the filter, sorted; the caller pages through it. */
export function selectTasks(
  tasks: readonly SeededTask[],
  filter: TaskFilter,
  sortBy: SortBy = "submissionTime",
  sortOrder: SortOrder = "desc",
): SeededTask[] {
  return tasks.filter((task) => matches(task, filter)).sort(compareTasks(sortBy, sortOrder));
}
