import { setTimeout as sleep } from "node:timers/promises";
import pino, { type Logger } from "pino";
import { connectRedis, withoutPassword, type RedisConnection } from "../../../src/redis/redis-connection";
import { startRedisServer, waitUntil, type RedisServerHandle } from "../../support/redis-server";

interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

const WARN = 40;
const INFO = 30;

/** A logger whose lines land in an array, to count them. */
function capturingLogger(): { logger: Logger; lines: LogLine[]; raw: string[] } {
  const lines: LogLine[] = [];
  const raw: string[] = [];
  const logger = pino(
    { level: "debug" },
    {
      write(line: string) {
        raw.push(line);
        lines.push(JSON.parse(line) as LogLine);
      },
    },
  );
  return { logger, lines, raw };
}

let server: RedisServerHandle;
const connections: RedisConnection[] = [];

function connect(url: string, logger: Logger = pino({ level: "silent" })): RedisConnection {
  const connection = connectRedis(url, logger, { maxReconnectDelayMs: 50 });
  connections.push(connection);
  return connection;
}

beforeAll(async () => {
  server = await startRedisServer();
});

afterEach(async () => {
  await Promise.all(connections.splice(0).map((c) => c.close()));
  await server.restart();
});

afterAll(async () => {
  await server.stop();
});

describe("connectRedis", () => {
  it("becomes available once Redis answers, and says since when", async () => {
    const connection = connect(server.url);
    await waitUntil(() => connection.available, "the connection is ready");
    expect(await connection.client.ping()).toBe("PONG");
    expect(connection.status()).toEqual({ url: server.url, available: true, since: expect.any(String) });
  });

  it("answers commands with an error at once when Redis dies, instead of queueing them", async () => {
    const connection = connect(server.url);
    await waitUntil(() => connection.available, "the connection is ready");
    await server.kill();
    await waitUntil(() => !connection.available, "the connection is down");
    await expect(connection.client.get("anything")).rejects.toThrow(/enableOfflineQueue/);
    expect(connection.status().available).toBe(false);
  });

  it("logs one warning for an outage however many reconnects fail, and one info when Redis is back", async () => {
    const { logger, lines } = capturingLogger();
    const connection = connect(server.url, logger);
    await waitUntil(() => connection.available, "the connection is ready");
    let reconnects = 0;
    connection.client.on("reconnecting", () => reconnects++);
    await server.kill();
    await waitUntil(() => reconnects >= 4, "four reconnects have been tried");
    await server.restart();
    await waitUntil(() => connection.available, "the connection is back");
    const warnings = lines.filter((l) => l.level === WARN).map((l) => l.msg);
    expect(warnings).toEqual(["Redis unreachable: serving on per-process state"]);
    expect(lines.filter((l) => l.level === INFO).map((l) => l.msg)).toEqual([
      "Redis connected: sharing budgets and caches",
      "Redis reachable again: sharing budgets and caches",
    ]);
  });

  it("calls the recovery listeners on the first connection and once after each outage", async () => {
    const connection = connect(server.url);
    let recovered = 0;
    connection.onRecovered(() => recovered++);
    await waitUntil(() => connection.available, "the connection is ready");
    expect(recovered).toBe(1);
    for (const outage of [1, 2]) {
      await server.kill();
      await waitUntil(() => !connection.available, `outage ${outage} is noticed`);
      await server.restart();
      await waitUntil(() => connection.available, `the connection is back after outage ${outage}`);
    }
    expect(recovered).toBe(3);
  });

  it("keeps the process up and keeps trying when Redis is unreachable from the start", async () => {
    await server.kill();
    const { logger, lines } = capturingLogger();
    const connection = connect(server.url, logger);
    let reconnects = 0;
    connection.client.on("reconnecting", () => reconnects++);
    await waitUntil(() => reconnects >= 3, "three reconnects have been tried");
    expect(connection.status()).toEqual({ url: server.url, available: false, since: expect.any(String) });
    expect(lines.filter((l) => l.level === WARN)).toHaveLength(1);
    await server.restart();
    await waitUntil(() => connection.available, "the connection is made once Redis is there");
  });

  it("never shows or logs the URL's password", async () => {
    await server.kill();
    const { logger, raw } = capturingLogger();
    const connection = connect(`redis://:s3cret-pw@127.0.0.1:${server.port}/0`, logger);
    let reconnects = 0;
    connection.client.on("reconnecting", () => reconnects++);
    await waitUntil(() => reconnects >= 2, "two reconnects have been tried");
    expect(connection.status().url).toBe(`redis://127.0.0.1:${server.port}/0`);
    expect(raw.length).toBeGreaterThan(0);
    expect(raw.join("\n")).not.toContain("s3cret-pw");
  });

  it("removes only the password from a URL", () => {
    expect(withoutPassword("redis://app:pw@cache.internal:6380/2")).toBe("redis://app@cache.internal:6380/2");
    expect(withoutPassword("rediss://cache.internal:6380")).toBe("rediss://cache.internal:6380");
    expect(withoutPassword("not a url")).toBe("(unparsable Redis URL)");
  });

  it("closes while Redis is down, and tries no more reconnects", async () => {
    const connection = connect(server.url);
    await waitUntil(() => connection.available, "the connection is ready");
    await server.kill();
    await waitUntil(() => !connection.available, "the connection is down");
    await connection.close();
    let attempts = 0;
    connection.client.on("connecting", () => attempts++);
    await server.restart();
    const witness = connect(server.url);
    await waitUntil(() => witness.available, "a new connection is made");
    // Several of the closed client's 50 ms reconnect delays.
    await sleep(300);
    expect(attempts).toBe(0);
    expect(connection.available).toBe(false);
  });

  it("closes with a QUIT while Redis is up", async () => {
    const connection = connect(server.url);
    await waitUntil(() => connection.available, "the connection is ready");
    await connection.close();
    expect(connection.client.status).toBe("end");
  });
});
