import {
  NodeByIdDocument,
  NodesByIdsDocument,
  PrefetchTaskByIdDocument,
  PrefetchTasksByIdsDocument,
  PrefetchTasksPageDocument,
} from "../__generated__/graphql";
import { daysBefore, postGraphQL, startTestServer, type TestServer } from "../support/harness";

/**
 * Baidu documents its `id` query as taking the prefetch submission's id and answering every record of it; a
 * task here is one record, with its own per-URL id. Whether the query also takes a per-URL id is UNCONFIRMED,
 * so these tests run a sandbox that does not ("task"): lookups must still find listed tasks, through the
 * createdAt their global id carries.
 *
 * They look up unfinished tasks: a final task, once listed, is answered from memory for good (src/reuse) and
 * would never reach the lookup these tests are about. An unfinished one is asked for again every time.
 */

const SITE = "www.example.com";

interface Listed {
  readonly id: string;
  readonly taskId: string;
  readonly createdAt: string;
}

/** The site's waiting and in-progress tasks of the last day, as the server lists them. */
async function listUnfinished(server: TestServer): Promise<Listed[]> {
  const anchor = server.sandbox.baiduGeo.anchor;
  const res = await server.gql(PrefetchTasksPageDocument, {
    provider: "BAIDU_GEO",
    site: SITE,
    startTime: daysBefore(anchor, 1).toISOString(),
    endTime: anchor.toISOString(),
    status: ["WAITING", "IN_PROGRESS"],
    first: 100,
  });
  expect(res.errors).toBeUndefined();
  return res.data!.prefetchTasks!.edges.map(({ node }) => ({
    id: node.id,
    taskId: node.taskId,
    createdAt: node.createdAt!,
  }));
}

/** Two unfinished tasks from each of two seconds of creation, so that listings per second can be counted. */
async function listTasksOfTwoSeconds(server: TestServer): Promise<Listed[]> {
  const unfinished = await listUnfinished(server);
  const seconds = [...new Set(unfinished.map((t) => t.createdAt))];
  return [seconds[0], seconds[seconds.length - 1]].flatMap((second) =>
    unfinished.filter((t) => t.createdAt === second).slice(0, 2),
  );
}

/** A submission id of the site whose submission holds more than one URL record, and those records. */
function multiRecordSubmission(server: TestServer): { submissionId: string; records: string[] } {
  const bySubmission = new Map<string, string[]>();
  for (const id of server.sandbox.baiduGeo.recordIds(SITE)) {
    const submissionId = server.sandbox.baiduGeo.submissionId(id)!;
    bySubmission.set(submissionId, [...(bySubmission.get(submissionId) ?? []), id]);
  }
  const [submissionId, records] = [...bySubmission].find(([, ids]) => ids.length > 1)!;
  return { submissionId, records };
}

const distinct = (values: readonly string[]): number => new Set(values).size;

describe("Baidu GEO lookups when the id query takes submission ids only", () => {
  let server: TestServer;
  let listed: Listed[];

  beforeAll(async () => {
    server = await startTestServer({ sandbox: { baiduIdLookup: "task" } });
    listed = await listTasksOfTwoSeconds(server);
    expect(listed).toHaveLength(4);
    expect(distinct(listed.map((t) => t.createdAt))).toBe(2);
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.sandbox.baiduGeo.setFault(null);
    server.sandbox.baiduGeo.resetCalls();
  });

  it("resolves node of a listed id by listing the second the task was created in", async () => {
    const [task] = listed;
    const res = await server.gql(NodeByIdDocument, { id: task!.id });
    expect(res.errors).toBeUndefined();
    expect(res.data!.node).toMatchObject({ __typename: "PrefetchTask", id: task!.id, taskId: task!.taskId });
    expect(server.sandbox.baiduGeo.calls("byId")).toBe(1);
    expect(server.sandbox.baiduGeo.calls("list")).toBe(1);
  });

  it("resolves nodes of listed ids, in request order, with one listing per second of creation", async () => {
    const ids = [listed[2]!.id, "not-an-id", listed[0]!.id, listed[1]!.id];
    const res = await server.gql(NodesByIdsDocument, { ids });
    expect(res.errors).toBeUndefined();
    expect(res.data!.nodes.map((n) => (n && "taskId" in n ? [n.id, n.taskId] : null))).toEqual([
      [listed[2]!.id, listed[2]!.taskId],
      null,
      [listed[0]!.id, listed[0]!.taskId],
      [listed[1]!.id, listed[1]!.taskId],
    ]);
    expect(server.sandbox.baiduGeo.calls("byId")).toBe(3);
    expect(server.sandbox.baiduGeo.calls("list")).toBe(distinct(listed.slice(0, 3).map((t) => t.createdAt)));
  });

  it("resolves prefetchTasksByIds of listed ids, each id once", async () => {
    const ids = listed.map((t) => t.id);
    const res = await server.gql(PrefetchTasksByIdsDocument, { ids: [...ids, ids[0]!] });
    expect(res.errors).toBeUndefined();
    expect(res.data!.prefetchTasksByIds.map((t) => t?.taskId)).toEqual([
      ...listed.map((t) => t.taskId),
      listed[0]!.taskId,
    ]);
    expect(res.data!.prefetchTasksByIds.map((t) => t?.id)).toEqual([...ids, ids[0]]);
    expect(server.sandbox.baiduGeo.calls("byId")).toBe(listed.length);
    expect(server.sandbox.baiduGeo.calls("list")).toBe(distinct(listed.map((t) => t.createdAt)));
  });

  it("resolves _entities representations of listed ids", async () => {
    const res = await postGraphQL<{ _entities: ({ id: string; taskId: string } | null)[] }>(server.url, {
      query: "query ($r: [_Any!]!) { _entities(representations: $r) { ... on PrefetchTask { id taskId } } }",
      variables: { r: listed.slice(0, 2).map((t) => ({ __typename: "PrefetchTask", id: t.id })) },
    });
    expect(res.errors).toBeUndefined();
    expect(res.data!._entities).toEqual(listed.slice(0, 2).map((t) => ({ id: t.id, taskId: t.taskId })));
    expect(server.sandbox.baiduGeo.calls("byId")).toBe(2);
    expect(server.sandbox.baiduGeo.calls("list")).toBe(distinct(listed.slice(0, 2).map((t) => t.createdAt)));
  });

  it("answers prefetchTask of a record id null, since a typed id carries no creation time", async () => {
    const res = await server.gql(PrefetchTaskByIdDocument, {
      provider: "BAIDU_GEO",
      site: SITE,
      taskId: listed[0]!.taskId,
    });
    expect(res.errors).toBeUndefined();
    expect(res.data!.prefetchTask).toBeNull();
    expect(server.sandbox.baiduGeo.calls("byId")).toBe(1);
    expect(server.sandbox.baiduGeo.calls("list")).toBe(0);
  });

  it("finds a typed record id asked for beside its global id in one operation, at one lookup", async () => {
    const [task] = listed;
    const res = await postGraphQL<{ typed: { id: string } | null; node: { id: string } | null }>(server.url, {
      query: `query ($site: String!, $taskId: String!, $id: ID!) {
        typed: prefetchTask(provider: BAIDU_GEO, site: $site, taskId: $taskId) { id }
        node(id: $id) { id }
      }`,
      variables: { site: SITE, taskId: task!.taskId, id: task!.id },
    });
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ typed: { id: task!.id }, node: { id: task!.id } });
    expect(server.sandbox.baiduGeo.calls("byId")).toBe(1);
    expect(server.sandbox.baiduGeo.calls("list")).toBe(1);
  });

  it("refuses a submission id typed into prefetchTask with BAD_USER_INPUT naming taskId", async () => {
    const { submissionId, records } = multiRecordSubmission(server);
    const res = await server.gql(PrefetchTaskByIdDocument, {
      provider: "BAIDU_GEO",
      site: SITE,
      taskId: submissionId,
    });
    expect(res.data!.prefetchTask).toBeNull();
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]).toMatchObject({
      path: ["prefetchTask"],
      extensions: { code: "BAD_USER_INPUT", argumentName: "taskId" },
    });
    expect(res.errors![0]!.message).toContain(
      `is a Baidu prefetch submission with ${records.length} URL records; prefetch-graph serves each URL record as a task`,
    );
  });
});

describe("Baidu GEO lookups with the sandbox's default id query (submission or record ids)", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it("resolves a record id typed into prefetchTask, under the id its list row has", async () => {
    const [task] = await listUnfinished(server);
    server.sandbox.baiduGeo.resetCalls();
    const res = await server.gql(PrefetchTaskByIdDocument, {
      provider: "BAIDU_GEO",
      site: SITE,
      taskId: task!.taskId,
    });
    expect(res.errors).toBeUndefined();
    expect(res.data!.prefetchTask).toMatchObject({ id: task!.id, taskId: task!.taskId, site: SITE });
    expect(server.sandbox.baiduGeo.calls("byId")).toBe(1);
    expect(server.sandbox.baiduGeo.calls("list")).toBe(0);
  });
});
