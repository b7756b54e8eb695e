import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { CallCounter, drainRequest, pause, sendJsonText, startEmulatorServer } from "../emulator-server";
import { FaultInjector } from "../fault-injector";
import { anchorMinute } from "../time";
import { BaiduApiError, faultError } from "./api-error";
import { type BaiduGeoCredentials, verifyBceAuth } from "./auth-verifier";
import { MarkerCodec } from "./marker";
import { type PrefetchQuery, parsePrefetchQuery } from "./prefetch-query";
import { parseRequestTarget } from "./request-target";
import { generateSeedData, type SeedData, type SeedRecord } from "./seed-data";

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
  /** Clock for signature expiry, default windows and data anchoring; default () => new Date(). */
  now?: () => Date;
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
}

export type BaiduGeoIdLookup = "task" | "task-or-url";

export interface BaiduGeoSandbox {
  /** "http://127.0.0.1:PORT" */
  readonly url: string;
  /** The seeded sites. */
  readonly sites: readonly string[];
  /** The latest createdAt bound of the seeded data (data span ~60 days before it). */
  readonly anchor: Date;
  /** Record ids of a site in the order a window listing returns them (ascending createdAt, ties by id); optional window filter [start, end] inclusive like the API. */
  recordIds(site: string, window?: { start: Date; end: Date }): string[];
  /** A seeded record as the API serialises it (for tests that compare mapping), or undefined. */
  record(id: string): unknown;
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

function isAfter(record: SeedRecord, after: { readonly createdAtMs: number; readonly id: string }): boolean {
  return (
    record.createdAtMs > after.createdAtMs ||
    (record.createdAtMs === after.createdAtMs && record.id > after.id)
  );
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
  const credentials = new Map(options.credentials.map((c) => [c.accessKeyId, c] as const));
  const markers = new MarkerCodec(`baidu-geo-sandbox/${seed}`);
  const anchorMs = anchorMinute(now());
  const data: SeedData = generateSeedData(seed, new Date(anchorMs));

  const counts = new CallCounter<"list" | "byId">();
  const faults = new FaultInjector<BaiduGeoFault>();

  const answer = (query: PrefetchQuery): string => {
    const records = data.bySite.get(query.site) ?? [];
    if (query.kind === "byId") {
      const matches = (r: SeedRecord): boolean =>
        r.submissionId === query.id || (idLookup === "task-or-url" && r.id === query.id);
      const details = records.filter(matches).map((r) => r.json);
      return JSON.stringify({ details, isTruncated: false });
    }
    const { windowStartMs, windowEndMs, after } = query;
    const matching = records.filter(
      (r) =>
        r.createdAtMs >= windowStartMs &&
        r.createdAtMs <= windowEndMs &&
        (after === undefined || isAfter(r, after)),
    );
    const page = matching.slice(0, PAGE_SIZE);
    const last = page[page.length - 1];
    if (matching.length <= PAGE_SIZE || last === undefined) {
      return JSON.stringify({ details: page.map((r) => r.json), isTruncated: false });
    }
    const nextMarker = markers.encode(
      { lastCreatedAtMs: last.createdAtMs, lastId: last.id, windowStartMs, windowEndMs },
      query.binding,
    );
    return JSON.stringify({ details: page.map((r) => r.json), isTruncated: true, nextMarker });
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
      send(res, 200, answer(parsePrefetchQuery(target.query, nowMs, markers)), requestId);
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
    recordIds(site, window) {
      const records = data.bySite.get(site) ?? [];
      const startMs = window?.start.getTime() ?? Number.NEGATIVE_INFINITY;
      const endMs = window?.end.getTime() ?? Number.POSITIVE_INFINITY;
      return records.filter((r) => r.createdAtMs >= startMs && r.createdAtMs <= endMs).map((r) => r.id);
    },
    record(id) {
      const record = data.byId.get(id);
      return record === undefined ? undefined : structuredClone(record.json);
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
