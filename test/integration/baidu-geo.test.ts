import {
  ListThenLookupDocument,
  NodeByIdDocument,
  NodesByIdsDocument,
  PrefetchTaskByIdDocument,
  PrefetchTasksByIdsDocument,
  PrefetchTasksFullDocument,
  PrefetchTasksPageDocument,
  ProviderAccountsDocument,
  type PrefetchTasksPageQuery,
  type PrefetchTasksPageQueryVariables,
} from "../__generated__/graphql";
import { daysBefore, startTestServer, type GraphQLResponse, type TestServer } from "../support/harness";

const SITE = "www.example.com";

describe("Baidu GEO through the real server and the sandbox", () => {
  let server: TestServer;
  let anchor: Date;

  beforeAll(async () => {
    server = await startTestServer();
    anchor = server.sandbox.baiduGeo.anchor;
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.sandbox.baiduGeo.setFault(null);
    server.sandbox.baiduGeo.resetCalls();
  });

  async function collectAll(
    vars: PrefetchTasksPageQueryVariables,
  ): Promise<{ taskIds: string[]; pages: number }> {
    const taskIds: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const res: GraphQLResponse<PrefetchTasksPageQuery> = await server.gql(PrefetchTasksPageDocument, {
        ...vars,
        after,
      });
      expect(res.errors).toBeUndefined();
      const conn = res.data!.prefetchTasks!;
      taskIds.push(...conn.edges.map((e) => e.node.taskId));
      pages++;
      if (!conn.pageInfo.hasNextPage) return { taskIds, pages };
      expect(conn.pageInfo.endCursor).toBe(conn.edges[conn.edges.length - 1]!.cursor);
      after = conn.pageInfo.endCursor!;
      if (pages > 100) throw new Error("paging does not end");
    }
  }

  it("pages through a 45-day window with first: 30 and returns every record exactly once, in order", async () => {
    const window = { start: daysBefore(anchor, 45), end: anchor };
    const expected = server.sandbox.baiduGeo.recordIds(SITE, window);
    expect(expected.length).toBeGreaterThan(200); // several upstream pages and two 30-day windows

    const { taskIds, pages } = await collectAll({
      provider: "BAIDU_GEO",
      site: SITE,
      startTime: window.start.toISOString(),
      endTime: window.end.toISOString(),
      first: 30,
    });

    expect(taskIds).toEqual(expected);
    // hasNextPage is exact: no empty trailing page even when the count is a multiple of 30.
    expect(pages).toBe(Math.ceil(expected.length / 30));
  });

  it("serves first: 250 in one connection page across upstream pages", async () => {
    const window = { start: daysBefore(anchor, 45), end: anchor };
    const expected = server.sandbox.baiduGeo.recordIds(SITE, window);
    const res = await server.gql(PrefetchTasksPageDocument, {
      provider: "BAIDU_GEO",
      site: SITE,
      startTime: window.start.toISOString(),
      endTime: window.end.toISOString(),
      first: 250,
    });
    expect(res.errors).toBeUndefined();
    const conn = res.data!.prefetchTasks!;
    expect(conn.edges.map((e) => e.node.taskId)).toEqual(expected.slice(0, 250));
    expect(conn.pageInfo).toMatchObject({ hasNextPage: expected.length > 250, hasPreviousPage: false });
    expect(server.sandbox.baiduGeo.calls("list")).toBeGreaterThanOrEqual(3);
  });

  it("says hasNextPage false on the last page without a spare upstream call", async () => {
    const window = { start: daysBefore(anchor, 10), end: anchor };
    const expected = server.sandbox.baiduGeo.recordIds(SITE, window);
    const res = await server.gql(PrefetchTasksPageDocument, {
      provider: "BAIDU_GEO",
      site: SITE,
      startTime: window.start.toISOString(),
      endTime: window.end.toISOString(),
      first: expected.length,
    });
    expect(res.data!.prefetchTasks!.edges).toHaveLength(expected.length);
    expect(res.data!.prefetchTasks!.pageInfo.hasNextPage).toBe(false);
    // One call per upstream page of 100, and no look-ahead past the page that said it was the last.
    expect(server.sandbox.baiduGeo.calls("list")).toBe(Math.ceil(expected.length / 100));
  });

  it("a 100-row page over a window holding more costs exactly one call", async () => {
    // Within one 30-day part: the provider's isTruncated says more follows, so no call looks ahead.
    const window = { start: daysBefore(anchor, 20), end: anchor };
    const expected = server.sandbox.baiduGeo.recordIds(SITE, window);
    expect(expected.length).toBeGreaterThan(100);
    const res = await server.gql(PrefetchTasksPageDocument, {
      provider: "BAIDU_GEO",
      site: SITE,
      startTime: window.start.toISOString(),
      endTime: window.end.toISOString(),
      first: 100,
    });
    expect(res.errors).toBeUndefined();
    const conn = res.data!.prefetchTasks!;
    expect(conn.edges.map((e) => e.node.taskId)).toEqual(expected.slice(0, 100));
    expect(conn.pageInfo.hasNextPage).toBe(true);
    expect(server.sandbox.baiduGeo.calls("list")).toBe(1);
  });

  it("filters by status across pages", async () => {
    const window = { start: daysBefore(anchor, 30), end: anchor };
    const { taskIds } = await collectAll({
      provider: "BAIDU_GEO",
      site: SITE,
      startTime: window.start.toISOString(),
      endTime: window.end.toISOString(),
      status: ["FAILED"],
      first: 20,
    });
    const expected = server.sandbox.baiduGeo
      .recordIds(SITE, window)
      .filter((id) => (server.sandbox.baiduGeo.record(id) as { status: string }).status === "failed");
    expect(expected.length).toBeGreaterThan(0);
    expect(taskIds).toEqual(expected);
  });

  it("defaults to the last 24 hours and keeps that window for the whole paging, however late the next page", async () => {
    let now = new Date();
    const clocked = await startTestServer({ clock: () => now });
    try {
      const end = new Date(Math.floor(now.getTime() / 1000) * 1000);
      const expected = clocked.sandbox.baiduGeo.recordIds(SITE, {
        start: new Date(end.getTime() - 86_400_000),
        end,
      });
      expect(expected.length).toBeGreaterThan(3);
      const taskIds: string[] = [];
      let after: string | null = null;
      for (let page = 0; page < 50; page++) {
        const res: GraphQLResponse<PrefetchTasksPageQuery> = await clocked.gql(PrefetchTasksPageDocument, {
          provider: "BAIDU_GEO",
          site: SITE,
          first: 3,
          after,
        });
        expect(res.errors).toBeUndefined();
        const conn = res.data!.prefetchTasks!;
        taskIds.push(...conn.edges.map((e) => e.node.taskId));
        if (!conn.pageInfo.hasNextPage) break;
        after = conn.pageInfo.endCursor;
        now = new Date(now.getTime() + 3_600_000); // an hour passes between pages
      }
      expect(taskIds).toEqual(expected);
    } finally {
      await clocked.close();
    }
  });

  it("maps every field of a record honestly", async () => {
    const window = { start: daysBefore(anchor, 60), end: daysBefore(anchor, 31) };
    const res = await server.gql(PrefetchTasksFullDocument, {
      provider: "BAIDU_GEO",
      site: SITE,
      startTime: window.start.toISOString(),
      endTime: window.end.toISOString(),
      first: 100,
    });
    expect(res.errors).toBeUndefined();
    const nodes = res.data!.prefetchTasks!.nodes;
    expect(nodes.length).toBeGreaterThan(0);
    for (const task of nodes) {
      const raw = server.sandbox.baiduGeo.record(task.taskId) as Record<string, unknown>;
      const rawTask = raw.task as { url: string } | { url: string }[];
      const url = Array.isArray(rawTask) ? rawTask[0]!.url : rawTask.url;
      expect(task).toMatchObject({
        provider: "BAIDU_GEO",
        account: "sandbox",
        site: SITE,
        name: null,
        providerStatus: raw.status,
        progress: raw.progress ?? null,
        failureReason: raw.reason ?? null,
        operator: raw.operator ?? null,
        targets: [{ url, headers: [] }],
      });
      expect(task.createdAt).toBe(new Date(raw.createdAt as string).toISOString());
      expect(task.finishedAt).toBe(raw.finishedAt ? new Date(raw.finishedAt as string).toISOString() : null);
      const expectedStatus = {
        waiting: "WAITING",
        "in-progress": "IN_PROGRESS",
        completed: "COMPLETED",
        failed: "FAILED",
      }[raw.status as string];
      expect(task.status).toBe(expectedStatus);
      expect(task.successRate).toBe(raw.status === "completed" ? 100 : raw.status === "failed" ? 0 : null);
      expect(task.providerDetails).toMatchObject({
        __typename: "BaiduGeoPrefetch",
        id: task.taskId,
        url,
        site: SITE,
      });
      if (raw.finishedAt && raw.startedAt) {
        const expectedRun =
          new Date(raw.finishedAt as string).getTime() - new Date(raw.startedAt as string).getTime();
        expect(task.runDuration).toBe(expectedRun);
      }
      if (!raw.finishedAt && (raw.status === "completed" || raw.status === "failed")) {
        expect(task.runDuration).toBeNull();
        expect(task.totalDuration).toBeNull();
      }
    }
  });

  it("looks a task up by site and id, and answers null without an error for an unknown id", async () => {
    const [taskId] = server.sandbox.baiduGeo.recordIds(SITE, { start: daysBefore(anchor, 5), end: anchor });
    const found = await server.gql(PrefetchTaskByIdDocument, {
      provider: "BAIDU_GEO",
      site: SITE,
      taskId: taskId!,
    });
    expect(found.errors).toBeUndefined();
    expect(found.data!.prefetchTask).toMatchObject({ taskId, site: SITE, provider: "BAIDU_GEO" });

    const missing = await server.gql(PrefetchTaskByIdDocument, {
      provider: "BAIDU_GEO",
      site: SITE,
      taskId: "0".repeat(32),
    });
    expect(missing.errors).toBeUndefined();
    expect(missing.data!.prefetchTask).toBeNull();
  });

  it("round-trips node and nodes ids, in request order, null where not found", async () => {
    const ids = server.sandbox.baiduGeo
      .recordIds(SITE, { start: daysBefore(anchor, 5), end: anchor })
      .slice(0, 2);
    const page = await server.gql(PrefetchTasksPageDocument, {
      provider: "BAIDU_GEO",
      site: SITE,
      startTime: daysBefore(anchor, 5).toISOString(),
      endTime: anchor.toISOString(),
      first: 2,
    });
    const globalIds = page.data!.prefetchTasks!.edges.map((e) => e.node.id);

    const node = await server.gql(NodeByIdDocument, { id: globalIds[0]! });
    expect(node.data!.node).toMatchObject({ __typename: "PrefetchTask", id: globalIds[0], taskId: ids[0] });

    const nodes = await server.gql(NodesByIdsDocument, { ids: [globalIds[1]!, "not-an-id", globalIds[0]!] });
    expect(nodes.errors).toBeUndefined();
    expect(nodes.data!.nodes.map((n) => (n && "taskId" in n ? n.taskId : null))).toEqual([
      ids[1],
      null,
      ids[0],
    ]);
  });

  it("costs one upstream call for the same id asked for several times in one operation", async () => {
    // An unfinished task: a final one, once listed, would be answered from memory at no call at all.
    const page = await server.gql(PrefetchTasksPageDocument, {
      provider: "BAIDU_GEO",
      site: SITE,
      startTime: daysBefore(anchor, 1).toISOString(),
      endTime: anchor.toISOString(),
      status: ["WAITING", "IN_PROGRESS"],
      first: 1,
    });
    const id = page.data!.prefetchTasks!.edges[0]!.node.id;
    server.sandbox.baiduGeo.resetCalls();

    const res = await server.gql(PrefetchTasksByIdsDocument, { ids: [id, id, id] });
    expect(res.errors).toBeUndefined();
    expect(res.data!.prefetchTasksByIds.map((t) => t?.id)).toEqual([id, id, id]);
    expect(server.sandbox.baiduGeo.calls("byId")).toBe(1);
  });

  it("costs no lookup for a task already seen on a list page earlier in the operation", async () => {
    const window = { start: daysBefore(anchor, 5), end: anchor };
    const ids = server.sandbox.baiduGeo.recordIds(SITE, window);
    expect(ids.length).toBeLessThanOrEqual(50); // all on the operation's list page
    // An unfinished task, which no earlier operation can have left in memory: the list page must answer it.
    const taskId = ids.find((id) =>
      ["waiting", "in-progress"].includes((server.sandbox.baiduGeo.record(id) as { status: string }).status),
    );
    const res = await server.gql(ListThenLookupDocument, {
      site: SITE,
      startTime: window.start.toISOString(),
      endTime: window.end.toISOString(),
      taskId: taskId!,
    });
    expect(res.errors).toBeUndefined();
    expect(res.data!.prefetchTasks!.nodes.map((n) => n.id)).toContain(res.data!.prefetchTask!.id);
    expect(res.data!.prefetchTask!.status).toMatch(/^(WAITING|IN_PROGRESS)$/);
    expect(server.sandbox.baiduGeo.calls("byId")).toBe(0);
  });

  it("lists the sandbox accounts without secrets", async () => {
    const res = await server.gql(ProviderAccountsDocument);
    expect(res.data!.providerAccounts).toEqual(
      expect.arrayContaining([
        { name: "sandbox", provider: "BAIDU_GEO", endpoint: server.sandbox.baiduGeo.url, sandbox: true },
      ]),
    );
  });
});

describe("durations of unfinished Baidu tasks", () => {
  it("measure run and total time to the server's now, and leave queue time null until a task starts", async () => {
    let now = new Date();
    const server = await startTestServer({ clock: () => now });
    try {
      const anchor = server.sandbox.baiduGeo.anchor;
      now = new Date(anchor.getTime() + 600_000);
      const res = await server.gql(PrefetchTasksFullDocument, {
        provider: "BAIDU_GEO",
        site: SITE,
        startTime: new Date(anchor.getTime() - 6 * 3_600_000).toISOString(),
        endTime: anchor.toISOString(),
        first: 100,
      });
      expect(res.errors).toBeUndefined();
      const unfinished = res.data!.prefetchTasks!.nodes.filter(
        (t) => t.status === "WAITING" || t.status === "IN_PROGRESS",
      );
      expect(unfinished.map((t) => t.status)).toEqual(expect.arrayContaining(["WAITING", "IN_PROGRESS"]));
      for (const task of unfinished) {
        const created = new Date(task.createdAt!).getTime();
        expect(task.totalDuration).toBeCloseTo((now.getTime() - created) / 60_000, 6); // MINUTES in TaskFields
        if (task.startedAt === null) {
          expect(task.runDuration).toBeNull();
          expect(task.queueDuration).toBeNull();
        } else {
          expect(task.runDuration).toBe(now.getTime() - new Date(task.startedAt).getTime()); // MILLISECONDS
          expect(task.queueDuration).toBe((new Date(task.startedAt).getTime() - created) / 1000);
        }
      }
    } finally {
      await server.close();
    }
  });
});
