import { request } from "undici";
import { startTestServer, type TestServer } from "../support/harness";

/**
 * Apollo's cache-control and inline-trace plugins hook every field resolution, so the server installs neither by
 * default (issue 8). What they stood for must still hold: no answer may be kept by a shared cache, and a router
 * that is configured for federated tracing gets its traces once the operator turns them on.
 */

const QUERY = { query: "{ providerAccounts { provider name } }" };

async function post(server: TestServer, headers: Record<string, string> = {}) {
  const res = await request(server.url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(QUERY),
  });
  const body = (await res.body.json()) as { data?: unknown; extensions?: { ftv1?: unknown } };
  return { status: res.statusCode, cacheControl: res.headers["cache-control"], body };
}

describe("GraphQL responses", () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it("carry cache-control: no-store, answers and errors alike", async () => {
    server = await startTestServer();
    const ok = await post(server);
    expect(ok.status).toBe(200);
    expect(ok.body.data).toBeDefined();
    expect(ok.cacheControl).toBe("no-store");
    const bad = await request(server.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ nope }" }),
    });
    await bad.body.dump();
    expect(bad.headers["cache-control"]).toBe("no-store");
  });

  it("carry no federated trace by default, even when a router asks for one", async () => {
    server = await startTestServer();
    const res = await post(server, { "apollo-federation-include-trace": "ftv1" });
    expect(res.body.data).toBeDefined();
    expect(res.body.extensions?.ftv1).toBeUndefined();
  });

  it("carry a federated trace when PREFETCH_GRAPH_FEDERATED_TRACING=on and the router asks", async () => {
    server = await startTestServer({ env: { PREFETCH_GRAPH_FEDERATED_TRACING: "on" } });
    const asked = await post(server, { "apollo-federation-include-trace": "ftv1" });
    expect(typeof asked.body.extensions?.ftv1).toBe("string");
    const notAsked = await post(server);
    expect(notAsked.body.extensions?.ftv1).toBeUndefined();
  });
});
