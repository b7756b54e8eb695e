import {
  NodesByIdsDocument,
  PrefetchTaskByIdDocument,
  PrefetchTasksFullDocument,
  PrefetchTasksLazyDocument,
  PrefetchTasksPageDocument,
  type PrefetchTasksPageQuery,
  type PrefetchTasksPageQueryVariables,
} from "../__generated__/graphql";
import { daysBefore, startTestServer, type GraphQLResponse, type TestServer } from "../support/harness";

interface WangsuDetail {
  name?: string;
  fileList: { url: string; headers?: { name: string; value: string }[] }[];
  regions?: string[];
  startTime?: string;
  webhook?: string;
  metadata?: Record<string, unknown>;
  metaData?: Record<string, unknown>;
}

describe("Wangsu CDN Pro through the real server and the sandbox", () => {
  let server: TestServer;
  let anchor: Date;

  beforeAll(async () => {
    server = await startTestServer();
    anchor = server.sandbox.wangsuCdnPro.anchor;
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.sandbox.wangsuCdnPro.setFault(null);
    server.sandbox.wangsuCdnPro.resetCalls();
    server.sandbox.baiduGeo.resetCalls();
  });

  async function collectAll(vars: PrefetchTasksPageQueryVariables): Promise<string[]> {
    const ids: string[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 100; pages++) {
      const res: GraphQLResponse<PrefetchTasksPageQuery> = await server.gql(PrefetchTasksPageDocument, {
        ...vars,
        after,
      });
      expect(res.errors).toBeUndefined();
      const conn = res.data!.prefetchTasks!;
      ids.push(...conn.edges.map((e) => e.node.taskId));
      if (!conn.pageInfo.hasNextPage) return ids;
      after = conn.pageInfo.endCursor!;
    }
    throw new Error("paging does not end");
  }

  it("pages through a 45-day window without losing or repeating a task, newest first", async () => {
    const window = { start: daysBefore(anchor, 45), end: anchor };
    const expected = server.sandbox.wangsuCdnPro.taskIds(window);
    expect(expected.length).toBeGreaterThan(200);
    const ids = await collectAll({
      provider: "WANGSU_CDN_PRO",
      startTime: window.start.toISOString(),
      endTime: window.end.toISOString(),
      first: 70,
    });
    expect(ids).toEqual(expected);
  });

  it("narrows a listing to the tasks touching a hostname", async () => {
    const window = { start: daysBefore(anchor, 20), end: anchor };
    const host = server.sandbox.wangsuCdnPro.hostnames[1]!;
    const ids = await collectAll({
      provider: "WANGSU_CDN_PRO",
      site: host,
      startTime: window.start.toISOString(),
      endTime: window.end.toISOString(),
      first: 500,
    });
    expect(ids).toEqual(server.sandbox.wangsuCdnPro.taskIds(window, host));
  });

  it("maps the detail of a task, whichever spelling of metadata the provider used", async () => {
    const window = { start: daysBefore(anchor, 30), end: anchor };
    const ids = server.sandbox.wangsuCdnPro.taskIds(window);
    const spellings = new Set<string>();
    for (const taskId of ids.slice(0, 12)) {
      const raw = server.sandbox.wangsuCdnPro.detail(taskId) as WangsuDetail;
      const meta = (raw.metadata ?? raw.metaData)!;
      spellings.add(raw.metadata ? "metadata" : "metaData");
      const res = await server.gql(PrefetchTaskByIdDocument, { provider: "WANGSU_CDN_PRO", taskId });
      expect(res.errors).toBeUndefined();
      const task = res.data!.prefetchTask!;
      const targets = raw.fileList.map((f) => ({ url: f.url, headers: f.headers ?? [] }));
      expect(task).toMatchObject({
        provider: "WANGSU_CDN_PRO",
        account: "sandbox",
        taskId,
        name: raw.name ?? null,
        providerStatus: meta.status,
        successRate: meta.successRate ?? null,
        progress: null,
        targets,
        startedAt: null,
        finishedAt: meta.finishTime ? new Date(meta.finishTime as string).toISOString() : null,
        createdAt: meta.submissionTime ? new Date(meta.submissionTime as string).toISOString() : null,
        providerDetails: {
          __typename: "WangsuCdnProPrefetch",
          fileList: targets,
          regions: raw.regions ?? [],
          startTime: raw.startTime ? new Date(raw.startTime).toISOString() : null,
          webhook: raw.webhook ?? null,
          metadata: { id: taskId, status: meta.status, apiRequestId: meta.apiRequestId ?? null },
        },
      });
      const rate = meta.successRate as number | undefined;
      const expected =
        meta.status === "waiting"
          ? "WAITING"
          : meta.status === "inprogress"
            ? "IN_PROGRESS"
            : rate === 100
              ? "COMPLETED"
              : rate === 0
                ? "FAILED"
                : "PARTIALLY_COMPLETED";
      expect(task.status).toBe(expected);
    }
    expect(spellings.size).toBe(2);
  });

  it("answers null, not an error, for an unknown task id (HTTP 404 InvalidPrefetchTaskId)", async () => {
    const res = await server.gql(PrefetchTaskByIdDocument, {
      provider: "WANGSU_CDN_PRO",
      taskId: "ffffffffffffffffffffffff",
    });
    expect(res.errors).toBeUndefined();
    expect(res.data!.prefetchTask).toBeNull();
    expect(server.sandbox.wangsuCdnPro.calls("detail")).toBe(1);
  });

  describe("field-level laziness", () => {
    const window = (): { startTime: string; endTime: string } => ({
      startTime: daysBefore(anchor, 10).toISOString(),
      endTime: anchor.toISOString(),
    });

    it("makes no detail call when only list-row fields are selected", async () => {
      const res = await server.gql(PrefetchTasksLazyDocument, {
        provider: "WANGSU_CDN_PRO",
        ...window(),
        first: 8,
        withTargets: false,
        withDetails: false,
      });
      expect(res.errors).toBeUndefined();
      expect(res.data!.prefetchTasks!.nodes).toHaveLength(8);
      expect(server.sandbox.wangsuCdnPro.calls("list")).toBe(1);
      expect(server.sandbox.wangsuCdnPro.calls("detail")).toBe(0);
    });

    it("completes the returned rows only, one detail call each, when a field the rows lack is selected", async () => {
      // On a server no earlier test has used: on the shared one, a finished task an earlier test looked up is
      // answered from memory, at no detail call.
      const fresh = await startTestServer();
      try {
        const res = await fresh.gql(PrefetchTasksLazyDocument, {
          provider: "WANGSU_CDN_PRO",
          startTime: daysBefore(fresh.sandbox.wangsuCdnPro.anchor, 10).toISOString(),
          endTime: fresh.sandbox.wangsuCdnPro.anchor.toISOString(),
          first: 8,
          withTargets: true,
          withDetails: true,
        });
        expect(res.errors).toBeUndefined();
        const nodes = res.data!.prefetchTasks!.nodes;
        expect(nodes).toHaveLength(8);
        for (const n of nodes) expect(n.targets!.length).toBeGreaterThan(0);
        // targets and providerDetails of one row share one lookup.
        expect(fresh.sandbox.wangsuCdnPro.calls("detail")).toBe(8);
      } finally {
        await fresh.close();
      }
    });

    it("makes no detail call for Baidu rows, which are complete", async () => {
      const res = await server.gql(PrefetchTasksFullDocument, {
        provider: "BAIDU_GEO",
        site: "www.example.com",
        startTime: daysBefore(server.sandbox.baiduGeo.anchor, 10).toISOString(),
        endTime: server.sandbox.baiduGeo.anchor.toISOString(),
        first: 10,
      });
      expect(res.errors).toBeUndefined();
      expect(server.sandbox.baiduGeo.calls("byId")).toBe(0);
    });
  });

  it("answers nodes with ids of both providers in request order, null where not found, duplicates collapsed", async () => {
    // Unfinished tasks, asked for again on every lookup: a final one, once listed or looked up, costs no call.
    const wangsuPage = await server.gql(PrefetchTasksPageDocument, {
      provider: "WANGSU_CDN_PRO",
      startTime: daysBefore(anchor, 1).toISOString(),
      endTime: anchor.toISOString(),
      status: ["WAITING", "IN_PROGRESS"],
      first: 2,
    });
    const baiduPage = await server.gql(PrefetchTasksPageDocument, {
      provider: "BAIDU_GEO",
      site: "www.example.com",
      startTime: daysBefore(server.sandbox.baiduGeo.anchor, 1).toISOString(),
      endTime: server.sandbox.baiduGeo.anchor.toISOString(),
      status: ["WAITING", "IN_PROGRESS"],
      first: 2,
    });
    const [w1, w2] = wangsuPage.data!.prefetchTasks!.edges.map((e) => e.node);
    const [b1, b2] = baiduPage.data!.prefetchTasks!.edges.map((e) => e.node);
    server.sandbox.wangsuCdnPro.resetCalls();
    server.sandbox.baiduGeo.resetCalls();

    const res = await server.gql(NodesByIdsDocument, {
      ids: [w1!.id, b1!.id, "bogus", w2!.id, b2!.id, w1!.id],
    });
    expect(res.errors).toBeUndefined();
    expect(res.data!.nodes.map((n) => (n && "taskId" in n ? n.taskId : null))).toEqual([
      w1!.taskId,
      b1!.taskId,
      null,
      w2!.taskId,
      b2!.taskId,
      w1!.taskId,
    ]);
    expect(server.sandbox.wangsuCdnPro.calls("detail")).toBe(2);
    expect(server.sandbox.baiduGeo.calls("byId")).toBe(2);
  });
});
