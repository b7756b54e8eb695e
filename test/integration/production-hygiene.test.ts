import { decodeGlobalId, encodeGlobalId } from "../../src/domain/global-id";
import type { TaskRef } from "../../src/domain/prefetch-task";
import { taskRefRules } from "../../src/graphql/validators";
import { PrefetchTasksPageDocument } from "../__generated__/graphql";
import { daysBefore, postGraphQL, startTestServer, type TestServer } from "../support/harness";
import { captureLogs } from "../support/log-capture";

const SITE = "www.example.com";
/** The sandbox serves in production only when asked to; GraphiQL, and with it introspection, stay off. */
const PRODUCTION = { NODE_ENV: "production", PREFETCH_GRAPH_SANDBOX: "on" };

type LogLine = Record<string, unknown> & { level: number; msg: string };

describe("production hygiene", () => {
  /** Parsed, and raw as written, to measure what a client can make the server write. */
  const { logger, lines, raw } = captureLogs<LogLine>("info");
  let server: TestServer;
  let development: TestServer;
  let real: TaskRef;

  beforeAll(async () => {
    [server, development] = await Promise.all([
      startTestServer({ env: PRODUCTION, logger }),
      startTestServer(),
    ]);
    const anchor = server.sandbox.baiduGeo.anchor;
    const page = await server.gql(PrefetchTasksPageDocument, {
      provider: "BAIDU_GEO",
      site: SITE,
      startTime: daysBefore(anchor, 3).toISOString(),
      endTime: anchor.toISOString(),
      first: 1,
    });
    const id = page.data!.prefetchTasks!.edges[0]!.node.id;
    real = decodeGlobalId(id, taskRefRules(new Date()))!;
    expect(real).not.toBeNull();
  });
  afterAll(() => Promise.all([server.close(), development.close()]));
  beforeEach(() => {
    server.sandbox.baiduGeo.resetCalls();
    server.sandbox.wangsuCdnPro.resetCalls();
    lines.length = 0;
    raw.length = 0;
  });

  const upstreamCalls = (): number => server.sandbox.baiduGeo.calls() + server.sandbox.wangsuCdnPro.calls();
  const post = (body: unknown, on: TestServer = server) => postGraphQL<Record<string, unknown>>(on.url, body);

  describe("schema hints", () => {
    const misspelledField = {
      query: `{ prefetchTask(provider: BAIDU_GEO, site: "${SITE}", taskId: "t1") { idd } }`,
    };
    const misspelledEnum = {
      query: `query Q($p: ProviderKind!) { providerAccounts { name } prefetchTask(provider: $p, site: "${SITE}", taskId: "t1") { id } }`,
      variables: { p: "BAIDU_GEOX" },
    };

    it("are left out of validation and variable errors in production", async () => {
      for (const body of [misspelledField, misspelledEnum]) {
        const res = await post(body);
        expect(res.errors?.length).toBeGreaterThan(0);
        expect(JSON.stringify(res.errors)).not.toMatch(/Did you mean/);
      }
    });

    it("are left out in production even where GraphiQL and introspection are switched on", async () => {
      const open = await startTestServer({ env: { ...PRODUCTION, PREFETCH_GRAPH_GRAPHIQL: "on" } });
      try {
        for (const body of [misspelledField, misspelledEnum]) {
          const res = await post(body, open);
          expect(res.errors?.length).toBeGreaterThan(0);
          expect(JSON.stringify(res.errors)).not.toMatch(/Did you mean/);
        }
      } finally {
        await open.close();
      }
    });

    it("are still given in development, where introspection shows the schema anyway", async () => {
      const field = await post(misspelledField, development);
      expect(field.errors?.[0]?.message).toMatch(/Did you mean "id"\?/);
      const value = await post(misspelledEnum, development);
      expect(value.errors?.[0]?.message).toMatch(/Did you mean the enum value "BAIDU_GEO"\?/);
    });
  });

  describe("_entities with a representation of no entity", () => {
    const entities = (representations: unknown[]) =>
      post({
        query: `query E($r: [_Any!]!) { _entities(representations: $r) { ... on PrefetchTask { id } } }`,
        variables: { r: representations },
      });

    it.each([
      ["an unknown __typename", { __typename: "Nope", id: "x" }],
      ["no __typename", { id: "UHJlZmV0Y2hUYXNrOjE" }],
      ["a type that is not an entity", { __typename: "PrefetchConnection" }],
    ])("is BAD_USER_INPUT naming representations for %s, with no upstream call", async (_what, bad) => {
      const res = await entities([{ __typename: "PrefetchTask", id: encodeGlobalId(real) }, bad]);
      expect(res.errors).toHaveLength(1);
      expect(res.errors![0]!.extensions).toMatchObject({
        code: "BAD_USER_INPUT",
        argumentName: "representations",
      });
      expect(res.errors![0]!.message).toContain("representations[1]");
      expect(upstreamCalls()).toBe(0);
    });

    it("is logged at info, as the operation's error code, not at error with a stack", async () => {
      await entities([{ __typename: "Nope" }]);
      await entities([{}]);
      expect(lines.filter((l) => l.level >= 40)).toEqual([]);
      const ops = lines.filter((l) => l.msg === "operation");
      expect(ops.map((l) => [l.level, l.errorCodes])).toEqual([
        [30, ["BAD_USER_INPUT"]],
        [30, ["BAD_USER_INPUT"]],
      ]);
      expect(raw.join("\n")).not.toMatch(/stack/);
    });
  });

  describe("a 1,000,000-character operation name", () => {
    const name = "A".repeat(1_000_000);

    it.each([
      ["sent as operationName", { query: "query Short { __typename }", operationName: name }],
      ["given in the document", { query: `query ${name} { __typename }` }],
    ])("is logged in a few hundred characters when %s", async (_how, body) => {
      await post(body);
      expect(lines.filter((l) => l.msg === "operation")).toHaveLength(1);
      expect(raw.length).toBeGreaterThan(0);
      for (const line of raw) expect(line.length).toBeLessThan(2_000);
    });
  });

  describe("a forged global id", () => {
    const forgeries: [string, () => string][] = [
      // 999999999999 s is the year 33658: Baidu would have been asked for a listing of that second.
      [
        "a createdAt in the year 33658",
        () => encodeGlobalId({ ...real, taskId: "no-such-task", createdAt: new Date(999_999_999_999_000) }),
      ],
      ["a site that is not a hostname", () => encodeGlobalId({ ...real, site: "evil.example.com/../x" })],
      [
        "a site on a Wangsu CDN Pro id",
        () => encodeGlobalId({ provider: "WANGSU_CDN_PRO", account: "default", site: SITE, taskId: "t1" }),
      ],
      ["a 300-character task id", () => encodeGlobalId({ ...real, taskId: "t".repeat(300) })],
    ];

    it.each(forgeries)(
      "with %s is null in node, nodes, prefetchTasksByIds and _entities, with no upstream call",
      async (_what, forge) => {
        const id = forge();
        const res = await post({
          query: `query F($id: ID!, $r: [_Any!]!) {
          node(id: $id) { id }
          nodes(ids: [$id]) { id }
          prefetchTasksByIds(ids: [$id]) { id }
          _entities(representations: $r) { ... on PrefetchTask { id } }
        }`,
          variables: { id, r: [{ __typename: "PrefetchTask", id }] },
        });
        expect(res.errors).toBeUndefined();
        expect(res.data).toEqual({
          node: null,
          nodes: [null],
          prefetchTasksByIds: [null],
          _entities: [null],
        });
        expect(upstreamCalls()).toBe(0);
      },
    );

    it("is told from a genuine id, which still resolves", async () => {
      const res = await post({
        query: `query G($id: ID!) { node(id: $id) { id } }`,
        variables: { id: encodeGlobalId(real) },
      });
      expect(res.data).toEqual({ node: { id: encodeGlobalId(real) } });
    });
  });
});
