import pino from "pino";
import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import { connectRedis, type RedisConnection } from "../../../src/redis/redis-connection";
import {
  OutageLedger,
  SharedRateLimiter,
  createSharedRateLimiter,
  planWriteBack,
  type LedgerEntry,
} from "../../../src/redis/shared-rate-limiter";
import {
  startLoopbackProxy,
  startRedisServer,
  waitUntil,
  type LoopbackProxy,
  type RedisServerHandle,
} from "../../support/redis-server";

const POINTS = 5;
/** Long enough that no window ends during a test: nothing here waits for a clock. */
const DURATION_SECONDS = 600;
const KEY = "WANGSU_CDN_PRO/eu";

let server: RedisServerHandle;
let prefix: string;
let testNumber = 0;
const connections: RedisConnection[] = [];
const proxies: LoopbackProxy[] = [];

interface Replica {
  connection: RedisConnection;
  limiter: SharedRateLimiter;
}

/** One server process of the service: its own connection and its own limiter over the shared Redis. */
async function replica(url = server.url): Promise<Replica> {
  const connection = connectRedis(url, pino({ level: "silent" }), { maxReconnectDelayMs: 50 });
  connections.push(connection);
  const limiter = createSharedRateLimiter({
    connection,
    keyPrefix: prefix,
    points: POINTS,
    durationSeconds: DURATION_SECONDS,
  });
  if (!(limiter instanceof SharedRateLimiter)) throw new Error("expected a SharedRateLimiter");
  await waitUntil(() => connection.available, "the replica's connection is ready");
  return { connection, limiter };
}

/** Consumes one point `times` times; each must be granted. */
async function spend(limiter: RateLimiterAbstract, times: number): Promise<void> {
  for (let i = 0; i < times; i++) await limiter.consume(KEY);
}

/** The budget's refusal; anything else (a store error above all) fails the test. */
async function refusal(call: Promise<unknown>): Promise<RateLimiterRes> {
  try {
    await call;
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) return rejection;
    throw rejection;
  }
  throw new Error("expected the budget to refuse the call");
}

/** Points Redis itself counts for the key, read past every limiter. */
async function pointsInRedis(connection: RedisConnection): Promise<number | null> {
  const value = await connection.client.get(`${prefix}:${KEY}`);
  return value === null ? null : Number(value);
}

async function outage(...replicas: Replica[]): Promise<void> {
  await server.kill();
  for (const r of replicas) await waitUntil(() => !r.connection.available, "the replica notices the outage");
}

/** Redis restarts empty (persistence is off); resolves once every replica is back and has written back. */
async function recovery(...replicas: Replica[]): Promise<void> {
  await server.restart();
  for (const r of replicas) {
    await waitUntil(() => r.connection.available, "the replica is reconnected");
    await r.limiter.writeBack();
  }
}

beforeAll(async () => {
  server = await startRedisServer();
});

beforeEach(() => {
  prefix = `test:budget:${++testNumber}`;
});

afterEach(async () => {
  await Promise.all(connections.splice(0).map((c) => c.close()));
  await Promise.all(proxies.splice(0).map((p) => p.close()));
  await server.restart();
});

afterAll(async () => {
  await server.stop();
});

describe("createSharedRateLimiter without Redis", () => {
  it("is this process's own RateLimiterMemory", async () => {
    const limiter = createSharedRateLimiter({
      connection: null,
      keyPrefix: "p",
      points: POINTS,
      durationSeconds: DURATION_SECONDS,
    });
    expect(limiter).toBeInstanceOf(RateLimiterMemory);
    await spend(limiter, POINTS);
    await refusal(limiter.consume(KEY));
  });

  it("refuses a window that is not a whole number of seconds", () => {
    const args = { connection: null, keyPrefix: "p", points: 1 };
    expect(() => createSharedRateLimiter({ ...args, durationSeconds: 0 })).toThrow(RangeError);
    expect(() => createSharedRateLimiter({ ...args, durationSeconds: 1.5 })).toThrow(RangeError);
  });
});

describe("SharedRateLimiter with Redis up", () => {
  it("shares one budget between replicas: the sixth call across both is refused", async () => {
    const a = await replica();
    const b = await replica();
    await spend(a.limiter, 3);
    await spend(b.limiter, 2);
    await refusal(a.limiter.consume(KEY));
    await refusal(b.limiter.consume(KEY));
    expect(await pointsInRedis(a.connection)).toBe(7);
  });

  it("answers get() with the points every replica spent", async () => {
    const a = await replica();
    const b = await replica();
    await spend(a.limiter, 2);
    await spend(b.limiter, 1);
    expect((await a.limiter.get(KEY))?.consumedPoints).toBe(3);
  });

  it("puts a block in Redis, so every replica refuses", async () => {
    const a = await replica();
    const b = await replica();
    await a.limiter.block(KEY, 120);
    expect(await pointsInRedis(b.connection)).toBe(POINTS + 1);
    await refusal(b.limiter.consume(KEY));
  });
});

describe("SharedRateLimiter while Redis is down", () => {
  it("keeps budgeting per process, refusing rather than failing once this process's points are spent", async () => {
    const a = await replica();
    await outage(a);
    await spend(a.limiter, POINTS);
    await refusal(a.limiter.consume(KEY));
  });

  it("gives each replica its own budget", async () => {
    const a = await replica();
    const b = await replica();
    await outage(a, b);
    await spend(a.limiter, POINTS);
    await spend(b.limiter, POINTS);
    await refusal(b.limiter.consume(KEY));
  });

  it("still honours a block taken while Redis was up", async () => {
    const a = await replica();
    await a.limiter.block(KEY, 120);
    await outage(a);
    await refusal(a.limiter.consume(KEY));
    await a.limiter.consume("another-account");
  });

  it("answers get(), block(), penalty() and delete() from per-process state without throwing", async () => {
    const a = await replica();
    await outage(a);
    await spend(a.limiter, 2);
    expect((await a.limiter.get(KEY))?.consumedPoints).toBe(2);
    expect((await a.limiter.penalty(KEY, 1)).consumedPoints).toBe(3);
    await a.limiter.block(KEY, 60);
    await refusal(a.limiter.consume(KEY));
    expect(await a.limiter.delete(KEY)).toBe(true);
    await a.limiter.consume(KEY);
  });
});

describe("SharedRateLimiter when Redis is back", () => {
  it("writes the points spent during the outage back into a Redis that restarted empty", async () => {
    const a = await replica();
    const b = await replica();
    await outage(a, b);
    await spend(a.limiter, 3);
    await recovery(a, b);
    expect(await pointsInRedis(b.connection)).toBe(3);
    await spend(b.limiter, 2);
    await refusal(b.limiter.consume(KEY));
  });

  it("restores the points spent before the outage when Redis comes back empty", async () => {
    const a = await replica();
    const b = await replica();
    await spend(a.limiter, 2);
    await outage(a, b);
    await recovery(a, b);
    expect(await pointsInRedis(b.connection)).toBe(2);
  });

  it("never hands a window's points out twice: 2 before the outage and 3 during it leave none after", async () => {
    const a = await replica();
    const b = await replica();
    await spend(a.limiter, 2);
    await outage(a, b);
    await spend(a.limiter, 3);
    await recovery(a, b);
    await refusal(b.limiter.consume(KEY));
    await refusal(a.limiter.consume(KEY));
  });

  it("adds every replica's outage spending, each once", async () => {
    const a = await replica();
    const b = await replica();
    await outage(a, b);
    await spend(a.limiter, 2);
    await spend(b.limiter, 1);
    await recovery(a, b);
    expect(await pointsInRedis(a.connection)).toBe(3);
  });

  it("adds outage spending to a Redis that kept its data, without counting the earlier points again", async () => {
    const proxy = await startLoopbackProxy(server.port);
    proxies.push(proxy);
    const a = await replica(proxy.url);
    const b = await replica();
    await spend(a.limiter, 2);
    await spend(b.limiter, 1);
    proxy.cut();
    await waitUntil(() => !a.connection.available, "replica a is cut off");
    await spend(a.limiter, 1);
    proxy.heal();
    await waitUntil(() => a.connection.available, "replica a is reconnected");
    await a.limiter.writeBack();
    expect(await pointsInRedis(b.connection)).toBe(4);
    await spend(b.limiter, 1);
    await refusal(b.limiter.consume(KEY));
  });

  it("writes back on its own when the connection recovers", async () => {
    const a = await replica();
    const b = await replica();
    await outage(a, b);
    await spend(a.limiter, 3);
    await server.restart();
    await waitUntil(
      async () => b.connection.available && (await pointsInRedis(b.connection)) === 3,
      "Redis counts the outage's points",
    );
  });

  it("writes a block taken during the outage back to Redis", async () => {
    const a = await replica();
    const b = await replica();
    await outage(a, b);
    await a.limiter.block(KEY, 120);
    await recovery(a, b);
    expect(await pointsInRedis(b.connection)).toBe(POINTS + 1);
    await refusal(b.limiter.consume(KEY));
  });

  it("writes nothing back twice", async () => {
    const a = await replica();
    await outage(a);
    await spend(a.limiter, 2);
    await recovery(a);
    await a.limiter.writeBack();
    await a.limiter.writeBack();
    expect(await pointsInRedis(a.connection)).toBe(2);
  });
});

describe("planWriteBack", () => {
  const now = 1_000_000;
  const idle: LedgerEntry = {
    sharedPoints: 0,
    sharedUntil: 0,
    unsyncedPoints: 0,
    unsyncedUntil: 0,
    blockedUntil: 0,
  };

  it("writes nothing once every window has ended", () => {
    const ended = { ...idle, sharedPoints: 4, sharedUntil: now, unsyncedPoints: 3, unsyncedUntil: now - 1 };
    expect(planWriteBack(ended, now, POINTS)).toBeNull();
  });

  it("adds the unsynced points, or rebuilds a lost key from the known count plus them, for the longer window", () => {
    const entry = {
      ...idle,
      sharedPoints: 2,
      sharedUntil: now + 5_000,
      unsyncedPoints: 3,
      unsyncedUntil: now + 9_000,
    };
    expect(planWriteBack(entry, now, POINTS)).toMatchObject({ kind: "merge", restore: 5, add: 3, ms: 9_000 });
  });

  it("leaves out points whose window has ended", () => {
    const entry = {
      ...idle,
      sharedPoints: 2,
      sharedUntil: now - 1,
      unsyncedPoints: 3,
      unsyncedUntil: now + 9_000,
    };
    expect(planWriteBack(entry, now, POINTS)).toMatchObject({ kind: "merge", restore: 3, add: 3, ms: 9_000 });
  });

  it("writes a live block rather than the points it covers", () => {
    const entry = { ...idle, unsyncedPoints: 3, unsyncedUntil: now + 9_000, blockedUntil: now + 60_000 };
    expect(planWriteBack(entry, now, POINTS)).toMatchObject({
      kind: "block",
      points: POINTS + 1,
      ms: 60_000,
    });
  });

  it("does not write rewards back: points given back during the outage stay spent", () => {
    const entry = { ...idle, unsyncedPoints: -2, unsyncedUntil: now + 9_000 };
    expect(planWriteBack(entry, now, POINTS)).toBeNull();
  });
});

describe("OutageLedger", () => {
  it("keeps points the insurance hands out after a write-back began for the next one", () => {
    const ledger = new OutageLedger();
    ledger.spent(KEY, 2, 10_000, 0);
    const [first] = ledger.plans(0, POINTS);
    ledger.spent(KEY, 1, 9_000, 1_000);
    ledger.written(KEY, first!.plan, null, 1_000);
    expect(ledger.peek(KEY)?.unsyncedPoints).toBe(1);
  });

  it("starts counting afresh when the insurance's window has ended", () => {
    const ledger = new OutageLedger();
    ledger.spent(KEY, 4, 10_000, 0);
    ledger.spent(KEY, 1, 10_000, 10_000);
    expect(ledger.peek(KEY)?.unsyncedPoints).toBe(1);
  });
});
