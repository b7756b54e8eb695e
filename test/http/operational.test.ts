import { Client, request } from "undici";
import { PrefetchTasksPageDocument } from "../__generated__/graphql";
import { startBaiduGeoSandbox } from "../../src/sandbox/baidu-geo";
import { useBuiltMain } from "../support/build-main";
import { startTestServer, type TestServer } from "../support/harness";
import {
  startGate,
  startMain,
  waitUntilRefused,
  within,
  type Exit,
  type MainProcess,
} from "../support/main-process";

const SITE = "www.example.com";

interface Readiness {
  status: string;
  config: string;
  schema: string;
  accounts: {
    provider: string;
    account: string;
    sandbox: boolean;
    lastCall: { at: string; ok: boolean; code?: string } | null;
  }[];
}

async function getJson(url: string): Promise<{ status: number; type: string; body: unknown }> {
  const res = await request(url);
  return {
    status: res.statusCode,
    type: String(res.headers["content-type"]),
    body: await res.body.json(),
  };
}

describe("health and readiness", () => {
  let server: TestServer;
  let base: string;

  beforeEach(async () => {
    server = await startTestServer();
    base = new URL(server.url).origin;
  });
  afterEach(() => server.close());

  async function readiness(): Promise<Readiness> {
    const res = await getJson(`${base}/readyz`);
    expect(res.status).toBe(200);
    return res.body as Readiness;
  }

  function account(ready: Readiness, provider: string): Readiness["accounts"][number] | undefined {
    return ready.accounts.find((a) => a.provider === provider);
  }

  it("answers /healthz with 200 and status ok, as JSON", async () => {
    const res = await getJson(`${base}/healthz`);
    expect(res).toEqual({ status: 200, type: "application/json; charset=utf-8", body: { status: "ok" } });
  });

  it("answers /readyz with the config, the schema and every account, none called yet", async () => {
    expect(await readiness()).toEqual({
      status: "ready",
      config: "loaded",
      schema: "built",
      accounts: [
        { provider: "BAIDU_GEO", account: "sandbox", sandbox: true, lastCall: null },
        { provider: "WANGSU_CDN_PRO", account: "sandbox", sandbox: true, lastCall: null },
      ],
    });
  });

  it("shows an account's last call as ok after a query that reached its provider", async () => {
    const res = await server.gql(PrefetchTasksPageDocument, { provider: "BAIDU_GEO", site: SITE, first: 1 });
    expect(res.errors).toBeUndefined();
    const ready = await readiness();
    expect(account(ready, "BAIDU_GEO")?.lastCall).toEqual({ at: expect.any(String), ok: true });
    expect(account(ready, "WANGSU_CDN_PRO")?.lastCall).toBeNull();
  });

  it("shows an account's last call as failed, with its error code, after the provider answered 500", async () => {
    server.sandbox.baiduGeo.setFault({ kind: "status", status: 500 });
    const res = await server.gql(PrefetchTasksPageDocument, { provider: "BAIDU_GEO", site: SITE, first: 1 });
    expect(res.errors?.[0]?.extensions?.code).toBe("UPSTREAM_UNAVAILABLE");
    expect(account(await readiness(), "BAIDU_GEO")?.lastCall).toEqual({
      at: expect.any(String),
      ok: false,
      code: "UPSTREAM_UNAVAILABLE",
    });
  });
});

// Signals and exit codes only show on a real process: main.js, compiled as `npm run build` does, with its own env.

const GRACE_MS = 15_000;
const BAIDU_CREDENTIALS = { accessKeyId: "shutdown-test-key", secretAccessKey: "shutdown-test-secret" };

interface ShutdownRun {
  /** The in-flight operation's response, or how it failed. */
  response:
    | { status: number; connection: unknown; body: { data?: unknown; errors?: unknown } }
    | { error: string }
    | null;
  /** Whether the in-flight operation had settled when the port was probed. */
  settledAtProbe: boolean;
  probe: "refused" | "accepted" | "other" | null;
  exit: Exit | null;
  messages: (string | undefined)[];
  stderr: string;
}

/**
 * Starts main.js against a Baidu emulator behind a gate, sends an operation, SIGTERMs the process while the
 * operation's upstream call is held, and records what happens. `release`: whether the gate lets the call
 * through after the signal (false: the operation outlives the grace period).
 */
async function sigtermDuringOperation(
  buildDir: string,
  graceMs: number,
  release: boolean,
): Promise<ShutdownRun> {
  const baidu = await startBaiduGeoSandbox({ credentials: [BAIDU_CREDENTIALS] });
  const gate = await startGate(baidu.url);
  let client: Client | undefined;
  let main: MainProcess | undefined;
  try {
    main = await startMain(buildDir, {
      PREFETCH_GRAPH_SANDBOX: "off",
      PREFETCH_GRAPH_SHUTDOWN_GRACE_MS: String(graceMs),
      PREFETCH_GRAPH_UPSTREAM_TIMEOUT_MS: "30000",
      BAIDU_GEO_ENDPOINT: gate.url,
      BAIDU_GEO_ACCESS_KEY_ID: BAIDU_CREDENTIALS.accessKeyId,
      BAIDU_GEO_SECRET_ACCESS_KEY: BAIDU_CREDENTIALS.secretAccessKey,
    });
    const { url } = main;

    client = new Client(url.origin, { headersTimeout: 30_000, bodyTimeout: 30_000 });
    const inFlight = client
      .request({
        path: url.pathname,
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          query: `{ prefetchTasks(provider: BAIDU_GEO, site: "${SITE}", first: 3) { nodes { taskId } } }`,
        }),
      })
      .then(async (res) => ({
        status: res.statusCode,
        connection: res.headers.connection,
        body: (await res.body.json()) as { data?: unknown; errors?: unknown },
      }));
    let settled = false;
    void inFlight.finally(() => (settled = true)).catch(() => undefined);

    await within(gate.arrived, 15_000, "the operation's upstream call");
    main.signal("SIGTERM");
    await main.logs.waitFor(/shutting down/, 10_000);

    // stop() closes the listener in the same tick as that log line; poll briefly in case the line raced ahead.
    const probe = await waitUntilRefused(Number(url.port), 2_000);
    const settledAtProbe = settled;

    if (release) gate.release();
    // Recorded rather than thrown, so that each behaviour below fails on its own.
    const response = await within(inFlight, graceMs + 20_000, "the in-flight operation's response").catch(
      (err: Error) => ({ error: err.message }),
    );
    const exit = await within(main.exited, graceMs + 5_000, "the process to exit").catch(() => null);
    return {
      response,
      settledAtProbe,
      probe,
      exit,
      messages: main.logs.lines.map((l) => l.msg),
      stderr: main.stderr(),
    };
  } finally {
    main?.kill();
    gate.release();
    await client?.close().catch(() => undefined);
    await gate.close();
    await baidu.close();
  }
}

describe("the real process on SIGTERM", () => {
  const buildDir = useBuiltMain();

  describe("during an operation that then completes", () => {
    let run: ShutdownRun;
    beforeAll(async () => {
      run = await sigtermDuringOperation(buildDir(), GRACE_MS, true);
    }, 120_000);

    it("finishes the operation that was in flight, with 200, its data and connection: close", () => {
      expect(run.response).toEqual({
        status: 200,
        connection: "close",
        body: {
          data: { prefetchTasks: { nodes: expect.arrayContaining([{ taskId: expect.any(String) }]) } },
          extensions: { upstreamCalls: 1, cacheHits: 0 },
        },
      });
    });

    it("refuses new connections while that operation is still running", () => {
      expect(run.probe).toBe("refused");
      expect(run.settledAtProbe).toBe(false);
    });

    it("exits 0 once the operation is done, without waiting out the grace period", () => {
      expect(run.exit).toEqual({ code: 0, signal: null, afterSignalMs: expect.any(Number) });
      expect(run.exit!.afterSignalMs).toBeLessThan(GRACE_MS);
    });

    it("logs the shutdown and the stop, and nothing on stderr", () => {
      expect(run.messages).toEqual(
        expect.arrayContaining(["shutting down: finishing in-flight operations", "stopped"]),
      );
      expect(run.stderr).toBe("");
    });
  });

  describe("during an operation that outlives the grace period", () => {
    const SHORT_GRACE_MS = 800;
    let run: ShutdownRun;
    beforeAll(async () => {
      run = await sigtermDuringOperation(buildDir(), SHORT_GRACE_MS, false);
    }, 120_000);

    it("cuts it near the end of the grace period and exits 0 within it", () => {
      expect(run.exit).toEqual({ code: 0, signal: null, afterSignalMs: expect.any(Number) });
      // Waited for the operation (more than half the grace period), and stopped by the end of it; the margin is
      // for the test's own side of the pipe.
      expect(run.exit!.afterSignalMs).toBeGreaterThanOrEqual(SHORT_GRACE_MS / 2);
      expect(run.exit!.afterSignalMs).toBeLessThan(SHORT_GRACE_MS + 1_000);
      expect(run.response).toEqual({ error: expect.any(String) });
    });

    it("logs the cut, then the stop as its last line", () => {
      expect(run.messages).toContain(
        "shutdown grace period over: closing the connections of requests still in flight",
      );
      expect(run.messages.at(-1)).toBe("stopped");
    });
  });
});
