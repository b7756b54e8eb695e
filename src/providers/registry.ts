import type { Logger } from "pino";
import type { AccountConfig } from "../config/config";
import { ConfigError } from "../config/config-error";
import type { ProviderKind } from "../domain/provider-kind";
import { AccountNotConfiguredError } from "../errors/app-error";
import type { DispatcherRegistry } from "../http/dispatcher";
import { LimiterRateBudget, UNLIMITED_BUDGET } from "../http/rate-budget";
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
}

/** The configured accounts as provider instances, looked up by (provider, account). */
export class ProviderRegistry {
  private readonly byKey = new Map<string, PrefetchProvider>();

  constructor(readonly providers: readonly PrefetchProvider[]) {
    for (const p of providers) {
      const k = accountKey(p.kind, p.account.name);
      // Two accounts under one name would shadow each other and share global ids.
      if (this.byKey.has(k)) throw new ConfigError([`two ${p.kind} accounts are named "${p.account.name}"`]);
      this.byKey.set(k, p);
    }
  }

  get accounts(): ProviderAccountInfo[] {
    return this.providers.map((p) => p.account);
  }

  /** The account's provider, or null where it is not configured. */
  find(kind: ProviderKind, account: string): PrefetchProvider | null {
    return this.byKey.get(accountKey(kind, account)) ?? null;
  }

  /** `account` may be omitted where the provider has exactly one configured account. */
  resolve(kind: ProviderKind, account: string | null | undefined): PrefetchProvider {
    if (account != null) {
      const found = this.find(kind, account);
      if (!found) throw new AccountNotConfiguredError(kind, account, this.names(kind));
      return found;
    }
    const candidates = this.providers.filter((p) => p.kind === kind);
    if (candidates.length === 1 && candidates[0]) return candidates[0];
    throw new AccountNotConfiguredError(kind, null, this.names(kind));
  }

  private names(kind: ProviderKind): string[] {
    return this.providers.filter((p) => p.kind === kind).map((p) => p.account.name);
  }
}

export function createRegistry(accounts: readonly RegistryAccount[], deps: RegistryDeps): ProviderRegistry {
  return new ProviderRegistry(
    accounts.map((account) => {
      const module = providerModule(account.provider);
      const limit = account.rateLimit ?? module.defaultRateLimit;
      const budget = limit
        ? LimiterRateBudget.inMemory({
            provider: account.provider,
            account: account.name,
            points: limit.points,
            durationSeconds: limit.durationSeconds,
            maxWaitMs: deps.rateLimitMaxWaitMs,
          })
        : UNLIMITED_BUDGET;
      return module.create(
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
        },
      );
    }),
  );
}

/** The key of one provider account, wherever accounts are told apart (registry, loaders). */
export function accountKey(kind: ProviderKind, account: string): string {
  return `${kind}\u0000${account}`;
}
