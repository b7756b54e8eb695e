import type { PrefetchTask } from "../domain/prefetch-task";
import { InvalidCursorError, UpstreamError } from "../errors/app-error";
import type { OperationScope } from "../http/operation-scope";
import type { PrefetchProvider, TimeWindow } from "../providers/provider";
import { type FeedRow, orderUnit } from "./feed-order";
import type { Direction } from "./list-order";
import { type SourcePosition, tokenBytes } from "./merge-cursor";
import { splitWindow } from "./window";

/** What every source of one merged page shares. */
export interface ReadContext {
  readonly site: string;
  /** The feed's window, whole seconds. */
  readonly window: TimeWindow;
  readonly scope?: OperationScope | undefined;
  /** Every page read, in the provider's order: the listing ledger and the list-order book learn from it. */
  readonly onPage?: ((provider: PrefetchProvider, rows: readonly PrefetchTask[]) => void) | undefined;
  /**
   * A source's list order where it is known (documented or learnt), null while it is a guess. Asked whenever a
   * source starts a sub-window, after onPage has seen every page read before.
   */
  readonly orderOf: (provider: PrefetchProvider) => Direction | null;
  /** The JSON bytes of page tokens one source's position may carry (merge-cursor.ts, tokenBudget). */
  readonly tokenBudget: number;
}

/**
 * One provider account of a merged feed, read lazily: at most one unit (a provider page, or a sub-window that
 * must be read whole) in hand at a time. The merge asks `head()`; where it is null and the source is not `done`,
 * the source has rows it has not read, none with a key above `bound`, and `fill()` reads on (which may leave no
 * head: the merge then asks again). `take()` hands out the head; `position()` is where a cursor resumes.
 */
export interface SourceReader {
  readonly provider: PrefetchProvider;
  head(): FeedRow | null;
  /** The rows in hand from the head on, in feed order (empty without a head). */
  inHand(): readonly FeedRow[];
  /** The head's key where there is one, else an upper bound of the next row's key. */
  readonly bound: number;
  /** Nothing left: every row of the window handed out. */
  readonly done: boolean;
  /**
   * Changes whenever position() changes otherwise than by take() adding one to its skip and lowering its bound:
   * merge-cursor.ts groups edges only across changes of that shape.
   */
  readonly version: number;
  /** Reads on: one upstream call, or the calls a sub-window takes (sub-window-policy.ts). */
  fill(): Promise<void>;
  take(): FeedRow;
  position(): SourcePosition;
}

/**
 * A stream of a source that lists newest first: [window start, hi] split into the provider's pieces (newest
 * first, as the paging engine chains them), each piece paged with the provider's tokens, each page put in feed
 * order (orderUnit). One page in hand.
 */
export class StreamReader implements SourceReader {
  private readonly pieces: TimeWindow[];
  private readonly hi: number;
  private piece: number;
  /** The page the position counts from: the last page whose token fits a cursor (null: the piece's first). */
  private anchor: string | null;
  /** Rows consumed since the start of the anchor's page. */
  private skip: number;
  private storedBound: number;
  /** The next page to read where it is not the anchor's (its token too long for a cursor), and rows before it. */
  private pending: { token: string; before: number } | null = null;
  private rows: FeedRow[] | null = null;
  /** Index of the head in rows. */
  private index = 0;
  /** Rows consumed since the anchor before the page in hand. */
  private base = 0;
  private nextToken: string | null = null;
  version = 0;

  constructor(
    readonly provider: PrefetchProvider,
    private readonly ctx: ReadContext,
    at: Extract<SourcePosition, { kind: "stream" }>,
  ) {
    const start = seconds(ctx.window.start);
    if (at.hi > seconds(ctx.window.end) || at.hi + 1 < start) {
      throw new InvalidCursorError("it points outside its window");
    }
    this.hi = at.hi;
    this.pieces = splitWindow(
      { start: ctx.window.start, end: new Date(at.hi * 1000) },
      provider.capabilities.maxWindowMs,
      "desc",
    );
    if (at.piece > this.pieces.length) throw new InvalidCursorError("it points past the end of its window");
    if (at.token !== null && tokenBytes(at.token) > ctx.tokenBudget) {
      throw new InvalidCursorError("it carries a page token longer than its cursor allows");
    }
    this.piece = at.piece;
    this.anchor = at.token;
    this.skip = at.skip;
    this.storedBound = at.bound;
  }

  get done(): boolean {
    return this.piece >= this.pieces.length;
  }

  get bound(): number {
    return this.head()?.key ?? this.storedBound;
  }

  head(): FeedRow | null {
    return this.rows !== null && this.index < this.rows.length ? (this.rows[this.index] as FeedRow) : null;
  }

  inHand(): readonly FeedRow[] {
    return this.rows === null ? [] : this.rows.slice(this.index);
  }

  async fill(): Promise<void> {
    if (this.done || this.head() !== null) return;
    const window = this.pieces[this.piece] as TimeWindow;
    const token = this.pending?.token ?? this.anchor;
    const before = this.pending?.before ?? 0;
    const page = await this.provider.listPage({ site: this.ctx.site, window }, token, this.ctx.scope);
    this.ctx.onPage?.(this.provider, page.tasks);
    if (page.nextPageToken !== null && page.nextPageToken === token) {
      // A provider that hands back the token it was given would have the feed read the same page forever.
      throw sameToken(this.provider);
    }
    this.version++;
    const rows = orderUnit(page.tasks, seconds(window.end), this.storedBound, seconds(window.start));
    // Rows of this page already consumed: the cursor counts from the anchor's page, possibly across pages.
    const consumed = this.skip - before;
    if (consumed >= rows.length) {
      if (page.nextPageToken !== null) this.pageDone(page.nextPageToken, before + rows.length);
      else if (consumed === rows.length) this.nextPiece();
      else throw new InvalidCursorError("it points past the end of its window");
      return;
    }
    this.rows = rows;
    this.index = consumed;
    this.base = before;
    this.nextToken = page.nextPageToken;
  }

  take(): FeedRow {
    const row = this.head();
    if (row === null) throw new Error("take() without a head");
    this.index++;
    this.skip = this.base + this.index;
    this.storedBound = row.key;
    const rows = this.rows as FeedRow[];
    if (this.index === rows.length) {
      // After a page's last row the position names the next page, so that resuming costs no re-read.
      this.rows = null;
      if (this.nextToken === null) this.nextPiece();
      else this.pageDone(this.nextToken, this.base + rows.length);
    }
    return row;
  }

  position(): SourcePosition {
    if (this.done) return { kind: "done" };
    const { hi, piece, anchor: token, skip, bound } = this;
    return { kind: "stream", hi, piece, token, skip, bound };
  }

  /**
   * The page in hand (or one skipped while resuming) is behind us, `before` rows since the anchor's page start
   * at its end. The next page becomes the anchor where its token fits a cursor; otherwise positions keep
   * counting from the anchor (merge-cursor.ts, tokenBudget).
   */
  private pageDone(next: string, before: number): void {
    this.rows = null;
    this.version++;
    if (tokenBytes(next) <= this.ctx.tokenBudget) {
      this.anchor = next;
      this.skip -= before;
      this.pending = null;
    } else this.pending = { token: next, before };
  }

  private nextPiece(): void {
    this.rows = null;
    this.version++;
    this.pending = null;
    this.piece++;
    this.anchor = null;
    this.skip = 0;
    const next = this.pieces[this.piece];
    if (next !== undefined) this.storedBound = Math.min(this.storedBound, seconds(next.end));
  }
}

/** A source read no further on this page: it stays at `at`, and hands out nothing. */
abstract class ParkedReader implements SourceReader {
  readonly done: boolean;
  readonly version = 0;

  constructor(
    readonly provider: PrefetchProvider,
    private readonly at: SourcePosition,
  ) {
    this.done = at.kind === "done";
  }

  get bound(): number {
    return this.at.kind === "done" ? 0 : this.at.bound;
  }

  head(): FeedRow | null {
    return null;
  }

  inHand(): readonly FeedRow[] {
    return [];
  }

  fill(): Promise<void> {
    return Promise.resolve();
  }

  take(): FeedRow {
    throw new Error("take() without a head");
  }

  position(): SourcePosition {
    return this.at;
  }
}

/** A source that failed on this page: it stays where it was, for the cursor to resume it, and is not done. */
export class HeldReader extends ParkedReader {}

/** A source with nothing left. */
export class DoneReader extends ParkedReader {
  constructor(provider: PrefetchProvider) {
    super(provider, { kind: "done" });
  }
}

export function sameToken(provider: PrefetchProvider): UpstreamError {
  return new UpstreamError("UPSTREAM_BAD_RESPONSE", "The provider returned the same page token again.", {
    provider: provider.kind,
    account: provider.account.name,
  });
}

export function seconds(d: Date): number {
  return Math.floor(d.getTime() / 1000);
}
