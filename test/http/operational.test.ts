import { spawn, type ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { connect } from "node:net";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Client, request } from "undici";
import { PrefetchTasksPageDocument } from "../__generated__/graphql";
import { startBaiduGeoSandbox } from "../../src/sandbox/baidu-geo";
import { buildMain } from "../support/build-main";
import { startTestServer, type TestServer } from "../support/harness";

const ROOT = join(__dirname, "..", "..");
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

/** Rejects with `what` when `promise` has not settled within `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * An HTTP hop in front of the Baidu emulator that holds every request until released, so the test, not a
 * timer, decides how long an upstream call stays in flight. Headers pass through untouched (the signature
 * covers the Host header, which names this hop on both sides).
 */
interface Gate {
  readonly url: string;
  /** Resolves when the first request reaches the gate. */
  readonly arrived: Promise<void>;
  release(): void;
  close(): Promise<void>;
}

async function startGate(target: string): Promise<Gate> {
  let arrive!: () => void;
  let release!: () => void;
  const arrived = new Promise<void>((resolve) => (arrive = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  const server: Server = createServer((req, res) => {
    arrive();
    void released.then(() => {
      const upstream = httpRequest(
        new URL(req.url ?? "/", target),
        { method: req.method, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.on("error", () => res.destroy());
      upstream.end(); // provider list calls are GETs: no body to forward
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    arrived,
    release,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** "refused" once nothing listens on the port; "accepted" while something does. */
function tryConnect(port: number): Promise<"refused" | "accepted" | "other"> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.setTimeout(2_000);
    socket.once("connect", () => {
      socket.destroy();
      resolve("accepted");
    });
    socket.once("timeout", () => {
      socket.destroy();
      resolve("other");
    });
    socket.once("error", (err: NodeJS.ErrnoException) =>
      resolve(err.code === "ECONNREFUSED" ? "refused" : "other"),
    );
  });
}

/** The child's stdout as parsed pino lines, with a way to wait for one. */
function logLines(child: ChildProcess): {
  lines: { msg?: string }[];
  waitFor(pattern: RegExp, ms: number): Promise<string>;
} {
  const lines: { msg?: string }[] = [];
  const waiters: { pattern: RegExp; resolve: (msg: string) => void }[] = [];
  createInterface({ input: child.stdout! }).on("line", (line) => {
    let entry: { msg?: string };
    try {
      entry = JSON.parse(line) as { msg?: string };
    } catch {
      entry = { msg: line };
    }
    lines.push(entry);
    for (const w of waiters) if (w.pattern.test(entry.msg ?? "")) w.resolve(entry.msg ?? "");
  });
  return {
    lines,
    waitFor(pattern, ms) {
      const seen = lines.find((l) => pattern.test(l.msg ?? ""));
      if (seen) return Promise.resolve(seen.msg ?? "");
      return within(
        new Promise<string>((resolve) => waiters.push({ pattern, resolve })),
        ms,
        `a log line matching ${String(pattern)}`,
      );
    },
  };
}

interface ShutdownRun {
  /** The in-flight operation's response, or how it failed. */
  response: { status: number; body: { data?: unknown; errors?: unknown } } | { error: string } | null;
  /** Whether the in-flight operation had settled when the port was probed. */
  settledAtProbe: boolean;
  probe: "refused" | "accepted" | "other" | null;
  exit: { code: number | null; signal: NodeJS.Signals | null; afterSignalMs: number } | null;
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
  let stderr = "";
  const child = spawn(process.execPath, [join(buildDir, "main.js")], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    // Only what this test means: nothing inherited from the developer's shell.
    env: {
      PATH: process.env.PATH ?? "",
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "info",
      PREFETCH_GRAPH_SANDBOX: "off",
      PREFETCH_GRAPH_GRAPHIQL: "off",
      PREFETCH_GRAPH_CURSOR_SECRET: "shutdown-test-cursor-secret-0123456789abcdef",
      PREFETCH_GRAPH_SHUTDOWN_GRACE_MS: String(graceMs),
      PREFETCH_GRAPH_UPSTREAM_TIMEOUT_MS: "30000",
      BAIDU_GEO_ENDPOINT: gate.url,
      BAIDU_GEO_ACCESS_KEY_ID: BAIDU_CREDENTIALS.accessKeyId,
      BAIDU_GEO_SECRET_ACCESS_KEY: BAIDU_CREDENTIALS.secretAccessKey,
    },
  });
  try {
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    let signalledAt = 0;
    const exited = new Promise<NonNullable<ShutdownRun["exit"]>>((resolve) =>
      // "close", not "exit": it waits for stdout to end, so every log line has been read by then.
      child.once("close", (code: number | null, signal: NodeJS.Signals | null) =>
        resolve({ code, signal, afterSignalMs: performance.now() - signalledAt }),
      ),
    );
    const logs = logLines(child);

    const serving = await within(
      Promise.race([
        logs.waitFor(/prefetch-graph serving /, 20_000),
        exited.then(({ code }) => Promise.reject(new Error(`exited ${code} at start-up: ${stderr}`))),
      ]),
      25_000,
      "the serving line",
    );
    const url = new URL(/(http:\/\/\S+\/graphql)/.exec(serving)![1]!);

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
        body: (await res.body.json()) as { data?: unknown; errors?: unknown },
      }));
    let settled = false;
    void inFlight.finally(() => (settled = true)).catch(() => undefined);

    await within(gate.arrived, 15_000, "the operation's upstream call");
    signalledAt = performance.now();
    child.kill("SIGTERM");
    await logs.waitFor(/shutting down/, 10_000);

    // stop() closes the listener in the same tick as that log line; poll briefly in case the line raced ahead.
    const port = Number(url.port);
    const probeUntil = performance.now() + 2_000;
    let probe: ShutdownRun["probe"];
    do probe = await tryConnect(port);
    while (probe !== "refused" && performance.now() < probeUntil);
    const settledAtProbe = settled;

    if (release) gate.release();
    // Recorded rather than thrown, so that each behaviour below fails on its own.
    const response = await within(inFlight, graceMs + 20_000, "the in-flight operation's response").catch(
      (err: Error) => ({ error: err.message }),
    );
    const exit = await within(exited, graceMs + 5_000, "the process to exit").catch(() => null);
    return { response, settledAtProbe, probe, exit, messages: logs.lines.map((l) => l.msg), stderr };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    gate.release();
    await client?.close().catch(() => undefined);
    await gate.close();
    await baidu.close();
  }
}

describe("the real process on SIGTERM", () => {
  let buildDir: string | undefined;
  beforeAll(async () => {
    buildDir = await buildMain();
  }, 120_000);
  afterAll(() => {
    if (buildDir) rmSync(buildDir, { recursive: true, force: true });
  });

  describe("during an operation that then completes", () => {
    let run: ShutdownRun;
    beforeAll(async () => {
      run = await sigtermDuringOperation(buildDir!, GRACE_MS, true);
    }, 120_000);

    it("finishes the operation that was in flight, with 200 and its data", () => {
      expect(run.response).toEqual({
        status: 200,
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
      run = await sigtermDuringOperation(buildDir!, SHORT_GRACE_MS, false);
    }, 120_000);

    it("gives up on it after the grace period and exits 0 anyway", () => {
      expect(run.exit).toEqual({ code: 0, signal: null, afterSignalMs: expect.any(Number) });
      expect(run.exit!.afterSignalMs).toBeGreaterThanOrEqual(SHORT_GRACE_MS);
      expect(run.exit!.afterSignalMs).toBeLessThan(SHORT_GRACE_MS + 4_000);
      expect(run.response).toEqual({ error: expect.any(String) });
    });
  });
});
