import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type Browser } from "playwright-core";
import { startTestServer, type TestServer } from "../support/harness";
import { launchChromium, SKIP_BROWSER } from "../support/browser";

const QUERY = `{ prefetchTasks(provider: BAIDU_GEO, site: "www.example.com", first: 1) { nodes { taskId } } }`;

/** What the page's fetch came to: the answer it could read, or the error it got. */
type Outcome = { status: number; taskId: string | null; requestId: string | null } | { error: string };

/**
 * A browser client's page: on load it POSTs the operation as JSON (a request browsers preflight) to the API on
 * another origin and keeps the outcome in `window.outcome`.
 */
function clientPage(apiUrl: string): string {
  return `<!doctype html><meta charset="utf-8"><title>client</title><script>
window.outcome = fetch(${JSON.stringify(apiUrl)}, {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ query: ${JSON.stringify(QUERY)} }),
}).then(
  async (res) => {
    const body = await res.json();
    return { status: res.status, taskId: body.data?.prefetchTasks?.nodes?.[0]?.taskId ?? null, requestId: res.headers.get("x-request-id") };
  },
  (err) => ({ error: err.name + ": " + err.message }),
);
</script>`;
}

async function servePage(html: () => string): Promise<{ origin: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
    res.end(html());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

(SKIP_BROWSER ? describe.skip : describe)("a browser client on another origin", () => {
  let api: TestServer;
  let allowed: { origin: string; server: Server };
  let other: { origin: string; server: Server };
  let browser: Browser;
  /** Method and Origin of every request the API server received. */
  const received: { method: string; origin: string | undefined }[] = [];

  beforeAll(async () => {
    // The pages are served before the API starts, so that the allowed origin (its port) is known to its config.
    allowed = await servePage(() => clientPage(api.url));
    other = await servePage(() => clientPage(api.url));
    api = await startTestServer({ env: { PREFETCH_GRAPH_CORS_ORIGINS: allowed.origin } });
    api.app.server.http.on("request", (req: { method?: string; headers: { origin?: string } }) =>
      received.push({ method: req.method ?? "", origin: req.headers.origin }),
    );
    browser = await launchChromium();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await Promise.all(
      [allowed, other].map((p) => p && new Promise<void>((resolve) => p.server.close(() => resolve()))),
    );
  });

  beforeEach(() => {
    received.length = 0;
    api.sandbox.baiduGeo.resetCalls();
  });

  /** Opens the page in a fresh context (no preflight cache) and waits for its fetch's outcome. */
  async function run(origin: string): Promise<Outcome> {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);
      await page.goto(`${origin}/`, { waitUntil: "load" });
      return await page.evaluate<Outcome>("window.outcome");
    } finally {
      await context.close();
    }
  }

  it("gets data from the API when its origin is listed, after a preflight", async () => {
    const outcome = await run(allowed.origin);
    expect(outcome).toEqual({ status: 200, taskId: expect.any(String), requestId: expect.any(String) });
    expect(received).toEqual([
      { method: "OPTIONS", origin: allowed.origin },
      { method: "POST", origin: allowed.origin },
    ]);
    expect(api.sandbox.baiduGeo.calls()).toBeGreaterThan(0);
  });

  it("fails with a TypeError when its origin is not listed, and the operation never runs", async () => {
    const outcome = await run(other.origin);
    expect(outcome).toEqual({ error: expect.stringMatching(/^TypeError: /) });
    // The browser stopped at the refused preflight: no POST reached the server, no provider was called.
    expect(received).toEqual([{ method: "OPTIONS", origin: other.origin }]);
    expect(api.sandbox.baiduGeo.calls()).toBe(0);
  });
});
