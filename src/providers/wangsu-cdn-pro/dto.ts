import { ProviderKind } from "../../domain/provider-kind";
import { JsonReader, type JsonObject } from "../shared/json-reader";

/**
 * Wangsu CDN Pro's prefetch payloads, narrowed from `unknown`. Sources: detail https://www.wangsu.com/document/api-doc/26298,
 * list https://www.wangsu.com/document/21518/26300. A field the upstream left out (or sent as null) becomes null; a
 * field of the wrong type, an unknown status, a timestamp that is not a real RFC 3339 instant or a success rate
 * outside 0..100 makes the whole body an UPSTREAM_BAD_RESPONSE rather than a guess.
 */

export const PROVIDER = ProviderKind.WANGSU_CDN_PRO;

export const WANGSU_STATUSES = ["waiting", "inprogress", "finished"] as const;
export type WangsuStatus = (typeof WANGSU_STATUSES)[number];

export interface WangsuHeaderDto {
  readonly name: string;
  readonly value: string;
}

export interface WangsuFileDto {
  readonly url: string;
  readonly headers: readonly WangsuHeaderDto[] | null;
}

export interface WangsuMetadataDto {
  /** Null only if the upstream left it out; the mapper then falls back to the id that was asked for. */
  readonly id: string | null;
  readonly submissionTime: Date | null;
  /** Percent, 0..100. */
  readonly successRate: number | null;
  readonly status: WangsuStatus;
  readonly finishTime: Date | null;
  readonly apiRequestId: string | null;
}

/** GET /cdn/prefetches/{id}. */
export interface WangsuPrefetchDetailDto {
  readonly name: string | null;
  readonly fileList: readonly WangsuFileDto[];
  readonly regions: readonly string[] | null;
  /** The requested start of the prefetch, not when it actually started. */
  readonly startTime: Date | null;
  readonly webhook: string | null;
  readonly metadata: WangsuMetadataDto;
}

/** One row of GET /cdn/prefetches: no fileList, regions, webhook or startTime. */
export interface WangsuPrefetchRowDto {
  readonly id: string;
  readonly name: string | null;
  readonly status: WangsuStatus;
  readonly submissionTime: Date | null;
  readonly finishTime: Date | null;
  readonly successRate: number | null;
  readonly apiRequestId: string | null;
  readonly fileEntries: number | null;
  readonly hostnames: readonly string[] | null;
}

export interface WangsuPrefetchListDto {
  /** Rows matching the query in total, across all offsets. */
  readonly count: number;
  readonly prefetchRequests: readonly WangsuPrefetchRowDto[];
}

/**
 * Where an error body may carry a request id: not documented for errors (the exact error body is UNCONFIRMED),
 * kept if a body carries one, for support tickets.
 */
export const ERROR_REQUEST_ID_KEYS: readonly string[] = ["apiRequestId", "requestId"];

function reader(what: string, account: string): JsonReader {
  // The offending value stays out of the message, as Wangsu's own error messages do (client.ts).
  return new JsonReader({ provider: PROVIDER, account, what, quoteValues: false });
}

/**
 * The detail body's status block. The API table spells the key `metadata`, its example `metaData`: any casing is
 * accepted, the documented spelling first.
 */
function metadataOf(body: JsonObject): unknown {
  if (body.metadata !== undefined) return body.metadata;
  const key = Object.keys(body).find((k) => k.toLowerCase() === "metadata");
  return key === undefined ? undefined : body[key];
}

/** Narrows the body of GET /cdn/prefetches/{id}. */
export function parsePrefetchDetail(body: unknown, account: string): WangsuPrefetchDetailDto {
  const r = reader("prefetch detail", account);
  const o = r.object(body, "body");
  const meta = r.object(metadataOf(o), "metadata");
  return {
    name: r.optionalString(o.name, "name"),
    fileList: r.array(o.fileList, "fileList").map((item, i) => {
      const file = r.object(item, `fileList[${i}]`);
      const headers = r.optionalArray(file.headers, `fileList[${i}].headers`);
      return {
        url: r.nonEmptyString(file.url, `fileList[${i}].url`),
        headers:
          headers === null
            ? null
            : headers.map((h, j) => {
                const header = r.object(h, `fileList[${i}].headers[${j}]`);
                return {
                  name: r.nonEmptyString(header.name, `fileList[${i}].headers[${j}].name`),
                  value: r.string(header.value, `fileList[${i}].headers[${j}].value`),
                };
              }),
      };
    }),
    regions: r.optionalStringList(o.regions, "regions"),
    startTime: r.optionalTimestamp(o.startTime, "startTime"),
    webhook: r.optionalString(o.webhook, "webhook"),
    metadata: {
      id: r.optionalNonEmptyString(meta.id, "metadata.id"),
      submissionTime: r.optionalTimestamp(meta.submissionTime, "metadata.submissionTime"),
      successRate: r.optionalPercent(meta.successRate, "metadata.successRate"),
      status: r.oneOf(WANGSU_STATUSES, meta.status, "metadata.status"),
      finishTime: r.optionalTimestamp(meta.finishTime, "metadata.finishTime"),
      apiRequestId: r.optionalString(meta.apiRequestId, "metadata.apiRequestId"),
    },
  };
}

/** Narrows the body of GET /cdn/prefetches (the list). */
export function parsePrefetchList(body: unknown, account: string): WangsuPrefetchListDto {
  const r = reader("prefetch list", account);
  const o = r.object(body, "body");
  return {
    count: r.count(o.count, "count"),
    prefetchRequests: r.array(o.prefetchRequests, "prefetchRequests").map((item, i) => {
      const row = r.object(item, `prefetchRequests[${i}]`);
      const at = (field: string): string => `prefetchRequests[${i}].${field}`;
      return {
        id: r.nonEmptyString(row.id, at("id")),
        name: r.optionalString(row.name, at("name")),
        status: r.oneOf(WANGSU_STATUSES, row.status, at("status")),
        submissionTime: r.optionalTimestamp(row.submissionTime, at("submissionTime")),
        finishTime: r.optionalTimestamp(row.finishTime, at("finishTime")),
        successRate: r.optionalPercent(row.successRate, at("successRate")),
        apiRequestId: r.optionalString(row.apiRequestId, at("apiRequestId")),
        fileEntries: r.optionalCount(row.fileEntries, at("fileEntries")),
        hostnames: r.optionalStringList(row.hostnames, at("hostnames")),
      };
    }),
  };
}
