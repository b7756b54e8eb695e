import { spawn, type ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { startSandbox, type Sandbox } from "../../src/sandbox";
import { buildMain, ROOT } from "../support/build-main";
import { daysBefore, postGraphQL } from "../support/harness";
import { startRedisServer, waitUntil, type RedisServerHandle } from "../support/redis-server";
import { writeTempFile } from "../support/temp-files";

/**
 * Two replicas of the server — two real processes, built as `npm run build` does — on one Redis, in front of one
 * Wangsu account (the sandbox, which counts every call and answers 429 past its own limit): the account's
 * budget, its finished tasks and its identical calls are shared.
 */

const LIMIT = { points: 10, durationSeconds: 300 };

interface Replica {
  readonly url: string;
  readonly child: ChildProcess;
}

let buildDir: string;
let redis: RedisServerHandle;
let sandbox: Sandbox;
let replicas: Replica[] = [];

async function startReplica(env: Record<string, string>): Promise<Replica> {
  const wangsu = sandbox.accounts.find((a) => a.provider === "WANGSU_CDN_PRO")!;
  const accounts = writeTempFile("accounts.json", {
    accounts: [
      {
        name: "shared",
        provider: "WANGSU_CDN_PRO",
        endpoint: wangsu.endpoint,
        credentials: wangsu.credentials,
        rateLimit: LIMIT,
      },
    ],
  });
  const child = spawn(process.execPath, [join(buildDir, "main.js")], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"],
    // Only what this test means: nothing inherited from the developer's shell.
    env: {
      PATH: process.env.PATH ?? "",
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "info",
      PREFETCH_GRAPH_GRAPHIQL: "off",
      PREFETCH_GRAPH_CURSOR_SECRET: "replica-tests-cursor-secret-0123456789abcdef",
      PREFETCH_GRAPH_SANDBOX: "off",
      PREFETCH_GRAPH_CONFIG: accounts,
      PREFETCH_GRAPH_REDIS_URL: redis.url,
      PREFETCH_GRAPH_FRESHNESS_MS: "0",
      PREFETCH_GRAPH_UPSTREAM_TIMEOUT_MS: "1500",
      // Both replicas see the test as one caller, and each call here is its own operation: neither share may
      // be what refuses.
      PREFETCH_GRAPH_CALLER_SHARE: "1",
      PREFETCH_GRAPH_OPERATION_SHARE: "1",
      ...env,
    },
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the replica did not start in 20 s")), 20_000);
    child.once("exit", (code) => reject(new Error(`the replica exited with ${code} at start-up`)));
    createInterface({ input: child.stdout }).on("line", (line) => {
      const found = /"msg":"prefetch-graph serving (http:\/\/\S+\/graphql)/.exec(line);
      if (found) {
        clearTimeout(timer);
        resolve(found[1]!);
      }
    });
  });
  const replica = { url, child };
  replicas.push(replica);
  // Until its first connection, a replica runs on its own state (by design); these tests are about sharing.
  await waitUntil(async () => {
    const ready = await fetch(url.replace("/graphql", "/readyz"));
    return ((await ready.json()) as { redis?: { available: boolean } }).redis?.available === true;
  }, "the replica's Redis connection");
  return replica;
}

async function stopReplicas(): Promise<void> {
  await Promise.all(
    replicas.map(
      (r) =>
        new Promise<void>((resolve) => {
          if (r.child.exitCode !== null) return resolve();
          r.child.once("exit", () => resolve());
          r.child.kill("SIGTERM");
        }),
    ),
  );
  replicas = [];
}

function task(replica: Replica, taskId: string) {
  return postGraphQL<{ prefetchTask: { taskId: string } | null }>(replica.url, {
    query: `query ($id: String!) { prefetchTask(provider: WANGSU_CDN_PRO, taskId: $id) { taskId status } }`,
    variables: { id: taskId },
  });
}

function ids(finished: boolean): string[] {
  const wangsu = sandbox.wangsuCdnPro;
  return wangsu.taskIds({ start: daysBefore(wangsu.anchor, 30), end: wangsu.anchor }).filter((id) => {
    const body = wangsu.detail(id) as { metadata?: { status: string }; metaData?: { status: string } };
    return ((body.metadata ?? body.metaData)?.status === "finished") === finished;
  });
}

beforeAll(async () => {
  buildDir = await buildMain();
  redis = await startRedisServer();
  sandbox = await startSandbox({ wangsuRateLimit: LIMIT });
}, 120_000);
afterAll(async () => {
  await stopReplicas();
  await sandbox?.close();
  await redis?.stop();
  if (buildDir) rmSync(buildDir, { recursive: true, force: true });
});
afterEach(stopReplicas);

describe("two replicas on one Redis", () => {
  it("hold one Wangsu account's budget together: the provider never answers 429", async () => {
    sandbox.wangsuCdnPro.resetCalls();
    const [a, b] = [await startReplica({}), await startReplica({})];
    // Finished tasks, each asked once: every ask is a call until the shared budget is spent.
    const asks = ids(true).slice(0, 16);
    const answers = [];
    for (const [i, id] of asks.entries()) answers.push(await task(i % 2 === 0 ? a : b, id));
    const limited = answers.filter((r) => r.errors?.[0]?.extensions?.code === "UPSTREAM_RATE_LIMITED");
    expect(answers.filter((r) => r.data?.prefetchTask?.taskId)).toHaveLength(LIMIT.points);
    expect(limited).toHaveLength(asks.length - LIMIT.points);
    // Every call that reached the provider was one the provider accepted.
    expect(sandbox.wangsuCdnPro.calls()).toBe(LIMIT.points);
  });

  it("share finished tasks: one that replica A fetched costs replica B no call", async () => {
    await redis.restart(); // a fresh budget and an empty shared cache
    const [a, b] = [await startReplica({}), await startReplica({})];
    const [id] = ids(true).slice(-1);
    sandbox.wangsuCdnPro.resetCalls();
    const first = await task(a, id!);
    expect(first.data?.prefetchTask?.taskId).toBe(id);
    const second = await task(b, id!);
    expect(second.data?.prefetchTask?.taskId).toBe(id);
    expect((second as unknown as { extensions: object }).extensions).toEqual({
      upstreamCalls: 0,
      cacheHits: 1,
    });
    expect(sandbox.wangsuCdnPro.calls()).toBe(1);
  });

  it("make an identical call in flight on both replicas once, with freshness on", async () => {
    await redis.restart();
    const env = { PREFETCH_GRAPH_FRESHNESS_MS: "5000" };
    const [a, b] = [await startReplica(env), await startReplica(env)];
    const [id] = ids(false);
    sandbox.wangsuCdnPro.resetCalls();
    sandbox.wangsuCdnPro.setFault({ kind: "delay", ms: 300 });
    try {
      const answers = await Promise.all([task(a, id!), task(b, id!)]);
      expect(answers.map((r) => r.data?.prefetchTask?.taskId)).toEqual([id, id]);
    } finally {
      sandbox.wangsuCdnPro.setFault(null);
    }
    expect(sandbox.wangsuCdnPro.calls("detail")).toBe(1);
  });

  it("keep serving on their own state while Redis is down, and say so in /readyz", async () => {
    await redis.restart();
    const a = await startReplica({});
    await redis.kill();
    try {
      const [id] = ids(false);
      const res = await task(a, id!);
      expect(res.errors).toBeUndefined();
      expect(res.data?.prefetchTask?.taskId).toBe(id);
      const ready = await fetch(a.url.replace("/graphql", "/readyz"));
      expect(ready.status).toBe(200);
      expect(((await ready.json()) as { redis: { available: boolean } }).redis.available).toBe(false);
    } finally {
      await redis.restart();
    }
  });
});
