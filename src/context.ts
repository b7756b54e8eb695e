import type { Logger } from "pino";
import type { OperationScope } from "./http/operation-scope";
import { createLoaders, type Loaders } from "./loaders";
import type { PagingEngine } from "./pagination/paging-engine";
import type { ProviderRegistry } from "./providers/registry";
import type { RedisConnection } from "./redis/redis-connection";

/** Long-lived services, built once per process. */
export interface AppServices {
  readonly registry: ProviderRegistry;
  readonly paging: PagingEngine;
  readonly logger: Logger;
  readonly clock: () => Date;
  /** Shared state of the replicas, for /readyz; null where Redis is not configured. */
  readonly redis?: RedisConnection | null;
}

/** What every resolver sees: the services plus this operation's loaders, logger and clock reading. */
export interface Context {
  readonly registry: ProviderRegistry;
  readonly paging: PagingEngine;
  readonly loaders: Loaders;
  readonly logger: Logger;
  /** One reading of the clock per operation, so that durations of one response agree with each other. */
  readonly now: Date;
  readonly requestId: string;
  /** This operation's call cap, caller, abort signal and counters; handed to every upstream call it causes. */
  readonly scope: OperationScope;
}

export function createContext(services: AppServices, requestId: string, scope: OperationScope): Context {
  return {
    registry: services.registry,
    paging: services.paging,
    loaders: createLoaders(services.registry, scope),
    logger: services.logger.child({ requestId }),
    now: services.clock(),
    requestId,
    scope,
  };
}
