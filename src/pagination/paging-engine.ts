import type { PrefetchStatus } from "../domain/prefetch-status";
import type { PrefetchTask } from "../domain/prefetch-task";
import { InvalidCursorError, UpstreamError } from "../errors/app-error";
import type { OperationScope } from "../http/operation-scope";
import type { PrefetchProvider, TimeWindow } from "../providers/provider";
import { type CursorCodec, type CursorGroup, type CursorPosition, queryFingerprint } from "./cursor";
import { type Direction, ListOrderBook } from "./list-order";
import { firstPageWindow, floorToSecond, splitWindow } from "./window";

export interface ConnectionRequest {
  readonly provider: PrefetchProvider;
  readonly site: string | null;
  /** As given by the client; defaults apply only on a first page (a cursor carries its window). */
  readonly startTime: Date | null;
  readonly endTime: Date | null;
  readonly statuses: readonly PrefetchStatus[] | null;
  readonly first: number;
  readonly after: string | null;
  readonly now: Date;
  /** The operation the page is served for; every upstream call it causes runs under it. */
  readonly scope?: OperationScope;
}

export interface PrefetchTaskEdge {
  readonly cursor: string;
  readonly node: PrefetchTask;
}

export interface PrefetchConnection {
  readonly edges: readonly PrefetchTaskEdge[];
  readonly nodes: readonly PrefetchTask[];
  readonly pageInfo: {
    readonly hasNextPage: boolean;
    readonly hasPreviousPage: boolean;
    readonly startCursor: string | null;
    readonly endCursor: string | null;
  };
}

/**
 * Serves Relay connections over any provider's page-token listing: long windows split into the provider's
 * maximum span and chained in its order (documented, or learnt per account from the rows: a window of any length
 * is then one sequence in one direction), `first` served across as many upstream pages as needed, an optional
 * status filter applied to mapped rows. hasNextPage costs no call where the provider's own signal answers it
 * (Baidu's isTruncated, Wangsu's count): it is exact without a filter and optimistic with one (a status filter,
 * or Wangsu's exact-site filter, may drop every row that follows); only where a split window moves to its next
 * part does it look ahead, and only without a status filter.
 */
export class PagingEngine {
  /**
   * `nowStepMs`: a window that ends "now" (no endTime, or one in the future) ends at now floored to this step.
   * With the freshness setting as the step, every client asking for the latest tasks within one step asks for
   * the same window, so their pages can be shared; a row submitted since is at most one step late, as fresh
   * answers are anyway. At least a second: the providers' timestamps have no finer unit.
   */
  constructor(
    private readonly codec: CursorCodec,
    private readonly nowStepMs = 1_000,
    /** The accounts' list orders, documented or learnt from the pages this engine reads. */
    readonly orders: ListOrderBook = new ListOrderBook(),
  ) {}

  async page(
    req: ConnectionRequest,
    onRows?: (rows: readonly PrefetchTask[]) => void,
  ): Promise<PrefetchConnection> {
    const { provider } = req;
    const statuses = req.statuses ? [...new Set(req.statuses)].sort() : null;
    // A cursor is bound to the query as the client wrote it (explicit times included, or their absence), and to
    // the window that query resolved to on its first page.
    const requested = [req.startTime, req.endTime].map((t) =>
      t === null ? null : floorToSecond(t).getTime() / 1000,
    );
    // ... and, where the order is learnt, to the direction its split windows are chained in: a page resumes in
    // the direction its first page took, even if the account's order has since been learnt otherwise. Oldest
    // first adds nothing, so cursors issued before the order was learnt still resume.
    const undocumented = !provider.capabilities.orderDocumented;
    const fingerprint = (w: TimeWindow, direction: Direction): string =>
      queryFingerprint([
        provider.kind,
        provider.account.name,
        req.site,
        statuses ?? [],
        requested[0] ?? null,
        requested[1] ?? null,
        w.start.getTime() / 1000,
        w.end.getTime() / 1000,
        ...(undocumented && direction === "desc" ? ["desc"] : []),
      ]);

    let window: TimeWindow;
    let position: CursorPosition = { window: 0, pageToken: null, offset: 0 };
    let cursorQuery: string | null = null;
    if (req.after !== null) {
      const cursor = this.codec.decode(req.after);
      window = { start: new Date(cursor.start * 1000), end: new Date(cursor.end * 1000) };
      cursorQuery = cursor.query;
      position = cursor;
    } else {
      // The cursor keeps this window (its end clamped to now) for the rest of the pages.
      window = firstPageWindow(req.startTime, req.endTime, req.now, this.nowStepMs);
    }

    let direction = this.orders.direction(provider);
    let query = fingerprint(window, direction);
    if (cursorQuery !== null && cursorQuery !== query) {
      const other: Direction = direction === "asc" ? "desc" : "asc";
      if (!undocumented || cursorQuery !== fingerprint(window, other)) {
        throw new InvalidCursorError(
          "it belongs to another query (provider, account, site, window or status differ)",
        );
      }
      direction = other;
      query = cursorQuery;
    }

    const wanted = statuses ? new Set<PrefetchStatus>(statuses) : null;
    if (wanted && !provider.capabilities.statuses.some((s) => wanted.has(s))) {
      // The provider cannot report any of these statuses: nothing to scan for.
      return forwardConnection([], false);
    }
    // No rows asked for, no call made: pageInfo then says nothing of what follows.
    if (req.first === 0) return forwardConnection([], false);
    let pieces = splitWindow(window, provider.capabilities.maxWindowMs, direction);
    if (position.window > pieces.length) throw new InvalidCursorError("it points past the end of its window");
    let edges: PrefetchTaskEdge[] = [];
    let hasNextPage = false;
    // Where the order is a guess, a first page may find it wrong once, and restart in the learnt direction.
    let mayRestart = req.after === null && pieces.length > 1 && !this.orders.known(provider);
    const start = window.start.getTime() / 1000;
    const end = window.end.getTime() / 1000;
    // The edges whose positions share a window and page token share one signed cursor group (see CursorCodec):
    // a provider page's rows, joined by the row before it (the last row of the previous page, whose position is
    // offset 0 of this one). Positions only move forward, so a group's edges are consecutive; a key that comes
    // back (a provider cycling its page tokens) or an offset the group cannot take simply starts a new group.
    let group: CursorGroup | null = null;

    let { window: w, pageToken, offset } = position;
    scan: while (w < pieces.length) {
      const piece = pieces[w] as TimeWindow;
      const page = await provider.listPage({ site: req.site, window: piece }, pageToken, req.scope);
      onRows?.(page.tasks);
      const seen = this.orders.observe(provider, page.tasks);
      if (mayRestart && (seen === "asc" || seen === "desc")) {
        mayRestart = false;
        if (seen !== direction) {
          // The guess chained the windows the wrong way: nothing is returned yet, so start over the right way.
          // The pages read so far cost their calls; the reuse layer keeps them fresh for when the chain gets
          // there. An order learnt from one page of rows is rechecked by every page that follows.
          direction = seen;
          query = fingerprint(window, direction);
          pieces = splitWindow(window, provider.capabilities.maxWindowMs, direction);
          edges = [];
          group = null;
          w = 0;
          pageToken = null;
          offset = 0;
          continue;
        }
      }
      if (offset > page.tasks.length) throw new InvalidCursorError("it points past the end of its page");
      for (let i = offset; i < page.tasks.length; i++) {
        const task = page.tasks[i] as PrefetchTask;
        if (wanted && !wanted.has(task.status)) continue;
        if (edges.length === req.first) {
          hasNextPage = true;
          break scan;
        }
        // The edge's resume position. After a page's last row the cursor points at the next page, so resuming
        // costs no refetch. Plain locals, not a position object: this runs for every row.
        let nextWindow = w;
        let nextToken = pageToken;
        let nextOffset = i + 1;
        if (nextOffset === page.tasks.length) {
          nextOffset = 0;
          if (page.nextPageToken !== null) nextToken = page.nextPageToken;
          else {
            nextWindow = w + 1;
            nextToken = null;
          }
        }
        if (
          group === null ||
          group.key.window !== nextWindow ||
          group.key.pageToken !== nextToken ||
          !group.add(nextOffset)
        ) {
          group = this.codec.group({ query, start, end, window: nextWindow, pageToken: nextToken });
          group.add(nextOffset); // A new group takes any first offset.
        }
        edges.push(new Edge(task, group, nextOffset));
      }
      if (page.nextPageToken !== null) {
        if (page.nextPageToken === pageToken) {
          // A provider that hands back the token it was given would have us loop forever.
          throw new UpstreamError(
            "UPSTREAM_BAD_RESPONSE",
            "The provider returned the same page token again.",
            {
              provider: provider.kind,
              account: provider.account.name,
            },
          );
        }
        if (edges.length === req.first) {
          // The page is full and the provider says more follows: exact where its signal covers this query
          // (rowsFollow, no status filter), optimistic where a filter might drop every row that follows. Either
          // way no call is spent looking.
          hasNextPage = true;
          break;
        }
        pageToken = page.nextPageToken;
      } else {
        if (edges.length === req.first && wanted !== null && w + 1 < pieces.length) {
          // A filtered scan of the next window could run through many pages to find one row: optimistic.
          hasNextPage = true;
          break;
        }
        // Unfiltered, the next window's first page is the only way to know whether it holds a row.
        w += 1;
        pageToken = null;
      }
      offset = 0;
    }

    return forwardConnection(edges, hasNextPage);
  }
}

/**
 * A forward-paged Relay connection over `edges`. Its cursors are read only when GraphQL asks for them (edge
 * cursors are signed on first read); `resume`: the endCursor of a page with no edge that has more to come.
 */
export function forwardConnection(
  edges: readonly PrefetchTaskEdge[],
  hasNextPage: boolean,
  resume: string | null = null,
): PrefetchConnection {
  return {
    edges,
    nodes: edges.map((e) => e.node),
    pageInfo: {
      hasNextPage,
      hasPreviousPage: false,
      get startCursor() {
        return edges[0]?.cursor ?? null;
      },
      get endCursor() {
        return edges[edges.length - 1]?.cursor ?? resume;
      },
    },
  };
}

/**
 * An edge whose cursor costs nothing until read: its group is signed on the first read of any of its cursors
 * (after the scan, when GraphQL resolves the edges), once, and each cursor is then that signed prefix and the
 * edge's offset. A client that selects nodes costs no HMAC; one that selects only pageInfo.endCursor, one.
 */
class Edge implements PrefetchTaskEdge {
  constructor(
    readonly node: PrefetchTask,
    private readonly group: CursorGroup,
    private readonly offset: number,
  ) {}

  get cursor(): string {
    return this.group.cursor(this.offset);
  }
}
