import { setTimeout as sleep } from "node:timers/promises";
import type { GraphQLSchema } from "graphql";
import type { Logger } from "pino";
import { ApiKeyTable } from "./access/api-keys";
import { sandboxApplies, type Config } from "./config/config";
import type { AppServices } from "./context";
import { DispatcherRegistry } from "./http/dispatcher";
import { AppMetrics } from "./metrics/app-metrics";
import { CursorCodec } from "./pagination/cursor";
import { ListOrderBook } from "./pagination/list-order";
import { MergeCursorCodec } from "./pagination/merge-cursor";
import { MergedFeed } from "./pagination/merged-feed";
import { PagingEngine } from "./pagination/paging-engine";
import { createRegistry, type ProviderRegistry, type RegistryAccount } from "./providers/registry";
import type * as KvStoreModule from "./redis/kv-store";
import type { RedisConnection } from "./redis/redis-connection";
import type * as RedisConnectionModule from "./redis/redis-connection";
import type * as RateLimiterModule from "./redis/shared-rate-limiter";
import { SharedCalls } from "./reuse/shared-calls";
import { KvSharedFinalTasks } from "./reuse/shared-final-tasks";
import { startSandbox, type Sandbox, type SandboxOptions } from "./sandbox";
import { buildAppSchema } from "./schema";
import { EXAMPLE_OPERATION } from "./landing/example-operation";
import { createLandingPage } from "./landing/landing-page";
import { createServer, GRAPHQL_PATH, type AppServer, type LandingHandler } from "./server";
import { REAL_TIME, type Scheduler } from "./subscriptions/scheduler";
import { SubscriptionLimits } from "./subscriptions/subscription-limits";
import { registryTaskFetch } from "./subscriptions/task-fetch";
import { TaskWatchHub } from "./subscriptions/task-watch-hub";

/**
 * The Redis building blocks and a connection to `url`, the modules loaded only here, where Redis is configured:
 * ioredis alone keeps about 6 MB resident in every process that loads it. require rather than import(): jest
 * runs these modules as CommonJS.
 */
function connectShared(url: string, logger: Logger) {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { connectRedis } = require("./redis/redis-connection") as typeof RedisConnectionModule;
  const { createSharedRateLimiter } = require("./redis/shared-rate-limiter") as typeof RateLimiterModule;
  const { RedisKv } = require("./redis/kv-store") as typeof KvStoreModule;
  /* eslint-enable @typescript-eslint/no-require-imports */
  return { connection: connectRedis(url, logger), createSharedRateLimiter, RedisKv };
}

/** Longest part of the grace period kept for closing pools, Redis and emulators after the drain. */
const CLOSE_RESERVE_MS = 1_000;

/** Loud on purpose: a production graph without keys serves every account to anyone who can reach it. */
export const ACCESS_CONTROL_OFF_WARNING =
  'ACCESS CONTROL IS OFF: PREFETCH_GRAPH_API_KEYS is not set, so every client that can reach this server may read every provider account, site and task, and use _service/_entities. Set PREFETCH_GRAPH_API_KEYS (README, "Access control") before exposing it.';

export interface App {
  readonly server: AppServer;
  readonly registry: ProviderRegistry;
  readonly sandbox: Sandbox | null;
  /**
   * Graceful, within config.shutdownGraceMs: out of rotation for config.shutdownDelayMs while still serving, then
   * the listener closes, in-flight operations finish (cut near the end of the grace period), and the upstream
   * pools, Redis and the sandbox emulators close.
   */
  close(): Promise<void>;
}

export interface AppOptions {
  readonly logger: Logger;
  readonly clock?: () => Date;
  /** Built once per process; tests pass one schema to many apps. */
  readonly schema?: GraphQLSchema;
  readonly sandbox?: SandboxOptions;

  /** Longest a call waits for its account's rate budget before UPSTREAM_RATE_LIMITED. */
  readonly rateLimitMaxWaitMs?: number;
  /** Node's process metrics on /metrics too: once per process (main.ts), not per app. */
  readonly processMetrics?: boolean;
  /** The clock and timers of the task pollers behind subscriptions; tests drive polls with their own. */
  readonly pollScheduler?: Scheduler;
}

/** Everything a process serves, from a validated Config: sandbox (when it applies), accounts, schema, server. */
export async function createApp(config: Config, options: AppOptions): Promise<App> {
  const { logger } = options;
  const sandbox = sandboxApplies(config) ? await startSandbox(options.sandbox) : null;
  const accounts: RegistryAccount[] = [
    ...config.accounts.map((a) => ({ ...a, sandbox: false })),
    ...(sandbox?.accounts ?? []),
  ];
  const dispatchers = new DispatcherRegistry(config.timeouts);
  // With Redis, replicas share budgets and final tasks; without it (or while it is down), each process has its own.
  const shared = config.redisUrl ? connectShared(config.redisUrl, logger) : null;
  const redis: RedisConnection | null = shared?.connection ?? null;
  const finalTasksKv = shared ? new shared.RedisKv(shared.connection, "prefetch-graph:final:") : null;
  // A replica waits for another's identical call at most as long as that call may take: every attempt's connect
  // and answer, the backoff between them and the wait for the budget. Waiters stop sooner with their operation.
  const leaseMs = 3 * (config.timeouts.connectMs + config.timeouts.headersMs) + 6_000;
  const metrics = new AppMetrics({ processMetrics: options.processMetrics ?? false });
  let registry: ProviderRegistry;
  try {
    registry = createRegistry(accounts, {
      dispatchers,
      logger,
      rateLimitMaxWaitMs: options.rateLimitMaxWaitMs ?? 2_000,
      budgetDefaults: config.budgetDefaults,
      reuse: { freshnessMs: config.freshnessMs, finalTaskBytes: config.taskCacheBytes },
      metricsFor: (provider, account) => metrics.forAccount(provider, account),
      ...(finalTasksKv && {
        sharedFinalTasks: (provider, account) =>
          new KvSharedFinalTasks(finalTasksKv, `${provider}/${account}/`),
      }),
      ...(shared && {
        limiter: (args) => shared.createSharedRateLimiter({ connection: shared.connection, ...args }),
        sharedCalls: (provider, account) =>
          new SharedCalls(
            new shared.RedisKv(shared.connection, `prefetch-graph:calls:${provider}/${account}/`),
            {
              freshnessMs: config.freshnessMs,
              leaseMs,
            },
          ),
      }),
    });
  } catch (err) {
    await redis?.close();
    await sandbox?.close();
    throw err;
  }
  metrics.watchBudgets(registry);
  const services: AppServices = {
    registry,
    paging: new PagingEngine(
      new CursorCodec(config.cursorSecret),
      config.freshnessMs,
      new ListOrderBook(logger),
    ),
    sitePaging: new MergedFeed(new MergeCursorCodec(config.cursorSecret), config.freshnessMs),
    logger,
    clock: options.clock ?? (() => new Date()),
    redis,
    apiKeys: config.apiKeys ? new ApiKeyTable(config.apiKeys) : null,
  };
  if (config.apiKeys !== null)
    logger.info({ apiKeys: config.apiKeys.map((k) => k.name) }, "access control on");
  else if (config.production) logger.warn(ACCESS_CONTROL_OFF_WARNING);
  // The offline GraphiQL page, where config allows it; the same page for `npm start` and the tests.
  const landing: LandingHandler | undefined = config.graphiql
    ? createLandingPage({
        graphqlPath: GRAPHQL_PATH,
        defaultQuery: EXAMPLE_OPERATION,
        title: "prefetch-graph",
      })
    : undefined;
  // Subscriptions: one poller per watched task, through the accounts' reuse layer and budgets; connections,
  // subscriptions and watched tasks bounded per caller and per process.
  const subscriptionLimits = new SubscriptionLimits(config.subscriptionLimits);
  const taskWatch = new TaskWatchHub({
    bounds: subscriptionLimits,
    fetch: registryTaskFetch(registry, { deadlineMs: config.operationTimeoutMs }),
    scheduler: options.pollScheduler ?? REAL_TIME,
    freshnessMs: config.freshnessMs,
    // With Redis, replicas share each poll of a task; a poll runs at most an operation's time, so a replica that
    // waits longer for another's poll than that (and a second) polls itself.
    ...(shared && {
      shared: {
        kv: new shared.RedisKv(shared.connection, "prefetch-graph:polls:"),
        leaseMs: config.operationTimeoutMs + 1_000,
      },
    }),
  });
  metrics.watchSubscriptions(() => ({
    connections: subscriptionLimits.connections,
    subscriptions: subscriptionLimits.active,
    watchedTasks: subscriptionLimits.watchedTasks,
    pollers: taskWatch.activePollers,
  }));
  const server = await createServer({
    schema: options.schema ?? (await buildAppSchema({ nodeFields: config.nodeFields })),
    services,
    introspection: config.introspection,
    federatedTracing: config.federatedTracing,
    production: config.production,
    maxUpstreamCallsPerOperation: config.maxUpstreamCallsPerOperation,
    operationTimeoutMs: config.operationTimeoutMs,
    metrics,
    corsOrigins: config.corsOrigins,
    subscriptions: { hub: taskWatch, limits: subscriptionLimits },
    ...(landing ? { landing } : {}),
  });
  return {
    server,
    registry,
    sandbox,
    async close() {
      const deadline = performance.now() + config.shutdownGraceMs;
      if (config.shutdownDelayMs > 0) {
        server.leaveRotation();
        logger.info({ delayMs: config.shutdownDelayMs }, "out of rotation: /readyz answers 503");
        await sleep(config.shutdownDelayMs);
      }
      // What follows the drain (pools, Redis, emulators) keeps a slice of the grace period for itself.
      const reserveMs = Math.min(CLOSE_RESERVE_MS, config.shutdownGraceMs / 5);
      await server.stop(Math.max(0, deadline - reserveMs - performance.now()));
      taskWatch.close();
      // Operations cut by the drain have had their upstream calls aborted; what is left is not worth waiting for.
      await dispatchers.close(Math.max(0, Math.min(reserveMs / 2, deadline - performance.now())));
      await redis?.close();
      await sandbox?.close();
    },
  };
}
