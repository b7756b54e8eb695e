import { InvalidCursorError } from "../errors/app-error";
import { checkCursorMac, cursorMac, MAC_BYTES, parseCursorBody } from "./cursor-mac";

/**
 * Where one source of a merged feed resumes, and the key of its next row. `bound` is that key (epoch seconds)
 * where the source had the row in hand, else an upper bound of it (the key of the last row it handed out, or
 * the end of what is left of its window): the merge reads a source only when its bound could put a row on the
 * page, so a source whose head is older than a page needs is never called.
 */
export type SourcePosition =
  /**
   * A source that lists newest first, streamed: [window start, hi] split into pieces (splitWindow, newest
   * first); `skip` rows of the piece are consumed, counted from the start of the page `token` names (null: the
   * piece's first page). Normally `skip` is within that page; see tokenBudget for when it reaches past it.
   */
  | {
      readonly kind: "stream";
      readonly hi: number;
      readonly piece: number;
      readonly token: string | null;
      readonly skip: number;
      readonly bound: number;
    }
  /** A sub-window [start, end] not read yet (sub-window-policy.ts): its first page decides how it is read. */
  | { readonly kind: "span"; readonly start: number; readonly end: number; readonly bound: number }
  /**
   * A sub-window read whole and sorted (its listing shows no time order): `skip` of its rows, in feed order,
   * consumed. Resuming reads it whole again.
   */
  | {
      readonly kind: "whole";
      readonly start: number;
      readonly end: number;
      readonly skip: number;
      readonly bound: number;
    }
  /**
   * A sub-window of a source that lists oldest first, handed out page by page from its last page back to its
   * first (`from` "last"; "first": a second listed by falling task id, handed out from its first page on):
   * `skip` rows of provider page `page` (1-based, in feed order) are consumed; `rows` is what the
   * sub-window holds for sizing the next one (sub-window-policy.ts, densityRows); `marks` page tokens of pages
   * up to `page`, so that resuming reads only the page it returns, or walks from the nearest page marked.
   */
  | {
      readonly kind: "pages";
      readonly from: "last" | "first";
      readonly start: number;
      readonly end: number;
      readonly rows: number;
      readonly page: number;
      readonly skip: number;
      readonly bound: number;
      readonly marks: PageMarks;
    }
  /** Nothing left. */
  | { readonly kind: "done" };

/**
 * Page tokens of some pages of a sub-window (`pages`, increasing, from 2 up to the position's page), and for each
 * the key of the last row of the page before it (`floors`): where the page's rows start in the source's
 * sequence. Page 1 needs no mark (no token; its floor is the sub-window's start).
 */
export interface PageMarks {
  readonly pages: readonly number[];
  readonly tokens: readonly string[];
  readonly floors: readonly number[];
}

export type PositionWithSkip = Extract<SourcePosition, { skip: number }>;

export interface MergeCursorPayload {
  /** Fingerprint of the query: site, statuses, times as given, the window, the sources. */
  readonly query: string;
  /** The window in epoch seconds, so that a follow-up without explicit times continues the same window. */
  readonly start: number;
  readonly end: number;
  /** One position per source, in the order of the query's sources. */
  readonly sources: readonly SourcePosition[];
}

/** The same cap as prefetchTasks' cursors (and its `after` argument). */
export const MERGE_CURSOR_MAX_LENGTH = 2048;
const VERSION = "m2";
/** base64url of MAC_BYTES bytes, unpadded. */
const MAC_CHARS = Math.ceil((MAC_BYTES * 4) / 3);
/** Digits of an edge's step count: a body holds fewer than 10,000 steps. */
const MAX_STEP_DIGITS = 4;
/** Bytes of JSON that fit a cursor: `m2.` + base64url(json) + `.` + mac + `.` + steps ≤ the cap. */
const MAX_BODY_BYTES = Math.floor(
  ((MERGE_CURSOR_MAX_LENGTH - VERSION.length - 3 - MAC_CHARS - MAX_STEP_DIGITS) * 3) / 4,
);
/**
 * Numbers the feed writes, each with its comma: epoch seconds (11 digits, up to the year 5138) and counts (10
 * digits: rows, pages and offsets of one window).
 */
const TIME_BYTES = 12;
const COUNT_BYTES = 11;
/** The widest position without tokens (pages: kind, three times, four counts, brackets) and a comma. */
const MAX_ENTRY_BYTES = 3 + 3 * TIME_BYTES + 4 * COUNT_BYTES + 4;
/** Per page mark beside its token: its page number, its floor (a time) and the token's comma. */
const MARK_BYTES = COUNT_BYTES + TIME_BYTES + 1;
/** Fingerprint (16 characters, quoted), the window's two times, brackets, the steps' quotes and flag. */
const MAX_HEADER_BYTES = 2 + 18 + 2 * TIME_BYTES + 4 + 2 + 4;
/** Steps every cursor group has room for at least (more where its positions are short). */
const MIN_STEP_BYTES = 64;
/** The longest step: a source letter and a key delta of 11 digits. */
const MAX_STEP_BYTES = 12;

/** The most sources one merged cursor carries, so that every position fits with room left for page tokens. */
export const MAX_MERGE_SOURCES = 16;

/**
 * The longest JSON text (bytes) the page tokens of one source's position may take in a cursor, where
 * `sources` sources share it: what is left after every position at its widest and some steps, shared equally
 * (some 600 bytes each for two sources, none for MAX_MERGE_SOURCES).
 * A streamed source's token counts its quotes (tokenBytes); a sub-window's marks count each token and its floor
 * (markBytes). What does not fit is not stored: a stream then counts rows from the last page whose token fit,
 * and a sub-window keeps the marks nearest its position and some spread below them; resuming then re-reads the
 * pages in between (more calls, never a wrong row). Wangsu's tokens are short decimal offsets; Baidu's markers are not documented
 * (UNCONFIRMED length; the sandbox's take some 170 bytes).
 */
export function tokenBudget(sources: number): number {
  if (sources === 0) return 0;
  const left = MAX_BODY_BYTES - MAX_HEADER_BYTES - MIN_STEP_BYTES - sources * MAX_ENTRY_BYTES;
  return Math.max(0, Math.floor(left / sources));
}

/** Whether two positions differ at most in their bound: a group's steps then replay from either. */
export function samePlace(a: SourcePosition, b: SourcePosition): boolean {
  if (a.kind === "done" || b.kind === "done") return a.kind === b.kind;
  return JSON.stringify(entryOf({ ...a, bound: 0 })) === JSON.stringify(entryOf({ ...b, bound: 0 }));
}

/** The JSON bytes a token takes in a cursor. */
export function tokenBytes(token: string): number {
  return Buffer.byteLength(JSON.stringify(token), "utf8");
}

/** The JSON bytes a page mark (token and floor) takes in a cursor. */
export function markBytes(token: string): number {
  return tokenBytes(token) + MARK_BYTES;
}

/**
 * Cursors of the merged feed, one signature per group of edges (as CursorCodec's v2 groups):
 * `m2.<base64url(json)>.<base64url(mac)>.<n>`, the json being `[query, start, end, [position, …], steps, zero]`.
 * The positions are where every source stood when the group began; `steps` lists, in order, each row the
 * merge took from then on: a letter for the source (`A`–`P` for a row that became an edge, `a`–`p` for one a
 * status filter dropped) and, where the source's bound fell, by how much (decimal). An edge's cursor is the
 * group's prefix and `n`, the number of steps behind it: decoding replays n steps (each adds one to its source's
 * skip and lowers its bound), so only a change of that shape may happen inside a group; anything else (a read,
 * a page or sub-window left behind) starts a new one. `n` lies outside the MAC and is accepted only where the
 * signed body issued it (the step n is an edge's; n = 0 where `zero` is 1), so every string decode accepts is a
 * cursor the server handed out. Signed with the same secret as prefetchTasks' cursors; the formats never meet.
 *
 * A position is `0` (done), `[1, hi, piece, token, skip, bound]` (stream), `[2, start, end, bound]` (span),
 * `[3, start, end, skip, bound]` (whole) or `[4, start, end, rows, page, skip, bound, [page, token, floor, …]]`
 * (pages from the last; 5 for pages from the first).
 */
export class MergeCursorCodec {
  constructor(private readonly secret: Buffer) {}

  /** A group of cursors that start at `positions`; `zero`: position itself is an edge's (step count 0). */
  group(header: Omit<MergeCursorPayload, "sources">, positions: readonly SourcePosition[], zero: boolean) {
    return new MergeCursorGroup(header, positions, zero, this.seal);
  }

  /** One cursor for one payload (a group of no steps). */
  encode(payload: MergeCursorPayload): string {
    return this.group(payload, payload.sources, true).cursor(0);
  }

  decode(cursor: string): MergeCursorPayload {
    if (cursor.length > MERGE_CURSOR_MAX_LENGTH) throw new InvalidCursorError("it is too long");
    const parts = cursor.split(".");
    if (parts.length !== 4 || parts[0] !== VERSION) {
      throw new InvalidCursorError("it is not a sitePrefetchTasks cursor");
    }
    const [, body, mac, count] = parts as [string, string, string, string];
    if (!/^(?:0|[1-9][0-9]{0,3})$/.test(count)) throw new InvalidCursorError("its position is garbled");
    this.verify(`${VERSION}.${body}`, mac);
    const fields = parseCursorBody(body);
    if (
      !Array.isArray(fields) ||
      fields.length !== 6 ||
      typeof fields[0] !== "string" ||
      !isCount(fields[1]) ||
      !isCount(fields[2]) ||
      !Array.isArray(fields[3]) ||
      typeof fields[4] !== "string" ||
      (fields[5] !== 0 && fields[5] !== 1)
    ) {
      throw new InvalidCursorError("it is garbled");
    }
    const sources = (fields[3] as unknown[]).map(positionOf);
    replay(sources, fields[4], Number(count), fields[5] === 1);
    return { query: fields[0], start: fields[1], end: fields[2], sources };
  }

  private readonly seal = (body: string): string => {
    const encoded = Buffer.from(body, "utf8").toString("base64url");
    return `${VERSION}.${encoded}.${this.sign(`${VERSION}.${encoded}`)}.`;
  };

  /** The one place a MAC is computed. Protected as a seam for tests that count signatures. */
  protected sign(signed: string): string {
    return cursorMac(this.secret, signed);
  }

  /** Compares the signature's text, as CursorCodec does: base64url decoding would accept many spellings. */
  private verify(signed: string, mac: string): void {
    checkCursorMac(this.sign(signed), mac);
  }
}

/**
 * The cursors of the edges that follow one set of positions. Steps go in while the page is merged; the first
 * cursor read signs the group (one JSON body, one HMAC), and each cursor is then that prefix and a step count.
 */
export class MergeCursorGroup {
  private readonly bounds: number[];
  /** The body up to its steps, and the bytes left for them: worked out when first needed. */
  private head: string | undefined;
  private room = 0;
  private steps = "";
  private count = 0;
  private prefix: string | undefined;

  constructor(
    private readonly header: Omit<MergeCursorPayload, "sources">,
    private readonly positions: readonly SourcePosition[],
    private readonly zero: boolean,
    private readonly seal: (body: string) => string,
  ) {
    this.bounds = positions.map((p) => (p.kind === "done" ? 0 : p.bound));
  }

  /** Whether one more step fits (and the group is not signed yet). */
  hasRoom(): boolean {
    this.layout();
    return this.prefix === undefined && this.steps.length + MAX_STEP_BYTES <= this.room;
  }

  /** Records that `source` handed out a row (an edge's where `edge`), its bound now `bound`; the step count. */
  step(source: number, edge: boolean, bound: number): number {
    const delta = (this.bounds[source] as number) - bound;
    if (delta < 0 || !this.hasRoom()) throw new Error("a merged cursor step that cannot be replayed");
    this.bounds[source] = bound;
    this.steps += (edge ? UPPER : LOWER)[source] as string;
    if (delta > 0) this.steps += String(delta);
    return ++this.count;
  }

  /** The cursor after `n` steps (0: the group's own positions, where `zero`). */
  cursor(n: number): string {
    this.prefix ??= this.seal(`${this.layout()},"${this.steps}",${this.zero ? 1 : 0}]`);
    return this.prefix + n;
  }

  private layout(): string {
    if (this.head === undefined) {
      const { query, start, end } = this.header;
      this.head = JSON.stringify([query, start, end, this.positions.map(entryOf)]).slice(0, -1);
      // `,"<steps>",0]` follows the head.
      this.room = MAX_BODY_BYTES - Buffer.byteLength(this.head, "utf8") - 6;
      if (this.room < 0)
        throw new Error(`merged cursor positions of ${this.head.length} characters exceed the cap`);
    }
    return this.head;
  }
}

const UPPER = "ABCDEFGHIJKLMNOP";
const LOWER = "abcdefghijklmnop";

/** Applies the first n steps of a signed body to its positions (in place), checking that n was issued. */
function replay(positions: SourcePosition[], steps: string, n: number, zero: boolean): void {
  if (n === 0) {
    if (!zero) throw new InvalidCursorError("its position was not issued by this server");
    return;
  }
  let i = 0;
  for (let k = 1; k <= n; k++) {
    const letter = steps[i++];
    let source = letter === undefined ? -1 : UPPER.indexOf(letter);
    const edge = source >= 0;
    if (!edge && letter !== undefined) source = LOWER.indexOf(letter);
    const at = positions[source];
    if (source < 0 || at === undefined || !("skip" in at)) throw new InvalidCursorError("it is garbled");
    let delta = 0;
    while (i < steps.length && (steps.charCodeAt(i) ^ 48) < 10)
      delta = delta * 10 + (steps.charCodeAt(i++) ^ 48);
    if (delta > at.bound) throw new InvalidCursorError("it is garbled");
    positions[source] = { ...at, skip: at.skip + 1, bound: at.bound - delta };
    if (k === n && !edge) throw new InvalidCursorError("its position was not issued by this server");
  }
}

type Entry =
  | 0
  | [1, number, number, string | null, number, number]
  | [2, number, number, number]
  | [3, number, number, number, number]
  | [4 | 5, number, number, number, number, number, number, (string | number)[]];

function entryOf(p: SourcePosition): Entry {
  switch (p.kind) {
    case "done":
      return 0;
    case "stream":
      return [1, p.hi, p.piece, p.token, p.skip, p.bound];
    case "span":
      return [2, p.start, p.end, p.bound];
    case "whole":
      return [3, p.start, p.end, p.skip, p.bound];
    case "pages":
      return [
        p.from === "last" ? 4 : 5,
        p.start,
        p.end,
        p.rows,
        p.page,
        p.skip,
        p.bound,
        p.marks.pages.flatMap((page, i) => [page, p.marks.tokens[i] as string, p.marks.floors[i] as number]),
      ];
  }
}

function positionOf(entry: unknown): SourcePosition {
  if (entry === 0) return { kind: "done" };
  if (!Array.isArray(entry) || entry.length < 4) throw new InvalidCursorError("it is garbled");
  const e = entry as unknown[];
  const nums = (from: number, to: number): boolean => e.slice(from, to).every(isCount);
  if (
    e[0] === 1 &&
    e.length === 6 &&
    nums(1, 3) &&
    nums(4, 6) &&
    (e[3] === null || typeof e[3] === "string")
  ) {
    const [, hi, piece, token, skip, bound] = e as [1, number, number, string | null, number, number];
    return { kind: "stream", hi, piece, token, skip, bound };
  }
  if (e[0] === 2 && e.length === 4 && nums(1, 4) && (e[1] as number) <= (e[2] as number)) {
    const [, start, end, bound] = e as [2, number, number, number];
    return { kind: "span", start, end, bound };
  }
  if (e[0] === 3 && e.length === 5 && nums(1, 5) && (e[1] as number) <= (e[2] as number)) {
    const [, start, end, skip, bound] = e as [3, number, number, number, number];
    return { kind: "whole", start, end, skip, bound };
  }
  if (
    (e[0] === 4 || e[0] === 5) &&
    e.length === 8 &&
    nums(1, 7) &&
    (e[1] as number) <= (e[2] as number) &&
    Array.isArray(e[7])
  ) {
    const [, start, end, rows, page, skip, bound, flat] = e as [
      4,
      number,
      number,
      number,
      number,
      number,
      number,
      unknown[],
    ];
    const pages: number[] = [];
    const tokens: string[] = [];
    const floors: number[] = [];
    for (let i = 0; i < flat.length; i += 3) {
      const [p, token, floor] = [flat[i], flat[i + 1], flat[i + 2]];
      // Marks of pages 2 .. page, increasing.
      if (!isCount(p) || p < Math.max(2, (pages[pages.length - 1] ?? 1) + 1) || p > page) {
        throw new InvalidCursorError("it is garbled");
      }
      if (typeof token !== "string" || !isCount(floor)) throw new InvalidCursorError("it is garbled");
      pages.push(p);
      tokens.push(token);
      floors.push(floor);
    }
    if (page < 1) throw new InvalidCursorError("it is garbled");
    const from = e[0] === 4 ? "last" : "first";
    return { kind: "pages", from, start, end, rows, page, skip, bound, marks: { pages, tokens, floors } };
  }
  throw new InvalidCursorError("it is garbled");
}

function isCount(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}
