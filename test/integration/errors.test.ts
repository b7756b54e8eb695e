import { print } from "graphql";
import { request } from "undici";
import {
  BothProvidersDocument,
  PrefetchTaskByIdDocument,
  PrefetchTasksPageDocument,
} from "../__generated__/graphql";
import { daysBefore, postGraphQL, startTestServer, type TestServer } from "../support/harness";

const SITE = "www.example.com";

describe("bad input and failing providers", () => {
  let server: TestServer;
  let window: { startTime: string; endTime: string };

  beforeAll(async () => {
    server = await startTestServer();
    const anchor = server.sandbox.baiduGeo.anchor;
    window = { startTime: daysBefore(anchor, 3).toISOString(), endTime: anchor.toISOString() };
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.sandbox.baiduGeo.setFault(null);
    server.sandbox.wangsuCdnPro.setFault(null);
    server.sandbox.baiduGeo.resetCalls();
    server.sandbox.wangsuCdnPro.resetCalls();
  });

  /** A Baidu GEO page of the sandbox's big site over the last three days. */
  const listBaidu = (extra: { first?: number; after?: string | null } = {}) =>
    server.gql(PrefetchTasksPageDocument, {
      provider: "BAIDU_GEO",
      site: SITE,
      ...window,
      first: 1,
      ...extra,
    });

  function upstreamCalls(): number {
    return server.sandbox.baiduGeo.calls() + server.sandbox.wangsuCdnPro.calls();
  }

  it.each([
    ["site", { provider: "BAIDU_GEO" as const, first: 5 }],
    ["site", { provider: "BAIDU_GEO" as const, site: "https://www.example.com/x", first: 5 }],
    ["first", { provider: "BAIDU_GEO" as const, site: SITE, first: 501 }],
    ["first", { provider: "BAIDU_GEO" as const, site: SITE, first: -1 }],
    [
      "startTime",
      {
        provider: "BAIDU_GEO" as const,
        site: SITE,
        startTime: "2026-02-02T00:00:00Z",
        endTime: "2026-02-01T00:00:00Z",
      },
    ],
    [
      "startTime",
      {
        provider: "BAIDU_GEO" as const,
        site: SITE,
        startTime: "2020-01-01T00:00:00Z",
        endTime: "2026-02-01T00:00:00Z",
      },
    ],
    ["status", { provider: "BAIDU_GEO" as const, site: SITE, status: [] }],
  ])("rejects a bad %s with BAD_USER_INPUT naming it, before any upstream call", async (argument, vars) => {
    const res = await server.gql(PrefetchTasksPageDocument, vars);
    expect(res.data?.prefetchTasks ?? null).toBeNull();
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]!.extensions).toMatchObject({ code: "BAD_USER_INPUT", argumentName: argument });
    expect(res.errors![0]!.message).toContain(argument);
    expect(res.errors![0]!.extensions).not.toHaveProperty("stacktrace");
    expect(upstreamCalls()).toBe(0);
  });

  it("rejects a tampered cursor with INVALID_CURSOR and no upstream call", async () => {
    const page = await listBaidu();
    const cursor = page.data!.prefetchTasks!.pageInfo.endCursor!;
    server.sandbox.baiduGeo.resetCalls();
    const [v, body, mac] = cursor.split(".");
    const tampered = `${v}.${body!.slice(0, -2)}AA.${mac}`;
    for (const after of [tampered, "garbage", `${cursor}x`]) {
      const res = await listBaidu({ after });
      expect(res.errors?.[0]?.extensions?.code).toBe("INVALID_CURSOR");
    }
    expect(upstreamCalls()).toBe(0);
  });

  it("rejects a cursor from another query with INVALID_CURSOR", async () => {
    const page = await listBaidu();
    const cursor = page.data!.prefetchTasks!.pageInfo.endCursor!;
    const res = await server.gql(PrefetchTasksPageDocument, {
      provider: "BAIDU_GEO",
      site: "static.example.com",
      ...window,
      first: 1,
      after: cursor,
    });
    expect(res.errors?.[0]?.extensions?.code).toBe("INVALID_CURSOR");
  });

  it("answers a clear error for an account that is not configured", async () => {
    const res = await server.gql(PrefetchTaskByIdDocument, {
      provider: "BAIDU_GEO",
      site: SITE,
      taskId: "x",
      account: "nope",
    });
    expect(res.errors?.[0]?.extensions).toMatchObject({
      code: "ACCOUNT_NOT_CONFIGURED",
      argumentName: "account",
    });
  });

  it.each([
    [{ kind: "status" as const, status: 500 }, "UPSTREAM_UNAVAILABLE"],
    [{ kind: "delay" as const, ms: 2500 }, "UPSTREAM_TIMEOUT"],
    [{ kind: "malformed" as const }, "UPSTREAM_BAD_RESPONSE"],
  ])("turns a Baidu fault %j into %s on that field, and keeps serving", async (fault, code) => {
    server.sandbox.baiduGeo.setFault(fault);
    const res = await listBaidu({ first: 5 });
    expect(res.status).toBe(200);
    expect(res.data).toEqual({ prefetchTasks: null });
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]).toMatchObject({
      path: ["prefetchTasks"],
      extensions: { code, provider: "BAIDU_GEO", account: "sandbox" },
    });
    expect(JSON.stringify(res.errors)).not.toMatch(/stack|secret|authorization/i);

    server.sandbox.baiduGeo.setFault(null);
    const after = await listBaidu({ first: 5 });
    expect(after.errors).toBeUndefined();
    expect(after.data!.prefetchTasks!.edges.length).toBeGreaterThan(0);
  });

  it("returns one provider's data and a typed error at the other's path when one of them fails", async () => {
    server.sandbox.wangsuCdnPro.setFault({ kind: "status", status: 503 });
    const res = await server.gql(BothProvidersDocument, { site: SITE, ...window });
    expect(res.status).toBe(200);
    expect(res.data!.baidu!.nodes.length).toBeGreaterThan(0);
    expect(res.data!.wangsu).toBeNull();
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]).toMatchObject({
      path: ["wangsu"],
      extensions: { code: "UPSTREAM_UNAVAILABLE", provider: "WANGSU_CDN_PRO" },
    });
  });

  it.each([
    ["a wrong secret", "SignatureDoesNotMatch", true],
    ["an unknown access key", "InvalidAccessKeyId", false],
  ])("reports %s as UPSTREAM_AUTH_FAILED with Baidu's code %s", async (_case, upstreamCode, knownKey) => {
    const baidu = server.sandbox.accounts.find((a) => a.provider === "BAIDU_GEO")!;
    const accessKeyId = knownKey
      ? (baidu.credentials as { accessKeyId: string }).accessKeyId
      : "sandbox-unknown";
    const mixed = await startTestServer({
      env: {
        PREFETCH_GRAPH_SANDBOX: "on",
        BAIDU_GEO_ENDPOINT: server.sandbox.baiduGeo.url,
        BAIDU_GEO_ACCESS_KEY_ID: accessKeyId,
        BAIDU_GEO_SECRET_ACCESS_KEY: "wrong",
      },
    });
    try {
      const res = await mixed.gql(PrefetchTasksPageDocument, {
        provider: "BAIDU_GEO",
        account: "default",
        site: SITE,
        ...window,
      });
      expect(res.errors?.[0]?.extensions).toMatchObject({
        code: "UPSTREAM_AUTH_FAILED",
        account: "default",
        upstreamCode,
      });
      expect(JSON.stringify(res)).not.toContain("wrong");
    } finally {
      await mixed.close();
    }
  });

  it("masks unexpected errors and never sends a stack trace for a syntax error", async () => {
    const res = await postGraphQL(server.url, { query: "{ prefetchTasks(" });
    expect(res.status).toBe(400);
    expect(res.errors?.[0]?.extensions?.code).toBe("GRAPHQL_PARSE_FAILED");
    expect(JSON.stringify(res)).not.toContain("stacktrace");
  });

  it("rejects an unknown DurationUnit or a malformed DateTime variable as BAD_USER_INPUT", async () => {
    const res = await postGraphQL(server.url, {
      query: print(PrefetchTasksPageDocument),
      variables: { provider: "BAIDU_GEO", site: SITE, startTime: "yesterday" },
    });
    expect(res.status).toBe(400);
    expect(res.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });
});

describe("operation limits", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it("refuses an operation with more than ten prefetchTasks fields before any upstream call", async () => {
    server.sandbox.baiduGeo.resetCalls();
    const aliases = Array.from(
      { length: 11 },
      (_, i) => `a${i}: prefetchTasks(provider: BAIDU_GEO, site: "${SITE}") { nodes { id } }`,
    );
    const res = await postGraphQL(server.url, { query: `{ ${aliases.join("\n")} }` });
    expect(res.status).toBe(400);
    expect(res.errors?.[0]).toMatchObject({ extensions: { code: "GRAPHQL_VALIDATION_FAILED" } });
    expect(res.errors?.[0]?.message).toContain("limit is 10");
    expect(server.sandbox.baiduGeo.calls()).toBe(0);
  });

  it("counts merged site feeds as connections too, before any upstream call", async () => {
    server.sandbox.baiduGeo.resetCalls();
    server.sandbox.wangsuCdnPro.resetCalls();
    const aliases = Array.from({ length: 11 }, (_, i) =>
      i % 2 === 0
        ? `a${i}: sitePrefetchTasks(site: "${SITE}") { nodes { id } }`
        : `a${i}: prefetchTasks(provider: BAIDU_GEO, site: "${SITE}") { nodes { id } }`,
    );
    const res = await postGraphQL(server.url, { query: `{ ${aliases.join("\n")} }` });
    expect(res.status).toBe(400);
    expect(res.errors?.[0]?.message).toContain("selects 11 prefetch task connections");
    expect(server.sandbox.baiduGeo.calls() + server.sandbox.wangsuCdnPro.calls()).toBe(0);
  });

  it("counts the connections inside fragments too", async () => {
    const aliases = Array.from(
      { length: 6 },
      (_, i) => `a${i}: prefetchTasks(provider: BAIDU_GEO, site: "${SITE}") { nodes { id } }`,
    );
    const res = await postGraphQL(server.url, {
      query: `query { ...A ...B } fragment A on Query { ${aliases.join(" ")} } fragment B on Query { ${aliases.join(" ").replace(/a(\d)/g, "b$1")} }`,
    });
    expect(res.status).toBe(400);
    expect(res.errors?.[0]?.message).toContain("selects 12 prefetch task connections");
  });
});

describe("the upstream call budget of one operation", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { PREFETCH_GRAPH_MAX_UPSTREAM_CALLS: "4" } });
  });
  afterAll(() => server.close());
  beforeEach(() => server.sandbox.baiduGeo.resetCalls());

  it("fails the field that would exceed it with OPERATION_LIMIT_EXCEEDED, after at most that many calls", async () => {
    const anchor = server.sandbox.baiduGeo.anchor;
    const res = await server.gql(PrefetchTasksPageDocument, {
      provider: "BAIDU_GEO",
      site: SITE,
      startTime: daysBefore(anchor, 59).toISOString(),
      endTime: anchor.toISOString(),
      first: 500,
    });
    expect(res.data?.prefetchTasks).toBeNull();
    expect(res.errors?.[0]).toMatchObject({
      path: ["prefetchTasks"],
      extensions: { code: "OPERATION_LIMIT_EXCEEDED", maxUpstreamCalls: 4 },
    });
    expect(server.sandbox.baiduGeo.calls()).toBe(4);
  });

  it("holds for entity representations a router sends, however many", async () => {
    const anchor = server.sandbox.baiduGeo.anchor;
    const representations = Array.from({ length: 30 }, () => ({ __typename: "CdnSite", domain: SITE }));
    const res = await postGraphQL<{ _entities: unknown[] }>(server.url, {
      query: `query ($r: [_Any!]!, $s: DateTime, $e: DateTime) { _entities(representations: $r) { ... on CdnSite { prefetchTasks(provider: BAIDU_GEO, startTime: $s, endTime: $e, first: 1) { nodes { id } } } } }`,
      variables: { r: representations, s: daysBefore(anchor, 2).toISOString(), e: anchor.toISOString() },
    });
    expect(res.errors?.every((e) => e.extensions?.code === "OPERATION_LIMIT_EXCEEDED")).toBe(true);
    expect(res.errors).toHaveLength(26);
    expect(server.sandbox.baiduGeo.calls()).toBe(4);
  });

  it("starts afresh for every operation", async () => {
    const res = await server.gql(PrefetchTasksPageDocument, { provider: "BAIDU_GEO", site: SITE, first: 1 });
    expect(res.errors).toBeUndefined();
  });
});

describe("a client that hangs up", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it("stops the operation's remaining upstream calls", async () => {
    const anchor = server.sandbox.baiduGeo.anchor;
    server.sandbox.baiduGeo.resetCalls();
    // Every upstream page takes 400 ms; the operation needs at least three of them.
    server.sandbox.baiduGeo.setFault({ kind: "delay", ms: 400 });
    const body = {
      query: print(PrefetchTasksPageDocument),
      variables: {
        provider: "BAIDU_GEO",
        site: SITE,
        startTime: daysBefore(anchor, 45).toISOString(),
        endTime: anchor.toISOString(),
        first: 250,
      },
    };
    await expect(
      request(server.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(150),
      }),
    ).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    server.sandbox.baiduGeo.setFault(null);
    expect(server.sandbox.baiduGeo.calls("list")).toBe(1);
  });
});
