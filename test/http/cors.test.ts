import { request } from "undici";
import { apiKeyDigest } from "../../src/access/api-keys";
import { startTestServer, type TestServer } from "../support/harness";
import { writeTempFile } from "../support/temp-files";

const APP = "http://app.example.test:3000";
const OTHER = "http://evil.example.test";
const KEY = "browser-key-0123456789abcdef";
const QUERY = `{ prefetchTasks(provider: BAIDU_GEO, site: "www.example.com", first: 1) { nodes { taskId } } }`;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

async function send(
  url: string,
  method: "OPTIONS" | "POST",
  headers: Record<string, string>,
  body?: string,
): Promise<Answer> {
  const res = await request(url, { method, headers, ...(body !== undefined ? { body } : {}) });
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
}

function preflight(
  url: string,
  origin: string,
  requestHeaders = "content-type, authorization",
): Promise<Answer> {
  return send(url, "OPTIONS", {
    origin,
    "access-control-request-method": "POST",
    "access-control-request-headers": requestHeaders,
  });
}

function post(
  url: string,
  headers: Record<string, string>,
  contentType = "application/json",
): Promise<Answer> {
  return send(url, "POST", { "content-type": contentType, ...headers }, JSON.stringify({ query: QUERY }));
}

function corsHeadersOf(answer: Answer): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(answer.headers).filter(([name]) => name.startsWith("access-control-")),
  );
}

describe("CORS with PREFETCH_GRAPH_CORS_ORIGINS and API keys", () => {
  let server: TestServer;

  beforeAll(async () => {
    const keys = writeTempFile("api-keys.json", {
      keys: [{ name: "browser", sha256: apiKeyDigest(KEY), allow: [{ provider: "*", account: "*" }] }],
    });
    server = await startTestServer({
      env: { PREFETCH_GRAPH_CORS_ORIGINS: `${APP},http://localhost:5173`, PREFETCH_GRAPH_API_KEYS: keys },
    });
  });
  afterAll(() => server.close());
  beforeEach(() => server.sandbox.baiduGeo.resetCalls());

  it("answers a preflight from a listed origin with 204 and the grant, without an API key", async () => {
    const res = await preflight(server.url, APP);
    expect(res.status).toBe(204);
    expect(res.body).toBe("");
    expect(res.headers.vary).toBe("Origin");
    expect(corsHeadersOf(res)).toEqual({
      "access-control-allow-origin": APP,
      "access-control-allow-methods": "GET, POST",
      "access-control-allow-headers":
        "content-type, authorization, apollo-require-preflight, x-apollo-operation-name, x-request-id, traceparent, tracestate",
      "access-control-max-age": "600",
    });
  });

  it("refuses a preflight from an unlisted origin with 403 and no grant", async () => {
    const res = await preflight(server.url, OTHER);
    expect(res.status).toBe(403);
    expect(res.headers.vary).toBe("Origin");
    expect(corsHeadersOf(res)).toEqual({});
    expect(JSON.parse(res.body)).toEqual({
      errors: [{ message: expect.any(String), extensions: { code: "CORS_ORIGIN_NOT_ALLOWED" } }],
    });
  });

  it("matches the origin exactly: the listed host on another port gets no grant", async () => {
    const res = await preflight(server.url, "http://app.example.test:3001");
    expect(res.status).toBe(403);
  });

  it("grants a listed origin's actual request, exposing x-request-id", async () => {
    const res = await post(server.url, { origin: APP, authorization: `Bearer ${KEY}` });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({
      data: { prefetchTasks: { nodes: [{ taskId: expect.any(String) }] } },
    });
    expect(res.headers.vary).toBe("Origin");
    expect(corsHeadersOf(res)).toEqual({
      "access-control-allow-origin": APP,
      "access-control-expose-headers": "x-request-id",
    });
  });

  it("lets a listed origin's page read a 401, so it can tell its user the key is missing", async () => {
    const res = await post(server.url, { origin: APP });
    expect(res.status).toBe(401);
    expect(res.headers["access-control-allow-origin"]).toBe(APP);
    expect(server.sandbox.baiduGeo.calls()).toBe(0);
  });

  it("adds no CORS header to an answer for an unlisted origin (CORS is not access control: the key is)", async () => {
    const res = await post(server.url, { origin: OTHER, authorization: `Bearer ${KEY}` });
    expect(res.status).toBe(200);
    expect(res.headers.vary).toBe("Origin");
    expect(corsHeadersOf(res)).toEqual({});
  });

  it("keeps CSRF prevention on: a simple cross-origin POST from a listed origin runs nothing", async () => {
    const res = await post(server.url, { origin: APP, authorization: `Bearer ${KEY}` }, "text/plain");
    expect(res.status).toBe(400);
    expect(res.body).toContain("Cross-Site Request Forgery");
    expect(server.sandbox.baiduGeo.calls()).toBe(0);
  });

  it("answers an OPTIONS that is not a preflight with the allowed methods", async () => {
    const res = await send(server.url, "OPTIONS", {});
    expect(res.status).toBe(204);
    expect(res.headers.allow).toBe("GET, POST, OPTIONS");
  });
});

describe("CORS when PREFETCH_GRAPH_CORS_ORIGINS is unset", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it("refuses every preflight with 403", async () => {
    const res = await preflight(server.url, APP);
    expect(res.status).toBe(403);
    expect(corsHeadersOf(res)).toEqual({});
  });

  it("adds no CORS header and no Vary to actual answers", async () => {
    const res = await post(server.url, { origin: APP });
    expect(res.status).toBe(200);
    expect(res.headers.vary).toBeUndefined();
    expect(corsHeadersOf(res)).toEqual({});
  });
});
