import { spawn, type ChildProcess } from "node:child_process";
import { createServer, connect, type Server, type Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

export interface RedisServerHandle {
  readonly url: string;
  readonly port: number;
  /** Ends the server for good (SIGTERM, then SIGKILL if it lingers). */
  stop(): Promise<void>;
  /** A fresh process on the same port, with no data (persistence is off): an outage followed by recovery. */
  restart(): Promise<void>;
  /** Kills the process (SIGKILL, as a crash would) and leaves it down until restart(). */
  kill(): Promise<void>;
}

const BINARY = "redis-server";
const READY_TIMEOUT_MS = 5_000;
const STOP_GRACE_MS = 2_000;
const BIND_ATTEMPTS = 5;

/** Every redis-server still running, killed when the test process exits however a test failed. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const child of live) child.kill("SIGKILL");
  });
}

/**
 * A real redis-server (the Debian package) on a free loopback port, with no config file and no persistence.
 * Resolves once it answers PING.
 */
export async function startRedisServer(): Promise<RedisServerHandle> {
  installExitHook();
  let port = 0;
  let child: ChildProcess | null = null;
  for (let attempt = 1; child === null; attempt++) {
    port = await freePort();
    try {
      child = await launch(port);
    } catch (err) {
      // Another process may have taken the port between our probe and redis-server's bind.
      if (!(err instanceof BindError) || attempt >= BIND_ATTEMPTS) throw err;
    }
  }
  let current: ChildProcess | null = child;
  let stopped = false;

  const end = async (signal: NodeJS.Signals): Promise<void> => {
    const proc = current;
    current = null;
    if (proc) await terminate(proc, signal);
  };

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      stopped = true;
      await end("SIGTERM");
    },
    async kill() {
      await end("SIGKILL");
    },
    async restart() {
      if (stopped) throw new Error("this redis-server was stopped for good");
      await end("SIGKILL");
      // The port was ours a moment ago; a bind failure here is a lingering socket, worth a few retries.
      for (let attempt = 1; current === null; attempt++) {
        try {
          current = await launch(port);
        } catch (err) {
          if (!(err instanceof BindError) || attempt >= BIND_ATTEMPTS) throw err;
          await sleep(50);
        }
      }
    },
  };
}

class BindError extends Error {}

async function launch(port: number): Promise<ChildProcess> {
  const child = spawn(
    BINARY,
    ["--save", "", "--appendonly", "no", "--bind", "127.0.0.1", "--port", String(port), "--daemonize", "no"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-4_000);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);

  const exited = new Promise<Error>((resolve) => {
    child.once("error", (err: NodeJS.ErrnoException) => {
      resolve(
        err.code === "ENOENT"
          ? new Error(
              `${BINARY} is not installed: these tests run a real Redis (Debian: apt-get install redis-server)`,
            )
          : err,
      );
    });
    child.once("exit", (code, signal) => {
      const message = `${BINARY} on port ${port} exited (${signal ?? code}) before it was ready:\n${output}`;
      resolve(/address already in use/i.test(output) ? new BindError(message) : new Error(message));
    });
  });
  live.add(child);
  child.once("exit", () => live.delete(child));

  const ready = answersPing(port);
  try {
    const failure = await Promise.race([ready.then(() => null), exited]);
    if (failure === null) return child;
    throw failure;
  } catch (err) {
    ready.cancel();
    await terminate(child, "SIGKILL");
    throw err;
  }
}

/** Polls PING over a raw socket until +PONG or the deadline; cancel() stops polling (the outcome is known). */
function answersPing(port: number): Promise<void> & { cancel(): void } {
  let cancelled = false;
  const promise = (async () => {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!cancelled) {
      if (await ping(port)) return;
      if (Date.now() > deadline) throw new Error(`${BINARY} on port ${port} did not answer PING`);
      await sleep(20);
    }
  })();
  return Object.assign(promise, {
    cancel: () => {
      cancelled = true;
    },
  });
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    let reply = "";
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk: Buffer) => {
      reply += chunk.toString();
      if (reply.includes("\r\n")) done(reply.startsWith("+PONG"));
    });
  });
}

async function terminate(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  // No pid: it never started (ENOENT), and Node may never emit 'exit' for it.
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

/** A port nobody listens on right now; the caller's bind may still race with another process (see BindError). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server: Server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === "object") resolve(address.port);
        else reject(new Error("no port assigned"));
      });
    });
  });
}

export interface LoopbackProxy {
  /** Where clients connect instead of Redis. */
  readonly url: string;
  /** A network partition: open connections are cut and new ones refused, while Redis keeps its data. */
  cut(): void;
  heal(): void;
  close(): Promise<void>;
}

/** A TCP proxy in front of a redis-server that can be cut, to simulate losing Redis without losing its data. */
export async function startLoopbackProxy(targetPort: number): Promise<LoopbackProxy> {
  let open = true;
  const sockets = new Set<Socket>();
  const server = createServer((inbound) => {
    if (!open) {
      inbound.destroy();
      return;
    }
    const outbound = connect({ host: "127.0.0.1", port: targetPort });
    for (const socket of [inbound, outbound]) {
      sockets.add(socket);
      socket.once("close", () => sockets.delete(socket));
      socket.on("error", () => undefined);
    }
    inbound.pipe(outbound).pipe(inbound);
    inbound.once("close", () => outbound.destroy());
    outbound.once("close", () => inbound.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address !== "object") throw new Error("no port assigned");
  return {
    url: `redis://127.0.0.1:${address.port}`,
    cut() {
      open = false;
      for (const socket of sockets) socket.destroy();
    },
    heal() {
      open = true;
    },
    close() {
      open = false;
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Polls a condition until it holds or the bound passes; for state that changes on a socket event, not a clock. */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(10);
  }
}
