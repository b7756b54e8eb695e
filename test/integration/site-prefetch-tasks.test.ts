import { postGraphQL, startTestServer, type GraphQLResponse, type TestServer } from "../support/harness";

/**
 * Query.sitePrefetchTasks against the real server and both sandbox emulators, which both serve www.example.com:
 * the merged feed pages the site exactly once in order, survives one provider failing mid-way, refuses bad
 * cursors before any call, and reads no more than each page needs.
 */
const SITE = "www.example.com";

const FEED = `query Feed($site: String!, $providers: [ProviderKind!], $accounts: [String!], $s: DateTime, $e: DateTime,
  $status: [PrefetchStatus!], $first: Int, $after: String) {
  sitePrefetchTasks(site: $site, providers: $providers, accounts: $accounts, startTime: $s, endTime: $e,
    status: $status, first: $first, after: $after) {
    edges { cursor node { id provider account taskId createdAt } }
    pageInfo { hasNextPage endCursor }
    sources { provider account complete errorCode }
  }
}`;

const ONE = `query One($provider: ProviderKind!, $site: String, $s: DateTime, $e: DateTime, $after: String) {
  prefetchTasks(provider: $provider, site: $site, startTime: $s, endTime: $e, first: 500, after: $after) {
    nodes { provider account taskId createdAt }
    pageInfo { hasNextPage endCursor }
    sources { provider account complete errorCode }
  }
}`;

const ENTITIES = `query ($r: [_Any!]!, $s: DateTime, $e: DateTime) {
  _entities(representations: $r) { ... on CdnSite { allPrefetchTasks(startTime: $s, endTime: $e, first: 5) { nodes { id } } } }
}`;

interface Row {
  id?: string;
  provider: string;
  account: string;
  taskId: string;
  createdAt: string;
}

interface Feed {
  sitePrefetchTasks: {
    edges: { cursor: string; node: Row }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    sources: { provider: string; account: string; complete: boolean; errorCode: string | null }[];
  } | null;
}

interface One {
  prefetchTasks: {
    nodes: Row[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    sources: unknown[];
  } | null;
}

type Window = { s: string; e: string };

const key = (r: Row): string => `${r.provider}/${r.account}/${r.taskId}`;
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The feed's order (feed-order.ts): the reverse of sorting by (createdAt, provider, account, taskId). */
function mergedByHand(rows: Row[]): string[] {
  return [...rows]
    .sort(
      (a, b) =>
        Date.parse(b.createdAt) - Date.parse(a.createdAt) ||
        cmp(b.provider, a.provider) ||
        cmp(b.account, a.account) ||
        cmp(b.taskId, a.taskId),
    )
    .map(key);
}

/** Each provider's listing of the site, whole, through prefetchTasks. */
async function listWhole(server: TestServer, provider: string, window: Window): Promise<Row[]> {
  const rows: Row[] = [];
  let after: string | null = null;
  for (;;) {
    const res: GraphQLResponse<One> = await postGraphQL<One>(server.url, {
      query: ONE,
      variables: { provider, site: SITE, ...window, after },
    });
    if (res.errors) throw new Error(JSON.stringify(res.errors));
    const conn = res.data!.prefetchTasks!;
    rows.push(...conn.nodes);
    if (!conn.pageInfo.hasNextPage) return rows;
    after = conn.pageInfo.endCursor;
  }
}

function feedPage(server: TestServer, variables: Record<string, unknown>): Promise<GraphQLResponse<Feed>> {
  return postGraphQL<Feed>(server.url, { query: FEED, variables: { site: SITE, ...variables } });
}

/** Every page from the start; `before(i)` runs before page i. */
async function pageAll(
  server: TestServer,
  variables: Record<string, unknown>,
  before: (page: number) => void = () => undefined,
): Promise<{ keys: string[]; pages: GraphQLResponse<Feed>[] }> {
  const pages: GraphQLResponse<Feed>[] = [];
  let after: string | null = null;
  for (let i = 0; i < 2_000; i++) {
    before(i);
    const res = await feedPage(server, { ...variables, after });
    pages.push(res);
    const conn = res.data?.sitePrefetchTasks;
    if (!conn) throw new Error(JSON.stringify(res.errors));
    // A page with more to come always says where to resume, even one with no edge.
    if (conn.pageInfo.hasNextPage) expect(conn.pageInfo.endCursor).not.toBeNull();
    after = conn.pageInfo.endCursor;
    if (!conn.pageInfo.hasNextPage) {
      return { keys: pages.flatMap((p) => p.data!.sitePrefetchTasks!.edges.map((e) => key(e.node))), pages };
    }
  }
  throw new Error("the feed did not end");
}

describe.each(["asc", "desc"] as const)("sitePrefetchTasks, Baidu sandbox listing %s", (baiduListOrder) => {
  let server: TestServer;
  let window: Window;
  let expected: string[];

  beforeAll(async () => {
    server = await startTestServer({
      // The Wangsu emulator's budget is lifted: first = 1 over ten days is a few hundred pages.
      sandbox: { baiduListOrder, wangsuRateLimit: { points: 1_000_000, durationSeconds: 1 } },
    });
    const anchor = server.sandbox.baiduGeo.anchor;
    window = { s: new Date(anchor.getTime() - 10 * 86_400_000).toISOString(), e: anchor.toISOString() };
    const [baidu, wangsu] = await Promise.all([
      listWhole(server, "BAIDU_GEO", window),
      listWhole(server, "WANGSU_CDN_PRO", window),
    ]);
    expect(baidu.length).toBeGreaterThan(20);
    expect(wangsu.length).toBeGreaterThan(20);
    expected = mergedByHand([...baidu, ...wangsu]);
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.sandbox.baiduGeo.setFault(null);
    server.sandbox.wangsuCdnPro.setFault(null);
  });

  it.each([1, 7, 100])("pages both providers' tasks exactly once, in order (first %i)", async (first) => {
    const { keys, pages } = await pageAll(server, { ...window, first });
    expect(keys).toEqual(expected);
    expect(pages.every((p) => p.errors === undefined)).toBe(true);
    const sources = pages[0]!.data!.sitePrefetchTasks!.sources;
    expect(sources).toEqual([
      { provider: "BAIDU_GEO", account: "sandbox", complete: true, errorCode: null },
      { provider: "WANGSU_CDN_PRO", account: "sandbox", complete: true, errorCode: null },
    ]);
  });

  it("survives Wangsu failing mid-way: the page keeps Baidu's tasks and says so, and no task is skipped or repeated", async () => {
    const { keys, pages } = await pageAll(server, { ...window, first: 7 }, (i) => {
      server.sandbox.wangsuCdnPro.setFault(i >= 3 && i <= 6 ? { kind: "status", status: 500 } : null);
    });
    const failed = pages.filter((p) => p.data!.sitePrefetchTasks!.sources.some((s) => !s.complete));
    expect(failed.length).toBeGreaterThan(0);
    for (const page of failed) {
      const conn = page.data!.sitePrefetchTasks!;
      expect(conn.sources[1]).toEqual({
        provider: "WANGSU_CDN_PRO",
        account: "sandbox",
        complete: false,
        errorCode: "UPSTREAM_UNAVAILABLE",
      });
      expect(conn.edges.every((e) => e.node.provider === "BAIDU_GEO")).toBe(true);
      expect(conn.pageInfo.hasNextPage).toBe(true);
      expect(page.errors).toHaveLength(1);
      expect(page.errors![0]).toMatchObject({
        path: ["sitePrefetchTasks"],
        extensions: { code: "UPSTREAM_UNAVAILABLE", provider: "WANGSU_CDN_PRO", account: "sandbox" },
      });
    }
    expect([...keys].sort()).toEqual([...expected].sort());
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("calls each provider only for the page's next task: once each on a first page, then one call per page", async () => {
    // One hour, the first sub-window Baidu is read in: each provider's rows of it are one unit.
    const anchor = server.sandbox.baiduGeo.anchor;
    const hour = { s: new Date(anchor.getTime() - 3_599_000).toISOString(), e: anchor.toISOString() };
    const calls = () => [server.sandbox.baiduGeo.calls("list"), server.sandbox.wangsuCdnPro.calls("list")];
    let after: string | null = null;
    const perPage: { calls: number[]; provider: string | null }[] = [];
    for (;;) {
      const [b0, w0] = calls() as [number, number];
      const res = await feedPage(server, { ...hour, first: 1, after });
      const conn = res.data!.sitePrefetchTasks!;
      const [b1, w1] = calls() as [number, number];
      perPage.push({ calls: [b1 - b0, w1 - w0], provider: conn.edges[0]?.node.provider ?? null });
      after = conn.pageInfo.endCursor;
      if (!conn.pageInfo.hasNextPage) break;
    }
    expect(perPage.length).toBeGreaterThan(2);
    expect(perPage[0]!.calls).toEqual([1, 1]);
    for (const page of perPage.slice(1)) {
      expect(page.calls).toEqual(page.provider === "BAIDU_GEO" ? [1, 0] : [0, 1]);
    }
  });

  it("refuses a bad cursor with INVALID_CURSOR before any upstream call", async () => {
    const first = await feedPage(server, { ...window, first: 3 });
    const cursor = first.data!.sitePrefetchTasks!.pageInfo.endCursor!;
    const single = await postGraphQL<One>(server.url, {
      query: ONE.replace("first: 500", "first: 1"),
      variables: { provider: "BAIDU_GEO", site: SITE, ...window },
    });
    server.sandbox.baiduGeo.resetCalls();
    server.sandbox.wangsuCdnPro.resetCalls();
    const [v, body, mac] = cursor.split(".") as [string, string, string];
    const bad: [string, Record<string, unknown>][] = [
      [`${v}.${body.slice(0, -2)}AA.${mac}`, {}],
      ["garbage", {}],
      [single.data!.prefetchTasks!.pageInfo.endCursor!, {}],
      [cursor, { providers: ["BAIDU_GEO"] }],
      [cursor, { status: ["FAILED"] }],
    ];
    for (const [after, over] of bad) {
      const res = await feedPage(server, { ...window, first: 3, after, ...over });
      expect(res.data).toBeNull();
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: "INVALID_CURSOR", argumentName: "after" });
    }
    expect(server.sandbox.baiduGeo.calls() + server.sandbox.wangsuCdnPro.calls()).toBe(0);
  });

  it("rejects bad arguments as prefetchTasks does, before any upstream call", async () => {
    server.sandbox.baiduGeo.resetCalls();
    server.sandbox.wangsuCdnPro.resetCalls();
    for (const [argument, variables] of [
      ["first", { first: 501 }],
      ["first", { first: -1 }],
      ["site", { site: "https://www.example.com/x" }],
      ["providers", { providers: [] }],
      ["accounts", { accounts: ["bad name"] }],
      ["status", { status: [] }],
      ["startTime", { s: "2026-02-02T00:00:00Z", e: "2026-02-01T00:00:00Z" }],
    ] as const) {
      const res = await feedPage(server, variables);
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", argumentName: argument });
    }
    const unknown = await feedPage(server, { ...window, accounts: ["nope"] });
    expect(unknown.errors?.[0]?.extensions?.code).toBe("ACCOUNT_NOT_CONFIGURED");
    expect(server.sandbox.baiduGeo.calls() + server.sandbox.wangsuCdnPro.calls()).toBe(0);
  });

  it("narrows to the providers asked for, and serves the same feed on the CdnSite entity", async () => {
    const wangsuOnly = await feedPage(server, { ...window, providers: ["WANGSU_CDN_PRO"], first: 10 });
    const conn = wangsuOnly.data!.sitePrefetchTasks!;
    expect(conn.sources.map((s) => s.provider)).toEqual(["WANGSU_CDN_PRO"]);
    expect(conn.edges.map((e) => key(e.node))).toEqual(
      expected.filter((k) => k.startsWith("WANGSU_CDN_PRO/")).slice(0, 10),
    );
    const viaEntity = await postGraphQL<{ _entities: { allPrefetchTasks: { nodes: { id: string }[] } }[] }>(
      server.url,
      { query: ENTITIES, variables: { r: [{ __typename: "CdnSite", domain: SITE }], ...window } },
    );
    const direct = await feedPage(server, { ...window, first: 5 });
    expect(viaEntity.data!._entities[0]!.allPrefetchTasks.nodes.map((n) => n.id)).toEqual(
      direct.data!.sitePrefetchTasks!.edges.map((e) => e.node.id),
    );
  });

  it("says which account a prefetchTasks page was read from", async () => {
    const res = await postGraphQL<One>(server.url, {
      query: ONE,
      variables: { provider: "WANGSU_CDN_PRO", site: SITE, ...window },
    });
    expect(res.data!.prefetchTasks!.sources).toEqual([
      { provider: "WANGSU_CDN_PRO", account: "sandbox", complete: true, errorCode: null },
    ]);
  });
});

describe.each(["asc", "desc"] as const)(
  "sitePrefetchTasks on a fresh server, Baidu's order not learnt yet (sandbox listing %s)",
  (baiduListOrder) => {
    it("pages both providers' tasks of 59 days exactly once, in order, from the first page on", async () => {
      const server = await startTestServer({
        sandbox: { baiduListOrder, wangsuRateLimit: { points: 1_000_000, durationSeconds: 1 } },
      });
      try {
        const anchor = server.sandbox.baiduGeo.anchor;
        const window = {
          s: new Date(anchor.getTime() - 59 * 86_400_000).toISOString(),
          e: anchor.toISOString(),
        };
        // No warm-up: the feed is the first thing this server lists.
        const { keys, pages } = await pageAll(server, { ...window, first: 20 });
        expect(pages.every((p) => p.errors === undefined)).toBe(true);
        const [baidu, wangsu] = await Promise.all([
          listWhole(server, "BAIDU_GEO", window),
          listWhole(server, "WANGSU_CDN_PRO", window),
        ]);
        expect(baidu.length).toBeGreaterThan(100);
        expect(keys).toEqual(mergedByHand([...baidu, ...wangsu]));
      } finally {
        await server.close();
      }
    });
  },
);
