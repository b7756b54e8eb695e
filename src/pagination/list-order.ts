import type { Logger } from "pino";
import type { PrefetchTask } from "../domain/prefetch-task";
import type { PrefetchProvider } from "../providers/provider";

/** Chronological order of a listing: oldest first ("asc") or newest first ("desc"). */
export type Direction = "asc" | "desc";

/**
 * What one page's rows say about the order of their listing: its creation-time trend, "none" when the page has
 * fewer than two distinct creation seconds (one submission's records share one), "mixed" when it rises and
 * falls (a listing in no time order).
 */
export type OrderEvidence = Direction | "none" | "mixed";

/** The creation-time trend of rows in the order they were listed. Pure; one pass, no allocation. */
export function orderEvidence(rows: readonly PrefetchTask[]): OrderEvidence {
  let up = false;
  let down = false;
  let previous = NaN;
  for (let i = 0; i < rows.length; i++) {
    const t = (rows[i] as PrefetchTask).createdAt?.getTime();
    if (t === undefined) continue;
    if (t > previous) up = true;
    else if (t < previous) down = true;
    previous = t;
  }
  // The first row compares against NaN, which is neither greater nor smaller.
  if (up) return down ? "mixed" : "asc";
  return down ? "desc" : "none";
}

/**
 * The list order of every provider account, documented or learnt. A provider that documents its order
 * (capabilities.orderDocumented) lists in capabilities.order. One that does not starts from that order as a
 * guess; the order is then learnt per account from the rows it lists (every page with two distinct creation
 * seconds is evidence) and rechecked on every such page at no cost: a page that contradicts the learnt order
 * replaces it, with a warning. Kept in process memory: a replica learns from its own first pages.
 */
export class ListOrderBook {
  private readonly learnt = new Map<string, Direction>();
  private readonly warned = new Set<string>();

  constructor(private readonly logger?: Logger) {}

  /** The order to chain an account's split windows in: documented, else learnt, else the provider's guess. */
  direction(provider: PrefetchProvider): Direction {
    const { order, orderDocumented } = provider.capabilities;
    if (orderDocumented) return order;
    return this.learnt.get(accountKey(provider)) ?? order;
  }

  /** Whether direction() is documented or learnt rather than a guess. */
  known(provider: PrefetchProvider): boolean {
    return provider.capabilities.orderDocumented || this.learnt.has(accountKey(provider));
  }

  /**
   * Takes a listed page's rows (in the provider's order) as evidence and returns what they show. Learns or
   * corrects an undocumented order; a documented order is never replaced, but a page contradicting it is logged.
   */
  observe(provider: PrefetchProvider, rows: readonly PrefetchTask[]): OrderEvidence {
    if (rows.length < 2) return "none";
    const evidence = orderEvidence(rows);
    if (evidence === "none") return evidence;
    const key = accountKey(provider);
    const { order, orderDocumented } = provider.capabilities;
    const fields = { provider: provider.kind, account: provider.account.name };
    if (evidence === "mixed") {
      this.warnOnce(
        `${key}\0mixed`,
        fields,
        "a list page is in no creation-time order; its order is unchanged",
      );
      return evidence;
    }
    if (orderDocumented) {
      if (evidence !== order) {
        this.warnOnce(
          `${key}\0documented`,
          { ...fields, documented: order, seen: evidence },
          "a list page contradicts the provider's documented order",
        );
      }
      return evidence;
    }
    const before = this.learnt.get(key);
    if (before === evidence) return evidence;
    this.learnt.set(key, evidence);
    if (before === undefined) this.logger?.info({ ...fields, order: evidence }, "list order learnt");
    else this.logger?.warn({ ...fields, was: before, now: evidence }, "list order changed");
    return evidence;
  }

  private warnOnce(key: string, fields: object, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.logger?.warn(fields, message);
  }
}

function accountKey(provider: PrefetchProvider): string {
  return `${provider.kind}\0${provider.account.name}`;
}
