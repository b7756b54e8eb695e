import { setTimeout as sleep } from "node:timers/promises";
import { Agent, request, type Dispatcher } from "undici";
import {
  daysBefore,
  postGraphQL,
  startTestServer,
  type GraphQLResponse,
  type TestServer,
} from "../support/harness";

/**
 * The call budget, side by side: what reuse buys a Wangsu dashboard under the documented limit, what `nodes`
 * of known finished tasks costs, and what a full Baidu page costs. Printed as figures next to their goals;
 * nothing is asserted (the reuse tests assert behaviour and call counts).
 */

/** Documented for CDN Pro: 300 calls per 5 minutes per user. The emulator and the server both keep it. */
const WANGSU_BUDGET = { points: 300, durationSeconds: 300 };
const FRESHNESS_B_MS = 5000;
const USERS = 20;
const RELOAD_MS = 5000;
const SITE = "www.example.com";
const UNFINISHED = new Set(["WAITING", "IN_PROGRESS"]);

const DASHBOARD_QUERY = `query Dashboard {
  prefetchTasks(provider: WANGSU_CDN_PRO, first: 20) { nodes { id taskId status observedAt targets { url } } }
}`;

interface Row {
  id: string;
  taskId: string;
  status: string;
  observedAt: string;
  targets: { url: string }[] | null;
}

interface Extensions {
  upstreamCalls: number;
  cacheHits: number;
}

type Answer<T> = GraphQLResponse<T> & { extensions?: Partial<Extensions> };

async function gql<T>(server: TestServer, query: string, variables: Record<string, unknown> = {}) {
  return (await postGraphQL<T>(server.url, { query, variables })) as Answer<T>;
}

/** Fails the run on any GraphQL error where the scenario expects none. */
function ok<T>(res: Answer<T>): Answer<T> & { data: T } {
  if (res.errors || res.data == null) {
    throw new Error(`operation failed: ${JSON.stringify(res.errors ?? res).slice(0, 300)}`);
  }
  return res as Answer<T> & { data: T };
}

function wangsuCalls(server: TestServer): number {
  return server.sandbox.wangsuCdnPro.calls("list") + server.sandbox.wangsuCdnPro.calls("detail");
}

function baiduCalls(server: TestServer): number {
  return server.sandbox.baiduGeo.calls("list") + server.sandbox.baiduGeo.calls("byId");
}

/** Seeded Wangsu ids of the last day (newest first) with whether the sandbox serves them as finished. */
function lastDayWangsuTasks(server: TestServer): { id: string; finished: boolean }[] {
  const sandbox = server.sandbox.wangsuCdnPro;
  const anchor = sandbox.anchor;
  return sandbox.taskIds({ start: daysBefore(anchor, 1), end: anchor }).map((id) => {
    // The sandbox serves both of the documented spellings.
    const body = sandbox.detail(id) as { metadata?: { status: string }; metaData?: { status: string } };
    return { id, finished: (body.metadata ?? body.metaData)?.status === "finished" };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// 1. Dashboard: 20 users reloading a Wangsu page of 20 tasks with targets every 5 s, against the 300/5 min budget.

interface DashboardStats {
  operations: number;
  answeredFully: number;
  rateLimited: number;
  /** When the first operation answered with UPSTREAM_RATE_LIMITED was sent, ms after the start. */
  firstRateLimitedMs: number | null;
  t0: number;
  /** Operations with an error of this code (other than UPSTREAM_RATE_LIMITED). */
  otherErrors: Map<string, number>;
  rowsWithoutTargets: number;
  unfinishedRows: number;
  maxUnfinishedAgeMs: number | null;
  /** Reload slots skipped because the previous load of the same user had not answered yet. */
  missedReloads: number;
  extCalls: number;
  extHits: number;
  answerMs: number[];
  /** [ms since start, sandbox calls] once a second, for the largest count in any budget window. */
  samples: [number, number][];
}

function newStats(): DashboardStats {
  return {
    operations: 0,
    answeredFully: 0,
    rateLimited: 0,
    firstRateLimitedMs: null,
    t0: Date.now(),
    otherErrors: new Map(),
    rowsWithoutTargets: 0,
    unfinishedRows: 0,
    maxUnfinishedAgeMs: null,
    missedReloads: 0,
    extCalls: 0,
    extHits: 0,
    answerMs: [],
    samples: [[0, 0]],
  };
}

function countError(stats: DashboardStats, code: string): void {
  stats.otherErrors.set(code, (stats.otherErrors.get(code) ?? 0) + 1);
}

/** The harness's postGraphQL, from the user's own loopback address (its own caller for the server's fair shares). */
async function post<T>(url: string, query: string, dispatcher: Dispatcher | undefined): Promise<Answer<T>> {
  const res = await request(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/graphql-response+json, application/json",
    },
    body: JSON.stringify({ query }),
    ...(dispatcher ? { dispatcher } : {}),
  });
  const json = (await res.body.json()) as Omit<Answer<T>, "status">;
  return { status: res.statusCode, ...json };
}

async function load(
  server: TestServer,
  stats: DashboardStats,
  dispatcher: Dispatcher | undefined,
): Promise<void> {
  const sentAt = Date.now();
  let res: Answer<{ prefetchTasks: { nodes: Row[] } | null }>;
  try {
    res = await post(server.url, DASHBOARD_QUERY, dispatcher);
  } catch (err) {
    stats.operations++;
    countError(stats, `transport: ${(err as Error).message.slice(0, 40)}`);
    return;
  }
  const receivedAt = Date.now();
  stats.operations++;
  stats.answerMs.push(receivedAt - sentAt);
  stats.extCalls += res.extensions?.upstreamCalls ?? 0;
  stats.extHits += res.extensions?.cacheHits ?? 0;
  const codes = new Set(
    (res.errors ?? []).map((e) => (typeof e.extensions?.code === "string" ? e.extensions.code : "NO_CODE")),
  );
  if (res.status !== 200 && codes.size === 0) codes.add(`HTTP ${res.status}`);
  if (codes.size === 0 && res.data?.prefetchTasks) stats.answeredFully++;
  if (codes.delete("UPSTREAM_RATE_LIMITED")) {
    stats.rateLimited++;
    stats.firstRateLimitedMs ??= sentAt - stats.t0;
  }
  for (const code of codes) countError(stats, code);
  for (const row of res.data?.prefetchTasks?.nodes ?? []) {
    if (row.targets === null) stats.rowsWithoutTargets++;
    if (!UNFINISHED.has(row.status)) continue;
    stats.unfinishedRows++;
    const age = receivedAt - Date.parse(row.observedAt);
    stats.maxUnfinishedAgeMs = Math.max(stats.maxUnfinishedAgeMs ?? -Infinity, age);
  }
}

/** One user: first load at its offset within the first reload period, then one load every RELOAD_MS. */
async function user(
  server: TestServer,
  index: number,
  t0: number,
  endMs: number,
  stats: DashboardStats,
  dispatcher: Dispatcher | undefined,
) {
  const offset = Math.round((index * RELOAD_MS) / USERS);
  for (let k = 0; ; k++) {
    const due = t0 + offset + k * RELOAD_MS;
    if (due >= endMs) return;
    const wait = due - Date.now();
    if (wait < 0) {
      stats.missedReloads++;
      continue;
    }
    await sleep(wait);
    await load(server, stats, dispatcher);
  }
}

async function runDashboard(
  server: TestServer,
  seconds: number,
  dispatchers: readonly (Dispatcher | undefined)[],
): Promise<DashboardStats> {
  const stats = newStats();
  const t0 = stats.t0;
  const endMs = t0 + seconds * 1000;
  let running = true;
  const sampler = (async () => {
    while (running) {
      await sleep(1000);
      stats.samples.push([Date.now() - t0, wangsuCalls(server)]);
    }
  })();
  await Promise.all(dispatchers.map((d, i) => user(server, i, t0, endMs, stats, d)));
  running = false;
  await sampler;
  stats.samples.push([Date.now() - t0, wangsuCalls(server)]);
  return stats;
}

/**
 * Largest number of calls in any window of the budget's length, from once-a-second samples: counted from the
 * sample before the window opens, so it may overstate by a second's calls, never understate.
 */
function largestInWindow(samples: readonly [number, number][], windowMs: number): number {
  let best = 0;
  let i = 0;
  for (const [t, calls] of samples) {
    while (i + 1 < samples.length && t - (samples[i + 1] as [number, number])[0] > windowMs) i++;
    best = Math.max(best, calls - (samples[i] as [number, number])[1]);
  }
  return best;
}

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

const LABEL = 46;
const COL = 15;

function line(label: string, a: string | number, b: string | number, goal = ""): void {
  console.log(
    `  ${label.padEnd(LABEL)}${String(a).padStart(COL)}${String(b).padStart(COL)}   ${goal}`.trimEnd(),
  );
}

async function dashboardScenario(): Promise<void> {
  const seconds = Number(process.env.BENCH_DASHBOARD_SECONDS ?? "120");
  if (!Number.isFinite(seconds) || seconds <= 0) throw new RangeError("BENCH_DASHBOARD_SECONDS must be > 0");
  const start = (freshness: string) =>
    startTestServer({
      env: { PREFETCH_GRAPH_FRESHNESS_MS: freshness },
      // Unfinished tasks stay unfinished for the whole run: what a dashboard polls does not settle midway.
      sandbox: { wangsuRateLimit: WANGSU_BUDGET, live: false },
    });
  // Each user connects from its own loopback address, so the server sees 20 callers (its fair shares are per API
  // key, else per client address). BENCH_DASHBOARD_ONE_CALLER=1: all from 127.0.0.1, like users behind one router.
  const oneCaller = process.env.BENCH_DASHBOARD_ONE_CALLER === "1";
  const agents = oneCaller
    ? []
    : Array.from({ length: USERS }, (_, i) => new Agent({ localAddress: `127.0.0.${i + 2}` }));
  const dispatchers = Array.from({ length: USERS }, (_, i) => agents[i]);
  const [a, b] = await Promise.all([start("0"), start(String(FRESHNESS_B_MS))]);
  try {
    const newest = lastDayWangsuTasks(a).slice(0, 20);
    const unfinished = newest.filter((t) => !t.finished).length;
    console.log(
      `\nWangsu dashboard: ${USERS} users, staggered over the first ${RELOAD_MS / 1000} s, each reloading every ` +
        `${RELOAD_MS / 1000} s for ${seconds} s;\none load = one operation prefetchTasks(provider: WANGSU_CDN_PRO, ` +
        `first: 20) { nodes { id taskId status observedAt targets { url } } }.`,
    );
    console.log(
      `Each server has its own sandbox; the emulator answers 429 past ${WANGSU_BUDGET.points} calls per ` +
        `${WANGSU_BUDGET.durationSeconds} s and the server keeps the same budget (waits <= 2 s for a call, then ` +
        `UPSTREAM_RATE_LIMITED).`,
    );
    console.log(
      `  A: PREFETCH_GRAPH_FRESHNESS_MS=0    (only final tasks reused across operations)\n` +
        `  B: PREFETCH_GRAPH_FRESHNESS_MS=${FRESHNESS_B_MS} (the default: list pages and unfinished tasks reused ` +
        `${FRESHNESS_B_MS} ms, identical calls in flight shared)`,
    );
    console.log(
      oneCaller
        ? "All users connect from 127.0.0.1: the server sees one caller (BENCH_DASHBOARD_ONE_CALLER=1)."
        : `Users connect from 127.0.0.2..127.0.0.${USERS + 1}: the server sees ${USERS} callers ` +
            "(BENCH_DASHBOARD_ONE_CALLER=1: one).",
    );
    console.log(
      `Newest 20 seeded Wangsu tasks (the dashboard's rows): ${unfinished} unfinished, ` +
        `${newest.length - unfinished} finished; each unfinished row costs a detail call for its targets ` +
        `(A: every load, B: once per freshness period).`,
    );

    const t0 = Date.now();
    const [sa, sb] = await Promise.all([
      runDashboard(a, seconds, dispatchers),
      runDashboard(b, seconds, dispatchers),
    ]);
    const wallS = ((Date.now() - t0) / 1000).toFixed(1);

    line("", "A (fresh 0)", `B (fresh ${FRESHNESS_B_MS})`, "goal");
    line("operations (loads)", sa.operations, sb.operations);
    line("answered fully (no error)", sa.answeredFully, sb.answeredFully);
    line("with an UPSTREAM_RATE_LIMITED error", sa.rateLimited, sb.rateLimited, "0");
    const first = (s: DashboardStats) =>
      s.firstRateLimitedMs === null ? "never" : `${(s.firstRateLimitedMs / 1000).toFixed(1)} s`;
    line("  first of them sent at", first(sa), first(sb));
    const codes = [...new Set([...sa.otherErrors.keys(), ...sb.otherErrors.keys()])].sort();
    if (codes.length === 0) line("with another error", 0, 0, "0");
    for (const code of codes) {
      line(`with error ${code}`, sa.otherErrors.get(code) ?? 0, sb.otherErrors.get(code) ?? 0, "0");
    }
    line("rows served without targets", sa.rowsWithoutTargets, sb.rowsWithoutTargets, "0");
    line("reloads skipped (previous load still running)", sa.missedReloads, sb.missedReloads, "0");
    const calls = (s: TestServer) =>
      `${s.sandbox.wangsuCdnPro.calls("list")} + ${s.sandbox.wangsuCdnPro.calls("detail")}`;
    line("upstream calls at the sandbox: list + detail", calls(a), calls(b));
    const windowMs = WANGSU_BUDGET.durationSeconds * 1000;
    line(
      `upstream calls in any ${WANGSU_BUDGET.durationSeconds / 60} minutes (sandbox)`,
      largestInWindow(sa.samples, windowMs),
      largestInWindow(sb.samples, windowMs),
      `<= ${WANGSU_BUDGET.points}`,
    );
    line(
      "extensions: upstreamCalls / cacheHits (sum)",
      `${sa.extCalls} / ${sa.extHits}`,
      `${sb.extCalls} / ${sb.extHits}`,
    );
    line("unfinished rows served", sa.unfinishedRows, sb.unfinishedRows);
    const age = (s: DashboardStats) => (s.maxUnfinishedAgeMs === null ? "n/a" : `${s.maxUnfinishedAgeMs} ms`);
    line(
      "largest observedAt age of an unfinished row",
      age(sa),
      age(sb),
      `<= freshness (A 0 ms, B ${FRESHNESS_B_MS} ms) + answer time`,
    );
    line(
      "answer time p50 / max",
      `${percentile(sa.answerMs, 50)} / ${Math.max(...sa.answerMs)} ms`,
      `${percentile(sb.answerMs, 50)} / ${Math.max(...sb.answerMs)} ms`,
    );
    console.log(`  (A and B ran concurrently in ${wallS} s)`);
  } finally {
    await Promise.all([a.close(), b.close(), ...agents.map((agent) => agent.close())]);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// 2. nodes of 10 known finished Wangsu tasks, and 3. a 100-row Baidu page: one server, freshness 0.

async function nodesScenario(server: TestServer): Promise<void> {
  const finished = lastDayWangsuTasks(server)
    .filter((t) => t.finished)
    .slice(0, 10)
    .map((t) => t.id);
  if (finished.length < 10) throw new Error(`only ${finished.length} finished Wangsu tasks in the last day`);
  console.log(
    `\nnodes(ids) of ${finished.length} finished Wangsu tasks (server C: PREFETCH_GRAPH_FRESHNESS_MS=0, so only ` +
      `final tasks are reused):`,
  );
  const before = wangsuCalls(server);
  const ids: string[] = [];
  for (const taskId of finished) {
    const res = ok(
      await gql<{ prefetchTask: { id: string } | null }>(
        server,
        `query ($taskId: String!) { prefetchTask(provider: WANGSU_CDN_PRO, taskId: $taskId) { id } }`,
        { taskId },
      ),
    );
    if (!res.data.prefetchTask) throw new Error(`Wangsu task ${taskId} not found`);
    ids.push(res.data.prefetchTask.id);
  }
  const sight = (wangsuCalls(server) - before) / finished.length;
  line(
    `first sight: ${finished.length} x prefetchTask(taskId) { id }`,
    `${sight.toFixed(1)} calls/op`,
    "",
    "(fetches each task once)",
  );
  const perOp: number[] = [];
  const ext: number[] = [];
  for (let i = 0; i < 5; i++) {
    const c0 = wangsuCalls(server);
    const res = ok(
      await gql<{ nodes: (Row | null)[] }>(
        server,
        `query ($ids: [ID!]!) { nodes(ids: $ids) { ... on PrefetchTask { id taskId status observedAt targets { url } } } }`,
        { ids },
      ),
    );
    if (res.data.nodes.some((n) => n === null || n.targets === null)) throw new Error("nodes() lost a task");
    perOp.push(wangsuCalls(server) - c0);
    ext.push(res.extensions?.upstreamCalls ?? NaN);
  }
  const later = perOp.slice(1);
  line("nodes(10 ids) operation 1", `${perOp[0]} calls/op`, `ext ${ext[0]}`, "goal 0 after first sight");
  line(
    "nodes(10 ids) operations 2-5, mean",
    `${(later.reduce((s, n) => s + n, 0) / later.length).toFixed(1)} calls/op`,
    `ext ${ext.slice(1).join(",")}`,
    "goal 0",
  );
}

/** A window of at most 30 days (one Baidu listing) holding more than 100 records, ending 20 days before the anchor. */
function baiduWindow(server: TestServer): { start: Date; end: Date; records: number } {
  const anchor = server.sandbox.baiduGeo.anchor;
  const end = daysBefore(anchor, 20);
  for (let days = 10; days <= 30; days++) {
    const start = daysBefore(end, days);
    const records = server.sandbox.baiduGeo.recordIds(SITE, { start, end }).length;
    if (records > 100) return { start, end, records };
  }
  throw new Error("no Baidu window of <= 30 days holds more than 100 records");
}

interface BaiduPage {
  prefetchTasks: {
    nodes: Row[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  } | null;
}

const BAIDU_QUERY = `query ($site: String!, $startTime: DateTime!, $endTime: DateTime!, $first: Int!, $after: String) {
  prefetchTasks(provider: BAIDU_GEO, site: $site, first: $first, startTime: $startTime, endTime: $endTime, after: $after) {
    nodes { id taskId status observedAt targets { url } }
    pageInfo { hasNextPage endCursor }
  }
}`;

async function baiduScenario(server: TestServer): Promise<void> {
  const window = baiduWindow(server);
  const vars = {
    site: SITE,
    startTime: window.start.toISOString(),
    endTime: window.end.toISOString(),
    first: 100,
  };
  const days = (window.end.getTime() - window.start.getTime()) / 86_400_000;
  console.log(
    `\nBaidu page of 100 rows (server C, freshness 0: every request calls), site ${SITE}, ` +
      `${vars.startTime} .. ${vars.endTime} (${days} days, anchor - ${days + 20} d .. anchor - 20 d):`,
  );
  // The window's record count, as the first pages of the connection give it.
  let rows = 0;
  let pages = 0;
  let after: string | null = null;
  const c0 = baiduCalls(server);
  for (;;) {
    const res: Answer<BaiduPage> & { data: BaiduPage } = ok(
      await gql<BaiduPage>(server, BAIDU_QUERY, { ...vars, after }),
    );
    const conn = res.data.prefetchTasks!;
    rows += conn.nodes.length;
    pages++;
    if (!conn.pageInfo.hasNextPage) break;
    after = conn.pageInfo.endCursor;
  }
  line(
    "records in the window: rows over pages of 100",
    `${rows} / ${pages} pages`,
    `${baiduCalls(server) - c0} calls`,
    `(sandbox holds ${window.records})`,
  );
  const perOp: number[] = [];
  const ext: number[] = [];
  const rowCounts = new Set<number>();
  const hasNext = new Set<boolean>();
  for (let i = 0; i < 5; i++) {
    const c1 = baiduCalls(server);
    const res = ok(await gql<BaiduPage>(server, BAIDU_QUERY, { ...vars, after: null }));
    perOp.push(baiduCalls(server) - c1);
    ext.push(res.extensions?.upstreamCalls ?? NaN);
    rowCounts.add(res.data.prefetchTasks!.nodes.length);
    hasNext.add(res.data.prefetchTasks!.pageInfo.hasNextPage);
  }
  line(
    "first: 100, 5 operations: calls per operation",
    perOp.join(","),
    `ext ${ext.join(",")}`,
    "goal 1 each",
  );
  line("rows per page / hasNextPage", [...rowCounts].join(","), [...hasNext].join(","), "100 / true");
}

export async function runBudgetBench(): Promise<void> {
  console.log("\n=== Call budget (figures, not assertions) ===");
  await dashboardScenario();
  const c = await startTestServer({ env: { PREFETCH_GRAPH_FRESHNESS_MS: "0" }, sandbox: { live: false } });
  try {
    await nodesScenario(c);
    await baiduScenario(c);
  } finally {
    await c.close();
  }
}
