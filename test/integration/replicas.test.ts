import { startSandbox, type Sandbox } from "../../src/sandbox";
import { useBuiltMain } from "../support/build-main";
import { startMain, type MainProcess } from "../support/main-process";
import { daysBefore, postGraphQL } from "../support/harness";
import { startRedisServer, waitUntil, type RedisServerHandle } from "../support/redis-server";
import { writeTempFile } from "../support/temp-files";

/**
 * Two replicas of the server — two real processes, built as `npm run build` does — on one Redis, in front of one
 * Wangsu account (the sandbox, which counts every call and answers 429 past its own limit): the account's
 * budget, its finished tasks and its identical calls are shared.
 */

const LIMIT = { points: 10, durationSeconds: 300 };

let redis: RedisServerHandle;
let sandbox: Sandbox;
let replicas: MainProcess[] = [];
const buildDir = useBuiltMain();

async function startReplica(env: Record<string, string>): Promise<MainProcess> {
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
  const replica = await startMain(buildDir(), {
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
  });
  replicas.push(replica);
  // Until its first connection, a replica runs on its own state (by design); these tests are about sharing.
  await waitUntil(async () => {
    const ready = await fetch(new URL("/readyz", replica.url));
    return ((await ready.json()) as { redis?: { available: boolean } }).redis?.available === true;
  }, "the replica's Redis connection");
  return replica;
}

async function stopReplicas(): Promise<void> {
  await Promise.all(
    replicas.map(async (r) => {
      r.signal("SIGTERM");
      await r.exited;
    }),
  );
  replicas = [];
}

function task(replica: MainProcess, taskId: string) {
  return postGraphQL<{ prefetchTask: { taskId: string } | null }>(replica.url.href, {
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
  redis = await startRedisServer();
  sandbox = await startSandbox({ wangsuRateLimit: LIMIT });
});
afterAll(async () => {
  await stopReplicas();
  await sandbox?.close();
  await redis?.stop();
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
      const ready = await fetch(new URL("/readyz", a.url));
      expect(ready.status).toBe(200);
      expect(((await ready.json()) as { redis: { available: boolean } }).redis.available).toBe(false);
    } finally {
      await redis.restart();
    }
  });
});
