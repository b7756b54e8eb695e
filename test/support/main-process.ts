import { spawn, type ChildProcess } from "node:child_process";
import { createServer, request as httpRequest, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { ROOT } from "./build-main";

// Helpers for tests of the real process (main.js built by buildMain()): spawning it, reading its log lines,
// signalling it, probing its port, and holding an upstream call in flight.

/** Rejects with `what` when `promise` has not settled within `ms`. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export interface LogLine {
  msg?: string;
  level?: number;
  [field: string]: unknown;
}

export interface LogLines {
  readonly lines: LogLine[];
  waitFor(pattern: RegExp, ms: number): Promise<LogLine>;
}

/** The child's stdout as parsed pino lines, with a way to wait for one. */
export function logLines(child: ChildProcess): LogLines {
  const lines: LogLine[] = [];
  const waiters: { pattern: RegExp; resolve: (line: LogLine) => void }[] = [];
  createInterface({ input: child.stdout! }).on("line", (line) => {
    let entry: LogLine;
    try {
      entry = JSON.parse(line) as LogLine;
    } catch {
      entry = { msg: line };
    }
    lines.push(entry);
    for (const w of waiters) if (w.pattern.test(entry.msg ?? "")) w.resolve(entry);
  });
  return {
    lines,
    waitFor(pattern, ms) {
      const seen = lines.find((l) => pattern.test(l.msg ?? ""));
      if (seen) return Promise.resolve(seen);
      return within(
        new Promise<LogLine>((resolve) => waiters.push({ pattern, resolve })),
        ms,
        `a log line matching ${String(pattern)}`,
      );
    },
  };
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** From the first signal() to the end of the child's stdout. */
  afterSignalMs: number;
}

export interface MainProcess {
  readonly child: ChildProcess;
  readonly logs: LogLines;
  /** http://host:port/graphql, from the "serving" line. */
  readonly url: URL;
  /** Settles on "close", not "exit": stdout has ended then, so every log line has been read. */
  readonly exited: Promise<Exit>;
  stderr(): string;
  signal(signal: NodeJS.Signals): void;
  /** SIGKILL if still running; for `finally`. */
  kill(): void;
}

/** Only what a test means: nothing inherited from the developer's shell. */
export const BASE_ENV: Readonly<Record<string, string>> = {
  PORT: "0",
  HOST: "127.0.0.1",
  LOG_LEVEL: "info",
  PREFETCH_GRAPH_GRAPHIQL: "off",
  PREFETCH_GRAPH_CURSOR_SECRET: "shutdown-test-cursor-secret-0123456789abcdef",
};

/** Starts main.js with BASE_ENV and `env`, and resolves once it logs that it is serving. */
export async function startMain(buildDir: string, env: Record<string, string>): Promise<MainProcess> {
  const child = spawn(process.execPath, [join(buildDir, "main.js")], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { PATH: process.env.PATH ?? "", ...BASE_ENV, ...env },
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  let signalledAt: number | null = null;
  const exited = new Promise<Exit>((resolve) =>
    child.once("close", (code: number | null, signal: NodeJS.Signals | null) =>
      resolve({ code, signal, afterSignalMs: performance.now() - (signalledAt ?? 0) }),
    ),
  );
  const logs = logLines(child);
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  try {
    const serving = await within(
      Promise.race([
        logs.waitFor(/prefetch-graph serving /, 20_000),
        exited.then(({ code }) => Promise.reject(new Error(`exited ${code} at start-up: ${stderr}`))),
      ]),
      25_000,
      "the serving line",
    );
    const url = new URL(/(http:\/\/\S+\/graphql)/.exec(serving.msg ?? "")![1]!);
    return {
      child,
      logs,
      url,
      exited,
      stderr: () => stderr,
      signal(signal) {
        signalledAt ??= performance.now();
        child.kill(signal);
      },
      kill,
    };
  } catch (err) {
    kill();
    throw err;
  }
}

/** "refused" once nothing listens on the port; "accepted" while something does. */
export function tryConnect(port: number): Promise<"refused" | "accepted" | "other"> {
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

/** Probes the port until it refuses connections, for up to `ms`; the last probe's result. */
export async function waitUntilRefused(port: number, ms: number): Promise<"refused" | "accepted" | "other"> {
  const until = performance.now() + ms;
  let probe: Awaited<ReturnType<typeof tryConnect>>;
  do probe = await tryConnect(port);
  while (probe !== "refused" && performance.now() < until);
  return probe;
}

/**
 * An HTTP hop in front of a provider emulator that holds every request until released, so the test, not a
 * timer, decides how long an upstream call stays in flight. Headers pass through untouched (the signature
 * covers the Host header, which names this hop on both sides).
 */
export interface Gate {
  readonly url: string;
  /** Resolves when the first request reaches the gate. */
  readonly arrived: Promise<void>;
  release(): void;
  close(): Promise<void>;
}

export async function startGate(target: string): Promise<Gate> {
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
