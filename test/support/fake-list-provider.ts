import { PrefetchStatus } from "../../src/domain/prefetch-status";
import type { PrefetchTask } from "../../src/domain/prefetch-task";
import type { ProviderKind } from "../../src/domain/provider-kind";
import { UpstreamError } from "../../src/errors/app-error";
import type {
  ListPage,
  ListQuery,
  PrefetchProvider,
  ProviderCapabilities,
} from "../../src/providers/provider";
import { testTask } from "./tasks";

/** One row of a fake listing: its id, createdAt in epoch seconds (null: none), and status. */
export interface FakeRow {
  readonly id: string;
  readonly at: number | null;
  readonly status?: PrefetchStatus;
}

/** One list call: the window (epoch seconds), the token, and whether it failed. */
export interface FakeCall {
  readonly start: number;
  readonly end: number;
  readonly token: string | null;
  readonly failed?: true;
}

export interface FakeListProvider extends PrefetchProvider {
  /** Every list call, in order, failed ones included (`failed: true`). */
  readonly calls: FakeCall[];
  /** After `after` more list calls, the `times` that follow fail with UPSTREAM_UNAVAILABLE. */
  failNext(times: number, after?: number): void;
  /** Every list call fails from now on, or (false) none does. */
  failAll(on: boolean): void;
}

export interface FakeListOptions {
  readonly order: "asc" | "desc";
  /**
   * False: the provider does not document its order, as Baidu; capabilities then say `guess` (default: the
   * opposite of `order`, a wrong first guess) and the feed must learn the order from the rows.
   */
  readonly documented?: boolean;
  readonly guess?: "asc" | "desc";
  readonly pageSize?: number;
  readonly maxWindowMs?: number;
  readonly statuses?: readonly PrefetchStatus[];
  /** Page tokens are the offset behind this prefix: a long one stands for a provider with huge tokens. */
  readonly tokenPrefix?: string;
}

/**
 * A provider account over fixed rows, for the merged feed's tests: a window listing in `order` (rows by createdAt,
 * ties of one second by id in the same direction, as both sandboxes list them), offset page tokens, call
 * counting and injected failures. A row without createdAt is listed in the second of the row before it in `rows`
 * (it is not listed at all where no row before it has a createdAt), by its id like any other row of that second.
 */
export function fakeListProvider(
  kind: ProviderKind,
  account: string,
  rows: readonly FakeRow[],
  options: FakeListOptions,
): FakeListProvider {
  const pageSize = options.pageSize ?? 3;
  const prefix = options.tokenPrefix ?? "";
  const documented = options.documented ?? true;
  const capabilities: ProviderCapabilities = {
    pageSize,
    maxWindowMs: options.maxWindowMs ?? 30 * 86_400_000,
    order: documented ? options.order : (options.guess ?? (options.order === "asc" ? "desc" : "asc")),
    orderDocumented: documented,
    siteRequired: false,
    listRowsComplete: true,
    statuses: options.statuses ?? Object.values(PrefetchStatus),
  };
  const calls: FakeCall[] = [];
  let failures = 0;
  let failAfter = 0;
  let failing = false;
  return {
    kind,
    account: { name: account, provider: kind, endpoint: "http://fake.invalid", sandbox: false },
    capabilities,
    calls,
    failNext(times, after = 0) {
      failures = times;
      failAfter = after;
    },
    failAll(on) {
      failing = on;
    },
    listPage(query: ListQuery, token: string | null): Promise<ListPage> {
      const start = query.window.start.getTime() / 1000;
      const end = query.window.end.getTime() / 1000;
      if (failing || (failures > 0 && failAfter-- <= 0)) {
        failures = Math.max(0, failures - (failing ? 0 : 1));
        calls.push({ start, end, token, failed: true });
        return Promise.reject(
          new UpstreamError("UPSTREAM_UNAVAILABLE", "The fake provider is down.", {
            provider: kind,
            account,
          }),
        );
      }
      calls.push({ start, end, token });
      const matching = listing(rows, options.order).filter((r) => r.second >= start && r.second <= end);
      const offset = token === null ? 0 : Number(token.slice(prefix.length));
      const next = offset + pageSize < matching.length ? `${prefix}${offset + pageSize}` : null;
      return Promise.resolve({
        tasks: matching.slice(offset, offset + pageSize).map((r) => taskOf(kind, account, r.row)),
        nextPageToken: next,
      });
    },
    getTasks() {
      return Promise.reject(new Error("the fake provider lists only"));
    },
    lastOutcome() {
      return null;
    },
  };
}

/**
 * Every listed row in the provider's order, each with the second it is listed in: its createdAt, or for a row
 * without one that of the row before it in `rows` (a row with none before it is not listed).
 */
export function listing(
  rows: readonly FakeRow[],
  order: "asc" | "desc",
): { readonly row: FakeRow; readonly second: number }[] {
  const out: { row: FakeRow; second: number }[] = [];
  let previous: number | null = null;
  for (const row of rows) {
    const second: number | null = row.at ?? previous;
    previous = second;
    if (second !== null) out.push({ row, second });
  }
  const sign = order === "asc" ? 1 : -1;
  return out.sort((a, b) => sign * (a.second - b.second || cmp(a.row.id, b.row.id)));
}

function taskOf(kind: ProviderKind, account: string, row: FakeRow): PrefetchTask {
  return testTask(
    { provider: kind, account, taskId: row.id, site: null },
    {
      createdAt: row.at === null ? null : new Date(row.at * 1000),
      status: row.status ?? PrefetchStatus.COMPLETED,
    },
  );
}

/**
 * What paging the merged feed must return, worked out from the documented order (src/pagination/feed-order.ts)
 * alone: each source's listing as the provider lists it, every row keyed by its createdAt or, where it has none,
 * by the key of the row listed before it; all rows sorted by key, provider, account and task id, descending;
 * those of `statuses` kept. A row without createdAt that its provider lists first in its second takes the key of
 * a row of another second, which the feed can only know where both are in the same listing call: tests keep
 * such rows out (this throws), so the answer never depends on how the feed cut the window.
 */
export function feedOrder(
  sources: readonly {
    kind: ProviderKind;
    account: string;
    order?: "asc" | "desc";
    rows: readonly FakeRow[];
  }[],
  statuses: ReadonlySet<PrefetchStatus> | null = null,
): string[] {
  const all = sources.flatMap((s) => {
    let key = NaN;
    return listing(s.rows, s.order ?? "desc").map(({ row, second }) => {
      if (row.at === null && key !== second) {
        throw new Error(`row ${row.id} has no createdAt and is listed first in its second`);
      }
      key = row.at ?? key;
      return { key, provider: s.kind, account: s.account, row };
    });
  });
  all.sort(
    (a, b) =>
      b.key - a.key || cmp(b.provider, a.provider) || cmp(b.account, a.account) || cmp(b.row.id, a.row.id),
  );
  return all
    .filter((r) => statuses === null || statuses.has(r.row.status ?? PrefetchStatus.COMPLETED))
    .map((r) => `${r.provider}/${r.account}/${r.row.id}`);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
