import type { ProviderKind } from "../domain/provider-kind";
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
  /** How long SIGTERM waits for in-flight operations before closing anyway. */
  readonly shutdownGraceMs: number;
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
