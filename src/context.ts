import type { Logger } from "pino";
import type { Access } from "./access/access";
import type { ApiKeyTable } from "./access/api-keys";
import type { OperationScope } from "./http/operation-scope";
import { createLoaders, type Loaders } from "./loaders";
import type { MergedFeed } from "./pagination/merged-feed";
import type { PagingEngine } from "./pagination/paging-engine";
import type { ProviderRegistry } from "./providers/registry";
import type { RedisConnection } from "./redis/redis-connection";
import type { TaskWatchHub } from "./subscriptions/task-watch-hub";

/** Long-lived services, built once per process. */
export interface AppServices {
  readonly registry: ProviderRegistry;
  readonly paging: PagingEngine;
  /** A site's tasks across accounts (Query.sitePrefetchTasks). */
  readonly sitePaging: MergedFeed;
  readonly logger: Logger;
  readonly clock: () => Date;
  /** Shared state of the replicas, for /readyz; null where Redis is not configured. */
  readonly redis?: RedisConnection | null;
  /** Access control's keys; null or absent: off, every request may reach everything. */
  readonly apiKeys?: ApiKeyTable | null;
}

/** What every resolver sees: the services plus this operation's loaders, logger and clock reading. */
export interface Context {
  readonly registry: ProviderRegistry;
  readonly paging: PagingEngine;
  readonly sitePaging: MergedFeed;
  readonly loaders: Loaders;
  readonly logger: Logger;
  /** One reading of the clock per operation, so that durations of one response agree with each other. */
  readonly now: Date;
  readonly requestId: string;
  /** This operation's call cap, caller, abort signal and counters; handed to every upstream call it causes. */
  readonly scope: OperationScope;
  /** What this request's API key allows; every choice of a provider account reads it. */
  readonly access: Access;
  /** The pollers of watched tasks: present for subscriptions (over WebSocket), absent over HTTP. */
  readonly taskWatch?: TaskWatchHub;
}

export function createContext(
  services: AppServices,
  requestId: string,
  scope: OperationScope,
  access: Access,
): Context {
  return {
    registry: services.registry,
    paging: services.paging,
    sitePaging: services.sitePaging,
    loaders: createLoaders(services.registry, scope, access),
    // The caller (key:<name>, else ip:<address>) on every line, as fair shares count it; the caller's trace id
    // where it sent a valid W3C traceparent, so that these lines join its trace.
    logger: services.logger.child({
      requestId,
      caller: scope.caller,
      ...(scope.trace !== null && { traceId: scope.trace.traceId, parentSpanId: scope.trace.parentId }),
    }),
    now: services.clock(),
    requestId,
    scope,
    access,
  };
}
