import { mkdirSync } from "node:fs";
import { join } from "node:path";
import pino from "pino";
import { type Browser, type Page } from "playwright-core";
import { createApp, type App } from "../../src/app";
import { loadConfig } from "../../src/config/load-config";
import { buildAppSchema } from "../../src/schema";
import { GRAPHQL_PATH } from "../../src/server";
import { launchChromium, SKIP_BROWSER } from "../support/browser";

const SCREENSHOT = join(__dirname, "..", "..", "test-output", "graphiql.png");

/**
 * Runs in the page: the result pane's text from CodeMirror 5's model, since its DOM holds only the lines in
 * view. Typed by hand because the project compiles without the DOM library. Serialised into the page, so
 * coverage instrumentation must leave it alone.
 */
/* istanbul ignore next */
function resultPaneText(): string {
  type Host = { CodeMirror?: { getValue(): string } };
  const { document } = globalThis as unknown as { document: { querySelector(s: string): Host | null } };
  return document.querySelector(".result-window .CodeMirror")?.CodeMirror?.getValue() ?? "";
}

(SKIP_BROWSER ? describe.skip : describe)("GraphiQL in a real browser", () => {
  let app: App;
  let origin: string;
  let browser: Browser;
  let page: Page;
  const requested: string[] = [];
  const problems: string[] = [];
  let result: string;
  let rendered: string;

  beforeAll(async () => {
    app = await createApp(
      loadConfig({ PREFETCH_GRAPH_CURSOR_SECRET: "e2e-tests-cursor-secret-0123456789abcdef" }),
      {
        logger: pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" }),
        schema: await buildAppSchema(),
      },
    );
    const address = await app.server.listen(0, "127.0.0.1");
    origin = `http://127.0.0.1:${address.port}`;

    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    page.setDefaultTimeout(20_000);
    page.on("request", (request) => requested.push(request.url()));
    // CSP violations and failed loads surface as console errors; uncaught exceptions as page errors.
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(`console: ${message.text()}`);
    });
    page.on("pageerror", (error) => problems.push(`page: ${error.message}`));

    await page.goto(`${origin}/graphiql`, { waitUntil: "load" });
    await page.locator(".graphiql-execute-button").click();
    // What a user sees: the response's first key rendered in the result pane.
    await page.locator(".result-window").getByText('"data"', { exact: true }).waitFor();
    result = await page.evaluate(resultPaneText);
    rendered = await page.locator(".result-window").innerText();
    mkdirSync(join(SCREENSHOT, ".."), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it("runs the example operation from the execute button and renders its result", () => {
    expect(rendered).toContain('"providerAccounts"');
    expect(rendered).toContain('"BaiduGeoPrefetch"');
  });

  it("gets data from both sandbox providers and no errors", () => {
    const body = JSON.parse(result) as {
      data: {
        providerAccounts: { name: string; provider: string; sandbox: boolean }[];
        baidu: { nodes: { providerDetails: { __typename: string } }[] };
        wangsu: { nodes: { providerDetails: { __typename: string } }[] };
      };
      errors?: unknown;
    };
    expect(body.errors).toBeUndefined();
    expect(body.data.providerAccounts).toEqual([
      { name: "sandbox", provider: "BAIDU_GEO", sandbox: true },
      { name: "sandbox", provider: "WANGSU_CDN_PRO", sandbox: true },
    ]);
    expect(body.data.baidu.nodes[0]?.providerDetails.__typename).toBe("BaiduGeoPrefetch");
    expect(body.data.wangsu.nodes[0]?.providerDetails.__typename).toBe("WangsuCdnProPrefetch");
  });

  it("sends the operation to the server's own /graphql", () => {
    expect(requested).toContain(`${origin}${GRAPHQL_PATH}`);
  });

  it("never makes a request outside the server's origin", () => {
    const foreign = requested.filter((url) => !url.startsWith("data:") && new URL(url).origin !== origin);
    expect(foreign).toEqual([]);
  });

  it("loads without a script error or a Content-Security-Policy violation", () => {
    expect(problems).toEqual([]);
  });
});
