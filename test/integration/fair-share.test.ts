import { setTimeout as sleep } from "node:timers/promises";
import { Agent, request, type Dispatcher } from "undici";
import { encodeGlobalId } from "../../src/domain/global-id";
import { ProviderKind } from "../../src/domain/provider-kind";
import {
  daysBefore,
  postGraphQL,
  startTestServer,
  type GraphQLResponse,
  type TestServer,
} from "../support/harness";

// Raw documents rather than test/operations: nothing here is worth a generated type.
const NODES = `query ($ids: [ID!]!) { nodes(ids: $ids) { id ... on PrefetchTask { taskId } } }`;
const TASK = `query ($taskId: String!) { prefetchTask(provider: WANGSU_CDN_PRO, taskId: $taskId) { taskId } }`;
const BUDGETS = `{ providerAccounts { name provider budget { limit remaining windowSeconds resetAt } } }`;
const ENTITIES = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on PrefetchTask { taskId } } }`;

interface Budget {
  limit: number;
  remaining: number;
  windowSeconds: number;
  resetAt: string | null;
}
type Accounts = { providerAccounts: { name: string; provider: string; budget: Budget | null }[] };
type Nodes = { nodes: ({ id: string; taskId: string } | null)[] };

/** Upstream calls of one account in flight at once (UpstreamHttp's own bound). */
const SLOTS = 8;

/** Global ids of `n` distinct sandbox Wangsu tasks, from `skip` on: distinct, so no reuse answers them. */
function wangsuIds(server: TestServer, n: number, skip = 0): string[] {
  const anchor = server.sandbox.wangsuCdnPro.anchor;
  const ids = server.sandbox.wangsuCdnPro.taskIds({ start: daysBefore(anchor, 59), end: anchor });
  expect(ids.length).toBeGreaterThanOrEqual(skip + n);
  return ids
    .slice(skip, skip + n)
    .map((taskId) =>
      encodeGlobalId({ provider: ProviderKind.WANGSU_CDN_PRO, account: "sandbox", taskId, site: null }),
    );
}

function wangsuTaskIds(server: TestServer, n: number, skip = 0): string[] {
  const anchor = server.sandbox.wangsuCdnPro.anchor;
  return server.sandbox.wangsuCdnPro
    .taskIds({ start: daysBefore(anchor, 59), end: anchor })
    .slice(skip, skip + n);
}

/** POSTs an operation through `dispatcher`, e.g. one bound to another loopback address: another caller. */
async function postVia<T>(dispatcher: Dispatcher, url: string, body: unknown): Promise<GraphQLResponse<T>> {
  const res = await request(url, {
    method: "POST",
    dispatcher,
    headers: { "content-type": "application/json", accept: "application/graphql-response+json" },
    body: JSON.stringify(body),
  });
  const json = (await res.body.json()) as Omit<GraphQLResponse<T>, "status">;
  return { status: res.statusCode, ...json };
}

function codes(res: GraphQLResponse<unknown>): unknown[] {
  return (res.errors ?? []).map((e) => e.extensions?.code);
}

describe("an operation's share of a budgeted account", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(); // Wangsu's documented 300 calls per 300 s
  });
  afterAll(() => server.close());
  beforeEach(() => server.sandbox.wangsuCdnPro.resetCalls());

  it("lets one operation spend at most a tenth of the window: 30 of 40 lookups go out, 10 fail typed", async () => {
    const ids = wangsuIds(server, 40);
    const res = await postGraphQL<Nodes>(server.url, { query: NODES, variables: { ids } });
    expect(res.errors).toHaveLength(10);
    for (const error of res.errors!) {
      expect(error.extensions).toEqual({
        code: "OPERATION_LIMIT_EXCEEDED",
        provider: "WANGSU_CDN_PRO",
        account: "sandbox",
        maxAccountCalls: 30,
      });
      expect(error.path?.[0]).toBe("nodes");
    }
    expect(res.data!.nodes.filter((n) => n !== null)).toHaveLength(30);
    expect(server.sandbox.wangsuCdnPro.calls("detail")).toBe(30);
  });

  it("gives the next operation a share of its own", async () => {
    const res = await postGraphQL<Nodes>(server.url, {
      query: NODES,
      variables: { ids: wangsuIds(server, 5, 40) },
    });
    expect(res.errors).toBeUndefined();
    expect(server.sandbox.wangsuCdnPro.calls("detail")).toBe(5);
  });
});

describe("a caller's share of a budgeted account", () => {
  let server: TestServer;
  const other = new Agent({ localAddress: "127.0.0.2" });
  beforeAll(async () => {
    // 10 calls per 300 s: one per operation (a tenth), five per caller (a half).
    server = await startTestServer({ sandbox: { wangsuRateLimit: { points: 10, durationSeconds: 300 } } });
  });
  afterAll(async () => {
    await other.close();
    await server.close();
  });

  it("refuses a caller past its half with UPSTREAM_RATE_LIMITED, retryAfter and limit CALLER, while another caller still gets answers", async () => {
    const taskIds = wangsuTaskIds(server, 7);
    for (const taskId of taskIds.slice(0, 5)) {
      const ok = await postGraphQL(server.url, { query: TASK, variables: { taskId } });
      expect(ok.errors).toBeUndefined();
    }
    const refused = await postGraphQL<{ prefetchTask: unknown }>(server.url, {
      query: TASK,
      variables: { taskId: taskIds[5] },
    });
    expect(refused.data?.prefetchTask).toBeNull();
    expect(refused.errors?.[0]?.extensions).toMatchObject({
      code: "UPSTREAM_RATE_LIMITED",
      limit: "CALLER",
      provider: "WANGSU_CDN_PRO",
      account: "sandbox",
    });
    expect(refused.errors![0]!.extensions!.retryAfter).toBeGreaterThan(0);
    expect(refused.errors![0]!.extensions!.retryAfter).toBeLessThanOrEqual(301);
    expect(server.sandbox.wangsuCdnPro.calls("detail")).toBe(5);

    // The same server from 127.0.0.2: another client address, another caller.
    const answered = await postVia<{ prefetchTask: { taskId: string } }>(other, server.url, {
      query: TASK,
      variables: { taskId: taskIds[6] },
    });
    expect(answered.errors).toBeUndefined();
    expect(answered.data!.prefetchTask.taskId).toBe(taskIds[6]);
    expect(server.sandbox.wangsuCdnPro.calls("detail")).toBe(6);
  });
});

describe("entity representations", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  const representations = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ __typename: "PrefetchTask", id: `not-ours-${i}` }));

  it("refuses more than 100 with BAD_USER_INPUT naming representations, before any upstream call", async () => {
    server.sandbox.wangsuCdnPro.resetCalls();
    server.sandbox.baiduGeo.resetCalls();
    const ids = wangsuIds(server, 101).map((id) => ({ __typename: "PrefetchTask", id }));
    const res = await postGraphQL(server.url, { query: ENTITIES, variables: { r: ids } });
    expect(res.data ?? null).toBeNull();
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]!.extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      argumentName: "representations",
    });
    expect(server.sandbox.wangsuCdnPro.calls() + server.sandbox.baiduGeo.calls()).toBe(0);
  });

  it("takes 100, as nodes takes 100 ids", async () => {
    const res = await postGraphQL<{ _entities: unknown[] }>(server.url, {
      query: ENTITIES,
      variables: { r: representations(100) },
    });
    expect(res.errors).toBeUndefined();
    expect(res.data!._entities).toHaveLength(100);
  });
});

describe("an account under overload", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { PREFETCH_GRAPH_UPSTREAM_QUEUE: "2" } });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.sandbox.wangsuCdnPro.setFault(null);
    server.sandbox.wangsuCdnPro.resetCalls();
  });

  it("refuses calls past its slots and a full queue at once with UPSTREAM_OVERLOADED, and never sends them", async () => {
    server.sandbox.wangsuCdnPro.setFault({ kind: "delay", ms: 300 });
    const res = await postGraphQL<Nodes>(server.url, {
      query: NODES,
      variables: { ids: wangsuIds(server, 20) },
    });
    expect(codes(res)).toEqual(Array(10).fill("UPSTREAM_OVERLOADED"));
    for (const error of res.errors!) {
      expect(error.extensions).toMatchObject({
        provider: "WANGSU_CDN_PRO",
        account: "sandbox",
        retryAfter: 1,
      });
    }
    expect(res.data!.nodes.filter((n) => n !== null)).toHaveLength(SLOTS + 2);
    expect(server.sandbox.wangsuCdnPro.calls("detail")).toBe(SLOTS + 2);
  });

  it("never sends the calls still queued for a client that disconnected", async () => {
    server.sandbox.wangsuCdnPro.setFault({ kind: "delay", ms: 500 });
    await expect(
      request(server.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: NODES, variables: { ids: wangsuIds(server, SLOTS + 2, 20) } }),
        signal: AbortSignal.timeout(150),
      }),
    ).rejects.toThrow();
    // Long enough for the queued calls to have gone out, had they not left the queue.
    await sleep(1_000);
    expect(server.sandbox.wangsuCdnPro.calls("detail")).toBe(SLOTS);
  });
});

describe("ProviderAccount.budget", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  async function budgets(): Promise<Record<string, Budget | null>> {
    const res = await postGraphQL<Accounts>(server.url, { query: BUDGETS });
    expect(res.errors).toBeUndefined();
    return Object.fromEntries(res.data!.providerAccounts.map((a) => [a.provider, a.budget]));
  }

  it("shows a whole budget before any call, then drops by exactly the calls made; Baidu has none", async () => {
    server.sandbox.wangsuCdnPro.resetCalls();
    const before = await budgets();
    expect(before).toEqual({
      BAIDU_GEO: null,
      WANGSU_CDN_PRO: { limit: 300, remaining: 300, windowSeconds: 301, resetAt: null },
    });

    for (const taskId of wangsuTaskIds(server, 3)) {
      const res = await postGraphQL(server.url, { query: TASK, variables: { taskId } });
      expect(res.errors).toBeUndefined();
    }
    const after = await budgets();
    expect(server.sandbox.wangsuCdnPro.calls()).toBe(3);
    expect(after.WANGSU_CDN_PRO).toMatchObject({ limit: 300, remaining: 297, windowSeconds: 301 });
    // A window runs now: it has an end.
    expect(after.WANGSU_CDN_PRO!.resetAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    // Reading the budget costs nothing.
    expect((await budgets()).WANGSU_CDN_PRO!.remaining).toBe(297);
    expect(server.sandbox.wangsuCdnPro.calls()).toBe(3);
  });
});
