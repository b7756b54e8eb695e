import { Writable } from "node:stream";
import pino from "pino";
import { request } from "undici";
import { apiKeyDigest } from "../../src/access/api-keys";
import { ACCESS_CONTROL_OFF_WARNING } from "../../src/app";
import { encodeGlobalId } from "../../src/domain/global-id";
import { ProviderKind } from "../../src/domain/provider-kind";
import {
  daysBefore,
  postGraphQL,
  startTestServer,
  type GraphQLResponse,
  type TestServer,
} from "../support/harness";
import { writeTempFile } from "../support/temp-files";

const WWW = "www.example.com";
const STATIC = "static.example.com";

/** The keys clients send; the file holds only their hashes. */
const KEYS = {
  ops: "ops-key-0123456789abcdef",
  wangsuStatic: "wangsu-static-key-0123456789",
  all: "all-key-0123456789abcdef",
  other: "other-key-0123456789abcdef",
  router: "router-key-0123456789abcdef",
};

function keysFile(): string {
  return writeTempFile("api-keys.json", {
    keys: [
      {
        name: "ops",
        sha256: apiKeyDigest(KEYS.ops),
        allow: [{ provider: "BAIDU_GEO", account: "sandbox", sites: [WWW] }],
      },
      {
        name: "wangsu-static",
        sha256: apiKeyDigest(KEYS.wangsuStatic),
        allow: [{ provider: "WANGSU_CDN_PRO", account: "*", sites: [STATIC] }],
      },
      { name: "all", sha256: apiKeyDigest(KEYS.all), allow: [{ provider: "*", account: "*" }] },
      { name: "other", sha256: apiKeyDigest(KEYS.other), allow: [{ provider: "*", account: "*" }] },
      {
        name: "router",
        sha256: apiKeyDigest(KEYS.router),
        allow: [{ provider: "*", account: "*" }],
        federation: true,
      },
    ],
  });
}

const LIST = `query ($provider: ProviderKind!, $account: String, $site: String, $s: DateTime, $e: DateTime) {
  prefetchTasks(provider: $provider, account: $account, site: $site, startTime: $s, endTime: $e, first: 3) {
    nodes { id taskId site }
  }
}`;
const NODE = `query ($id: ID!) { node(id: $id) { id ... on PrefetchTask { taskId } } }`;
const NODES = `query ($ids: [ID!]!) { nodes(ids: $ids) { id ... on PrefetchTask { taskId } } }`;
const TASK = `query ($provider: ProviderKind!, $site: String, $taskId: String!) {
  prefetchTask(provider: $provider, site: $site, taskId: $taskId) { taskId }
}`;
const ACCOUNTS = `{ providerAccounts { provider name } }`;
const SERVICE = `{ _service { sdl } }`;
const ENTITIES = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on PrefetchTask { taskId } } }`;

type Listed = { prefetchTasks: { nodes: { id: string; taskId: string; site: string | null }[] } | null };

function as(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}` };
}

function codes(res: GraphQLResponse<unknown>): unknown[] {
  return (res.errors ?? []).map((e) => e.extensions?.code);
}

describe("access control with API keys", () => {
  let server: TestServer;
  let window: { s: string; e: string };
  const calls = (): number => server.sandbox.baiduGeo.calls() + server.sandbox.wangsuCdnPro.calls();
  const baiduId = (site: string, taskId: string): string =>
    encodeGlobalId({ provider: ProviderKind.BAIDU_GEO, account: "sandbox", site, taskId });
  const wangsuId = (taskId: string): string =>
    encodeGlobalId({ provider: ProviderKind.WANGSU_CDN_PRO, account: "sandbox", site: null, taskId });

  beforeAll(async () => {
    server = await startTestServer({ env: { PREFETCH_GRAPH_API_KEYS: keysFile() } });
    const anchor = server.sandbox.baiduGeo.anchor;
    window = { s: daysBefore(anchor, 7).toISOString(), e: anchor.toISOString() };
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.sandbox.baiduGeo.resetCalls();
    server.sandbox.wangsuCdnPro.resetCalls();
  });

  it("answers a request without a key with HTTP 401 UNAUTHENTICATED and asks no provider", async () => {
    const res = await postGraphQL<Listed>(server.url, {
      query: LIST,
      variables: { provider: "BAIDU_GEO", site: WWW, ...window },
    });
    expect(res.status).toBe(401);
    expect(res.data).toBeUndefined();
    expect(codes(res)).toEqual(["UNAUTHENTICATED"]);
    expect(calls()).toBe(0);
  });

  it("answers an unknown key the same way, with a Bearer challenge", async () => {
    const res = await request(server.url, {
      method: "POST",
      headers: { "content-type": "application/json", ...as("not-a-configured-key") },
      body: JSON.stringify({ query: ACCOUNTS }),
    });
    expect(res.statusCode).toBe(401);
    expect(res.headers["www-authenticate"]).toBe('Bearer realm="prefetch-graph"');
    const body = (await res.body.json()) as GraphQLResponse<unknown>;
    expect(codes(body)).toEqual(["UNAUTHENTICATED"]);
    expect(JSON.stringify(body)).not.toContain("not-a-configured-key");
    expect(calls()).toBe(0);
  });

  it("serves /healthz, /readyz and the GraphiQL page without a key", async () => {
    for (const path of ["/healthz", "/readyz", "/graphiql"]) {
      const res = await request(new URL(path, server.url));
      expect(res.statusCode).toBe(200);
      await res.body.dump();
    }
  });

  it("lists an allowed account's allowed site", async () => {
    const res = await postGraphQL<Listed>(
      server.url,
      { query: LIST, variables: { provider: "BAIDU_GEO", site: WWW, ...window } },
      as(KEYS.ops),
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.prefetchTasks!.nodes).toHaveLength(3);
    expect(res.data!.prefetchTasks!.nodes.every((t) => t.site === WWW)).toBe(true);
  });

  it("refuses a list of a site, an account or a provider the key does not allow with FORBIDDEN, before any call", async () => {
    const asked = [
      { provider: "BAIDU_GEO", site: STATIC },
      { provider: "BAIDU_GEO", account: "elsewhere", site: WWW },
      { provider: "WANGSU_CDN_PRO", site: WWW },
    ];
    for (const variables of asked) {
      const res = await postGraphQL<Listed>(
        server.url,
        { query: LIST, variables: { ...variables, ...window } },
        as(KEYS.ops),
      );
      expect(res.status).toBe(200);
      expect(res.data?.prefetchTasks).toBeNull();
      expect(codes(res)).toEqual(["FORBIDDEN"]);
    }
    expect(calls()).toBe(0);
  });

  it("answers null, without an error or a call, for tasks by id of a site or account the key does not allow", async () => {
    const [staticTask] = server.sandbox.baiduGeo.recordIds(STATIC);
    const [wangsuTask] = server.sandbox.wangsuCdnPro.taskIds({
      start: daysBefore(server.sandbox.wangsuCdnPro.anchor, 59),
      end: server.sandbox.wangsuCdnPro.anchor,
    });
    const node = await postGraphQL<{ node: unknown }>(
      server.url,
      { query: NODE, variables: { id: baiduId(STATIC, staticTask!) } },
      as(KEYS.ops),
    );
    expect(node.errors).toBeUndefined();
    expect(node.data).toEqual({ node: null });
    const nodes = await postGraphQL<{ nodes: unknown[] }>(
      server.url,
      { query: NODES, variables: { ids: [baiduId(STATIC, staticTask!), wangsuId(wangsuTask!)] } },
      as(KEYS.ops),
    );
    expect(nodes.errors).toBeUndefined();
    expect(nodes.data).toEqual({ nodes: [null, null] });
    for (const variables of [
      { provider: "BAIDU_GEO", site: STATIC, taskId: staticTask },
      { provider: "WANGSU_CDN_PRO", taskId: wangsuTask },
    ]) {
      const typed = await postGraphQL<{ prefetchTask: unknown }>(
        server.url,
        { query: TASK, variables },
        as(KEYS.ops),
      );
      expect(typed.errors).toBeUndefined();
      expect(typed.data).toEqual({ prefetchTask: null });
    }
    expect(calls()).toBe(0);
  });

  it("still answers a task by id that the key allows", async () => {
    const [wwwTask] = server.sandbox.baiduGeo.recordIds(WWW);
    const res = await postGraphQL<{ node: { taskId: string } | null }>(
      server.url,
      { query: NODE, variables: { id: baiduId(WWW, wwwTask!) } },
      as(KEYS.ops),
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.node!.taskId).toBe(wwwTask);
  });

  it("lists only the accounts the key allows in providerAccounts", async () => {
    const ops = await postGraphQL<{ providerAccounts: unknown[] }>(
      server.url,
      { query: ACCOUNTS },
      as(KEYS.ops),
    );
    expect(ops.data!.providerAccounts).toEqual([{ provider: "BAIDU_GEO", name: "sandbox" }]);
    const all = await postGraphQL<{ providerAccounts: unknown[] }>(
      server.url,
      { query: ACCOUNTS },
      as(KEYS.all),
    );
    expect(all.data!.providerAccounts).toHaveLength(2);
  });

  it("serves _service and _entities to the router's key only", async () => {
    const [wwwTask] = server.sandbox.baiduGeo.recordIds(WWW);
    const representations = [{ __typename: "PrefetchTask", id: baiduId(WWW, wwwTask!) }];
    for (const key of [KEYS.ops, KEYS.all]) {
      const service = await postGraphQL<{ _service: unknown }>(server.url, { query: SERVICE }, as(key));
      expect(codes(service)).toEqual(["FORBIDDEN"]);
      expect(service.data).toBeNull();
      const entities = await postGraphQL<{ _entities: unknown }>(
        server.url,
        { query: ENTITIES, variables: { r: representations } },
        as(key),
      );
      expect(codes(entities)).toEqual(["FORBIDDEN"]);
    }
    expect(calls()).toBe(0);

    const service = await postGraphQL<{ _service: { sdl: string } }>(
      server.url,
      { query: SERVICE },
      as(KEYS.router),
    );
    expect(service.data!._service.sdl).toContain("type PrefetchTask");
    const entities = await postGraphQL<{ _entities: { taskId: string }[] }>(
      server.url,
      { query: ENTITIES, variables: { r: representations } },
      as(KEYS.router),
    );
    expect(entities.errors).toBeUndefined();
    expect(entities.data!._entities).toEqual([{ taskId: wwwTask }]);
  });

  describe("a site-restricted Wangsu key (Wangsu ids name no site)", () => {
    const wangsuWindow = (): { start: Date; end: Date } => ({
      start: daysBefore(server.sandbox.wangsuCdnPro.anchor, 59),
      end: server.sandbox.wangsuCdnPro.anchor,
    });

    it("must name an allowed site to list", async () => {
      const variables = { provider: "WANGSU_CDN_PRO", ...window };
      const bare = await postGraphQL<Listed>(server.url, { query: LIST, variables }, as(KEYS.wangsuStatic));
      expect(codes(bare)).toEqual(["FORBIDDEN"]);
      expect(calls()).toBe(0);
      const allowed = await postGraphQL<Listed>(
        server.url,
        { query: LIST, variables: { ...variables, site: STATIC } },
        as(KEYS.wangsuStatic),
      );
      expect(allowed.errors).toBeUndefined();
      expect(allowed.data!.prefetchTasks!.nodes.length).toBeGreaterThan(0);
      // Wangsu list rows lack their URLs: completing them by id passes the same gate, and passes.
      const withTargets = await postGraphQL<Listed>(
        server.url,
        {
          query: LIST.replace("site }", "site targets { url } }"),
          variables: { ...variables, site: STATIC },
        },
        as(KEYS.wangsuStatic),
      );
      expect(withTargets.errors).toBeUndefined();
    });

    it("sees a task by id only where its URLs touch an allowed site", async () => {
      const touchingStatic = new Set(server.sandbox.wangsuCdnPro.taskIds(wangsuWindow(), STATIC));
      const wwwOnly = server.sandbox.wangsuCdnPro
        .taskIds(wangsuWindow(), WWW)
        .find((id) => !touchingStatic.has(id));
      const [onStatic] = touchingStatic;
      const res = await postGraphQL<{ nodes: ({ taskId: string } | null)[] }>(
        server.url,
        { query: NODES, variables: { ids: [wangsuId(wwwOnly!), wangsuId(onStatic!)] } },
        as(KEYS.wangsuStatic),
      );
      expect(res.errors).toBeUndefined();
      expect(res.data!.nodes).toEqual([null, expect.objectContaining({ taskId: onStatic })]);
      // Only the task says which sites it touches: both were looked up.
      expect(server.sandbox.wangsuCdnPro.calls("detail")).toBe(2);
    });
  });
});

describe("the key's name as the caller of fair shares", () => {
  let server: TestServer;
  beforeAll(async () => {
    // 10 calls per 300 s: one per operation (a tenth), five per caller (a half).
    server = await startTestServer({
      env: { PREFETCH_GRAPH_API_KEYS: keysFile() },
      sandbox: { wangsuRateLimit: { points: 10, durationSeconds: 300 } },
    });
  });
  afterAll(() => server.close());

  it("gives two keys from one address a share each", async () => {
    const anchor = server.sandbox.wangsuCdnPro.anchor;
    const taskIds = server.sandbox.wangsuCdnPro
      .taskIds({ start: daysBefore(anchor, 59), end: anchor })
      .slice(0, 7);
    const lookup = (key: string, taskId: string): Promise<GraphQLResponse<{ prefetchTask: unknown }>> =>
      postGraphQL(server.url, { query: TASK, variables: { provider: "WANGSU_CDN_PRO", taskId } }, as(key));
    for (const taskId of taskIds.slice(0, 5)) expect((await lookup(KEYS.all, taskId)).errors).toBeUndefined();
    const refused = await lookup(KEYS.all, taskIds[5]!);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: "UPSTREAM_RATE_LIMITED", limit: "CALLER" });
    const answered = await lookup(KEYS.other, taskIds[6]!);
    expect(answered.errors).toBeUndefined();
    expect(answered.data).toEqual({ prefetchTask: { taskId: taskIds[6] } });
  });
});

describe("the start-up warning", () => {
  async function startUpLines(env: Record<string, string>): Promise<{ level: number; msg: string }[]> {
    const lines: { level: number; msg: string }[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(JSON.parse(chunk.toString("utf8")) as { level: number; msg: string });
        done();
      },
    });
    const server = await startTestServer({
      env: { NODE_ENV: "production", PREFETCH_GRAPH_SANDBOX: "on", ...env },
      logger: pino({ level: "info" }, sink),
    });
    await server.close();
    return lines;
  }

  it("warns loudly in production when access control is off", async () => {
    const lines = await startUpLines({});
    expect(lines).toContainEqual(expect.objectContaining({ level: 40, msg: ACCESS_CONTROL_OFF_WARNING }));
  });

  it("does not warn when keys are configured", async () => {
    const lines = await startUpLines({ PREFETCH_GRAPH_API_KEYS: keysFile() });
    expect(lines.map((l) => l.msg)).not.toContain(ACCESS_CONTROL_OFF_WARNING);
    expect(lines.map((l) => l.msg)).toContain("access control on");
  });
});
