import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { CallCounter, drainRequest, pause, sendJsonText, startEmulatorServer } from "../emulator-server";
import { FaultInjector } from "../fault-injector";
import { HOLD_MS } from "../live-progress";
import { anchorMinute } from "../time";
import { BaiduApiError, faultError } from "./api-error";
import { type BaiduGeoCredentials, verifyBceAuth } from "./auth-verifier";
import { planRecordSchedules, recordJsonAt, type RecordSchedule } from "./live-records";
import { MarkerCodec } from "./marker";
import { type PrefetchQuery, parsePrefetchQuery } from "./prefetch-query";
import { parseRequestTarget } from "./request-target";
import { type BaiduPrefetchStatusJson, generateSeedData, type SeedData, type SeedRecord } from "./seed-data";

export type { BaiduGeoCredentials } from "./auth-verifier";

/** `times`: how many requests the fault applies to; omitted, it stays until cleared with setFault(null). */
export type BaiduGeoFault =
  /** Answer this status with a Baidu-style error body (500 InternalError, 503 ServiceUnavailable, ...). */
  | { kind: "status"; status: number; times?: number; retryAfterSeconds?: number }
  /** Wait before sending the response headers, then answer normally. */
  | { kind: "delay"; ms: number; times?: number }
  /** 200 with a body that is not JSON (default) or JSON of the wrong shape. */
  | { kind: "malformed"; times?: number; body?: "invalid-json" | "wrong-shape" };

export interface BaiduGeoSandboxOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (an ephemeral port). */
  port?: number;
  credentials: readonly BaiduGeoCredentials[];
  /**
   * Clock for signature expiry, default windows, data anchoring and the records' progress (each answer shows
   * the records as of this clock at the request); default () => new Date().
   */
  now?: () => Date;
  /**
   * Whether the tasks unfinished at the anchor move with the clock (default true). False keeps every task as
   * seeded, for runs (benchmarks) that need unfinished tasks to stay unfinished however long they take.
   */
  live?: boolean;
  /** Data seed, default 1. */
  seed?: number;
  /**
   * What an `id` query matches. Baidu documents `id` as the prefetch submission's id ("预热任务 id", what the
   * submit call returns) and answers it with every record of the submission: "task" serves exactly that.
   * "task-or-url" (the default) also answers a record's own per-URL id ("单个 url 的任务ID") with that record,
   * so that a record id pasted into GraphiQL finds it. UNCONFIRMED: whether Baidu does the latter; tests of
   * code that must not rely on it run with "task".
   */
  idLookup?: BaiduGeoIdLookup;
  /**
   * The order of a window listing, which Baidu does not document: "asc" (the default) oldest first (ascending
   * createdAt, ties by ascending id), "desc" exactly its reverse (newest first). Markers page through the
   * chosen order; an id lookup answers a submission's records in ascending order either way.
   */
  listOrder?: BaiduGeoListOrder;
}

export type BaiduGeoIdLookup = "task" | "task-or-url";
export type BaiduGeoListOrder = "asc" | "desc";

/**
 * How a record waiting or in progress at the anchor moves on with the clock (every instant in whole seconds):
 * as seeded until `risesFrom`, then in-progress with its progress rising (at most 99), then at `terminalAt`
 * `status` with `progress` and finishedAt = terminalAt, for good. Records terminal at the anchor never change.
 */
export interface BaiduGeoTaskSchedule {
  /** When a record waiting at the anchor starts (in-progress, startedAt); null when it was already running. */
  readonly startsAt: Date | null;
  /** From when the record differs from its seeded state: startsAt, or the anchor + 3 min when running. */
  readonly risesFrom: Date;
  readonly terminalAt: Date;
  readonly status: "completed" | "failed";
  readonly progress: number;
}

export interface BaiduGeoSandbox {
  /** "http://127.0.0.1:PORT" */
  readonly url: string;
  /** The seeded sites. */
  readonly sites: readonly string[];
  /** The latest createdAt bound of the seeded data (data span ~60 days before it). */
  readonly anchor: Date;
  /**
   * Record ids of a site in the order a window listing returns them (listOrder: by default ascending createdAt,
   * ties by id); optional window filter [start, end] inclusive like the API. createdAt never changes, so
   * neither does this.
   */
  recordIds(site: string, window?: { start: Date; end: Date }): string[];
  /** A record as the API serialises it at `at` (default the emulator's now()), a copy, or undefined. */
  record(id: string, at?: Date): unknown;
  /**
   * The schedule of a record (by its per-URL id) that is waiting or in progress at the anchor; undefined for
   * a record already terminal there, which never changes, and for an unknown id.
   */
  schedule(recordId: string): BaiduGeoTaskSchedule | undefined;
  /** No record differs from its seeded state before this instant: the anchor + 3 minutes. */
  readonly liveFrom: Date;
  /** Every record is terminal from this instant on (the latest terminalAt; the anchor when none moves). */
  readonly settledAt: Date;
  /** The id of the submission a record (by its per-URL id) belongs to, or undefined for an unknown record. */
  submissionId(recordId: string): string | undefined;
  /** Number of HTTP requests received since start / last reset, optionally only list calls or only id lookups. Counts requests that failed auth too. */
  calls(kind?: "list" | "byId"): number;
  resetCalls(): void;
  setFault(fault: BaiduGeoFault | null): void;
  close(): Promise<void>;
}

export const PREFETCH_PATH = "/v2/geo/cache/prefetch";
/** The GEO doc: at most 100 records per call. */
export const PAGE_SIZE = 100;

const MALFORMED_BODIES = {
  // Cut off mid-document, as a proxy that drops the connection's tail would leave it.
  "invalid-json": '{"details":[{"task":{"url":"http://www.example.com/index.html"},"createdAt":"2025-11-',
  // Valid JSON whose fields have the wrong types.
  "wrong-shape": '{"details":{"task":"not-a-list"},"isTruncated":"no","nextMarker":42}',
} as const;

/** Whether `record` comes strictly after `after` in the listing order. */
function isAfter(
  record: SeedRecord,
  after: { readonly createdAtMs: number; readonly id: string },
  order: BaiduGeoListOrder,
): boolean {
  const sign = order === "asc" ? 1 : -1;
  const byTime = sign * (record.createdAtMs - after.createdAtMs);
  return byTime > 0 || (byTime === 0 && (order === "asc" ? record.id > after.id : record.id < after.id));
}

/** Every answer carries its request id in `x-bce-request-id`, as Baidu's do. */
function send(
  res: ServerResponse,
  status: number,
  body: string,
  requestId: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  sendJsonText(res, status, body, { ...headers, "x-bce-request-id": requestId });
}

function sendError(res: ServerResponse, error: BaiduApiError, requestId: string): void {
  send(
    res,
    error.status,
    JSON.stringify({ code: error.code, message: error.message, requestId }),
    requestId,
    error.headers,
  );
}

export async function startBaiduGeoSandbox(options: BaiduGeoSandboxOptions): Promise<BaiduGeoSandbox> {
  const now = options.now ?? (() => new Date());
  const seed = options.seed ?? 1;
  const idLookup = options.idLookup ?? "task-or-url";
  if (idLookup !== "task" && idLookup !== "task-or-url") {
    throw new RangeError(`idLookup must be "task" or "task-or-url", got ${String(idLookup)}`);
  }
  const listOrder = options.listOrder ?? "asc";
  if (listOrder !== "asc" && listOrder !== "desc") {
    throw new RangeError(`listOrder must be "asc" or "desc", got ${String(listOrder)}`);
  }
  const credentials = new Map(options.credentials.map((c) => [c.accessKeyId, c] as const));
  // A marker of one order must not continue the other: "desc" signs its markers with another key.
  const markers = new MarkerCodec(`baidu-geo-sandbox/${seed}${listOrder === "asc" ? "" : "/desc"}`);
  const anchorMs = anchorMinute(now());
  const data: SeedData = generateSeedData(seed, new Date(anchorMs));
  const schedules: ReadonlyMap<string, RecordSchedule> =
    options.live === false ? new Map() : planRecordSchedules(data, seed);
  const settledAtMs = Math.max(anchorMs, ...[...schedules.values()].map((s) => s.terminalAtMs));
  /** Each site's records in listing order (the seed data keeps them ascending). */
  const listed = new Map(
    [...data.bySite].map(([site, records]) => [site, listOrder === "asc" ? records : [...records].reverse()]),
  );
  const jsonAt = (record: SeedRecord, atMs: number): BaiduPrefetchStatusJson =>
    recordJsonAt(record, schedules.get(record.id), atMs);

  const counts = new CallCounter<"list" | "byId">();
  const faults = new FaultInjector<BaiduGeoFault>();

  /** The answer as of `nowMs`: a listing and a lookup at the same instant show every record alike. */
  const answer = (query: PrefetchQuery, nowMs: number): string => {
    if (query.kind === "byId") {
      const records = data.bySite.get(query.site) ?? [];
      const matches = (r: SeedRecord): boolean =>
        r.submissionId === query.id || (idLookup === "task-or-url" && r.id === query.id);
      const details = records.filter(matches).map((r) => jsonAt(r, nowMs));
      return JSON.stringify({ details, isTruncated: false });
    }
    const { windowStartMs, windowEndMs, after } = query;
    const matching = (listed.get(query.site) ?? []).filter(
      (r) =>
        r.createdAtMs >= windowStartMs &&
        r.createdAtMs <= windowEndMs &&
        (after === undefined || isAfter(r, after, listOrder)),
    );
    const page = matching.slice(0, PAGE_SIZE);
    const details = page.map((r) => jsonAt(r, nowMs));
    const last = page[page.length - 1];
    if (matching.length <= PAGE_SIZE || last === undefined) {
      return JSON.stringify({ details, isTruncated: false });
    }
    const nextMarker = markers.encode(
      { lastCreatedAtMs: last.createdAtMs, lastId: last.id, windowStartMs, windowEndMs },
      query.binding,
    );
    return JSON.stringify({ details, isTruncated: true, nextMarker });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, signal: AbortSignal): Promise<void> => {
    counts.countRequest();
    const requestId = randomUUID();
    await drainRequest(req);
    try {
      const target = parseRequestTarget(req.url ?? "/");
      if (target.path !== PREFETCH_PATH) {
        throw new BaiduApiError(404, "NotFound", `No API is served at ${target.path}.`);
      }
      if (req.method !== "GET") {
        throw new BaiduApiError(
          405,
          "MethodNotAllowed",
          `The method ${req.method ?? ""} is not allowed here.`,
          {
            allow: "GET",
          },
        );
      }
      const byId = target.query.some(([key, value]) => key === "id" && value !== "");
      counts.countKind(byId ? "byId" : "list");

      const fault = faults.take();
      if (fault?.kind === "delay" && !(await pause(fault.ms, signal))) {
        // The client went away or the sandbox is closing: nobody is left to answer.
        res.destroy();
        return;
      }
      if (fault?.kind === "status") throw faultError(fault.status, fault.retryAfterSeconds);
      if (fault?.kind === "malformed") {
        send(res, 200, MALFORMED_BODIES[fault.body ?? "invalid-json"], requestId);
        return;
      }

      const nowMs = now().getTime();
      verifyBceAuth(
        { method: "GET", path: target.path, query: target.query, headers: req.headers },
        credentials,
        nowMs,
      );
      send(res, 200, answer(parsePrefetchQuery(target.query, nowMs, markers), nowMs), requestId);
    } catch (error) {
      if (signal.aborted) {
        // The client went away or the sandbox is closing: nobody is left to answer.
        res.destroy();
        return;
      }
      const apiError =
        error instanceof BaiduApiError
          ? error
          : new BaiduApiError(500, "InternalError", "We encountered an internal error. Please try again.");
      sendError(res, apiError, requestId);
    }
  };

  const server = await startEmulatorServer(handle, { host: options.host, port: options.port });

  return {
    url: server.url,
    sites: data.sites,
    anchor: new Date(anchorMs),
    get liveFrom() {
      return new Date(anchorMs + HOLD_MS); // a fresh Date each time: callers may mutate theirs
    },
    get settledAt() {
      return new Date(settledAtMs);
    },
    recordIds(site, window) {
      const records = listed.get(site) ?? [];
      const startMs = window?.start.getTime() ?? Number.NEGATIVE_INFINITY;
      const endMs = window?.end.getTime() ?? Number.POSITIVE_INFINITY;
      return records.filter((r) => r.createdAtMs >= startMs && r.createdAtMs <= endMs).map((r) => r.id);
    },
    record(id, at) {
      const record = data.byId.get(id);
      return record === undefined ? undefined : structuredClone(jsonAt(record, (at ?? now()).getTime()));
    },
    schedule(recordId) {
      const schedule = schedules.get(recordId);
      if (schedule === undefined) return undefined;
      return {
        startsAt: schedule.startsAtMs === undefined ? null : new Date(schedule.startsAtMs),
        risesFrom: new Date(schedule.risesFromMs),
        terminalAt: new Date(schedule.terminalAtMs),
        status: schedule.status,
        progress: schedule.progress,
      };
    },
    submissionId(recordId) {
      return data.byId.get(recordId)?.submissionId;
    },
    calls(kind) {
      return counts.get(kind);
    },
    resetCalls() {
      counts.reset();
    },
    setFault(fault) {
      faults.set(fault);
    },
    close() {
      return server.close();
    },
  };
}
