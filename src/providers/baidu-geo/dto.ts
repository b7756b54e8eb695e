import { ProviderKind } from "../../domain/provider-kind";
import { JsonReader, type TimestampFormat } from "../shared/json-reader";
import { parseRfc3339 } from "../shared/timestamp";

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
  readonly createdAt: Date;
  readonly startedAt: Date | null;
  /** Absent while the task is unfinished. */
  readonly finishedAt: Date | null;
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

/** Baidu's documented subset of RFC 3339: UTC, `YYYY-MM-DDThh:mm:ssZ`, milliseconds tolerated. */
const BAIDU_FORM = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{3})?Z$/;

/** The instant a Baidu timestamp names, or null where the text is not of Baidu's form or names no real date. */
export function parseBaiduTimestamp(text: string): Date | null {
  return parseRfc3339(text, BAIDU_FORM);
}

const BAIDU_TIMESTAMP: TimestampFormat = {
  expected: "a Baidu timestamp (YYYY-MM-DDThh:mm:ssZ)",
  parse: parseBaiduTimestamp,
};

/** Narrows a 2xx body of the list or by-id query; `account` only labels the error. */
export function parseListResponse(json: unknown, account: string): BaiduListDto {
  // Offending values are quoted (bounded), as Baidu's own error messages are (redacted, client.ts).
  const r = new JsonReader({
    provider: ProviderKind.BAIDU_GEO,
    account,
    what: "prefetch status",
    quoteValues: true,
  });
  const body = r.object(json, "body");
  const details = r.array(body.details, "details");
  const isTruncated = r.boolean(body.isTruncated, "isTruncated");
  return {
    details: details.map((item, i) => record(r, item, `details[${i}]`)),
    isTruncated,
    nextMarker: r.optionalString(body.nextMarker, "nextMarker"),
  };
}

function record(r: JsonReader, value: unknown, path: string): PrefetchStatusDto {
  const o = r.object(value, path);
  const status = r.oneOf(BAIDU_PREFETCH_STATUSES, o.status, `${path}.status`);
  let task: PrefetchStatusDto["task"];
  if (Array.isArray(o.task)) {
    const items: readonly unknown[] = o.task;
    if (items.length !== 1) r.fail(`${path}.task`, "a one-element list", items);
    task = [taskOf(r, items[0], `${path}.task[0]`)];
  } else {
    task = taskOf(r, o.task, `${path}.task`);
  }
  return {
    id: r.nonEmptyString(o.id, `${path}.id`),
    status,
    task,
    createdAt: r.timestamp(o.createdAt, `${path}.createdAt`, BAIDU_TIMESTAMP),
    startedAt: r.optionalTimestamp(o.startedAt, `${path}.startedAt`, BAIDU_TIMESTAMP),
    finishedAt: r.optionalTimestamp(o.finishedAt, `${path}.finishedAt`, BAIDU_TIMESTAMP),
    operator: r.optionalString(o.operator, `${path}.operator`),
    progress: r.optionalPercent(o.progress, `${path}.progress`),
    reason: r.optionalString(o.reason, `${path}.reason`),
  };
}

function taskOf(r: JsonReader, value: unknown, path: string): BaiduPrefetchTaskDto {
  return { url: r.nonEmptyString(r.object(value, path).url, `${path}.url`) };
}
