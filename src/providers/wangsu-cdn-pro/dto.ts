import { ProviderKind } from "../../domain/provider-kind";
import { UpstreamError } from "../../errors/app-error";

/**
 * Wangsu CDN Pro's prefetch payloads, narrowed from `unknown`. Sources: detail https://www.wangsu.com/document/api-doc/26298,
 * list https://www.wangsu.com/document/21518/26300. A field the upstream left out (or sent as null) becomes null; a
 * field of the wrong type, an unknown status, a timestamp that is not a real RFC 3339 instant or a success rate
 * outside 0..100 makes the whole body an UPSTREAM_BAD_RESPONSE rather than a guess.
 */

export const PROVIDER = ProviderKind.WANGSU_CDN_PRO;
/** How messages name the provider. */
export const PROVIDER_LABEL = "Wangsu CDN Pro";

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

/** The documented error fields; the exact error body is UNCONFIRMED, so every field is optional. */
export interface WangsuErrorDto {
  readonly code: string | null;
  readonly message: string | null;
  /** Not documented for errors; kept if a body carries one, for support tickets. */
  readonly requestId: string | null;
}

type JsonObject = Readonly<Record<string, unknown>>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Reads one payload, naming the offending path (never the value) when something is off. */
class Reader {
  constructor(
    private readonly what: string,
    private readonly account: string,
  ) {}

  fail(path: string, expected: string): never {
    throw new UpstreamError(
      "UPSTREAM_BAD_RESPONSE",
      `${PROVIDER_LABEL} returned a malformed ${this.what}: ${path} should be ${expected}.`,
      { provider: PROVIDER, account: this.account },
    );
  }

  object(value: unknown, path: string): JsonObject {
    return isObject(value) ? value : this.fail(path, "an object");
  }

  array(value: unknown, path: string): readonly unknown[] {
    return Array.isArray(value) ? (value as readonly unknown[]) : this.fail(path, "an array");
  }

  optionalArray(value: unknown, path: string): readonly unknown[] | null {
    return value === undefined || value === null ? null : this.array(value, path);
  }

  string(value: unknown, path: string): string {
    return typeof value === "string" ? value : this.fail(path, "a string");
  }

  nonEmptyString(value: unknown, path: string): string {
    return typeof value === "string" && value !== "" ? value : this.fail(path, "a non-empty string");
  }

  optionalString(value: unknown, path: string): string | null {
    return value === undefined || value === null ? null : this.string(value, path);
  }

  optionalNonEmptyString(value: unknown, path: string): string | null {
    return value === undefined || value === null ? null : this.nonEmptyString(value, path);
  }

  count(value: unknown, path: string): number {
    return typeof value === "number" && Number.isSafeInteger(value) && value >= 0
      ? value
      : this.fail(path, "a non-negative integer");
  }

  optionalCount(value: unknown, path: string): number | null {
    return value === undefined || value === null ? null : this.count(value, path);
  }

  /** Documented as an integer 0..100, and served as GraphQL Int: a fraction is not the documented shape. */
  optionalSuccessRate(value: unknown, path: string): number | null {
    if (value === undefined || value === null) return null;
    return typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 100
      ? value
      : this.fail(path, "an integer from 0 to 100");
  }

  status(value: unknown, path: string): WangsuStatus {
    return typeof value === "string" && (WANGSU_STATUSES as readonly string[]).includes(value)
      ? (value as WangsuStatus)
      : this.fail(path, `one of ${WANGSU_STATUSES.join(", ")}`);
  }

  optionalTimestamp(value: unknown, path: string): Date | null {
    if (value === undefined || value === null) return null;
    const at = typeof value === "string" ? parseRfc3339(value) : null;
    return at ?? this.fail(path, "an RFC 3339 timestamp");
  }

  stringList(value: unknown, path: string): readonly string[] | null {
    const list = this.optionalArray(value, path);
    return list === null ? null : list.map((item, i) => this.string(item, `${path}[${i}]`));
  }
}

const RFC_3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$/;

/**
 * An RFC 3339 date-time (zone required), or null. Date.parse alone is too lenient: V8 rolls 2021-02-30 over into
 * March and accepts 24:00, so every field is range-checked and the calendar date must exist. Leap seconds (:60)
 * are rejected: Date cannot represent them.
 */
export function parseRfc3339(text: string): Date | null {
  const m = RFC_3339.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (hour > 23 || minute > 59 || second > 59) return null;
  if (m[9] !== undefined && (Number(m[9]) > 23 || Number(m[10]) > 59)) return null;
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (
    calendar.getUTCFullYear() !== year ||
    calendar.getUTCMonth() !== month - 1 ||
    calendar.getUTCDate() !== day
  ) {
    return null;
  }
  const at = Date.parse(text.toUpperCase());
  return Number.isNaN(at) ? null : new Date(at);
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
  const r = new Reader("prefetch detail", account);
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
    regions: r.stringList(o.regions, "regions"),
    startTime: r.optionalTimestamp(o.startTime, "startTime"),
    webhook: r.optionalString(o.webhook, "webhook"),
    metadata: {
      id: r.optionalNonEmptyString(meta.id, "metadata.id"),
      submissionTime: r.optionalTimestamp(meta.submissionTime, "metadata.submissionTime"),
      successRate: r.optionalSuccessRate(meta.successRate, "metadata.successRate"),
      status: r.status(meta.status, "metadata.status"),
      finishTime: r.optionalTimestamp(meta.finishTime, "metadata.finishTime"),
      apiRequestId: r.optionalString(meta.apiRequestId, "metadata.apiRequestId"),
    },
  };
}

/** Narrows the body of GET /cdn/prefetches (the list). */
export function parsePrefetchList(body: unknown, account: string): WangsuPrefetchListDto {
  const r = new Reader("prefetch list", account);
  const o = r.object(body, "body");
  return {
    count: r.count(o.count, "count"),
    prefetchRequests: r.array(o.prefetchRequests, "prefetchRequests").map((item, i) => {
      const row = r.object(item, `prefetchRequests[${i}]`);
      const at = (field: string): string => `prefetchRequests[${i}].${field}`;
      return {
        id: r.nonEmptyString(row.id, at("id")),
        name: r.optionalString(row.name, at("name")),
        status: r.status(row.status, at("status")),
        submissionTime: r.optionalTimestamp(row.submissionTime, at("submissionTime")),
        finishTime: r.optionalTimestamp(row.finishTime, at("finishTime")),
        successRate: r.optionalSuccessRate(row.successRate, at("successRate")),
        apiRequestId: r.optionalString(row.apiRequestId, at("apiRequestId")),
        fileEntries: r.optionalCount(row.fileEntries, at("fileEntries")),
        hostnames: r.stringList(row.hostnames, at("hostnames")),
      };
    }),
  };
}

/**
 * An error body, leniently: it only enriches the error that the HTTP status already decided, so a body that is
 * not the expected JSON yields null instead of hiding that status behind UPSTREAM_BAD_RESPONSE.
 */
export function parseErrorBody(text: string): WangsuErrorDto | null {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(body)) return null;
  const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);
  return {
    code: str(body.code),
    message: str(body.message),
    requestId: str(body.apiRequestId) ?? str(body.requestId),
  };
}
