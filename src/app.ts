import type { GraphQLSchema } from "graphql";
import type { Logger } from "pino";
import { sandboxApplies, type Config } from "./config/config";
import type { AppServices } from "./context";
import { DispatcherRegistry } from "./http/dispatcher";
import { CursorCodec } from "./pagination/cursor";
import { PagingEngine } from "./pagination/paging-engine";
import { createRegistry, type ProviderRegistry, type RegistryAccount } from "./providers/registry";
import { connectRedis, type RedisConnection } from "./redis/redis-connection";
import { createSharedRateLimiter } from "./redis/shared-rate-limiter";
import { RedisKv } from "./redis/kv-store";
import { SharedCalls } from "./reuse/shared-calls";
import { KvSharedFinalTasks } from "./reuse/shared-final-tasks";
import { startSandbox, type Sandbox, type SandboxOptions } from "./sandbox";
import { buildAppSchema } from "./schema";
import { EXAMPLE_OPERATION } from "./landing/example-operation";
import { createLandingPage } from "./landing/landing-page";
import { createServer, GRAPHQL_PATH, type AppServer, type LandingHandler } from "./server";

export interface App {
  readonly server: AppServer;
  readonly registry: ProviderRegistry;
  readonly sandbox: Sandbox | null;
  /** Graceful: in-flight operations finish (bounded by config.shutdownGraceMs), then pools and emulators close. */
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
  const redis: RedisConnection | null = config.redisUrl ? connectRedis(config.redisUrl, logger) : null;
  const finalTasksKv = redis ? new RedisKv(redis, "prefetch-graph:final:") : null;
  // A replica waits for another's identical call at most as long as that call may take (connect + answer).
  const leaseMs = config.timeouts.connectMs + config.timeouts.headersMs + 1_000;
  let registry: ProviderRegistry;
  try {
    registry = createRegistry(accounts, {
      dispatchers,
      logger,
      rateLimitMaxWaitMs: options.rateLimitMaxWaitMs ?? 2_000,
      budgetDefaults: config.budgetDefaults,
      reuse: { freshnessMs: config.freshnessMs, finalTaskBytes: config.taskCacheBytes },
      ...(finalTasksKv && {
        sharedFinalTasks: (provider, account) =>
          new KvSharedFinalTasks(finalTasksKv, `${provider}/${account}/`),
      }),
      ...(redis && {
        limiter: (args) => createSharedRateLimiter({ connection: redis, ...args }),
        sharedCalls: (provider, account) =>
          new SharedCalls(new RedisKv(redis, `prefetch-graph:calls:${provider}/${account}/`), {
            freshnessMs: config.freshnessMs,
            leaseMs,
          }),
      }),
    });
  } catch (err) {
    await redis?.close();
    await sandbox?.close();
    throw err;
  }
  const services: AppServices = {
    registry,
    paging: new PagingEngine(new CursorCodec(config.cursorSecret), config.freshnessMs),
    logger,
    clock: options.clock ?? (() => new Date()),
    redis,
  };
  // The offline GraphiQL page, where config allows it; the same page for `npm start` and the tests.
  const landing: LandingHandler | undefined = config.graphiql
    ? createLandingPage({
        graphqlPath: GRAPHQL_PATH,
        defaultQuery: EXAMPLE_OPERATION,
        title: "prefetch-graph",
      })
    : undefined;
  const server = await createServer({
    schema: options.schema ?? (await buildAppSchema()),
    services,
    introspection: config.introspection,
    maxUpstreamCallsPerOperation: config.maxUpstreamCallsPerOperation,
    operationTimeoutMs: config.operationTimeoutMs,
    ...(landing ? { landing } : {}),
  });
  return {
    server,
    registry,
    sandbox,
    async close() {
      await server.stop(config.shutdownGraceMs);
      await dispatchers.close();
      await redis?.close();
      await sandbox?.close();
    },
  };
}
