import {
  PrefetchTasksPageDocument,
  type PrefetchTasksPageQuery,
  type PrefetchTasksPageQueryVariables,
} from "../__generated__/graphql";
import { daysBefore, startTestServer, type GraphQLResponse, type TestServer } from "../support/harness";

const SITE = "www.example.com";

/**
 * Baidu does not document its list order; the sandbox lists either way (`baiduListOrder`), and a window longer
 * than Baidu's 30 days must read as one sequence in that order, whichever it is, learnt from the rows.
 */
describe.each(["asc", "desc"] as const)("a Baidu that lists %s", (order) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ sandbox: { baiduListOrder: order } });
  });
  afterAll(() => server.close());

  async function pageAll(vars: PrefetchTasksPageQueryVariables) {
    const rows: { taskId: string; createdAt: string | null }[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 100; pages++) {
      const res: GraphQLResponse<PrefetchTasksPageQuery> = await server.gql(PrefetchTasksPageDocument, {
        ...vars,
        after,
      });
      expect(res.errors).toBeUndefined();
      const conn = res.data!.prefetchTasks!;
      rows.push(...conn.edges.map((e) => ({ taskId: e.node.taskId, createdAt: e.node.createdAt ?? null })));
      if (!conn.pageInfo.hasNextPage) return rows;
      after = conn.pageInfo.endCursor!;
    }
    throw new Error("paging does not end");
  }

  it("pages a 45-day window as one sequence in that order, every record once, learning the order on the way", async () => {
    const anchor = server.sandbox.baiduGeo.anchor;
    const window = { start: daysBefore(anchor, 45), end: anchor };
    const expected = server.sandbox.baiduGeo.recordIds(SITE, window);
    expect(expected.length).toBeGreaterThan(200); // several upstream pages in each of two 30-day parts
    const vars = {
      provider: "BAIDU_GEO" as const,
      site: SITE,
      startTime: window.start.toISOString(),
      endTime: window.end.toISOString(),
      first: 30,
    };

    server.sandbox.baiduGeo.resetCalls();
    const fresh = await pageAll(vars);
    const freshCalls = server.sandbox.baiduGeo.calls("list");
    expect(fresh.map((r) => r.taskId)).toEqual(expected);
    const times = fresh.map((r) => Date.parse(r.createdAt!));
    expect(times).toEqual([...times].sort((a, b) => (order === "asc" ? a - b : b - a)));

    // Once learnt, the same paging costs what it must; the first one paid for a wrong guess (newest first) once.
    server.sandbox.baiduGeo.resetCalls();
    const again = await pageAll(vars);
    expect(again.map((r) => r.taskId)).toEqual(expected);
    expect(freshCalls - server.sandbox.baiduGeo.calls("list")).toBe(order === "asc" ? 1 : 0);
  });
});
