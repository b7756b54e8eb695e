import type { AccessGrant } from "../access/access";
import type { ProviderKind } from "../domain/provider-kind";
import type { CorsOrigins } from "../http/cors";
import type { HttpTimeouts } from "../http/dispatcher";

export type SandboxMode = "auto" | "on" | "off";

/** One provider account as configured (env or config file), credentials validated by the provider's class. */
export interface AccountConfig {
  readonly name: string;
  readonly provider: ProviderKind;
  readonly endpoint: string;
  readonly credentials: object;
  readonly rateLimit?: {
    readonly points: number;
    readonly durationSeconds: number;
    /** Overrides BudgetDefaults.operationShare for this account. */
    readonly operationShare?: number;
    /** Overrides BudgetDefaults.callerShare for this account. */
    readonly callerShare?: number;
  };
}

/** How every account's call budget is shared out, unless its rateLimit says otherwise. */
export interface BudgetDefaults {
  /** Fraction (0, 1] of a budgeted account's window one operation may spend. */
  readonly operationShare: number;
  /** Fraction (0, 1] of a budgeted account's window one caller (API key, else client address) may spend. */
  readonly callerShare: number;
  /** Calls per account that may wait for its budget or a connection slot before UPSTREAM_OVERLOADED. */
  readonly upstreamQueue: number;
}

/** One API key of PREFETCH_GRAPH_API_KEYS: its SHA-256 only, never the key. */
export interface ApiKeyConfig {
  /** The caller's identity in fair shares and logs. */
  readonly name: string;
  /** Lower-case hex SHA-256 of the key. */
  readonly sha256: string;
  readonly allow: readonly AccessGrant[];
  /** Whether the key may use `_service` and `_entities` (the router's). */
  readonly federation: boolean;
}

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly production: boolean;
  readonly logLevel: string;
  readonly sandbox: SandboxMode;
  /** HMAC key for cursors; generated per process (with a warning) when not configured. */
  readonly cursorSecret: Buffer;
  readonly cursorSecretGenerated: boolean;
  readonly graphiql: boolean;
  readonly introspection: boolean;
  /**
   * Federated tracing (ftv1): Apollo's inline trace plugin records every field's timing for a router that asks
   * for it. Off unless configured: it hooks every field resolution.
   */
  readonly federatedTracing: boolean;
  /**
   * Whether Query.node and Query.nodes are served. Off where the company graph owns Query.node itself (a Node
   * @interfaceObject): it then reaches this subgraph's nodes through the Node entity interface.
   */
  readonly nodeFields: boolean;
  readonly accounts: readonly AccountConfig[];
  readonly timeouts: HttpTimeouts;
  /** Upstream calls one GraphQL operation may cause before its remaining fields fail with OPERATION_LIMIT_EXCEEDED. */
  readonly maxUpstreamCallsPerOperation: number;
  readonly budgetDefaults: BudgetDefaults;
  /** After this long an operation's pending upstream work is cancelled and its fields get UPSTREAM_TIMEOUT. */
  readonly operationTimeoutMs: number;
  /**
   * How long list pages and unfinished tasks may be reused across operations; 0: never (terminal tasks are
   * reused whatever this says, since they never change).
   */
  readonly freshnessMs: number;
  /** Bytes of terminal tasks kept in memory per provider account. */
  readonly taskCacheBytes: number;
  /**
   * Where replicas share account budgets, caller shares and final tasks; null: per process. May hold a password:
   * never logged as is.
   */
  readonly redisUrl: string | null;
  /**
   * How long a SIGTERM or SIGINT may take, pre-stop delay included: in-flight operations still running near its
   * end are cut, and the process exits by then whatever is left.
   */
  readonly shutdownGraceMs: number;
  /** Pre-stop delay: /readyz answers 503 (requests are still served) for this long before the listener closes. */
  readonly shutdownDelayMs: number;
  /** Access control: the API keys, or null where PREFETCH_GRAPH_API_KEYS is unset and everything is open. */
  readonly apiKeys: readonly ApiKeyConfig[] | null;
  /** Origins whose browser pages may call /graphql (CORS); empty: none, "*": any (only with API keys). */
  readonly corsOrigins: CorsOrigins;
  /**
   * What subscribers (prefetchTaskUpdates over WebSocket) may hold at once: subscriptions per connection and per
   * caller, connections per caller and per process, watched tasks per caller and per process, and how long a
   * connection with no subscription stays open (src/subscriptions/subscription-limits.ts).
   */
  readonly subscriptionLimits: {
    readonly perConnection: number;
    readonly perCaller: number;
    readonly connectionsPerCaller: number;
    readonly connectionsPerProcess: number;
    readonly watchedTasksPerCaller: number;
    readonly watchedTasksPerProcess: number;
    readonly idleTimeoutMs: number;
  };
  /** Where the config file came from, for the start-up log. */
  readonly configFile: string | null;
}

/**
 * Whether sandbox providers are served, given the mode and the configured accounts. `auto` never applies in
 * production: a deployment whose credentials went missing must not quietly serve made-up data.
 */
export function sandboxApplies(config: Pick<Config, "sandbox" | "accounts" | "production">): boolean {
  return (
    config.sandbox === "on" ||
    (config.sandbox === "auto" && config.accounts.length === 0 && !config.production)
  );
}

/**
 * Every secret value the configuration holds, for the logger to keep out of every line: each string in each
 * account's credentials (whatever the provider calls its fields), the cursor key, and Redis's password.
 */
export function configuredSecrets(
  config: Pick<Config, "accounts" | "cursorSecret" | "cursorSecretGenerated" | "redisUrl">,
): string[] {
  const secrets: string[] = [];
  const collect = (value: unknown): void => {
    if (typeof value === "string") secrets.push(value);
    else if (typeof value === "object" && value !== null) Object.values(value).forEach(collect);
  };
  for (const account of config.accounts) collect(account.credentials);
  if (!config.cursorSecretGenerated) secrets.push(config.cursorSecret.toString("utf8"));
  if (config.redisUrl !== null) {
    try {
      const password = decodeURIComponent(new URL(config.redisUrl).password);
      if (password !== "") secrets.push(password);
    } catch {
      // validated at load; nothing to add
    }
  }
  return secrets;
}
