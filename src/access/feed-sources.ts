import { PROVIDER_KINDS, providerDisplayName, type ProviderKind } from "../domain/provider-kind";
import { AppError, BadUserInputError, ErrorCode, ForbiddenError } from "../errors/app-error";
import { MAX_MERGE_SOURCES } from "../pagination/merge-cursor";
import type { PrefetchProvider } from "../providers/provider";
import type { ProviderRegistry } from "../providers/registry";
import type { Access } from "./access";

export interface FeedSourceQuery {
  readonly site: string;
  /** Only accounts of these providers; null: every provider. */
  readonly providers: readonly ProviderKind[] | null;
  /** Only accounts of these names; null: every account. */
  readonly accounts: readonly string[] | null;
}

/**
 * The provider accounts of a site's merged feed (Query.sitePrefetchTasks, CdnSite.allPrefetchTasks), as the
 * caller's access allows them, in ProviderKind then account-name order (the order of a cursor's positions and of
 * the connection's `sources`). Decided before any upstream call, with the errors prefetchTasks gives:
 *
 * - Accounts the caller did not name are simply those it may read the site of: an account the key may not use,
 *   or whose site it may not read, is left out, as it is from providerAccounts. Where that leaves none although
 *   accounts exist, FORBIDDEN (argument "site").
 * - A named account (`accounts`) must be usable by the key at one of the providers asked for, else FORBIDDEN
 *   whether or not it exists (a refusal does not tell which accounts exist); usable but configured at none of
 *   them, ACCOUNT_NOT_CONFIGURED; configured, but the key may not read the site there, FORBIDDEN.
 * - A named provider (`providers`) with no account the key may use: FORBIDDEN, or ACCOUNT_NOT_CONFIGURED where
 *   the key may use every account of it (or access control is off) and there is none; with accounts the key may
 *   use, none of which it may read the site of: FORBIDDEN (argument "site"), as prefetchTasks answers for it.
 */
export function feedSources(
  registry: ProviderRegistry,
  access: Access,
  query: FeedSourceQuery,
): PrefetchProvider[] {
  const { site } = query;
  const kinds: readonly ProviderKind[] = query.providers ? [...new Set(query.providers)] : PROVIDER_KINDS;
  const chosen: PrefetchProvider[] = [];
  if (query.accounts) {
    for (const name of new Set(query.accounts)) {
      const usable = kinds.filter((kind) => access.allowsAccount(kind, name));
      if (usable.length === 0) {
        throw new ForbiddenError(`This API key may not use an account named "${name}".`, {
          argumentName: "accounts",
          account: name,
        });
      }
      const found = usable.flatMap((kind) => registry.find(kind, name) ?? []);
      if (found.length === 0) {
        throw new AppError(
          ErrorCode.ACCOUNT_NOT_CONFIGURED,
          `No account named "${name}" is configured at ${usable.map(providerDisplayName).join(" or ")}.`,
          {
            ...(usable.length === 1 ? { provider: usable[0] as ProviderKind } : {}),
            account: name,
            argumentName: "accounts",
          },
        );
      }
      for (const provider of found) {
        if (!access.allowsSite(provider.kind, name, site)) throw siteForbidden(provider, site);
        chosen.push(provider);
      }
    }
  } else {
    const usable = registry.providers.filter(
      (p) => kinds.includes(p.kind) && access.allowsAccount(p.kind, p.account.name),
    );
    if (query.providers) {
      for (const kind of kinds) {
        const accounts = usable.filter((p) => p.kind === kind);
        if (accounts.length > 0) {
          // Named, so not silently dropped: prefetchTasks(provider: kind, site) would be refused too.
          if (!accounts.some((p) => access.allowsSite(p.kind, p.account.name, site))) {
            throw new ForbiddenError(
              `This API key may not read site "${site}" at any ${providerDisplayName(kind)} account.`,
              {
                provider: kind,
                argumentName: "site",
              },
            );
          }
          continue;
        }
        throw access.allowsAccount(kind, "*")
          ? new AppError(ErrorCode.ACCOUNT_NOT_CONFIGURED, `No ${kind} account is configured.`, {
              provider: kind,
              argumentName: "providers",
            })
          : new ForbiddenError(`This API key may not use any ${kind} account.`, {
              provider: kind,
              argumentName: "providers",
            });
      }
    }
    chosen.push(...usable.filter((p) => access.allowsSite(p.kind, p.account.name, site)));
    if (chosen.length === 0) {
      if (usable.length > 0) {
        throw new ForbiddenError(
          `This API key may not read site "${site}" at any of its provider accounts.`,
          {
            argumentName: "site",
          },
        );
      }
      // As for a named provider: "not configured" only where the key could use any account that existed.
      throw kinds.every((kind) => access.allowsAccount(kind, "*"))
        ? new AppError(ErrorCode.ACCOUNT_NOT_CONFIGURED, "No provider account is configured.", {
            argumentName: "providers",
          })
        : new ForbiddenError("This API key may not use any provider account.", { argumentName: "providers" });
    }
  }
  if (chosen.length > MAX_MERGE_SOURCES) {
    throw new BadUserInputError(
      query.accounts ? "accounts" : "providers",
      `A site's feed reads at most ${MAX_MERGE_SOURCES} provider accounts at once; ${chosen.length} match. Name some with "providers" or "accounts".`,
    );
  }
  return chosen.sort(bySource);
}

function siteForbidden(provider: PrefetchProvider, site: string): ForbiddenError {
  return new ForbiddenError(
    `This API key may not read site "${site}" of ${provider.kind} account "${provider.account.name}".`,
    { provider: provider.kind, account: provider.account.name, argumentName: "site" },
  );
}

function bySource(a: PrefetchProvider, b: PrefetchProvider): number {
  if (a.kind !== b.kind) return a.kind < b.kind ? -1 : 1;
  const x = a.account.name;
  const y = b.account.name;
  return x === y ? 0 : x < y ? -1 : 1;
}
