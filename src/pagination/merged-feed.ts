import type { PrefetchStatus } from "../domain/prefetch-status";
import type { PrefetchTask } from "../domain/prefetch-task";
import type { ProviderKind } from "../domain/provider-kind";
import { AppError, ErrorCode, InvalidCursorError } from "../errors/app-error";
import type { OperationScope } from "../http/operation-scope";
import type { PrefetchProvider } from "../providers/provider";
import { queryFingerprint } from "./cursor";
import { comesBefore, type SourceName } from "./feed-order";
import type { Direction } from "./list-order";
import {
  MAX_MERGE_SOURCES,
  type MergeCursorCodec,
  type MergeCursorGroup,
  samePlace,
  type SourcePosition,
  tokenBudget,
} from "./merge-cursor";
import { forwardConnection, type PrefetchConnection, type PrefetchTaskEdge } from "./paging-engine";
import {
  DoneReader,
  HeldReader,
  type ReadContext,
  seconds,
  type SourceReader,
  StreamReader,
} from "./source-reader";
import { INITIAL_SPAN_SECONDS, subWindowBefore } from "./sub-window-policy";
import { maxSpan, SubWindowReader } from "./sub-window-reader";
import { firstPageWindow, floorToSecond } from "./window";

export interface SiteFeedRequest {
  /** The provider accounts of the feed, in a stable order (a cursor holds one position per source, in order). */
  readonly sources: readonly PrefetchProvider[];
  readonly site: string;
  /** As given by the client; defaults apply only on a first page (a cursor carries its window). */
  readonly startTime: Date | null;
  readonly endTime: Date | null;
  readonly statuses: readonly PrefetchStatus[] | null;
  readonly first: number;
  readonly after: string | null;
  readonly now: Date;
  /** The operation the page is served for; every upstream call it causes runs under it. */
  readonly scope?: OperationScope;
  /**
   * A source's list order where known (documented or learnt), null while it is a guess: only a source known to
   * list newest first is streamed; any other is read by sub-window (sub-window-policy.ts), which is right
   * whatever its order. Asked again as a source moves on, after onPage has seen every page read. Default: the
   * documented order, else null.
   */
  readonly orderOf?: (provider: PrefetchProvider) => Direction | null;
  /** Every page read, in the provider's order. */
  readonly onPage?: (provider: PrefetchProvider, rows: readonly PrefetchTask[]) => void;
}

/** How one source fared on a page. */
export interface SourceOutcome {
  readonly provider: ProviderKind;
  readonly account: string;
  /** Every row of the source that belongs on this page is on it. */
  readonly complete: boolean;
  readonly errorCode: string | null;
  /** Why it is not complete, for the field's error; null where it is. */
  readonly error: Error | null;
}

export interface SiteConnection extends PrefetchConnection {
  readonly sources: readonly SourceOutcome[];
}

/**
 * A site's tasks across several provider accounts as one Relay connection (Query.sitePrefetchTasks), in the
 * order of feed-order.ts, by a lazy k-way merge: each source (SourceReader) holds at most one unit in hand, and
 * is read only when it could hold one of the page's rows, i.e. when its bound (the key of its next row, or an
 * upper bound of it, carried by the cursor) would put a row before the rows in hand that the page still needs.
 *
 * Reads happen in rounds, concurrently within a round: first the sources of the top bound (on a first page,
 * all of them). Then, once the rows in hand are as many as the page still needs, every source due a read whose
 * bound beats the last of those rows (its rows could be on the page; any other's could not); with fewer rows in
 * hand, the sources of the top bound where it beats the best row in hand. With two accounts this makes exactly
 * the calls of a merge reading one source at a time; with more, a source whose rows another's turn out to push
 * off the page may be read too. A resumed page so reads its accounts in two round trips rather than one each.
 *
 * A source that fails leaves the page to the others: its position stays where it was, so a later page resumes
 * it without skipping or repeating a row (its rows may then come after older rows of the others, the order
 * being restored from there on), and the page says which sources are incomplete, and why. That includes a
 * source whose listing no longer fits the cursor (it shrank): INVALID_CURSOR for that source alone. hasNextPage
 * is true while any source has rows or windows left, a failed one included; it can be optimistic where what is
 * left of a window turns out empty.
 *
 * Cursors: the edges between two moves of a source (a read that changes its position, a step to another page
 * or sub-window) share one signed body (merge-cursor.ts, MergeCursorGroup), signed when one of their cursors is
 * first read: about one HMAC per provider page a page returns rows of, not one per edge.
 */
export class MergedFeed {
  /** `nowStepMs`: as PagingEngine's (a window ending now ends at now floored to this step). */
  constructor(
    private readonly codec: MergeCursorCodec,
    private readonly nowStepMs = 1_000,
  ) {}

  async page(req: SiteFeedRequest): Promise<SiteConnection> {
    const { sources } = req;
    if (sources.length > MAX_MERGE_SOURCES) {
      throw new Error(`a merged feed takes at most ${MAX_MERGE_SOURCES} sources, got ${sources.length}`);
    }
    const statuses = req.statuses ? [...new Set(req.statuses)].sort() : null;
    const requested = [req.startTime, req.endTime].map((t) =>
      t === null ? null : floorToSecond(t).getTime() / 1000,
    );
    const cursor = req.after === null ? null : this.codec.decode(req.after);
    const window = cursor
      ? { start: new Date(cursor.start * 1000), end: new Date(cursor.end * 1000) }
      : firstPageWindow(req.startTime, req.endTime, req.now, this.nowStepMs);
    const start = window.start.getTime() / 1000;
    const end = window.end.getTime() / 1000;
    const query = queryFingerprint([
      "site",
      req.site,
      statuses ?? [],
      requested[0] ?? null,
      requested[1] ?? null,
      start,
      end,
      sources.map((p) => `${p.kind}:${p.account.name}`),
    ]);
    if (cursor && (cursor.query !== query || cursor.sources.length !== sources.length)) {
      throw new InvalidCursorError(
        "it belongs to another query (site, accounts, window or status differ, or accounts were added or removed)",
      );
    }

    const wanted = statuses ? new Set<PrefetchStatus>(statuses) : null;
    const ctx: ReadContext = {
      site: req.site,
      window,
      scope: req.scope,
      onPage: req.onPage,
      orderOf: req.orderOf ?? documentedOrder,
      tokenBudget: tokenBudget(sources.length),
    };
    // Every position is checked against its window here, before any call.
    const readers: SourceReader[] = sources.map((provider, i) =>
      // A source that cannot report any wanted status has nothing for this query: no call.
      wanted && !provider.capabilities.statuses.some((s) => wanted.has(s))
        ? new DoneReader(provider)
        : createSourceReader(provider, ctx, cursor ? (cursor.sources[i] as SourcePosition) : "fresh"),
    );
    const names: SourceName[] = sources.map((p) => ({ provider: p.kind, account: p.account.name }));
    const failures: (Error | null)[] = sources.map(() => null);
    const outcome = (): SourceOutcome[] =>
      sources.map((p, i) => {
        const error = failures[i] ?? null;
        return {
          provider: p.kind,
          account: p.account.name,
          complete: error === null,
          errorCode:
            error === null ? null : error instanceof AppError ? error.code : ErrorCode.INTERNAL_SERVER_ERROR,
          error,
        };
      });
    // No rows asked for, no call made: pageInfo then says nothing of what follows.
    if (req.first === 0) return connection([], false, outcome());

    const header = { query, start, end };
    const snapshot = (): SourcePosition[] => readers.map((r) => r.position());
    const edges: MergedEdge[] = [];
    // The group the next edges' cursors join; a read, or a take that moves a source to another unit, ends it.
    let group: MergeCursorGroup | null = null;
    // The rows-in-hand mark (see needed): worked out once per read, not once per edge.
    let mark: Mark | null | undefined;
    const markOf = (): Mark | null =>
      mark === undefined ? (mark = needed(readers, names, req.first - edges.length, wanted)) : mark;
    while (edges.length < req.first) {
      let best = -1;
      for (let i = 0; i < readers.length; i++) {
        const head = (readers[i] as SourceReader).head();
        const top = best < 0 ? null : (readers[best] as SourceReader).head();
        if (head !== null && (top === null || comesBefore(head.key, names[i]!, top.key, names[best]!)))
          best = i;
      }
      const toRead = sourcesToRead(readers, names, best, markOf);
      if (toRead.length > 0) {
        mark = undefined; // the reads add rows in hand
        let moved = false;
        await Promise.all(
          toRead.map(async (i) => {
            const reader = readers[i] as SourceReader;
            const before = reader.position();
            try {
              await reader.fill();
            } catch (err: unknown) {
              // The source stays where it was, for the cursor to resume it; the others go on.
              failures[i] = err instanceof Error ? err : new Error(String(err));
              readers[i] = new HeldReader(reader.provider, before);
              return;
            }
            // A read that only found the key of the next row keeps the group: its steps replay from before it.
            moved ||= !samePlace(before, reader.position());
          }),
        );
        if (moved) group = null;
        continue;
      }
      if (best < 0) break;
      const reader = readers[best] as SourceReader;
      // A new group (a read ended the last) always has room for a step; its body is laid out only once needed.
      if (group === null || !group.hasRoom()) group = this.codec.group(header, snapshot(), false);
      const version = reader.version;
      const row = reader.take();
      const edge = wanted === null || wanted.has(row.task.status);
      if (reader.version !== version) {
        // The source moved to another page or sub-window: the positions after this row start a new group.
        group = this.codec.group(header, snapshot(), edge);
        if (edge) edges.push(new MergedEdge(row.task, group, 0));
      } else {
        const n = group.step(best, edge, reader.bound);
        if (edge) edges.push(new MergedEdge(row.task, group, n));
      }
    }
    const hasNextPage = readers.some((r) => !r.done);
    // A page with no edge that has more to come (every source with rows failed, or a filter matched none yet)
    // still hands out where it stopped, so that a client passing endCursor on neither skips nor repeats.
    const resume =
      edges.length === 0 && hasNextPage ? this.codec.encode({ ...header, sources: snapshot() }) : null;
    return connection(edges, hasNextPage, outcome(), resume);
  }
}

/**
 * A reader resuming at `position`, or ("fresh") starting a feed: a source known to list newest first is
 * streamed; any other (oldest first, or an order not known yet) is read a sub-window at a time.
 */
export function createSourceReader(
  provider: PrefetchProvider,
  ctx: ReadContext,
  position: SourcePosition | "fresh",
): SourceReader {
  if (position === "fresh") {
    const end = seconds(ctx.window.end);
    if (ctx.orderOf(provider) === "desc") {
      return new StreamReader(provider, ctx, {
        kind: "stream",
        hi: end,
        piece: 0,
        token: null,
        skip: 0,
        bound: end,
      });
    }
    const span = Math.min(INITIAL_SPAN_SECONDS, maxSpan(provider));
    const first = subWindowBefore(end + 1, span, seconds(ctx.window.start));
    if (first === null) return new DoneReader(provider);
    return new SubWindowReader(provider, ctx, { kind: "span", ...first, bound: end });
  }
  if (position.kind === "stream") return new StreamReader(provider, ctx, position);
  if (position.kind === "done") return new DoneReader(provider);
  return new SubWindowReader(provider, ctx, position);
}

function documentedOrder(provider: PrefetchProvider): Direction | null {
  return provider.capabilities.orderDocumented ? provider.capabilities.order : null;
}

/**
 * The sources to read now (see MergedFeed), of those with no head in hand, not done and not failed. `best`: the
 * source of the best head in hand (-1: none); `markOf`: the rows-in-hand mark (see needed), computed on demand.
 */
function sourcesToRead(
  readers: readonly SourceReader[],
  names: readonly SourceName[],
  best: number,
  markOf: () => Mark | null,
): number[] {
  const idle: number[] = [];
  for (let i = 0; i < readers.length; i++) {
    const r = readers[i] as SourceReader;
    if (!r.done && r.head() === null && !(r instanceof HeldReader)) idle.push(i);
  }
  if (idle.length === 0) return idle;
  const bound = (i: number): number => (readers[i] as SourceReader).bound;
  const mark = best < 0 ? null : markOf();
  if (mark !== null) {
    return idle.filter((i) => comesBefore(bound(i), names[i] as SourceName, mark.key, mark.name));
  }
  // Fewer rows in hand than the page needs: the sources of the top bound, where it beats the best row in hand.
  const top = Math.max(...idle.map(bound));
  return idle.filter(
    (i) =>
      bound(i) === top &&
      (best < 0 || comesBefore(top, names[i] as SourceName, bound(best), names[best] as SourceName)),
  );
}

interface Mark {
  readonly key: number;
  readonly name: SourceName;
}

/**
 * The `need`-th best row in hand that the page would keep (status filter), or null where fewer are in hand. It
 * does not change as the page takes rows (each taken edge lowers `need` by one and removes one kept row ahead of
 * it; a taken filtered row changes neither), only when a read adds rows: MergedFeed.page keeps it until then.
 */
function needed(
  readers: readonly SourceReader[],
  names: readonly SourceName[],
  need: number,
  wanted: ReadonlySet<PrefetchStatus> | null,
): Mark | null {
  const rows: Mark[] = [];
  readers.forEach((r, i) => {
    let kept = 0;
    for (const row of r.inHand()) {
      if (kept === need) break;
      if (wanted !== null && !wanted.has(row.task.status)) continue;
      rows.push({ key: row.key, name: names[i] as SourceName });
      kept++;
    }
  });
  if (rows.length < need) return null;
  rows.sort((a, b) =>
    comesBefore(a.key, a.name, b.key, b.name) ? -1 : comesBefore(b.key, b.name, a.key, a.name) ? 1 : 0,
  );
  return rows[need - 1] ?? null;
}

/** An edge whose cursor is its group's prefix and its step count: signed when a cursor of the group is first read. */
class MergedEdge implements PrefetchTaskEdge {
  constructor(
    readonly node: PrefetchTask,
    private readonly group: MergeCursorGroup,
    private readonly n: number,
  ) {}

  get cursor(): string {
    return this.group.cursor(this.n);
  }
}

function connection(
  edges: readonly MergedEdge[],
  hasNextPage: boolean,
  sources: readonly SourceOutcome[],
  resume: string | null = null,
): SiteConnection {
  // Properties, not a spread: a spread would read the page's cursors (and sign them) now.
  const conn = forwardConnection(edges, hasNextPage, resume);
  return { edges: conn.edges, nodes: conn.nodes, pageInfo: conn.pageInfo, sources };
}
