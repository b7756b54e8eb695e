import { request } from "undici";
import { postGraphQL, startTestServer, type TestServer } from "../support/harness";

const INTROSPECTION = "{ __schema { queryType { name } } }";

async function get(url: string, accept: string): Promise<{ status: number; type: string }> {
  const res = await request(url, { headers: { accept } });
  await res.body.dump();
  return { status: res.statusCode, type: String(res.headers["content-type"] ?? "") };
}

describe.each([
  ["PREFETCH_GRAPH_GRAPHIQL=off", { PREFETCH_GRAPH_GRAPHIQL: "off" }],
  ["NODE_ENV=production", { NODE_ENV: "production", PREFETCH_GRAPH_SANDBOX: "on" }],
])("with %s", (_name, env) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env });
  });
  afterAll(() => server.close());

  it("serves no GraphiQL page", async () => {
    const origin = server.url.replace(/\/graphql$/, "");
    expect((await get(`${origin}/graphiql`, "text/html")).status).toBe(404);
    const page = await get(server.url, "text/html,application/xhtml+xml");
    expect(page.type).not.toContain("text/html");
  });

  it("refuses introspection", async () => {
    const res = await postGraphQL(server.url, { query: INTROSPECTION });
    expect(res.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(res.data ?? null).toBeNull();
  });
});

describe("by default outside production", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it("serves GraphiQL at /graphiql and to browsers at /graphql, and answers introspection", async () => {
    const origin = server.url.replace(/\/graphql$/, "");
    expect(await get(`${origin}/graphiql`, "text/html")).toMatchObject({
      status: 200,
      type: expect.stringContaining("text/html"),
    });
    expect(await get(server.url, "text/html,application/xhtml+xml")).toMatchObject({
      status: 200,
      type: expect.stringContaining("text/html"),
    });
    const res = await postGraphQL<{ __schema: { queryType: { name: string } } }>(server.url, {
      query: INTROSPECTION,
    });
    expect(res.data?.__schema.queryType.name).toBe("Query");
  });
});
