import type { IncomingMessage, ServerResponse } from "node:http";
import {
  CallCounter,
  drainRequest,
  pause,
  sendJson,
  sendJsonText,
  startEmulatorServer,
} from "../emulator-server";
import { HOLD_MS } from "../live-progress";
import { anchorMinute } from "../time";
import { verifyApiKeyRequest } from "./auth";
import type { WangsuListBody } from "./dto";
import { statusFaultBody, WangsuFaultInjector, type WangsuCdnProFault } from "./faults";
import { parseListQuery, selectTasks } from "./list-query";
import { planTaskSchedules, taskAt, type TaskSchedule } from "./live-tasks";
import { DOCUMENTED_RATE_LIMIT, FixedWindowRateLimiter } from "./rate-limiter";
import { sendError } from "./responses";
import { SEEDED_HOSTNAMES, seedWangsuTasks, toDetailBody, toListRow, type SeededTask } from "./seed-data";

export type { WangsuCdnProFault } from "./faults";

export interface WangsuCdnProCredentials {
  readonly username: string;
  readonly apiKey: string;
}

export interface WangsuCdnProSandboxOptions {
  /** Default 127.0.0.1: the emulator is for loopback use only. */
  host?: string;
  /** Default 0: the OS picks a free port; read it back from `url`. */
  port?: number;
  credentials: readonly WangsuCdnProCredentials[];
  /**
   * Used for the clock-skew check, the default list window, the seed anchor and the tasks' progress (each
   * answer shows the tasks as of this clock at the request). Default `() => new Date()`.
   */
  now?: () => Date;
  /**
   * Whether the tasks unfinished at the anchor move with the clock (default true). False keeps every task as
   * seeded, for runs (benchmarks) that need unfinished tasks to stay unfinished however long they take.
   */
  live?: boolean;
  /** Default 1. */
  seed?: number;
  /** Per username. Default 300 per 300 s, as documented for the detail API. */
  rateLimit?: { points: number; durationSeconds: number };
  /** Default 300. The tolerance of the API-key scheme is undocumented; 5 minutes is what AK/SK documents. */
  maxClockSkewSeconds?: number;
  /**
   * Whether a request's file list changes between detail answers (each answer adds one URL). Wangsu documents no
   * way to change a submitted request, and the server learns from what it sees whether file lists stay put; this
   * makes the sandbox the provider for which they do not. Default false.
   */
  fileListsChange?: boolean;
}

/**
 * How a task waiting or in progress at the anchor moves on with the clock (every instant in whole seconds): as
 * seeded until `risesFrom`, then inprogress with its successRate rising (at most 99, and reported from then on),
 * then at `terminalAt` finished with `successRate` and finishTime = terminalAt, for good. Tasks finished at the
 * anchor never change.
 */
export interface WangsuCdnProTaskSchedule {
  /** When a task waiting at the anchor starts (its startTime when it has one); null when already running. */
  readonly startsAt: Date | null;
  /** From when the task differs from its seeded state: startsAt, or the anchor + 3 min when running. */
  readonly risesFrom: Date;
  readonly terminalAt: Date;
  /** 100 (COMPLETED), 1..99 (PARTIALLY_COMPLETED) or 0 (FAILED). */
  readonly successRate: number;
}

export interface WangsuCdnProSandbox {
  /** `http://host:port`, no trailing slash. */
  readonly url: string;
  /** Hostnames used in the seeded data. */
  readonly hostnames: readonly string[];
  /** Latest submissionTime bound (now() at start floored to the minute); data spans ~60 days before it. */
  readonly anchor: Date;
  /**
   * Ids a list call returns for this window (startdate <= submissionTime <= enddate), in the default order
   * (submissionTime descending, ties by id descending), optionally only tasks whose hostnames include
   * `hostname`. Seeded names never contain a hostname, so this equals a list call with `search=<hostname>`.
   */
  taskIds(window: { start: Date; end: Date }, hostname?: string): string[];
  /** The detail body for an id as served at `at` (default the emulator's now()), a copy, or undefined. */
  detail(id: string, at?: Date): unknown;
  /**
   * The schedule of a task waiting or in progress at the anchor; undefined for a task finished there, which
   * never changes, and for an unknown id.
   */
  schedule(id: string): WangsuCdnProTaskSchedule | undefined;
  /** No task differs from its seeded state before this instant: the anchor + 3 minutes. */
  readonly liveFrom: Date;
  /** Every task is finished from this instant on (the latest terminalAt; the anchor when none moves). */
  readonly settledAt: Date;
  /** Requests received (including rejected ones) since start or resetCalls(); without `kind`, all paths. */
  calls(kind?: "list" | "detail"): number;
  /** Also resets the rate-limit windows. */
  resetCalls(): void;
  /** Replaces the current fault; null clears it. Throws RangeError on a nonsensical fault. */
  setFault(fault: WangsuCdnProFault | null): void;
  close(): Promise<void>;
}

type Route = { readonly kind: "list" } | { readonly kind: "detail"; readonly rawId: string };

const LIST_PATH = "/cdn/prefetches";
const DETAIL_PATH = /^\/cdn\/prefetches\/([^/]+)$/;

function routeOf(pathname: string): Route | null {
  if (pathname === LIST_PATH) return { kind: "list" };
  const rawId = DETAIL_PATH.exec(pathname)?.[1];
  return rawId === undefined ? null : { kind: "detail", rawId };
}

function decodeId(rawId: string): string | null {
  try {
    return decodeURIComponent(rawId);
  } catch {
    return null;
  }
}

function validateOptions(options: WangsuCdnProSandboxOptions): Map<string, string> {
  if (options.credentials.length === 0) throw new RangeError("the sandbox needs at least one credential");
  const credentials = new Map<string, string>();
  for (const { username, apiKey } of options.credentials) {
    // Basic credentials split on the first colon, so a username with one could never authenticate.
    if (username === "" || username.includes(":")) {
      throw new RangeError(`invalid sandbox username ${JSON.stringify(username)}`);
    }
    if (apiKey === "") throw new RangeError(`empty apiKey for sandbox user ${username}`);
    if (credentials.has(username)) throw new RangeError(`duplicate sandbox user ${username}`);
    credentials.set(username, apiKey);
  }
  const skew = options.maxClockSkewSeconds;
  if (skew !== undefined && (!Number.isFinite(skew) || skew < 0)) {
    throw new RangeError("maxClockSkewSeconds must be a non-negative number");
  }
  return credentials;
}

/**
 * Starts an emulator of CDN Pro's prefetch read API (GET /cdn/prefetches and GET /cdn/prefetches/{id}) on a
 * loopback port. Order of checks per request: fault, route (404), method (405), API-key auth (401), rate limit
 * (429), parameters (400), then the answer. The create API (POST) is not emulated: the service only reads.
 */
export async function startWangsuCdnProSandbox(
  options: WangsuCdnProSandboxOptions,
): Promise<WangsuCdnProSandbox> {
  const credentials = validateOptions(options);
  const now = options.now ?? (() => new Date());
  const maxClockSkewSeconds = options.maxClockSkewSeconds ?? 300;
  const limiter = new FixedWindowRateLimiter(options.rateLimit ?? DOCUMENTED_RATE_LIMIT);
  const faults = new WangsuFaultInjector();

  const anchorMs = anchorMinute(now());
  const seed = options.seed ?? 1;
  const tasks: readonly SeededTask[] = seedWangsuTasks({ anchor: new Date(anchorMs), seed });
  const schedules: ReadonlyMap<string, TaskSchedule> =
    options.live === false ? new Map() : planTaskSchedules(tasks, seed, anchorMs);
  const settledAtMs = Math.max(anchorMs, ...[...schedules.values()].map((s) => s.terminalAtMs));
  const byId = new Map(tasks.map((task) => [task.id, task]));
  // Rendered once for the tasks that never change: what is served and what detail() hands to tests are the
  // same bytes. The others are rendered as of each request.
  const detailJson = new Map(
    tasks
      .filter((task) => !schedules.has(task.id))
      .map((task) => [task.id, JSON.stringify(toDetailBody(task))]),
  );
  const detailJsonAt = (id: string, atMs: number): string | undefined => {
    const schedule = schedules.get(id);
    const task = byId.get(id);
    if (schedule === undefined || task === undefined) return detailJson.get(id);
    return JSON.stringify(toDetailBody(taskAt(task, schedule, atMs)));
  };
  /** Every task as of `atMs`: a listing and a detail at the same instant show each task alike. */
  const tasksAt = (atMs: number): readonly SeededTask[] =>
    schedules.size === 0 ? tasks : tasks.map((task) => taskAt(task, schedules.get(task.id), atMs));
  const detailAnswers = new Map<string, number>();

  const counts = new CallCounter<Route["kind"]>();

  function serveList(res: ServerResponse, params: URLSearchParams, nowMs: number): void {
    const parsed = parseListQuery(params, nowMs);
    if (!parsed.ok) {
      sendError(res, 400, { code: "InvalidParameter", message: parsed.message });
      return;
    }
    const { query } = parsed;
    // finishTime changes as tasks finish, so the order by it is taken at the request's instant too.
    const matching = selectTasks(tasksAt(nowMs), query, query.sortBy, query.sortOrder);
    const body: WangsuListBody = {
      count: matching.length,
      prefetchRequests: matching.slice(query.offset, query.offset + query.limit).map(toListRow),
    };
    sendJson(res, 200, body);
  }

  function serveDetail(res: ServerResponse, rawId: string, nowMs: number): void {
    const id = decodeId(rawId);
    const json = id === null ? undefined : detailJsonAt(id, nowMs);
    if (json === undefined) {
      sendError(res, 404, {
        code: "InvalidPrefetchTaskId",
        message: "The specified prefetch task ID does not exist.",
      });
      return;
    }
    if (!options.fileListsChange) return sendJsonText(res, 200, json);
    const answers = (detailAnswers.get(id as string) ?? 0) + 1;
    detailAnswers.set(id as string, answers);
    const body = JSON.parse(json) as { fileList: { url: string }[] };
    body.fileList.push({ url: `https://www.example.com/revision-${answers}` });
    sendJson(res, 200, body);
  }

  async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    _signal: AbortSignal,
    closing: AbortSignal,
  ): Promise<void> {
    const url = new URL(req.url ?? "/", "http://sandbox.invalid");
    const route = routeOf(url.pathname);
    counts.countRequest();
    if (route !== null) counts.countKind(route.kind);
    await drainRequest(req);

    const fault = faults.take();
    // An aborted delay means the client has gone or close() was called: there is no one to answer.
    // A slow answer still counts against the caller's budget after it gave up, as the real rate limit would
    // count the request it received: only closing the emulator cuts the delay short.
    if (fault?.kind === "delay" && !(await pause(fault.ms, closing))) return;
    if (fault?.kind === "status") {
      // A client that honours Retry-After should not stall a test for long.
      sendError(
        res,
        fault.status,
        statusFaultBody(fault.status),
        fault.status === 429 ? { "Retry-After": "1" } : {},
      );
      return;
    }
    if (fault?.kind === "malformed") {
      sendJsonText(res, 200, faults.nextMalformedBody());
      return;
    }

    if (route === null) {
      sendError(res, 404, { code: "NotFound", message: `There is no API at ${url.pathname}.` });
      return;
    }
    if (req.method !== "GET") {
      sendError(
        res,
        405,
        { code: "MethodNotAllowed", message: `The sandbox serves only GET on ${url.pathname}.` },
        { Allow: "GET" },
      );
      return;
    }
    // X-Time-Zone only changes how zone-less time parameters are read; CDN Pro's are RFC 3339 with Z, so it
    // is ignored here.
    // One reading of the clock per request: its auth check and its answer agree.
    const nowMs = now().getTime();
    const auth = verifyApiKeyRequest(req.headers, { credentials, nowMs, maxClockSkewSeconds });
    if (!auth.ok) {
      sendError(res, 401, auth, { "WWW-Authenticate": 'Basic realm="CDN Pro"' });
      return;
    }
    const decision = limiter.consume(auth.username);
    if (!decision.allowed) {
      sendError(
        res,
        429,
        {
          code: "TooManyRequests",
          message: `The rate limit of ${limiter.description} per user was exceeded.`,
        },
        { "Retry-After": String(decision.retryAfterSeconds) },
      );
      return;
    }
    if (route.kind === "list") serveList(res, url.searchParams, nowMs);
    else serveDetail(res, route.rawId, nowMs);
  }

  const server = await startEmulatorServer(handle, {
    host: options.host,
    port: options.port,
    onError(res) {
      sendError(res, 500, { code: "InternalError", message: "The sandbox failed to handle the request." });
    },
  });

  return {
    url: server.url,
    hostnames: Object.freeze([...SEEDED_HOSTNAMES]),
    get anchor() {
      return new Date(anchorMs); // a fresh Date each time: callers may mutate theirs
    },
    taskIds(window, hostname) {
      const startMs = window.start.getTime();
      const endMs = window.end.getTime();
      if (Number.isNaN(startMs) || Number.isNaN(endMs)) throw new RangeError("taskIds() needs valid dates");
      const filter = hostname === undefined ? { startMs, endMs } : { startMs, endMs, hostname };
      return selectTasks(tasks, filter).map((task) => task.id);
    },
    get liveFrom() {
      return new Date(anchorMs + HOLD_MS);
    },
    get settledAt() {
      return new Date(settledAtMs);
    },
    detail(id, at) {
      const json = detailJsonAt(id, (at ?? now()).getTime());
      return json === undefined ? undefined : (JSON.parse(json) as unknown);
    },
    schedule(id) {
      const schedule = schedules.get(id);
      if (schedule === undefined) return undefined;
      return {
        startsAt: schedule.startsAtMs === undefined ? null : new Date(schedule.startsAtMs),
        risesFrom: new Date(schedule.risesFromMs),
        terminalAt: new Date(schedule.terminalAtMs),
        successRate: schedule.successRate,
      };
    },
    calls(kind) {
      return counts.get(kind);
    },
    resetCalls() {
      counts.reset();
      limiter.reset();
    },
    setFault(fault) {
      faults.set(fault);
    },
    close() {
      return server.close();
    },
  };
}
