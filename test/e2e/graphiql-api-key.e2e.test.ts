import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, type Page } from "playwright-core";
import { apiKeyDigest } from "../../src/access/api-keys";
import { startTestServer, type TestServer } from "../support/harness";
import { writeTempFile } from "../support/temp-files";
import { launchChromium, SKIP_BROWSER } from "../support/browser";

const SCREENSHOT = join(__dirname, "..", "..", "test-output", "graphiql-api-key.png");

/** The key a person types into GraphiQL's Headers tab; the server's file holds only its hash. */
const KEY = "graphiql-person-key-0123456789abcdef";
const HEADERS = `{"authorization": "Bearer ${KEY}"}`;
const OPERATION = "{ providerAccounts { name provider } }";

type Body = {
  data?: { providerAccounts: { name: string; provider: string }[] } | null;
  errors?: { message: string; extensions?: { code?: string } }[];
};

/**
 * Run in the page: the text of the CodeMirror 5 editor under `selector`, from its model (its DOM holds only the
 * lines in view). Typed by hand because the project compiles without the DOM library. Serialised into the page,
 * so coverage instrumentation must leave these alone.
 */
/* istanbul ignore next */
function editorText(selector: string): string {
  type Host = { CodeMirror?: { getValue(): string } };
  const { document } = globalThis as unknown as { document: { querySelector(s: string): Host | null } };
  return document.querySelector(selector)?.CodeMirror?.getValue() ?? "";
}

/* istanbul ignore next */
function clearEditor(selector: string): void {
  type Host = { CodeMirror?: { setValue(v: string): void } };
  const { document } = globalThis as unknown as { document: { querySelector(s: string): Host | null } };
  document.querySelector(selector)?.CodeMirror?.setValue("");
}

const RESULT_PANE = ".result-window .CodeMirror";
const HEADERS_EDITOR = ".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror";

(SKIP_BROWSER ? describe.skip : describe)("GraphiQL's Headers tab is enough to use an API key", () => {
  let server: TestServer;
  let origin: string;
  let browser: Browser;
  let page: Page;
  /** The authorization header of each POST that carried OPERATION, in order (null: none sent). */
  const sent: (string | null)[] = [];
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];
  let withoutKey: string;
  let typedHeaders: string;
  let withKey: string;

  /** Presses the run button and waits until the result pane shows `marker` (a whole CodeMirror token). */
  async function run(marker: string): Promise<string> {
    const answered = page.waitForResponse(
      (res) =>
        res.request().method() === "POST" && (res.request().postData() ?? "").includes("providerAccounts"),
    );
    await page.locator(".graphiql-execute-button").click();
    await answered;
    await page.locator(".result-window").getByText(marker, { exact: true }).first().waitFor();
    return page.evaluate(editorText, RESULT_PANE);
  }

  beforeAll(async () => {
    const keys = writeTempFile("api-keys.json", {
      keys: [{ name: "person", sha256: apiKeyDigest(KEY), allow: [{ provider: "*", account: "*" }] }],
    });
    server = await startTestServer({ env: { PREFETCH_GRAPH_API_KEYS: keys } });
    origin = new URL(server.url).origin;

    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    page.setDefaultTimeout(20_000);
    page.on("request", (request) => {
      if (request.method() === "POST" && (request.postData() ?? "").includes("providerAccounts")) {
        sent.push(request.headers()["authorization"] ?? null);
      }
    });
    page.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(message.text());
    });
    page.on("pageerror", (error) => pageErrors.push(error.message));

    await page.goto(`${origin}/graphiql`, { waitUntil: "load" });
    // GraphiQL introspects on load, without headers: that is refused too, and GraphiQL shows the refusal in the
    // result pane. Wait for it, then empty the pane, so that what appears next can only come from the run.
    await page.locator(".result-window").getByText('"UNAUTHENTICATED"', { exact: true }).first().waitFor();
    await page.evaluate(clearEditor, RESULT_PANE);
    await page.locator(".result-window").getByText('"UNAUTHENTICATED"', { exact: true }).waitFor({
      state: "detached",
    });

    // The operation replaces the example in the query editor, as a person would type it.
    await page.locator(".graphiql-query-editor .CodeMirror").click();
    await page.keyboard.press("ControlOrMeta+A");
    await page.keyboard.press("Delete");
    await page.keyboard.type(OPERATION);

    withoutKey = await run('"UNAUTHENTICATED"');

    // The Headers tab in the editor tools under the query editor; it opens the (hidden) tools pane.
    await page
      .locator(".graphiql-editor-tools")
      .getByRole("button", { name: "Headers", exact: true })
      .click();
    await page.getByRole("region", { name: "Headers" }).waitFor();
    await page.locator(HEADERS_EDITOR).click();
    await page.keyboard.type(HEADERS);
    typedHeaders = await page.evaluate(editorText, HEADERS_EDITOR);

    withKey = await run('"data"');
    mkdirSync(join(SCREENSHOT, ".."), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("shows UNAUTHENTICATED in the result pane when the operation is run without a key", () => {
    const body = JSON.parse(withoutKey) as Body;
    expect(body.data ?? null).toBeNull();
    expect(body.errors?.map((e) => e.extensions?.code)).toEqual(["UNAUTHENTICATED"]);
    expect(body.errors?.[0]?.message).toContain("authorization: Bearer <key>");
  });

  it("takes the header as typed into the Headers tab", () => {
    expect(typedHeaders).toBe(HEADERS);
  });

  it("shows the accounts in the result pane once the key is in the Headers tab", () => {
    const body = JSON.parse(withKey) as Body;
    expect(body.errors).toBeUndefined();
    expect(body.data?.providerAccounts).toEqual([
      { name: "sandbox", provider: "BAIDU_GEO" },
      { name: "sandbox", provider: "WANGSU_CDN_PRO" },
    ]);
  });

  it("sends the key only from the Headers tab: nothing on the first run, the Bearer header on the second", () => {
    expect(sent).toEqual([null, `Bearer ${KEY}`]);
  });

  it("never leaks the key into the result pane", () => {
    expect(withoutKey).not.toContain(KEY);
    expect(withKey).not.toContain(KEY);
  });

  it("has no script error, and no console error but the browser's notes of the expected 401s", () => {
    expect(pageErrors).toEqual([]);
    expect(consoleErrors.filter((text) => !/status of 401\b/.test(text))).toEqual([]);
  });
});
