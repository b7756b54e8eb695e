import { type Browser, type BrowserContext, type Page } from "playwright-core";
import { GRAPHQL_PATH } from "../../src/server";
import { launchChromium, SKIP_BROWSER } from "../support/browser";
import { startTestServer, type TestServer } from "../support/harness";

/**
 * Runs in the page: the values of GraphiQL's query and variables editors, from CodeMirror 5's model. Typed by
 * hand because the project compiles without the DOM library; serialised into the page, so coverage
 * instrumentation must leave it alone.
 */
/* istanbul ignore next */
function editorValues(): { query: string; variables: string } {
  type Host = { CodeMirror?: { getValue(): string } };
  const { document } = globalThis as unknown as {
    document: { querySelector(s: string): Host | null; querySelectorAll(s: string): ArrayLike<Host> };
  };
  return {
    query: document.querySelector(".graphiql-query-editor .CodeMirror")?.CodeMirror?.getValue() ?? "",
    // The variables editor comes first in the editor tools, before the headers editor.
    variables:
      document.querySelectorAll(".graphiql-editor-tool .CodeMirror")[0]?.CodeMirror?.getValue() ?? "",
  };
}

/* istanbul ignore next */
function urlParameters(): { query: string | null; variables: string | null; operationName: string | null } {
  const { location } = globalThis as unknown as { location: { search: string } };
  const search = new URLSearchParams(location.search);
  return {
    query: search.get("query"),
    variables: search.get("variables"),
    operationName: search.get("operationName"),
  };
}

/** Runs in the page: whether the URL's parameter `name` contains `text` (a waitForFunction predicate). */
/* istanbul ignore next */
function urlParameterIncludes([name, text]: [string, string]): boolean {
  const { location } = globalThis as unknown as { location: { search: string } };
  return (new URLSearchParams(location.search).get(name) ?? "").includes(text);
}

/** Runs in the page: whether GraphiQL's query editor is mounted and filled (a waitForFunction predicate). */
/* istanbul ignore next */
function queryEditorFilled(): boolean {
  type Host = { CodeMirror?: { getValue(): string } };
  const { document } = globalThis as unknown as { document: { querySelector(s: string): Host | null } };
  return (document.querySelector(".graphiql-query-editor .CodeMirror")?.CodeMirror?.getValue() ?? "") !== "";
}

/* istanbul ignore next */
function historyLength(): number {
  return (globalThis as unknown as { history: { length: number } }).history.length;
}

const SHARED_QUERY =
  "query First {\n  __typename\n}\n\nquery Second {\n  providerAccounts {\n    name\n  }\n}\n";
const SHARED_VARIABLES = '{\n  "unused": 1\n}';

function shareLink(path: string): string {
  const search = new URLSearchParams({
    query: SHARED_QUERY,
    variables: SHARED_VARIABLES,
    operationName: "Second",
  });
  return `${path}?${search.toString()}`;
}

(SKIP_BROWSER ? describe.skip : describe)("GraphiQL share links in a real browser", () => {
  let server: TestServer;
  let origin: string;
  let browser: Browser;
  const requested: string[] = [];
  const problems: string[] = [];
  /** The operation names the page posted to /graphql, GraphiQL's own introspection left out. */
  const executed: (string | undefined)[] = [];

  async function freshPage(): Promise<{ context: BrowserContext; page: Page }> {
    // A context of its own: no cookies, no localStorage, as in a browser that has never seen this server.
    const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    page.on("request", (request) => {
      requested.push(request.url());
      if (request.method() === "POST" && new URL(request.url()).pathname === GRAPHQL_PATH) {
        const body = JSON.parse(request.postData() ?? "{}") as { operationName?: string };
        if (body.operationName !== "IntrospectionQuery") executed.push(body.operationName);
      }
    });
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(`console: ${message.text()}`);
    });
    page.on("pageerror", (error) => problems.push(`page: ${error.message}`));
    return { context, page };
  }

  async function waitForEditors(page: Page): Promise<void> {
    await page.locator(".graphiql-query-editor .CodeMirror").waitFor();
    await page.waitForFunction(queryEditorFilled);
  }

  beforeAll(async () => {
    server = await startTestServer();
    origin = new URL(server.url).origin;
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("fills the editors from ?query=, variables and operationName in a fresh browser", async () => {
    const { context, page } = await freshPage();
    try {
      await page.goto(`${origin}${shareLink("/graphiql")}`, { waitUntil: "load" });
      await waitForEditors(page);

      expect(await page.evaluate(editorValues)).toEqual({ query: SHARED_QUERY, variables: SHARED_VARIABLES });
      // Ctrl-Enter runs the selected operation: the link's, not the first in the document.
      await page.locator(".graphiql-query-editor .CodeMirror").click();
      await page.keyboard.press("Control+Enter");
      await page.locator(".result-window").getByText('"providerAccounts"').waitFor();
      expect(executed).toEqual(["Second"]);
    } finally {
      await context.close();
    }
  }, 60_000);

  it("keeps the URL following edits of the query and the variables, without reloading", async () => {
    const { context, page } = await freshPage();
    try {
      await page.goto(`${origin}${shareLink("/graphiql")}`, { waitUntil: "load" });
      await waitForEditors(page);
      // replaceState counts as a (same-document) navigation for Playwright; only a reload fires "load".
      let reloads = 0;
      const historyBefore = await page.evaluate(historyLength);
      page.on("load", () => (reloads += 1));

      await page.locator(".graphiql-query-editor .CodeMirror").click();
      await page.keyboard.press("Control+End");
      await page.keyboard.press("Enter");
      await page.keyboard.type("# shared");
      await page.waitForFunction(urlParameterIncludes, ["query", "# shared"] as [string, string]);
      const afterQuery = await page.evaluate(urlParameters);
      expect(afterQuery.query).toBe((await page.evaluate(editorValues)).query);
      expect(afterQuery.variables).toBe(SHARED_VARIABLES);
      expect(afterQuery.operationName).toBe("Second");

      await page.locator(".graphiql-editor-tool .CodeMirror").first().click();
      await page.keyboard.press("Control+a");
      await page.keyboard.type('{"edited": 2}');
      await page.waitForFunction(urlParameterIncludes, ["variables", "edited"] as [string, string]);
      expect((await page.evaluate(urlParameters)).variables).toBe(
        (await page.evaluate(editorValues)).variables,
      );

      expect(reloads).toBe(0);
      // replaceState: dozens of keystrokes, not one history entry more.
      expect(await page.evaluate(historyLength)).toBe(historyBefore);
      expect(new URL(page.url()).pathname).toBe("/graphiql");
    } finally {
      await context.close();
    }
  }, 60_000);

  it("lets a share link win over the tabs the browser stored, in a new tab", async () => {
    const { context, page } = await freshPage();
    try {
      await page.goto(`${origin}/graphiql`, { waitUntil: "load" });
      await waitForEditors(page);
      const example = (await page.evaluate(editorValues)).query;
      expect(example).not.toBe(SHARED_QUERY);

      await page.goto(`${origin}${shareLink("/graphiql")}`, { waitUntil: "load" });
      await waitForEditors(page);
      expect(await page.evaluate(editorValues)).toEqual({ query: SHARED_QUERY, variables: SHARED_VARIABLES });
    } finally {
      await context.close();
    }
  }, 60_000);

  it("sends a browser opening / to GraphiQL, share link included", async () => {
    const { context, page } = await freshPage();
    try {
      await page.goto(`${origin}${shareLink("/")}`, { waitUntil: "load" });
      await waitForEditors(page);

      expect(new URL(page.url()).pathname).toBe("/graphiql");
      expect(await page.evaluate(editorValues)).toEqual({ query: SHARED_QUERY, variables: SHARED_VARIABLES });
    } finally {
      await context.close();
    }
  }, 60_000);

  it("never makes a request outside the server's origin", () => {
    expect(requested.length).toBeGreaterThan(0);
    const foreign = requested.filter((url) => !url.startsWith("data:") && new URL(url).origin !== origin);
    expect(foreign).toEqual([]);
  });

  it("loads without a script error or a Content-Security-Policy violation", () => {
    expect(problems).toEqual([]);
  });
});
