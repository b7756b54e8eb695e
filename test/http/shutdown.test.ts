import { connect, type Socket } from "node:net";
import { request } from "undici";
import { startBaiduGeoSandbox, type BaiduGeoSandbox } from "../../src/sandbox/baidu-geo";
import { useBuiltMain } from "../support/build-main";
import {
  startGate,
  startMain,
  tryConnect,
  waitUntilRefused,
  within,
  type Exit,
  type Gate,
  type LogLine,
  type MainProcess,
} from "../support/main-process";

// SIGTERM and SIGINT on the real process (main.js, built as `npm run build` does). Durations are only ever
// checked against bounds far above what they take, to show the process ends itself within the grace period.

const GRACE_MS = 10_000;
const SITE = "www.example.com";
const QUERY = `{ prefetchTasks(provider: BAIDU_GEO, site: "${SITE}", first: 3) { nodes { taskId } } }`;
const BAIDU_CREDENTIALS = { accessKeyId: "shutdown-test-key", secretAccessKey: "shutdown-test-secret" };

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * One HTTP/1.1 connection written by hand, so that a test decides when each byte of a request leaves, and
 * sees the interim 100 Continue and the server closing the connection.
 */
class RawConnection {
  private text = "";
  private closed = false;
  private readonly changed: (() => void)[] = [];
  /** Resolves when the server ends or drops the connection. */
  readonly ended: Promise<void>;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      this.text += chunk;
      for (const notify of this.changed.splice(0)) notify();
    });
    socket.on("error", () => undefined);
    this.ended = new Promise((resolve) =>
      socket.once("close", () => {
        this.closed = true;
        for (const notify of this.changed.splice(0)) notify();
        resolve();
      }),
    );
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: "127.0.0.1", port }, () => resolve(new RawConnection(socket)));
      socket.once("error", reject);
    });
  }

  write(data: string): void {
    this.socket.write(data);
  }

  /** Resolves once what the server sent matches `pattern`. */
  async received(pattern: RegExp, ms: number): Promise<void> {
    const until = performance.now() + ms;
    while (!pattern.test(this.text)) {
      if (this.closed) throw new Error(`the connection closed before ${String(pattern)}`);
      const left = until - performance.now();
      await within(
        new Promise<void>((resolve) => this.changed.push(resolve)),
        Math.max(left, 1),
        String(pattern),
      );
    }
  }

  /** The first final (non-1xx) response the server sent, once complete. */
  async response(ms: number): Promise<RawResponse> {
    const complete =
      /HTTP\/1\.1 [2-5]\d\d [^\r]*\r\n(?:[^\r]+\r\n)*?content-length: (\d+)\r\n(?:[^\r]+\r\n)*\r\n/i;
    await this.received(complete, ms);
    const start = this.text.search(/HTTP\/1\.1 [2-5]\d\d/);
    const head = this.text.slice(start, this.text.indexOf("\r\n\r\n", start));
    const [statusLine, ...lines] = head.split("\r\n");
    const headers = Object.fromEntries(
      lines.map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]),
    );
    const bodyStart = start + head.length + 4;
    const length = Number(headers["content-length"]);
    await this.received(new RegExp(`[\\s\\S]{${bodyStart + length}}`), ms);
    return {
      status: Number(statusLine!.split(" ")[1]),
      headers,
      body: this.text.slice(bodyStart, bodyStart + length),
    };
  }

  destroy(): void {
    this.socket.destroy();
  }
}

function postHead(url: URL, bodyLength: number, extra = ""): string {
  return (
    `POST ${url.pathname} HTTP/1.1\r\nhost: ${url.host}\r\ncontent-type: application/json\r\n` +
    `content-length: ${bodyLength}\r\n${extra}\r\n`
  );
}

const messages = (lines: LogLine[]): (string | undefined)[] => lines.map((l) => l.msg);

describe("the real process on a signal", () => {
  const buildDir = useBuiltMain();

  /** Starts main.js, runs `scenario` against it, and always leaves nothing running. */
  async function withMain<T>(
    env: Record<string, string>,
    scenario: (main: MainProcess) => Promise<T>,
  ): Promise<T> {
    const main = await startMain(buildDir(), { PREFETCH_GRAPH_SHUTDOWN_GRACE_MS: String(GRACE_MS), ...env });
    try {
      return await scenario(main);
    } finally {
      main.kill();
    }
  }

  const exitOf = (main: MainProcess): Promise<Exit> =>
    within(main.exited, GRACE_MS + 5_000, "the process to exit");

  describe("when idle, with the default sandbox", () => {
    let exit: Exit;
    let lines: LogLine[];
    let stderr: string;
    let emulators: string[];
    beforeAll(
      () =>
        withMain({}, async (main) => {
          const sandboxLine = await main.logs.waitFor(/serving the built-in sandbox providers/, 1_000);
          emulators = (sandboxLine.accounts as { endpoint: string }[]).map((a) => a.endpoint);
          main.signal("SIGTERM");
          exit = await exitOf(main);
          lines = main.logs.lines;
          stderr = main.stderr();
        }),
      60_000,
    );

    it("exits 0 by itself within the grace period", () => {
      expect(exit).toEqual({ code: 0, signal: null, afterSignalMs: expect.any(Number) });
      expect(exit.afterSignalMs).toBeLessThan(GRACE_MS);
    });

    it('writes "stopped" as its last log line, and nothing on stderr', () => {
      expect(lines.at(-1)?.msg).toBe("stopped");
      expect(stderr).toBe("");
    });

    it("stops the sandbox emulators too", async () => {
      expect(emulators).toHaveLength(2);
      for (const endpoint of emulators)
        expect(await tryConnect(Number(new URL(endpoint).port))).toBe("refused");
    });
  });

  it(
    'exits 0 with "stopped" as its last line when idle without the sandbox',
    () =>
      withMain({ PREFETCH_GRAPH_SANDBOX: "off" }, async (main) => {
        main.signal("SIGTERM");
        expect(await exitOf(main)).toEqual({ code: 0, signal: null, afterSignalMs: expect.any(Number) });
        expect(main.logs.lines.at(-1)?.msg).toBe("stopped");
      }),
    60_000,
  );

  it(
    "stops on SIGINT as on SIGTERM, and says which signal it got",
    () =>
      withMain({}, async (main) => {
        main.signal("SIGINT");
        expect(await exitOf(main)).toEqual({ code: 0, signal: null, afterSignalMs: expect.any(Number) });
        expect(main.logs.lines.find((l) => /shutting down/.test(l.msg ?? ""))?.signal).toBe("SIGINT");
        expect(main.logs.lines.at(-1)?.msg).toBe("stopped");
      }),
    60_000,
  );

  it(
    "closes an idle kept-alive connection at once instead of waiting for it to time out",
    () =>
      withMain({}, async (main) => {
        const conn = await RawConnection.open(Number(main.url.port));
        conn.write(`GET /healthz HTTP/1.1\r\nhost: ${main.url.host}\r\n\r\n`);
        expect((await conn.response(5_000)).status).toBe(200);

        main.signal("SIGTERM");
        await within(conn.ended, 5_000, "the server to close the kept-alive connection");
        const exit = await exitOf(main);
        expect(exit.code).toBe(0);
        // Well under the server's 5 s keep-alive timeout, which an idle connection left open would have taken.
        expect(exit.afterSignalMs).toBeLessThan(4_000);
      }),
    60_000,
  );

  it(
    "answers a request whose body was still arriving at the signal, with connection: close",
    () =>
      withMain({}, async (main) => {
        const body = JSON.stringify({ query: QUERY });
        const half = Math.floor(body.length / 2);
        const conn = await RawConnection.open(Number(main.url.port));
        // The 100 Continue is written as the request reaches the server's handler: it is in flight from then.
        conn.write(postHead(main.url, Buffer.byteLength(body), "expect: 100-continue\r\n"));
        await conn.received(/^HTTP\/1\.1 100 Continue\r\n\r\n/, 5_000);
        conn.write(body.slice(0, half));

        main.signal("SIGTERM");
        await main.logs.waitFor(/shutting down/, 5_000);
        expect(await waitUntilRefused(Number(main.url.port), 2_000)).toBe("refused");
        conn.write(body.slice(half));

        const res = await conn.response(10_000);
        expect(res.status).toBe(200);
        expect(res.headers.connection).toBe("close");
        expect(JSON.parse(res.body)).toMatchObject({ data: { prefetchTasks: { nodes: expect.any(Array) } } });
        await within(conn.ended, 5_000, "the server to close the connection after the response");
        expect((await exitOf(main)).code).toBe(0);
        expect(main.logs.lines.at(-1)?.msg).toBe("stopped");
      }),
    60_000,
  );

  describe("while an operation holds the drain open", () => {
    let baidu: BaiduGeoSandbox;
    let gate: Gate;
    beforeEach(async () => {
      baidu = await startBaiduGeoSandbox({ credentials: [BAIDU_CREDENTIALS] });
      gate = await startGate(baidu.url);
    });
    afterEach(async () => {
      gate.release();
      await gate.close();
      await baidu.close();
    });

    const env = (): Record<string, string> => ({
      PREFETCH_GRAPH_SANDBOX: "off",
      PREFETCH_GRAPH_UPSTREAM_TIMEOUT_MS: "30000",
      BAIDU_GEO_ENDPOINT: gate.url,
      BAIDU_GEO_ACCESS_KEY_ID: BAIDU_CREDENTIALS.accessKeyId,
      BAIDU_GEO_SECRET_ACCESS_KEY: BAIDU_CREDENTIALS.secretAccessKey,
    });

    /** Sends the gated operation on its own connection; resolves with its response. */
    async function holdOperation(
      main: MainProcess,
    ): Promise<{ conn: RawConnection; done: Promise<RawResponse> }> {
      const body = JSON.stringify({ query: QUERY });
      const conn = await RawConnection.open(Number(main.url.port));
      conn.write(postHead(main.url, Buffer.byteLength(body)) + body);
      await within(gate.arrived, 15_000, "the operation's upstream call");
      return { conn, done: conn.response(GRACE_MS + 10_000) };
    }

    it(
      "answers a request that arrives on an open connection after the listener closed with 503, Retry-After and connection: close",
      () =>
        withMain(env(), async (main) => {
          const held = await holdOperation(main);
          // Headers begun before the signal: the connection is busy, so the listener's closing leaves it open.
          const late = await RawConnection.open(Number(main.url.port));
          const body = JSON.stringify({ query: "{ __typename }" });
          const head = postHead(main.url, Buffer.byteLength(body));
          late.write(head.slice(0, 20));

          main.signal("SIGTERM");
          await main.logs.waitFor(/shutting down/, 5_000);
          expect(await waitUntilRefused(Number(main.url.port), 2_000)).toBe("refused");
          late.write(head.slice(20) + body);

          const refused = await late.response(5_000);
          expect(refused.status).toBe(503);
          expect(refused.headers["retry-after"]).toBe("1");
          expect(refused.headers.connection).toBe("close");
          expect(JSON.parse(refused.body)).toMatchObject({
            errors: [{ extensions: { code: "SHUTTING_DOWN" } }],
          });

          gate.release();
          const finished = await held.done;
          expect(finished.status).toBe(200);
          expect(finished.headers.connection).toBe("close");
          expect((await exitOf(main)).code).toBe(0);
          expect(main.logs.lines.at(-1)?.msg).toBe("stopped");
          held.conn.destroy();
          late.destroy();
        }),
      60_000,
    );

    it(
      "exits at once, with 130, on a second SIGINT",
      () =>
        withMain(env(), async (main) => {
          const held = await holdOperation(main);
          const outcome = held.done.then(
            () => "answered",
            (err: Error) => err.message,
          );
          main.signal("SIGINT");
          await main.logs.waitFor(/shutting down/, 5_000);
          main.signal("SIGINT");

          expect((await exitOf(main)).code).toBe(130);
          expect(await outcome).toMatch(/^the connection closed/);
          expect(main.logs.lines.at(-1)?.msg).toBe(
            "second signal: exiting at once, without finishing the shutdown",
          );
          held.conn.destroy();
        }),
      60_000,
    );
  });

  it(
    "answers /readyz with 503 during the pre-stop delay while still serving operations",
    () =>
      withMain({ PREFETCH_GRAPH_SHUTDOWN_DELAY_MS: "3000" }, async (main) => {
        main.signal("SIGTERM");
        await main.logs.waitFor(/out of rotation/, 5_000);

        const ready = await request(`${main.url.origin}/readyz`);
        expect(ready.statusCode).toBe(503);
        expect(await ready.body.json()).toMatchObject({ status: "draining" });
        const op = await request(main.url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ query: QUERY }),
        });
        expect(op.statusCode).toBe(200);
        expect(op.headers.connection).toBe("close");
        expect(await op.body.json()).toMatchObject({ data: { prefetchTasks: { nodes: expect.any(Array) } } });

        expect((await exitOf(main)).code).toBe(0);
        expect(messages(main.logs.lines)).toContain("out of rotation: /readyz answers 503");
        expect(main.logs.lines.at(-1)?.msg).toBe("stopped");
      }),
    60_000,
  );
});
