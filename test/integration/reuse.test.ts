import { daysBefore, postGraphQL, startTestServer, type TestServer } from "../support/harness";

/**
 * The provider's call budget is spent only where an answer could have changed: final tasks from memory,
 * fresh answers and identical calls in flight shared. Counted at the sandbox, over real HTTP.
 */

interface Task {
  id: string;
  taskId: string;
  status: string;
  observedAt: string;
}

interface Extensions {
  upstreamCalls: number;
  cacheHits: number;
}

const TASK_FIELDS = "id taskId status observedAt";

async function gql<T>(
  server: TestServer,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<{ data: T; extensions: Extensions }> {
  const res = await postGraphQL<T>(server.url, { query, variables });
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return { data: res.data as T, extensions: (res as unknown as { extensions: Extensions }).extensions };
}

function wangsuTask(server: TestServer, taskId: string) {
  return gql<{ prefetchTask: Task | null }>(
    server,
    `query ($id: String!) { prefetchTask(provider: WANGSU_CDN_PRO, taskId: $id) { ${TASK_FIELDS} } }`,
    { id: taskId },
  );
}

/** Seeded Wangsu ids of the last day by status as the sandbox serves them. */
function wangsuIds(server: TestServer, finished: boolean): string[] {
  const sandbox = server.sandbox.wangsuCdnPro;
  const anchor = sandbox.anchor;
  return sandbox.taskIds({ start: daysBefore(anchor, 1), end: anchor }).filter((id) => {
    // The sandbox serves both of the documented spellings.
    const body = sandbox.detail(id) as { metadata?: { status: string }; metaData?: { status: string } };
    return ((body.metadata ?? body.metaData)?.status === "finished") === finished;
  });
}

describe("reuse of final tasks (freshness 0)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { PREFETCH_GRAPH_FRESHNESS_MS: "0" } });
  });
  afterAll(() => server.close());
  beforeEach(() => server.sandbox.wangsuCdnPro.resetCalls());

  it("answers a finished task from memory to every later operation, whichever entry point asks", async () => {
    const [taskId] = wangsuIds(server, true);
    const first = await wangsuTask(server, taskId!);
    expect(first.extensions).toEqual({ upstreamCalls: 1, cacheHits: 0 });
    const id = first.data.prefetchTask!.id;

    const byTyped = await wangsuTask(server, taskId!);
    const byNode = await gql<{ node: Task }>(server, `query ($id: ID!) { node(id: $id) { id } }`, { id });
    const byNodes = await gql<{ nodes: Task[] }>(server, `query ($ids: [ID!]!) { nodes(ids: $ids) { id } }`, {
      ids: [id],
    });
    const byIds = await gql<{ prefetchTasksByIds: Task[] }>(
      server,
      `query ($ids: [ID!]!) { prefetchTasksByIds(ids: $ids) { id } }`,
      { ids: [id] },
    );
    const byEntity = await gql<{ _entities: Task[] }>(
      server,
      `query ($r: [_Any!]!) { _entities(representations: $r) { ... on PrefetchTask { id } } }`,
      { r: [{ __typename: "PrefetchTask", id }] },
    );
    for (const answer of [byTyped, byNode, byNodes, byIds, byEntity]) {
      expect(answer.extensions).toEqual({ upstreamCalls: 0, cacheHits: 1 });
    }
    expect(server.sandbox.wangsuCdnPro.calls()).toBe(1);
    // Served from memory, it still says when the provider reported it.
    expect(byTyped.data.prefetchTask!.observedAt).toBe(first.data.prefetchTask!.observedAt);
  });

  it("asks the provider again for an unfinished task every time", async () => {
    const [taskId] = wangsuIds(server, false);
    await wangsuTask(server, taskId!);
    const again = await wangsuTask(server, taskId!);
    expect(again.extensions).toEqual({ upstreamCalls: 1, cacheHits: 0 });
    expect(server.sandbox.wangsuCdnPro.calls("detail")).toBe(2);
  });

  it("lists again every time, and makes identical calls in flight twice", async () => {
    const sandbox = server.sandbox.wangsuCdnPro;
    sandbox.setFault({ kind: "delay", ms: 200 });
    try {
      const list = () =>
        gql(server, `{ prefetchTasks(provider: WANGSU_CDN_PRO, first: 5) { nodes { taskId } } }`);
      await Promise.all([list(), list(), list()]);
    } finally {
      sandbox.setFault(null);
    }
    expect(sandbox.calls("list")).toBe(3);
  });

  it("keeps no error: a failed lookup is asked again", async () => {
    const [taskId] = wangsuIds(server, true).slice(-1);
    server.sandbox.wangsuCdnPro.setFault({ kind: "status", status: 500 });
    const failed = await postGraphQL(server.url, {
      query: `query ($id: String!) { prefetchTask(provider: WANGSU_CDN_PRO, taskId: $id) { id } }`,
      variables: { id: taskId },
    });
    expect(failed.errors?.[0]?.extensions?.code).toBe("UPSTREAM_UNAVAILABLE");
    server.sandbox.wangsuCdnPro.setFault(null);
    server.sandbox.wangsuCdnPro.resetCalls();
    const answered = await wangsuTask(server, taskId!);
    expect(answered.data.prefetchTask?.taskId).toBe(taskId);
    expect(server.sandbox.wangsuCdnPro.calls("detail")).toBe(1);
  });

  it("knows the final rows of a Baidu list by id afterwards, at no call", async () => {
    const baidu = server.sandbox.baiduGeo;
    const listed = await gql<{ prefetchTasks: { nodes: Task[] } }>(
      server,
      `query ($s: DateTime, $e: DateTime) { prefetchTasks(provider: BAIDU_GEO, site: "www.example.com", startTime: $s, endTime: $e, first: 50, status: [COMPLETED, FAILED]) { nodes { ${TASK_FIELDS} } } }`,
      { s: daysBefore(baidu.anchor, 3).toISOString(), e: baidu.anchor.toISOString() },
    );
    const ids = listed.data.prefetchTasks.nodes.map((t) => t.id);
    expect(ids.length).toBeGreaterThan(5);
    baidu.resetCalls();
    const looked = await gql<{ nodes: Task[] }>(
      server,
      `query ($ids: [ID!]!) { nodes(ids: $ids) { ... on PrefetchTask { id } } }`,
      { ids },
    );
    expect(looked.data.nodes.map((t) => t.id)).toEqual(ids);
    expect(looked.extensions).toEqual({ upstreamCalls: 0, cacheHits: ids.length });
    expect(baidu.calls()).toBe(0);
  });
});

describe("reuse of fresh answers (freshness 5 s)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { PREFETCH_GRAPH_FRESHNESS_MS: "5000" } });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.sandbox.wangsuCdnPro.setFault(null);
    server.sandbox.wangsuCdnPro.resetCalls();
  });

  it("answers an unfinished task again from the same observation, no older than the freshness", async () => {
    const [taskId] = wangsuIds(server, false);
    const first = await wangsuTask(server, taskId!);
    const second = await wangsuTask(server, taskId!);
    expect(second.extensions).toEqual({ upstreamCalls: 0, cacheHits: 1 });
    expect(second.data.prefetchTask!.observedAt).toBe(first.data.prefetchTask!.observedAt);
    expect(Date.now() - Date.parse(second.data.prefetchTask!.observedAt)).toBeLessThanOrEqual(5_000);
    expect(server.sandbox.wangsuCdnPro.calls("detail")).toBe(1);
  });

  it("makes identical calls in flight at the same moment once, for every operation that asks", async () => {
    const sandbox = server.sandbox.wangsuCdnPro;
    sandbox.setFault({ kind: "delay", ms: 200 });
    const list = () =>
      gql<{ prefetchTasks: { nodes: { taskId: string }[] } }>(
        server,
        `{ prefetchTasks(provider: WANGSU_CDN_PRO, first: 7) { nodes { taskId } } }`,
      );
    const answers = await Promise.all([list(), list(), list(), list()]);
    expect(sandbox.calls("list")).toBe(1);
    expect(answers.map((a) => a.extensions.upstreamCalls).sort()).toEqual([0, 0, 0, 1]);
    expect(new Set(answers.map((a) => JSON.stringify(a.data))).size).toBe(1);
  });

  it("serves 20 dashboards loading a page of 20 tasks with their URLs for the calls of one", async () => {
    // A server of its own: nothing an earlier test saw is fresh in it.
    const own = await startTestServer({ env: { PREFETCH_GRAPH_FRESHNESS_MS: "5000" } });
    const sandbox = own.sandbox.wangsuCdnPro;
    const window = { s: daysBefore(sandbox.anchor, 2).toISOString(), e: sandbox.anchor.toISOString() };
    const load = () =>
      gql<{ prefetchTasks: { nodes: { taskId: string; targets: { url: string }[] }[] } }>(
        own,
        `query ($s: DateTime, $e: DateTime) { prefetchTasks(provider: WANGSU_CDN_PRO, first: 20, startTime: $s, endTime: $e) { nodes { taskId status observedAt targets { url } } } }`,
        window,
      );
    const answers = await Promise.all(Array.from({ length: 20 }, load)).finally(() => own.close());
    const rows = answers[0]!.data.prefetchTasks.nodes.length;
    expect(rows).toBe(20);
    // One list call and one detail call per task, whichever of the 20 users asked first.
    expect(sandbox.calls("list")).toBe(1);
    expect(sandbox.calls("detail")).toBe(rows);
    expect(answers.reduce((sum, a) => sum + a.extensions.upstreamCalls, 0)).toBe(1 + rows);
  });

  it("asks again once the freshness has passed", async () => {
    const short = await startTestServer({ env: { PREFETCH_GRAPH_FRESHNESS_MS: "150" } });
    try {
      const [taskId] = wangsuIds(short, false);
      await wangsuTask(short, taskId!);
      await new Promise((resolve) => setTimeout(resolve, 250));
      const later = await wangsuTask(short, taskId!);
      expect(later.extensions).toEqual({ upstreamCalls: 1, cacheHits: 0 });
      expect(short.sandbox.wangsuCdnPro.calls("detail")).toBe(2);
    } finally {
      await short.close();
    }
  });

  it("does not hand an operation the failure of another operation's client that hung up", async () => {
    const sandbox = server.sandbox.wangsuCdnPro;
    sandbox.setFault({ kind: "delay", ms: 300 });
    const query = `{ prefetchTasks(provider: WANGSU_CDN_PRO, first: 3) { nodes { taskId } } }`;
    const quitter = fetch(server.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query }),
      signal: AbortSignal.timeout(100),
    }).catch(() => null);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const stayer = postGraphQL<{ prefetchTasks: { nodes: unknown[] } }>(server.url, { query });
    await quitter;
    const res = await stayer;
    expect(res.errors).toBeUndefined();
    expect(res.data?.prefetchTasks.nodes).toHaveLength(3);
  });
});

describe("list rows completed from earlier lookups (Wangsu rows lack only what was submitted)", () => {
  const page = `{ prefetchTasks(provider: WANGSU_CDN_PRO, first: 20) { nodes { taskId status observedAt targets { url } } } }`;
  type Page = {
    prefetchTasks: {
      nodes: { taskId: string; status: string; observedAt: string; targets: { url: string }[] }[];
    };
  };
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  async function twoLoadsWithALookupBetween(fileListsChange: boolean) {
    const server = await startTestServer({
      env: { PREFETCH_GRAPH_FRESHNESS_MS: "100" },
      sandbox: { wangsuFileListsChange: fileListsChange },
    });
    try {
      const sandbox = server.sandbox.wangsuCdnPro;
      const first = await gql<Page>(server, page);
      const rows = first.data.prefetchTasks.nodes;
      const unfinished = rows.find((r) => r.status === "WAITING" || r.status === "IN_PROGRESS")!;
      await pause(150); // past the freshness: the list and the task are asked for again
      await wangsuTask(server, unfinished.taskId);
      sandbox.resetCalls();
      await pause(150);
      const second = await gql<Page>(server, page);
      return {
        rows,
        unfinished,
        second,
        calls: { list: sandbox.calls("list"), detail: sandbox.calls("detail") },
      };
    } finally {
      await server.close();
    }
  }

  it("costs only the list call once each row's submission has been seen, with the row's own status and time", async () => {
    const { rows, unfinished, second, calls } = await twoLoadsWithALookupBetween(false);
    expect(calls).toEqual({ list: 1, detail: 0 });
    const again = second.data.prefetchTasks.nodes;
    expect(again.map((r) => r.taskId)).toEqual(rows.map((r) => r.taskId));
    expect(again.map((r) => r.targets)).toEqual(rows.map((r) => r.targets));
    const row = again.find((r) => r.taskId === unfinished.taskId)!;
    expect(Date.parse(row.observedAt)).toBeGreaterThan(Date.parse(unfinished.observedAt));
  });

  it("stops once two lookups of one task disagree on what was submitted, and looks every row up again", async () => {
    const { rows, second, calls } = await twoLoadsWithALookupBetween(true);
    const finished = rows.filter((r) => r.status !== "WAITING" && r.status !== "IN_PROGRESS").length;
    // Finished tasks are still answered from memory; every unfinished row is looked up.
    expect(calls).toEqual({ list: 1, detail: rows.length - finished });
    expect(
      second.data.prefetchTasks.nodes.some((r) => r.targets.some((t) => t.url.includes("revision-"))),
    ).toBe(true);
  });
});
