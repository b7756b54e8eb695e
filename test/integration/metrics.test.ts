import { request } from "undici";
import { apiKeyDigest } from "../../src/access/api-keys";
import { PrefetchTasksPageDocument } from "../__generated__/graphql";
import { captureLogs } from "../support/log-capture";
import { daysBefore, postGraphQL, startTestServer, type TestServer } from "../support/harness";
import { writeTempFile } from "../support/temp-files";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const TRACEPARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`;
const WANGSU_TASK =
  "query WangsuTask($id: String!) { prefetchTask(provider: WANGSU_CDN_PRO, taskId: $id) { id status } }";

/** The value of the one sample `name{labels}` in a Prometheus exposition, or undefined where it is absent. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split("\n")) {
    const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m?.[1] !== name) continue;
    const have = (m[2] ?? "").split(",").filter((l) => l !== "");
    if (have.length === wanted.length && wanted.every((l) => have.includes(l))) return Number(m[3]);
  }
  return undefined;
}

describe("/metrics and the request id and trace id in the logs", () => {
  const { logger, lines } = captureLogs("debug");
  let server: TestServer;
  let metricsUrl: string;

  function wangsuTask(id: string, headers: Record<string, string> = {}) {
    return postGraphQL<{ prefetchTask: { id: string; status: string } | null }>(
      server.url,
      { query: WANGSU_TASK, variables: { id } },
      headers,
    );
  }

  async function scrape(): Promise<{ status: number; contentType: string; text: string }> {
    const res = await request(metricsUrl);
    return {
      status: res.statusCode,
      contentType: String(res.headers["content-type"]),
      text: await res.body.text(),
    };
  }

  beforeAll(async () => {
    server = await startTestServer({ logger });
    metricsUrl = server.url.replace(/\/graphql$/, "/metrics");
  });
  afterAll(() => server.close());

  describe("after one Baidu list, one failing Wangsu lookup and a finished Wangsu task looked up twice", () => {
    let text: string;
    let finishedId: string;

    beforeAll(async () => {
      const baidu = await server.gql(PrefetchTasksPageDocument, {
        provider: "BAIDU_GEO",
        site: "www.example.com",
        first: 2,
      });
      expect(baidu.errors).toBeUndefined();

      const wangsu = server.sandbox.wangsuCdnPro;
      const [id] = wangsu.taskIds({ start: daysBefore(wangsu.anchor, 1), end: wangsu.anchor }).filter((t) => {
        const body = wangsu.detail(t) as { metadata?: { status: string }; metaData?: { status: string } };
        return (body.metadata ?? body.metaData)?.status === "finished";
      });
      finishedId = id!;
      wangsu.setFault({ kind: "status", status: 500 });
      const failed = await wangsuTask(finishedId, {
        "x-request-id": "req-failing-wangsu",
        traceparent: TRACEPARENT,
      });
      expect(failed.errors?.[0]?.extensions?.code).toBe("UPSTREAM_UNAVAILABLE");
      wangsu.setFault(null);

      for (let i = 0; i < 2; i++) expect((await wangsuTask(finishedId)).errors).toBeUndefined();
      const scraped = await scrape();
      expect(scraped.status).toBe(200);
      expect(scraped.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
      text = scraped.text;
    });

    it("counts upstream calls by provider, account and outcome, retries inside one call", () => {
      const calls = (provider: string, outcome: string) =>
        sample(text, "prefetch_graph_upstream_calls_total", { provider, account: "sandbox", outcome });
      expect(calls("BAIDU_GEO", "ok")).toBe(1);
      expect(calls("WANGSU_CDN_PRO", "UPSTREAM_UNAVAILABLE")).toBe(1);
      expect(calls("WANGSU_CDN_PRO", "ok")).toBe(1);
    });

    it("times every attempt sent upstream, by status class", () => {
      const attempts = (provider: string, status: string) =>
        sample(text, "prefetch_graph_upstream_attempt_duration_seconds_count", {
          provider,
          account: "sandbox",
          status,
        });
      expect(attempts("BAIDU_GEO", "2xx")).toBe(1);
      expect(attempts("WANGSU_CDN_PRO", "5xx")).toBe(3);
      expect(attempts("WANGSU_CDN_PRO", "2xx")).toBe(1);
      expect(text).toMatch(
        /prefetch_graph_upstream_attempt_duration_seconds_bucket\{le="0\.1",provider="BAIDU_GEO",account="sandbox",status="2xx"\} \d/,
      );
    });

    it("has a duration histogram per operation name and counts the error codes operations answered with", () => {
      const count = (operation: string) =>
        sample(text, "prefetch_graph_operation_duration_seconds_count", { operation });
      expect(count("PrefetchTasksPage")).toBe(1);
      expect(count("WangsuTask")).toBe(3);
      expect(
        sample(text, "prefetch_graph_operation_errors_total", {
          operation: "WangsuTask",
          code: "UPSTREAM_UNAVAILABLE",
        }),
      ).toBe(1);
    });

    it("counts the repeated lookup of a finished task as a final cache hit, the first as a miss", () => {
      const labels = { provider: "WANGSU_CDN_PRO", account: "sandbox", item: "task" };
      expect(sample(text, "prefetch_graph_cache_hits_total", { ...labels, kind: "final" })).toBe(1);
      // The failing lookup and the first successful one were asked of the provider.
      expect(sample(text, "prefetch_graph_cache_misses_total", labels)).toBe(2);
    });

    it("shows each account's budget remaining and wait queue depth as they stand at the scrape", async () => {
      const status = await server.app.registry.budgetStatus("WANGSU_CDN_PRO", "sandbox");
      expect(status).not.toBeNull();
      // Three attempts of the failing call and the one successful lookup were drawn from the budget.
      expect(status!.remaining).toBe(status!.limit - 4);
      const labels = { provider: "WANGSU_CDN_PRO", account: "sandbox" };
      expect(sample(text, "prefetch_graph_budget_remaining", labels)).toBe(status!.remaining);
      expect(sample(text, "prefetch_graph_upstream_queue_depth", labels)).toBe(0);
    });
  });

  it("puts the request id on the upstream log lines and the trace id on the operation's lines", () => {
    const ofRequest = lines.filter((l) => l.requestId === "req-failing-wangsu");
    const upstream = ofRequest.filter((l) => l.msg === "upstream call");
    expect(upstream).toHaveLength(3);
    expect(upstream[0]).toMatchObject({ provider: "WANGSU_CDN_PRO", account: "sandbox", status: 500 });
    expect(ofRequest.filter((l) => l.msg === "upstream status; retrying")).toHaveLength(2);
    expect(ofRequest.every((l) => l.traceId === TRACE_ID)).toBe(true);
    expect(ofRequest.find((l) => l.msg === "operation")).toMatchObject({
      operationName: "WangsuTask",
      traceId: TRACE_ID,
      parentSpanId: "00f067aa0ba902b7",
    });
  });

  it.each([
    ["an upper-case trace id", `00-${TRACE_ID.toUpperCase()}-00f067aa0ba902b7-01`],
    ["an all-zero trace id", `00-${"0".repeat(32)}-00f067aa0ba902b7-01`],
    ["a huge value", `00-${TRACE_ID}-00f067aa0ba902b7-01-${"x".repeat(10_000)}`],
  ])("keeps a traceparent with %s out of the logs", async (_what, traceparent) => {
    lines.length = 0;
    await wangsuTask("no-such-task", { "x-request-id": "req-bad-trace", traceparent });
    const op = lines.find((l) => l.msg === "operation" && l.requestId === "req-bad-trace");
    expect(op).toBeDefined();
    expect(op).not.toHaveProperty("traceId");
    expect(JSON.stringify(lines)).not.toContain(traceparent.slice(3, 35));
  });

  it("asks for an API key on /metrics too when access control is on, and serves any valid one", async () => {
    const key = "k".repeat(40);
    const keys = writeTempFile("api-keys.json", {
      keys: [{ name: "ops", sha256: apiKeyDigest(key), allow: [{ provider: "*", account: "*" }] }],
    });
    const guarded = await startTestServer({ env: { PREFETCH_GRAPH_API_KEYS: keys } });
    try {
      const metrics = guarded.url.replace(/\/graphql$/, "/metrics");
      const refused = await request(metrics);
      expect(refused.statusCode).toBe(401);
      expect(await refused.body.text()).not.toContain("prefetch_graph_");
      const res = await request(metrics, { headers: { authorization: `Bearer ${key}` } });
      expect(res.statusCode).toBe(200);
      expect(await res.body.text()).toContain("# TYPE prefetch_graph_upstream_calls_total counter");
    } finally {
      await guarded.close();
    }
  });
});
