import { setTimeout as sleep } from "node:timers/promises";
import pino from "pino";
import { RedisKv } from "../../../src/redis/kv-store";
import { connectRedis, type RedisConnection } from "../../../src/redis/redis-connection";
import { startRedisServer, waitUntil, type RedisServerHandle } from "../../support/redis-server";

let server: RedisServerHandle;
let connection: RedisConnection;
let kv: RedisKv;

beforeAll(async () => {
  server = await startRedisServer();
});

beforeEach(async () => {
  connection = connectRedis(server.url, pino({ level: "silent" }), { maxReconnectDelayMs: 50 });
  kv = new RedisKv(connection, "test:kv:");
  await waitUntil(() => connection.available, "the connection is ready");
  await connection.client.flushall();
});

afterEach(async () => {
  await connection.close();
});

afterAll(async () => {
  await server.stop();
});

async function redisDown(): Promise<void> {
  await server.kill();
  await waitUntil(() => !connection.available, "the connection is down");
}

describe("RedisKv with Redis up", () => {
  it("reads back what it stored", async () => {
    await kv.set("task:1", '{"status":"DONE"}', 60_000);
    expect(await kv.get("task:1")).toBe('{"status":"DONE"}');
  });

  it("answers null for a key it never stored", async () => {
    expect(await kv.get("task:none")).toBeNull();
  });

  it("stores under its prefix with the TTL it is given", async () => {
    await kv.set("task:2", "v", 30_000);
    const ttl = await connection.client.pttl("test:kv:task:2");
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(30_000);
    expect(await connection.client.exists("task:2")).toBe(0);
  });

  it("forgets a value once its TTL has run out", async () => {
    await kv.set("task:3", "v", 20);
    let value: string | null = "v";
    for (let read = 0; read < 200 && value !== null; read++) {
      await sleep(10);
      value = await kv.get("task:3");
    }
    expect(value).toBeNull();
  });

  it("reads many keys in key order, null for the missing ones", async () => {
    await kv.set("a", "1", 60_000);
    await kv.set("c", "3", 60_000);
    expect(await kv.mget(["c", "b", "a"])).toEqual(["3", null, "1"]);
    expect(await kv.mget([])).toEqual([]);
  });

  it("lets only the first of two setIfAbsent calls lead, and keeps the leader's value", async () => {
    const other = new RedisKv(connection, "test:kv:");
    expect(await kv.setIfAbsent("call:x", "replica-a", 60_000)).toBe(true);
    expect(await other.setIfAbsent("call:x", "replica-b", 60_000)).toBe(false);
    expect(await other.get("call:x")).toBe("replica-a");
  });

  it("lets a new leader in once the key is deleted", async () => {
    await kv.setIfAbsent("call:y", "first", 60_000);
    await kv.delete("call:y");
    expect(await kv.get("call:y")).toBeNull();
    expect(await kv.setIfAbsent("call:y", "second", 60_000)).toBe(true);
  });

  it("keeps stores with different prefixes apart", async () => {
    const cache = new RedisKv(connection, "test:cache:");
    await kv.set("k", "kv", 60_000);
    expect(await cache.get("k")).toBeNull();
  });
});

describe("RedisKv with Redis down or stalled", () => {
  afterEach(async () => {
    await server.restart();
  });

  it("shares nothing and throws nothing", async () => {
    await kv.set("kept", "v", 60_000);
    await redisDown();
    expect(await kv.get("kept")).toBeNull();
    expect(await kv.mget(["kept", "other"])).toEqual([null, null]);
    await expect(kv.set("k", "v", 60_000)).resolves.toBeUndefined();
    await expect(kv.delete("kept")).resolves.toBeUndefined();
  });

  it("tells every caller to lead, since nobody can coordinate", async () => {
    await redisDown();
    expect(await kv.setIfAbsent("call:z", "a", 60_000)).toBe(true);
    expect(await kv.setIfAbsent("call:z", "b", 60_000)).toBe(true);
  });

  it("shares again once Redis is back", async () => {
    await redisDown();
    await server.restart();
    await waitUntil(() => connection.available, "the connection is back");
    await kv.set("k", "v", 60_000);
    expect(await kv.get("k")).toBe("v");
  });

  it("gives up on a stalled Redis after the command timeout, though the connection looks up", async () => {
    await kv.set("k", "v", 60_000);
    const impatient = connectRedis(server.url, pino({ level: "silent" }), { commandTimeoutMs: 100 });
    try {
      await waitUntil(() => impatient.available, "the second connection is ready");
      const stalledKv = new RedisKv(impatient, "test:kv:");
      // Redis holds every client's commands (for longer than any test); the server is restarted after the test.
      await connection.client.call("CLIENT", "PAUSE", "60000", "ALL");
      expect(await stalledKv.get("k")).toBeNull();
      expect(await stalledKv.setIfAbsent("call:w", "a", 60_000)).toBe(true);
      expect(impatient.available).toBe(true);
    } finally {
      await impatient.close();
    }
  });
});
