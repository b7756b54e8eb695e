import "reflect-metadata";
import type { GraphQLSchema } from "graphql";
import pino from "pino";
import { request } from "undici";
import { createApp, type App } from "../../src/app";
import { loadConfig } from "../../src/config/load-config";
import type { Sandbox } from "../../src/sandbox";
import type { Scheduler } from "../../src/subscriptions/scheduler";
import { buildAppSchema } from "../../src/schema";
import { waitUntil } from "./redis-server";
import { writeTempFile } from "./temp-files";

/** One replica of the server, in this test process, in front of a sandbox it shares with other replicas. */
export interface ReplicaServer {
  readonly app: App;
  /** http://127.0.0.1:PORT/graphql */
  readonly url: string;
  close(): Promise<void>;
}

let schema: Promise<GraphQLSchema> | null = null;

/**
 * A replica as a deployment runs it: the sandbox's accounts configured as real accounts (PREFETCH_GRAPH_CONFIG,
 * the emulators on their loopback ports), so that several replicas reach one provider emulator, which counts
 * the calls of all of them. With PREFETCH_GRAPH_REDIS_URL in `env` it resolves once its Redis connection is up:
 * until then a replica runs on its own state, by design.
 */
export async function startReplicaServer(options: {
  readonly sandbox: Sandbox;
  readonly env?: Record<string, string>;
  /** The server's clock (defaults, the validation of ids' creation hints); real time by default. */
  readonly clock?: () => Date;
  /** The clock and timers of its task pollers; real time by default. */
  readonly pollScheduler?: Scheduler;
}): Promise<ReplicaServer> {
  const accounts = writeTempFile("accounts.json", {
    accounts: options.sandbox.accounts.map(({ name, provider, endpoint, credentials, rateLimit }) => ({
      name,
      provider,
      endpoint,
      credentials,
      ...(rateLimit && { rateLimit }),
    })),
  });
  const config = loadConfig({
    PREFETCH_GRAPH_CURSOR_SECRET: "integration-tests-cursor-secret-0123456789",
    PREFETCH_GRAPH_UPSTREAM_TIMEOUT_MS: "1500",
    PREFETCH_GRAPH_SHUTDOWN_GRACE_MS: "2000",
    PREFETCH_GRAPH_FRESHNESS_MS: "0",
    ...options.env,
    PREFETCH_GRAPH_SANDBOX: "off",
    PREFETCH_GRAPH_CONFIG: accounts,
  });
  const app = await createApp(config, {
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" }),
    schema: await (schema ??= buildAppSchema()),
    ...(options.clock && { clock: options.clock }),
    ...(options.pollScheduler && { pollScheduler: options.pollScheduler }),
  });
  const address = await app.server.listen(0, "127.0.0.1");
  const url = `http://127.0.0.1:${address.port}/graphql`;
  if (config.redisUrl !== null) {
    await waitUntil(async () => {
      const res = await request(url.replace(/\/graphql$/, "/readyz"));
      return ((await res.body.json()) as { redis?: { available: boolean } }).redis?.available === true;
    }, "the replica's Redis connection");
  }
  return { app, url, close: () => app.close() };
}

/** A gauge's value on a server's /metrics. */
export async function metricGauge(graphqlUrl: string, name: string): Promise<number> {
  const res = await request(graphqlUrl.replace(/\/graphql$/, "/metrics"));
  const text = await res.body.text();
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  if (line === undefined) throw new Error(`no ${name} on /metrics`);
  return Number(line.split(" ")[1]);
}
