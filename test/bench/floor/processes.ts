import { fork, type ChildProcess } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type {
  BareReady,
  CallsAnswer,
  CallsRequest,
  ProbeRequest,
  ProbeSample,
  SandboxAccountEntry,
  SandboxReady,
} from "./protocol";

/**
 * The floor bench's child processes, seen from the parent: the sandbox emulators, the service as production
 * runs it (`node main.js`), and bare Apollo. Each is forked with an IPC channel and the same probe preloaded
 * (probe.ts: CPU and memory read inside the process); the sandbox answers its call counters too. Paths are
 * relative to this compiled file in dist-bench/test/bench/floor/, where `npm run bench` runs it from.
 */

const DIST = join(__dirname, "..", "..", "..");
export const ROOT = join(DIST, "..");
const SERVICE_MAIN = join(DIST, "src", "main.js");
const PROBE = join(__dirname, "probe.js");

/** Test-only secret; the service refuses one shorter than 32 characters. */
const CURSOR_SECRET = "floor-bench-cursor-secret-0123456789abcdef";

const START_MS = 30_000;
const ANSWER_MS = 10_000;
const STOP_MS = 5_000;
const OUTPUT_TAIL = 40;

export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  /** The last lines the child wrote to stdout and stderr, for a failure's message. */
  output(): string;
  /** Lines the child wrote in all; the service writes only warnings and errors at LOG_LEVEL=warn. */
  lineCount(): number;
  /** SIGTERM, then SIGKILL if it has not exited within a few seconds. Never throws. */
  stop(): Promise<void>;
}

export interface ServerChild extends Child {
  readonly url: string;
  probe(): Promise<ProbeSample>;
}

export interface SandboxChild extends Child {
  readonly accounts: readonly SandboxAccountEntry[];
  readonly baiduAnchor: Date;
  calls(): Promise<CallsAnswer>;
  /** The emulators' own CPU: on a small machine they compete with the service for its cores. */
  probe(): Promise<ProbeSample>;
}

let nextId = 1;

function cpuProfileFlags(): string[] {
  const dir = process.env.BENCH_CPU_PROF_DIR;
  return dir ? ["--cpu-prof", `--cpu-prof-dir=${dir}`] : [];
}

/** Forks `script` with an IPC channel and only the environment given (nothing from the developer's shell). */
function forkChild(
  name: string,
  script: string,
  options: { args?: string[]; env?: Record<string, string> },
): Child {
  if (!existsSync(script))
    throw new Error(`${name}: ${script} is missing; run \`npm run bench\` (it compiles first)`);
  const child = fork(script, options.args ?? [], {
    cwd: ROOT,
    // Nothing inherited from the bench's own node flags, and no --enable-source-maps: as production starts.
    // BENCH_CPU_PROF_DIR: each child writes a V8 CPU profile there when it exits (for a look at where time goes).
    execArgv: ["--require", PROBE, ...cpuProfileFlags()],
    env: { PATH: process.env.PATH ?? "", ...options.env },
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  const tail: string[] = [];
  let lines = 0;
  // Always read: a child blocked on a full pipe (the service logs synchronously) would stall the measurement.
  const collect = (chunk: Buffer): void => {
    for (const line of chunk.toString("utf8").split("\n")) {
      if (line === "") continue;
      lines += 1;
      tail.push(line.length > 500 ? `${line.slice(0, 500)}…` : line);
      if (tail.length > OUTPUT_TAIL) tail.shift();
    }
  };
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
  // Kept for the failure's message; an unhandled "error" would end the bench before it stops its children.
  child.on("error", (err) => tail.push(`[${name}: ${err.message}]`));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  return {
    name,
    process: child,
    output: () => tail.join("\n"),
    lineCount: () => lines,
    async stop() {
      if (!running()) return;
      child.kill("SIGTERM");
      const timer = sleep(STOP_MS).then(() => "timeout" as const);
      if ((await Promise.race([exited.then(() => "exited" as const), timer])) === "timeout" && running()) {
        child.kill("SIGKILL");
        await exited;
      }
    },
  };
}

/**
 * Resolves with the child's first message that `accept` takes, after sending `send` if given; rejects if the
 * child has exited or exits, if the message cannot be sent, or if no such message comes within `ms`.
 */
function nextMessage<T>(
  child: Child,
  accept: (message: unknown) => T | undefined,
  what: string,
  ms: number,
  send?: object,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const proc = child.process;
    const fail = (reason: string): void => {
      done();
      reject(new Error(`${child.name}: ${reason} (waiting for ${what}):\n${child.output()}`));
    };
    const onMessage = (message: unknown): void => {
      const value = accept(message);
      if (value === undefined) return;
      done();
      resolve(value);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void =>
      fail(`exited (${signal ?? code})`);
    const timer = setTimeout(() => fail(`no answer within ${ms} ms`), ms);
    const done = (): void => {
      clearTimeout(timer);
      proc.off("message", onMessage);
      proc.off("exit", onExit);
    };
    if (proc.exitCode !== null || proc.signalCode !== null) return fail("exited");
    proc.on("message", onMessage);
    proc.once("exit", onExit);
    if (send) proc.send(send, (err) => err && fail(`cannot send: ${err.message}`));
  });
}

/** Sends a request and resolves with the answer carrying its id (ids are unique across the bench). */
function ask<T extends { id: number }>(child: Child, request: ProbeRequest | CallsRequest, what: string) {
  const answers = (m: unknown): T | undefined => ((m as Partial<T>).id === request.id ? (m as T) : undefined);
  return nextMessage(child, answers, what, ANSWER_MS, request);
}

function sampleFrom(child: Child): () => Promise<ProbeSample> {
  return () => ask<ProbeSample>(child, { probe: "sample", id: nextId++ }, "a probe sample");
}

export async function startSandboxProcess(): Promise<SandboxChild> {
  const child = forkChild("the sandbox process", join(__dirname, "sandbox-process.js"), {});
  try {
    const ready = await nextMessage(
      child,
      (m) => ((m as SandboxReady).sandbox === "ready" ? (m as SandboxReady) : undefined),
      "its accounts",
      START_MS,
    );
    return {
      ...child,
      accounts: ready.accounts,
      baiduAnchor: new Date(ready.baiduAnchor),
      probe: sampleFrom(child),
      calls: () => ask<CallsAnswer>(child, { sandbox: "calls", id: nextId++ }, "its call counters"),
    };
  } catch (err) {
    await child.stop();
    throw err;
  }
}

/** A port free on loopback a moment ago: the service logs its address only at `info`, and runs at `warn`. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/**
 * The service as production starts it, on the sandbox's accounts from a config file (sandbox off, so that the
 * emulators stay in their own process). Freshness 0: every list page is asked of the provider, so the figures
 * measure the path, not a cache. Shares at 1: no fair-share rule may refuse the bench's single caller.
 */
export async function startService(
  accounts: readonly SandboxAccountEntry[],
  tempDir: string,
): Promise<ServerChild> {
  const config = join(tempDir, "accounts.json");
  writeFileSync(config, JSON.stringify({ accounts }));
  const port = await freePort();
  const child = forkChild("the service", SERVICE_MAIN, {
    env: {
      NODE_ENV: "production",
      PORT: String(port),
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      PREFETCH_GRAPH_SANDBOX: "off",
      PREFETCH_GRAPH_CONFIG: config,
      PREFETCH_GRAPH_FRESHNESS_MS: "0",
      PREFETCH_GRAPH_GRAPHIQL: "off",
      PREFETCH_GRAPH_CURSOR_SECRET: CURSOR_SECRET,
      PREFETCH_GRAPH_OPERATION_SHARE: "1",
      PREFETCH_GRAPH_CALLER_SHARE: "1",
    },
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    await whenReady(child, `${base}/readyz`);
    return { ...child, url: `${base}/graphql`, probe: sampleFrom(child) };
  } catch (err) {
    await child.stop();
    throw err;
  }
}

/** Polls the readiness endpoint until it answers 200; fails at once if the child exits. */
async function whenReady(child: Child, url: string): Promise<void> {
  const until = performance.now() + START_MS;
  while (performance.now() < until) {
    if (child.process.exitCode !== null || child.process.signalCode !== null) {
      throw new Error(`${child.name} exited at start-up:\n${child.output()}`);
    }
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    await sleep(50);
  }
  throw new Error(`${child.name} was not ready within ${START_MS} ms:\n${child.output()}`);
}

/** Bare Apollo Server 5 (bare-apollo.ts) serving `pageFile` with the SDL files given. */
export async function startBareApollo(pageFile: string, sdlFiles: readonly string[]): Promise<ServerChild> {
  const child = forkChild("bare Apollo", join(__dirname, "bare-apollo.js"), {
    args: [pageFile, ...sdlFiles],
    // As the service runs: production mode (no introspection, production landing page).
    env: {
      NODE_ENV: "production",
      ...(process.env.BENCH_FLOOR_APOLLO_DEFAULTS === "1" && { BENCH_FLOOR_APOLLO_DEFAULTS: "1" }),
    },
  });
  try {
    const ready = await nextMessage(
      child,
      (m) => ((m as BareReady).bare === "ready" ? (m as BareReady) : undefined),
      "its address",
      START_MS,
    );
    return { ...child, url: ready.url, probe: sampleFrom(child) };
  } catch (err) {
    await child.stop();
    throw err;
  }
}
