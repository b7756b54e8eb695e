import type { PrefetchTask } from "../domain/prefetch-task";
import { InvalidCursorError, UpstreamError } from "../errors/app-error";
import type { ListPage, PrefetchProvider } from "../providers/provider";
import { type FeedRow, filledKeys, orderUnit } from "./feed-order";
import { orderEvidence } from "./list-order";
import { markBytes, type SourcePosition } from "./merge-cursor";
import { type ReadContext, type SourceReader, sameToken, seconds, StreamReader } from "./source-reader";
import { type PageMark, WalkedPages } from "./walked-pages";
import {
  afterFirstPage,
  densityRows,
  HELD_PAGES,
  largestSecond,
  MAX_WALK_PAGES,
  nextSpan,
  subWindowBefore,
} from "./sub-window-policy";

type Mode = "span" | "whole" | "pages" | "done";

/**
 * A source read a sub-window at a time, from the window's newest end back (sub-window-policy.ts):
 *
 * - "span": a sub-window not read yet. Its first page decides: the whole sub-window where it is the only page;
 *   else, by the listing's order (known, or shown by the page), a narrower sub-window, a walk to its last page
 *   (oldest first), or a stream of the rest of the window (newest first: the page is read again there).
 * - "pages": a walked sub-window of an oldest-first listing, handed out from its last page back to its first,
 *   each page in feed order; only pages not held (and, on a resumed page, the page it resumes in) are read,
 *   with the marks (page tokens) known. A sub-window of one second listed by falling task id (its order not
 *   known yet) is handed out the same way from its first page on.
 * - "whole": a sub-window whose listing shows no time order (one second, or rows in no order, while the order
 *   is not known), read to its end and sorted; at most HELD_PAGES pages.
 */
export class SubWindowReader implements SourceReader {
  private readonly windowStart: number;
  private readonly maxSpan: number;
  private stream: StreamReader | null = null;
  private mode: Mode;
  private start: number;
  private end: number;
  private storedBound: number;
  private skip = 0;
  /** Density rows of the sub-window (densityRows), for sizing the next. */
  private rows = 0;
  /** The page in hand, or to read next ("pages"), and which way pages are handed out. */
  private page = 0;
  private from: "last" | "first" = "last";
  /** The pages of a walked sub-window ("pages"). */
  private pages: WalkedPages | null = null;
  private unit: FeedRow[] | null = null;
  private index = 0;
  private own = 0;

  constructor(
    readonly provider: PrefetchProvider,
    private readonly ctx: ReadContext,
    at: Exclude<SourcePosition, { kind: "stream" | "done" }>,
  ) {
    this.windowStart = seconds(ctx.window.start);
    this.maxSpan = maxSpan(provider);
    if (
      at.start < this.windowStart ||
      at.end > seconds(ctx.window.end) ||
      at.end - at.start >= this.maxSpan
    ) {
      throw new InvalidCursorError("its sub-window lies outside its window");
    }
    this.mode = at.kind;
    this.start = at.start;
    this.end = at.end;
    this.storedBound = at.bound;
    if (at.kind === "span") return;
    this.skip = at.skip;
    if (at.kind === "pages") {
      const { pages, tokens, floors } = at.marks;
      let bytes = 0;
      for (const token of tokens) bytes += markBytes(token);
      if (at.page > MAX_WALK_PAGES || bytes > ctx.tokenBudget) {
        throw new InvalidCursorError("it carries more pages than its cursor allows");
      }
      if (floors.some((floor) => floor < at.start || floor > at.end) || pages.some((p) => p > at.page)) {
        throw new InvalidCursorError("it is garbled");
      }
      this.rows = at.rows;
      this.page = at.page;
      this.from = at.from;
      this.pages = new WalkedPages(at.start, at.marks);
    }
  }

  get done(): boolean {
    return this.stream ? this.stream.done : this.mode === "done";
  }

  get bound(): number {
    return this.stream ? this.stream.bound : (this.head()?.key ?? this.storedBound);
  }

  get version(): number {
    return this.own + (this.stream?.version ?? 0);
  }

  head(): FeedRow | null {
    if (this.stream) return this.stream.head();
    return this.unit !== null && this.index < this.unit.length ? (this.unit[this.index] as FeedRow) : null;
  }

  inHand(): readonly FeedRow[] {
    if (this.stream) return this.stream.inHand();
    return this.unit === null ? [] : this.unit.slice(this.index);
  }

  async fill(): Promise<void> {
    if (this.stream) return this.stream.fill();
    if (this.done || this.head() !== null) return;
    this.own++;
    if (this.mode === "span") return this.probe();
    if (this.mode === "whole") return this.settleWhole(await this.readToEnd([]));
    return this.readPage();
  }

  take(): FeedRow {
    if (this.stream) return this.stream.take();
    const row = this.head();
    if (row === null) throw new Error("take() without a head");
    this.index++;
    this.skip++;
    this.storedBound = row.key;
    if (this.index === (this.unit as FeedRow[]).length) {
      if (this.mode === "pages") this.pageDone();
      else this.advance();
    }
    return row;
  }

  position(): SourcePosition {
    if (this.stream) return this.stream.position();
    const { start, end, skip, bound } = this;
    switch (this.mode) {
      case "done":
        return { kind: "done" };
      case "span":
        return { kind: "span", start, end, bound };
      case "whole":
        return { kind: "whole", start, end, skip, bound };
      case "pages":
        return {
          kind: "pages",
          from: this.from,
          start,
          end,
          rows: this.rows,
          page: this.page,
          skip,
          bound,
          marks: (this.pages as WalkedPages).forCursor(this.page, this.ctx.tokenBudget, this.from === "last"),
        };
    }
  }

  /** The first page of a sub-window not read yet, and what it decides (see the class). */
  private async probe(): Promise<void> {
    if (this.ctx.orderOf(this.provider) === "desc") {
      this.streamFrom(this.end);
      return (this.stream as StreamReader).fill();
    }
    const first = await this.list(null);
    if (first.nextPageToken === null) return this.settleWhole([first]);
    const order = this.ctx.orderOf(this.provider) ?? orderEvidence(first.tasks);
    if (order === "desc") {
      // The first page shows the listing is newest first: the rest of the window is streamed, from this
      // sub-window on (its first page is asked again under the stream's window: one call, once per account).
      this.streamFrom(this.end);
      return;
    }
    if (order === "asc") {
      const keys = filledKeys(first.tasks, this.start);
      const next = afterFirstPage(
        this.end,
        keys[0] ?? this.start,
        keys[keys.length - 1] ?? this.start,
        this.provider.capabilities.pageSize,
      );
      if (next.walk) return this.walk([first]);
      this.start = next.narrowTo;
      return;
    }
    // One second so far, or rows in no order: read on, for as long as the rows show no order.
    const shown = (read: readonly ListPage[]): string =>
      this.ctx.orderOf(this.provider) ?? orderEvidence(read.flatMap((p) => p.tasks));
    const pages = await this.readToEnd([first], (read) => ["asc", "desc"].includes(shown(read)));
    if ((pages[pages.length - 1] as ListPage).nextPageToken === null) {
      // All one second, over several pages, listed by task id (as both sandboxes list a second): its pages handed
      // out from the last (rising ids) or the first (falling), each sorted, give the feed's order (task id last
      // first), so a page resuming in it reads one of them rather than all.
      const tasks = pages.flatMap((p) => p.tasks);
      if (pages.length > 1 && shown(pages) === "none") {
        const rise = idsTrend(tasks);
        if (rise !== null) return this.walk(pages, rise ? "last" : "first");
      }
      return this.settleWhole(pages);
    }
    if (shown(pages) === "asc") return this.walk(pages);
    this.streamFrom(this.end);
  }

  /**
   * An oldest-first sub-window read on to its last page, `read` its pages read so far (from page 1); the last
   * page is then the one in hand. Density rows count every row, a burst second's as one.
   */
  private async walk(read: readonly ListPage[], from: "last" | "first" = "last"): Promise<void> {
    const pages = new WalkedPages(this.start);
    this.mode = "pages";
    this.from = from;
    this.pages = pages;
    let count = 0;
    let runKey = NaN;
    let run = 0;
    let largest = 0;
    let p = 0;
    let page: ListPage | undefined = read[0];
    while (page !== undefined) {
      p++;
      for (const key of pages.record(p, page)) {
        run = key === runKey ? run + 1 : 1;
        runKey = key;
        largest = Math.max(largest, run);
      }
      count += page.tasks.length;
      const token = page.nextPageToken;
      if (token === null) break;
      if (p < read.length) {
        page = read[p];
        continue;
      }
      if (p >= MAX_WALK_PAGES) throw this.keptPaging(MAX_WALK_PAGES);
      page = await this.list(token);
      if (page.nextPageToken === token) throw sameToken(this.provider);
    }
    this.rows = densityRows(count, largest);
    this.page = from === "last" ? p : 1;
    this.skip = 0;
    this.openPage();
  }

  /** The page to hand out next of a walked sub-window: held, else read by its mark, else walked to. */
  private async readPage(): Promise<void> {
    const pages = this.pages as WalkedPages;
    const j = this.page;
    if (pages.rows(j) === undefined) {
      const q = pages.walkFrom(j);
      let page = await this.list((pages.mark(q) as PageMark).token);
      pages.record(q, page);
      for (let p = q + 1; p <= j; p++) {
        const token = page.nextPageToken;
        if (token === null) throw new InvalidCursorError("it points past the end of its sub-window");
        page = await this.list(token);
        if (page.nextPageToken === token) throw sameToken(this.provider);
        pages.record(p, page);
      }
    }
    this.openPage();
  }

  /** Puts the held page `this.page` in hand, in feed order, `skip` rows of it consumed. */
  private openPage(): void {
    const pages = this.pages as WalkedPages;
    const tasks = pages.rows(this.page) as readonly PrefetchTask[];
    const { floor } = pages.mark(this.page) as PageMark;
    const unit = orderUnit(tasks, floor, this.storedBound, Math.max(this.start, floor));
    if (this.skip > unit.length) throw new InvalidCursorError("it points past the end of its page");
    this.unit = unit;
    this.index = this.skip;
    if (this.skip === unit.length) this.pageDone();
  }

  /** The page in hand is behind us: on to the page before it, in hand at once where held. */
  private pageDone(): void {
    const pages = this.pages as WalkedPages;
    pages.drop(this.page);
    this.unit = null;
    this.own++;
    this.skip = 0;
    if (this.from === "last") this.page--;
    // From the first page on, the last is the one that named no page after it.
    else this.page = pages.mark(this.page + 1) === undefined ? 0 : this.page + 1;
    if (this.page === 0) this.advance();
    else if (pages.rows(this.page) !== undefined) this.openPage();
  }

  /** A sub-window read to its end and sorted as one unit; `skip` rows of it consumed. */
  private settleWhole(pages: readonly ListPage[]): void {
    const tasks = pages.flatMap((p) => p.tasks);
    const fill = orderEvidence(tasks) === "desc" ? this.end : this.start;
    const unit = orderUnit(tasks, fill, this.storedBound, this.start);
    if (this.skip > unit.length) throw new InvalidCursorError("it points past the end of its sub-window");
    this.mode = "whole";
    // Density from the rows' own seconds: their keys in the unit are clamped to what was handed out already.
    this.rows = densityRows(unit.length, largestSecond(filledKeys(tasks, fill)));
    this.unit = unit;
    this.index = this.skip;
    if (this.skip === unit.length) this.advance();
  }

  /**
   * The sub-window's pages from page 1 (`read`: those read already) on to its last, at most HELD_PAGES; stops
   * early where `stop` (asked after each page) says the rows show an order.
   */
  private async readToEnd(
    read: ListPage[],
    stop: (pages: readonly ListPage[]) => boolean = () => false,
  ): Promise<ListPage[]> {
    if (read.length === 0) read.push(await this.list(null));
    for (;;) {
      const token = (read[read.length - 1] as ListPage).nextPageToken;
      if (token === null || stop(read)) return read;
      if (read.length >= HELD_PAGES)
        throw this.keptPaging(HELD_PAGES, " while its rows showed no time order");
      const page = await this.list(token);
      if (page.nextPageToken === token) throw sameToken(this.provider);
      read.push(page);
    }
  }

  /** The sub-window is behind us: on to the one before it, sized by its density. */
  private advance(): void {
    this.unit = null;
    this.pages = null;
    this.own++;
    const span = nextSpan(
      this.end - this.start + 1,
      this.rows,
      this.provider.capabilities.pageSize,
      this.maxSpan,
    );
    const next = subWindowBefore(this.start, span, this.windowStart);
    this.skip = 0;
    this.page = 0;
    this.rows = 0;
    if (next === null) {
      this.mode = "done";
      return;
    }
    this.mode = "span";
    this.start = next.start;
    this.end = next.end;
    this.storedBound = Math.min(this.storedBound, next.end);
  }

  /** The rest of the window, up to `hi`, is streamed newest first. */
  private streamFrom(hi: number): void {
    this.unit = null;
    this.pages = null;
    this.own++;
    this.stream = new StreamReader(this.provider, this.ctx, {
      kind: "stream",
      hi,
      piece: 0,
      token: null,
      skip: 0,
      bound: Math.min(this.storedBound, hi),
    });
  }

  private async list(token: string | null): Promise<ListPage> {
    const window = { start: new Date(this.start * 1000), end: new Date(this.end * 1000) };
    const page = await this.provider.listPage({ site: this.ctx.site, window }, token, this.ctx.scope);
    this.ctx.onPage?.(this.provider, page.tasks);
    return page;
  }

  private keptPaging(pages: number, why = ""): UpstreamError {
    return new UpstreamError(
      "UPSTREAM_BAD_RESPONSE",
      `The provider kept paging ${this.ctx.site}'s tasks of ${this.end - this.start + 1} seconds past ${pages} pages${why}.`,
      { provider: this.provider.kind, account: this.provider.account.name },
    );
  }
}

/** Whether the rows' task ids rise (true) or fall (false) all along the listing; null where neither. */
function idsTrend(tasks: readonly PrefetchTask[]): boolean | null {
  let rise = true;
  let fall = true;
  for (let i = 1; i < tasks.length; i++) {
    const a = (tasks[i - 1] as PrefetchTask).ref.taskId;
    const b = (tasks[i] as PrefetchTask).ref.taskId;
    rise &&= a < b;
    fall &&= a > b;
  }
  return rise ? true : fall ? false : null;
}

export function maxSpan(provider: PrefetchProvider): number {
  return Math.max(1, Math.floor(provider.capabilities.maxWindowMs / 1000));
}
