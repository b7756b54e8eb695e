import type { Logger } from "pino";
import type { Dispatcher } from "undici";
import type { PrefetchStatus } from "../domain/prefetch-status";
import type { PrefetchTask, TaskRef } from "../domain/prefetch-task";
import type { ProviderKind } from "../domain/provider-kind";
import type { OperationScope } from "../http/operation-scope";
import type { RateBudget } from "../http/rate-budget";
import type { CallOutcome, UpstreamObserver } from "../http/upstream-http";

/** A closed time interval [start, end] in UTC. */
export interface TimeWindow {
  readonly start: Date;
  readonly end: Date;
}

export interface ListQuery {
  /** Required where capabilities.siteRequired; otherwise narrows to tasks touching this hostname. */
  readonly site: string | null;
  /**
   * Whole seconds at both ends (the paging engine floors them; providers' timestamps have no finer unit), start
   * never after end, and never longer than capabilities.maxWindowMs: the paging engine splits longer windows.
   */
  readonly window: TimeWindow;
}

export interface ListPage {
  /** The page's rows in the provider's order, mapped. Rows may lack fields (see PrefetchTask.missing). */
  readonly tasks: readonly PrefetchTask[];
  /**
   * Token of the next page inside the same window (Baidu's nextMarker, Wangsu's next offset); null on the last
   * page. Non-null is the provider's own word that rows follow, so hasNextPage needs no look-ahead call.
   */
  readonly nextPageToken: string | null;
}

export interface ProviderCapabilities {
  /** Rows per upstream list call. Fixed, so that a page token always names the same rows. */
  readonly pageSize: number;
  /** Longest window one list call may span. */
  readonly maxWindowMs: number;
  /**
   * Chronological order of list rows, so that split windows are chained in the same order: the documented order,
   * or where the provider documents none (orderDocumented false) the first guess, which the paging engine then
   * replaces by the order it learns from each account's rows (src/pagination/list-order.ts).
   */
  readonly order: "asc" | "desc";
  /** Whether the provider documents `order`; when not, it is learnt per account and rechecked. */
  readonly orderDocumented: boolean;
  /** Whether list and lookup need a site (Baidu GEO does). */
  readonly siteRequired: boolean;
  /** Whether list rows carry every field, so that a row seen on a list page is as good as a lookup by id. */
  readonly listRowsComplete: boolean;
  /** The unified statuses its mapping can produce: a filter on none of them needs no upstream call. */
  readonly statuses: readonly PrefetchStatus[];
}

/** What the GraphQL ProviderAccount type shows: never a secret. */
export interface ProviderAccountInfo {
  readonly name: string;
  readonly provider: ProviderKind;
  readonly endpoint: string;
  readonly sandbox: boolean;
}

/**
 * How a list row that lacks fields is completed without a lookup, where those fields are the task's inputs (what
 * was submitted) and so do not change while the task exists.
 */
export interface RowCompletion {
  /** The row with the fields it lacks taken from `earlier`, a complete observation of the same task. */
  complete(row: PrefetchTask, earlier: PrefetchTask): PrefetchTask;
  /** Whether two complete observations of one task agree on its inputs: how the assumption is checked. */
  sameInputs(a: PrefetchTask, b: PrefetchTask): boolean;
}

/** The interface every provider implements; the GraphQL layer and the paging engine only know this. */
export interface PrefetchProvider {
  readonly kind: ProviderKind;
  readonly account: ProviderAccountInfo;
  readonly capabilities: ProviderCapabilities;
  /**
   * One upstream page of a window; pageToken null asks for the first page. `scope`: the operation the call is
   * made for (cap, caller, abort signal), handed on to every upstream call; absent outside an operation.
   */
  listPage(query: ListQuery, pageToken: string | null, scope?: OperationScope): Promise<ListPage>;
  /**
   * Complete tasks by identity, in `refs` order and of the same length: the task, null where the provider does
   * not know it, or an Error for a per-key failure. The provider decides how to fan out under its rate budget.
   */
  getTasks(
    refs: readonly TaskRef[],
    scope?: OperationScope,
  ): Promise<ReadonlyArray<PrefetchTask | null | Error>>;
  /** Last upstream call's outcome, for /readyz. */
  lastOutcome(): CallOutcome | null;
  /** Where list rows lack only the task's inputs: how to complete them from an earlier lookup. */
  readonly rowCompletion?: RowCompletion;
}

/** One configured account of a provider, credentials already validated by the provider's own config class. */
export interface AccountSpec<C> {
  readonly name: string;
  readonly endpoint: string;
  readonly credentials: C;
  readonly sandbox: boolean;
}

export interface ProviderDeps {
  readonly dispatcherFor: (origin: string) => Dispatcher;
  readonly logger: Logger;
  /** The account's call budget, built by the registry from its rateLimit or the module's defaultRateLimit. */
  readonly budget: RateBudget;
  /** Where the account's upstream calls are counted (src/metrics); absent: nowhere. */
  readonly upstreamObserver?: UpstreamObserver | undefined;
}

/**
 * Everything the rest of the server needs to know about one provider. Adding a provider is one folder that
 * exports one of these, plus one line in providers/modules.ts (and its sandbox emulator).
 */
export interface ProviderModule<C extends object = object> {
  readonly kind: ProviderKind;
  readonly capabilities: ProviderCapabilities;
  readonly defaultEndpoint: string;
  /** class-validator-decorated class the account's credentials are validated against. */
  readonly credentialsClass: new () => C;
  /** Env variables of the single-account ("default") set-up: endpoint, and credential field -> variable name. */
  readonly env: { readonly endpoint: string; readonly credentials: { readonly [K in keyof C]: string } };
  /** The provider's documented call budget, applied when an account sets none. */
  readonly defaultRateLimit: { readonly points: number; readonly durationSeconds: number } | null;
  create(account: AccountSpec<C>, deps: ProviderDeps): PrefetchProvider;
}
