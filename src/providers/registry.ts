import type { Logger } from "pino";
import type { Access } from "../access/access";
import type { AccountConfig, BudgetDefaults } from "../config/config";
import { ConfigError } from "../config/config-error";
import type { ProviderKind } from "../domain/provider-kind";
import { AccountNotConfiguredError, ForbiddenError } from "../errors/app-error";
import type { DispatcherRegistry } from "../http/dispatcher";
import {
  createAccountBudget,
  type BudgetStatus,
  type LimiterFactory,
  type RateBudget,
} from "../http/rate-budget";
import type { UpstreamObserver } from "../http/upstream-http";
import { ReusingProvider, type ReuseObserver, type ReuseSettings } from "../reuse/reusing-provider";
import type { SharedCalls } from "../reuse/shared-calls";
import type { SharedFinalTasks } from "../reuse/shared-final-tasks";
import { providerModule } from "./modules";
import type { PrefetchProvider, ProviderAccountInfo } from "./provider";

export interface RegistryAccount extends AccountConfig {
  readonly sandbox: boolean;
}

export interface RegistryDeps {
  readonly dispatchers: DispatcherRegistry;
  readonly logger: Logger;
  /** Longest a call waits for its account's rate budget. */
  readonly rateLimitMaxWaitMs: number;
  /** Shares of each budget and the bound of each account's wait queue, where an account sets none. */
  readonly budgetDefaults: BudgetDefaults;
  /** Freshness and cache size of every account's reuse of provider answers. */
  readonly reuse: Pick<ReuseSettings, "freshnessMs" | "finalTaskBytes" | "now">;
  /** Where replicas share an account's final tasks (Redis); absent: this process only. */
  readonly sharedFinalTasks?: (provider: ProviderKind, account: string) => SharedFinalTasks;
  /** The store of budgets and caller shares: Redis where replicas share them; absent: in memory. */
  readonly limiter?: LimiterFactory;
  /** Where replicas share an account's identical calls and fresh answers (Redis); absent: this process only. */
  readonly sharedCalls?: (provider: ProviderKind, account: string) => SharedCalls;
  /** Where an account's upstream calls and reuse are counted (src/metrics); absent: nowhere. */
  readonly metricsFor?: (provider: ProviderKind, account: string) => AccountObservers;
}

export interface AccountObservers {
  readonly upstream: UpstreamObserver;
  readonly reuse: ReuseObserver;
}

/** The configured accounts as provider instances, looked up by (provider, account). */
export class ProviderRegistry {
  private readonly byKey = new Map<string, PrefetchProvider>();

  constructor(
    readonly providers: readonly PrefetchProvider[],
    /** Each account's call budget, by accountKey. */
    private readonly budgets: ReadonlyMap<string, RateBudget> = new Map(),
  ) {
    for (const p of providers) {
      const k = accountKey(p.kind, p.account.name);
      // Two accounts under one name would shadow each other and share global ids.
      if (this.byKey.has(k)) throw new ConfigError([`two ${p.kind} accounts are named "${p.account.name}"`]);
      this.byKey.set(k, p);
    }
  }

  /** Every configured account, whoever asks: for start-up logs and /readyz, never for a request. */
  get accounts(): ProviderAccountInfo[] {
    return this.providers.map((p) => p.account);
  }

  /** The accounts a request's access may use: what `providerAccounts` shows. */
  accountsFor(access: Access): ProviderAccountInfo[] {
    return this.providers.filter((p) => access.allowsAccount(p.kind, p.account.name)).map((p) => p.account);
  }

  /** The account's provider, or null where it is not configured. */
  find(kind: ProviderKind, account: string): PrefetchProvider | null {
    return this.byKey.get(accountKey(kind, account)) ?? null;
  }

  /** The account's call budget as it stands; null where the account has none or is not configured. */
  budgetStatus(kind: ProviderKind, account: string): Promise<BudgetStatus | null> {
    return this.budgets.get(accountKey(kind, account))?.status() ?? Promise.resolve(null);
  }

  /** Calls of the account waiting for its budget or a connection slot; null where it is not configured. */
  queueDepth(kind: ProviderKind, account: string): number | null {
    const budget = this.budgets.get(accountKey(kind, account));
    return budget === undefined ? null : (budget.queue?.size ?? 0);
  }

  /**
   * The account a list is for, as `access` allows it. `account` may be omitted where the provider has exactly one
   * account the access may use. An account the access does not allow is FORBIDDEN whether or not it is
   * configured, so that a refusal does not tell which accounts exist.
   */
  resolve(kind: ProviderKind, account: string | null | undefined, access: Access): PrefetchProvider {
    const chosen = this.choose(kind, account, access);
    if (chosen === null) {
      throw new ForbiddenError(
        account == null
          ? `This API key may not use any ${kind} account.`
          : `This API key may not use ${kind} account "${account}".`,
        { provider: kind, argumentName: "account", ...(account != null && { account }) },
      );
    }
    return chosen;
  }

  /** As resolve, for a lookup by id: null (the answer for an unknown task) where the access does not allow it. */
  lookup(kind: ProviderKind, account: string | null | undefined, access: Access): PrefetchProvider | null {
    return this.choose(kind, account, access);
  }

  /** null: the access allows no such account; throws ACCOUNT_NOT_CONFIGURED where it would, but there is none. */
  private choose(
    kind: ProviderKind,
    account: string | null | undefined,
    access: Access,
  ): PrefetchProvider | null {
    if (account != null) {
      if (!access.allowsAccount(kind, account)) return null;
      const found = this.find(kind, account);
      if (!found) throw new AccountNotConfiguredError(kind, account, this.names(kind, access));
      return found;
    }
    const candidates = this.providers.filter(
      (p) => p.kind === kind && access.allowsAccount(kind, p.account.name),
    );
    if (candidates.length === 1 && candidates[0]) return candidates[0];
    // None to choose from: "not configured" only where the access covers every account of the provider (or is
    // off), so that a restricted key does not learn whether accounts it may not use exist.
    if (candidates.length === 0 && !access.allowsAccount(kind, "*")) return null;
    throw new AccountNotConfiguredError(kind, null, this.names(kind, access));
  }

  private names(kind: ProviderKind, access: Access): string[] {
    return this.accountsFor(access)
      .filter((a) => a.provider === kind)
      .map((a) => a.name);
  }
}

export function createRegistry(accounts: readonly RegistryAccount[], deps: RegistryDeps): ProviderRegistry {
  const budgets = new Map<string, RateBudget>();
  return new ProviderRegistry(
    accounts.map((account) => {
      const module = providerModule(account.provider);
      const budget = accountBudget(account, account.rateLimit ?? module.defaultRateLimit, deps);
      const observers = deps.metricsFor?.(account.provider, account.name);
      budgets.set(accountKey(account.provider, account.name), budget);
      const provider = module.create(
        {
          name: account.name,
          endpoint: account.endpoint,
          credentials: account.credentials,
          sandbox: account.sandbox,
        },
        {
          dispatcherFor: (origin) => deps.dispatchers.forOrigin(origin),
          logger: deps.logger,
          budget,
          upstreamObserver: observers?.upstream,
        },
      );
      // Every entry point reaches the provider through its account's reuse rules (src/reuse).
      return new ReusingProvider(provider, {
        ...deps.reuse,
        logger: deps.logger,
        shared: deps.sharedFinalTasks?.(account.provider, account.name) ?? null,
        sharedCalls: deps.sharedCalls?.(account.provider, account.name) ?? null,
        metrics: observers?.reuse ?? null,
      });
    }),
    budgets,
  );
}

/**
 * One account's call budget from its limits (null: none documented or configured), with the shares its
 * rateLimit sets or the defaults. The one place budgets are built: another store slots in here.
 */
function accountBudget(
  account: RegistryAccount,
  limit: { readonly points: number; readonly durationSeconds: number } | null,
  deps: RegistryDeps,
): RateBudget {
  const defaults = deps.budgetDefaults;
  return createAccountBudget({
    provider: account.provider,
    account: account.name,
    limit: limit && {
      points: limit.points,
      durationSeconds: limit.durationSeconds,
      operationShare: account.rateLimit?.operationShare ?? defaults.operationShare,
      callerShare: account.rateLimit?.callerShare ?? defaults.callerShare,
    },
    maxWaitMs: deps.rateLimitMaxWaitMs,
    maxQueue: defaults.upstreamQueue,
    ...(deps.limiter && { limiter: deps.limiter }),
  });
}

/** The key of one provider account, wherever accounts are told apart (registry, loaders). */
export function accountKey(kind: ProviderKind, account: string): string {
  return `${kind}\u0000${account}`;
}
