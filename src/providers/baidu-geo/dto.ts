import { ProviderKind } from "../../domain/provider-kind";
import { UpstreamError } from "../../errors/app-error";

/**
 * Bodies of GET /v2/geo/cache/prefetch as Baidu documents them (https://cloud.baidu.com/doc/GEO/s/Bmhsv5i9u),
 * and the narrowing that turns `unknown` JSON into them or fails with UPSTREAM_BAD_RESPONSE. Optional fields
 * that Baidu left out (or sent as null) are null here, never a made-up default.
 */

export const BAIDU_PREFETCH_STATUSES = ["waiting", "in-progress", "completed", "failed"] as const;
export type BaiduPrefetchStatus = (typeof BAIDU_PREFETCH_STATUSES)[number];

export interface BaiduPrefetchTaskDto {
  readonly url: string;
}

/** One PrefetchStatus record: one URL of a submitted prefetch. */
export interface PrefetchStatusDto {
  /** Documented as the per-URL task id ("单个 url 的任务ID"), not the id a submit returns. */
  readonly id: string;
  readonly status: BaiduPrefetchStatus;
  /**
   * The GEO table types `task` as PrefetchTask[] while the GEO examples and bce-sdk-go's CDN model send one
   * object; both shapes are accepted (a list only with exactly one element, since a record is one URL).
   */
  readonly task: BaiduPrefetchTaskDto | readonly [BaiduPrefetchTaskDto];
  /** Baidu timestamps, UTC, `YYYY-MM-DDThh:mm:ssZ` (milliseconds tolerated). */
  readonly createdAt: string;
  readonly startedAt: string | null;
  /** Absent while the task is unfinished. */
  readonly finishedAt: string | null;
  /** The user id of the submitter. */
  readonly operator: string | null;
  /** Percent. */
  readonly progress: number | null;
  /** The failure message. */
  readonly reason: string | null;
}

export interface BaiduListDto {
  readonly details: readonly PrefetchStatusDto[];
  readonly isTruncated: boolean;
  /** Absent when isTruncated is false. */
  readonly nextMarker: string | null;
}

/** Error body of every BCE API; each field is null where the body did not carry it (or was not JSON). */
export interface BaiduErrorDto {
  readonly code: string | null;
  readonly message: string | null;
  readonly requestId: string | null;
}

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{3}))?Z$/;

/**
 * The instant a Baidu timestamp names, or null where the text is not strictly `YYYY-MM-DDThh:mm:ss(.fff)?Z` or
 * names no real date (Date.parse would roll 2025-02-30 over into March).
 */
export function parseBaiduTimestamp(text: string): Date | null {
  const m = TIMESTAMP.exec(text);
  if (m === null) return null;
  const part = (i: number): number => Number(m[i] ?? "0"); // the optional milliseconds group may be absent
  const [year, month, day, hour, minute, second, millis] = [
    part(1),
    part(2),
    part(3),
    part(4),
    part(5),
    part(6),
    part(7),
  ];
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second, millis));
  const roundTrips =
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second;
  return roundTrips ? date : null;
}

/** Narrows a 2xx body of the list or by-id query; `account` only labels the error. */
export function parseListResponse(json: unknown, account: string): BaiduListDto {
  const n = new Narrower(account);
  const body = n.object(json, "body");
  const details = body.details;
  if (!Array.isArray(details)) throw n.fail("details", "is not a list", details);
  const isTruncated = body.isTruncated;
  if (typeof isTruncated !== "boolean") throw n.fail("isTruncated", "is not a boolean", isTruncated);
  return {
    details: details.map((item: unknown, i) => n.record(item, `details[${i}]`)),
    isTruncated,
    nextMarker: n.optionalString(body.nextMarker, "nextMarker"),
  };
}

/** Narrows one PrefetchStatus record. */
export function parsePrefetchStatus(json: unknown, account: string): PrefetchStatusDto {
  return new Narrower(account).record(json, "record");
}

/** Reads what it can from an error body; a non-JSON or odd body yields nulls (the status still classifies it). */
export function parseErrorBody(text: string): BaiduErrorDto {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { code: null, message: null, requestId: null };
  }
  const body = isObject(json) ? json : {};
  const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);
  return { code: str(body.code), message: str(body.message), requestId: str(body.requestId) };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isStatus(value: unknown): value is BaiduPrefetchStatus {
  return typeof value === "string" && (BAIDU_PREFETCH_STATUSES as readonly string[]).includes(value);
}

/** Shows a bad value in an error message without letting a large one through. */
function preview(value: unknown): string {
  if (value === undefined) return "absent";
  const text = JSON.stringify(value) ?? typeof value; // undefined only for functions and symbols
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

class Narrower {
  constructor(private readonly account: string) {}

  fail(path: string, problem: string, value: unknown): UpstreamError {
    return new UpstreamError(
      "UPSTREAM_BAD_RESPONSE",
      `Baidu GEO sent a malformed prefetch status: ${path} ${problem} (${preview(value)}).`,
      { provider: ProviderKind.BAIDU_GEO, account: this.account },
    );
  }

  object(value: unknown, path: string): Record<string, unknown> {
    if (!isObject(value)) throw this.fail(path, "is not an object", value);
    return value;
  }

  string(value: unknown, path: string): string {
    if (typeof value !== "string" || value === "") throw this.fail(path, "is not a non-empty string", value);
    return value;
  }

  optionalString(value: unknown, path: string): string | null {
    if (value === undefined || value === null) return null;
    if (typeof value !== "string") throw this.fail(path, "is not a string", value);
    return value;
  }

  timestamp(value: unknown, path: string): string {
    if (typeof value !== "string" || parseBaiduTimestamp(value) === null) {
      throw this.fail(path, "is not a Baidu timestamp (YYYY-MM-DDThh:mm:ssZ)", value);
    }
    return value;
  }

  optionalTimestamp(value: unknown, path: string): string | null {
    return value === undefined || value === null ? null : this.timestamp(value, path);
  }

  /** An int percentage, as documented ("Int") and as served (GraphQL Int). */
  optionalPercent(value: unknown, path: string): number | null {
    if (value === undefined || value === null) return null;
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 100) {
      throw this.fail(path, "is not an integer from 0 to 100", value);
    }
    return value;
  }

  task(value: unknown, path: string): BaiduPrefetchTaskDto {
    const task = this.object(value, path);
    return { url: this.string(task.url, `${path}.url`) };
  }

  record(value: unknown, path: string): PrefetchStatusDto {
    const record = this.object(value, path);
    const status = record.status;
    if (!isStatus(status)) throw this.fail(`${path}.status`, "is not a known status", status);
    let task: PrefetchStatusDto["task"];
    if (Array.isArray(record.task)) {
      const items: readonly unknown[] = record.task;
      if (items.length !== 1) throw this.fail(`${path}.task`, "is not a one-element list", items);
      task = [this.task(items[0], `${path}.task[0]`)];
    } else {
      task = this.task(record.task, `${path}.task`);
    }
    return {
      id: this.string(record.id, `${path}.id`),
      status,
      task,
      createdAt: this.timestamp(record.createdAt, `${path}.createdAt`),
      startedAt: this.optionalTimestamp(record.startedAt, `${path}.startedAt`),
      finishedAt: this.optionalTimestamp(record.finishedAt, `${path}.finishedAt`),
      operator: this.optionalString(record.operator, `${path}.operator`),
      progress: this.optionalPercent(record.progress, `${path}.progress`),
      reason: this.optionalString(record.reason, `${path}.reason`),
    };
  }
}
