import type { PrefetchTask, TaskRef } from "../domain/prefetch-task";
import type { ProviderKind } from "../domain/provider-kind";

/** One entry of an API key's `allow`: which provider accounts, and which of their sites. */
export interface AccessGrant {
  /** A provider, or "*" for every provider. */
  readonly provider: ProviderKind | "*";
  /** An account name, or "*" for every account of the provider. */
  readonly account: string;
  /**
   * Lower-case hostnames, or "*.suffix" for every hostname under suffix (not suffix itself); null: every site,
   * including lists that name no site.
   */
  readonly sites: readonly string[] | null;
}

/**
 * What a by-id lookup may do before it asks a provider: answer, answer null, or ask and then check the task
 * (a Wangsu id names no site, so a site-restricted key can only be judged on the task's URLs).
 */
export type RefDecision = "allow" | "deny" | "check-task";

/**
 * What one request may reach, decided once at the HTTP edge from its API key and read wherever a provider
 * account is chosen (registry, task loader, list arguments). Pure: no I/O, so every rule is unit-tested.
 */
export class Access {
  constructor(
    /** The API key's name: the caller for fair shares and logs. null where access control is off. */
    readonly keyName: string | null,
    private readonly grants: readonly AccessGrant[],
    /** Whether `_service` and `_entities` are served (the router's key). */
    readonly federation: boolean,
  ) {}

  /** Whether any grant covers the account, whatever its sites. */
  allowsAccount(provider: ProviderKind, account: string): boolean {
    return this.grants.some((g) => covers(g, provider, account));
  }

  /** Whether the account's `site` may be read; null asks for every site (a list that names none). */
  allowsSite(provider: ProviderKind, account: string, site: string | null): boolean {
    const host = site?.toLowerCase() ?? null;
    return this.grants.some(
      (g) =>
        covers(g, provider, account) &&
        (g.sites === null || (host !== null && g.sites.some((pattern) => siteMatches(pattern, host)))),
    );
  }

  refDecision(ref: TaskRef): RefDecision {
    if (!this.allowsAccount(ref.provider, ref.account)) return "deny";
    if (ref.site !== null) return this.allowsSite(ref.provider, ref.account, ref.site) ? "allow" : "deny";
    return this.allowsSite(ref.provider, ref.account, null) ? "allow" : "check-task";
  }

  /**
   * A task loaded for a "check-task" ref: visible where one of its sites is allowed. Its sites are its own
   * `site` and the hosts of its URLs, so a task touching an allowed site is shown whole, as a list of that
   * site shows it (Wangsu's site filter keeps every task whose hostnames include the site).
   */
  allowsTask(task: PrefetchTask): boolean {
    const { provider, account } = task.ref;
    if (this.allowsSite(provider, account, null)) return true;
    return taskSites(task).some((site) => this.allowsSite(provider, account, site));
  }
}

/** Access control off: every account and site, and the federation fields. */
export const OPEN_ACCESS = new Access(null, [{ provider: "*", account: "*", sites: null }], true);

function covers(grant: AccessGrant, provider: ProviderKind, account: string): boolean {
  return (
    (grant.provider === "*" || grant.provider === provider) &&
    (grant.account === "*" || grant.account === account)
  );
}

/** `pattern` as configured (lower case): a hostname, or "*.suffix" for any depth of subdomain of suffix. */
export function siteMatches(pattern: string, host: string): boolean {
  const h = host.endsWith(".") ? host.slice(0, -1) : host;
  if (pattern.startsWith("*.")) return h.endsWith(pattern.slice(1));
  return h === pattern;
}

function taskSites(task: PrefetchTask): string[] {
  const sites = task.site === null ? [] : [task.site.toLowerCase()];
  for (const target of task.targets ?? []) {
    try {
      sites.push(new URL(target.url).hostname.toLowerCase());
    } catch {
      // A URL the provider could not have prefetched names no site.
    }
  }
  return sites;
}
