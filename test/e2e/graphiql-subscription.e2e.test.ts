import { type Browser, type Page } from "playwright-core";
import { GRAPHQL_PATH } from "../../src/server";
import { launchChromium, SKIP_BROWSER } from "../support/browser";
import {
  baiduTaskId,
  drivePolls,
  startLiveServer,
  waitingBaiduRecord,
  type LiveServer,
} from "../support/live-sandbox";

/**
 * Runs in the page: the result pane's text from CodeMirror 5's model (its DOM holds only the lines in view).
 * Typed by hand because the project compiles without the DOM library; serialised into the page, so coverage
 * instrumentation must leave it alone.
 */
/* istanbul ignore next */
function resultPaneText(): string {
  type Host = { CodeMirror?: { getValue(): string } };
  const { document } = globalThis as unknown as { document: { querySelector(s: string): Host | null } };
  return document.querySelector(".result-window .CodeMirror")?.CodeMirror?.getValue() ?? "";
}

/** Runs in the page: whether the result pane shows `text` (a waitForFunction predicate). */
/* istanbul ignore next */
function resultPaneIncludes(text: string): boolean {
  type Host = { CodeMirror?: { getValue(): string } };
  const { document } = globalThis as unknown as { document: { querySelector(s: string): Host | null } };
  return (document.querySelector(".result-window .CodeMirror")?.CodeMirror?.getValue() ?? "").includes(text);
}

const SUBSCRIPTION = `subscription Watch($ids: [ID!]!) {
  prefetchTaskUpdates(ids: $ids) {
    taskId
    status
    progress
  }
}
`;

(SKIP_BROWSER ? describe.skip : describe)("a subscription in GraphiQL, in a real browser", () => {
  let live: LiveServer;
  let origin: string;
  let browser: Browser;
  let page: Page;
  const requested: string[] = [];
  const sockets: string[] = [];
  const problems: string[] = [];
  let running: string;
  let finished: string;

  beforeAll(async () => {
    live = await startLiveServer();
    origin = new URL(live.server.url).origin;
    const baidu = live.server.sandbox.baiduGeo;
    const task = waitingBaiduRecord(baidu);
    const variables = JSON.stringify({ ids: [baiduTaskId(baidu, task.site, task.recordId)] });

    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    page.setDefaultTimeout(20_000);
    page.on("request", (request) => requested.push(request.url()));
    page.on("websocket", (socket) => sockets.push(socket.url()));
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(`console: ${message.text()}`);
    });
    page.on("pageerror", (error) => problems.push(`page: ${error.message}`));

    const link = `${origin}/graphiql?${new URLSearchParams({ query: SUBSCRIPTION, variables }).toString()}`;
    await page.goto(link, { waitUntil: "load" });
    await page.locator(".graphiql-execute-button").click();
    await page.waitForFunction(resultPaneIncludes, '"WAITING"');
    running = await page.evaluate(resultPaneText);

    // The task runs and finishes on the test's clock; the page shows each update as it comes.
    const terminalAt = task.schedule.terminalAt.getTime();
    await drivePolls(live.scheduler, () => live.scheduler.now() >= terminalAt && live.scheduler.timers === 0);
    await page.waitForFunction(resultPaneIncludes, '"COMPLETED"');
    finished = await page.evaluate(resultPaneText);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await live?.server.close();
  });

  it("shows the task's current state first, then its updates until it finishes", () => {
    expect(JSON.parse(running)).toMatchObject({ data: { prefetchTaskUpdates: { status: "WAITING" } } });
    expect(JSON.parse(finished)).toMatchObject({
      data: { prefetchTaskUpdates: { status: "COMPLETED", progress: 100 } },
    });
  });

  it("subscribes over one WebSocket to the server's own /graphql", () => {
    expect(sockets).toEqual([`${origin.replace(/^http/, "ws")}${GRAPHQL_PATH}`]);
  });

  it("never makes a request outside the server's origin", () => {
    const foreign = [...requested, ...sockets].filter(
      (url) => !url.startsWith("data:") && new URL(url).host !== new URL(origin).host,
    );
    expect(foreign).toEqual([]);
  });

  it("runs without a script error or a Content-Security-Policy violation", () => {
    expect(problems).toEqual([]);
  });
});
