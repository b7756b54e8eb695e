import { createHash } from "node:crypto";
import { InvalidCursorError } from "../errors/app-error";
import { checkCursorMac, cursorMac, parseCursorBody } from "./cursor-mac";

/**
 * Where a connection page ends, precisely enough to resume: the (sub-)window, the provider's page token of the
 * page that holds the edge, and how many rows of that page are behind us.
 */
export interface CursorPosition {
  /** Index of the sub-window (long windows are split into the provider's maximum span). */
  readonly window: number;
  /** Provider page token (Baidu marker, Wangsu offset); null for a window's first page. */
  readonly pageToken: string | null;
  /** Rows of that page already consumed. */
  readonly offset: number;
}

export interface CursorPayload extends CursorPosition {
  /** Fingerprint of the query the cursor belongs to. */
  readonly query: string;
  /** The whole window in epoch seconds, so that a follow-up without explicit times continues the same window. */
  readonly start: number;
  readonly end: number;
}

/** What the edges of one cursor group share: everything of a position but its offset. */
export type CursorGroupKey = Omit<CursorPayload, "offset">;

/** One cursor per position, signed on its own (`CursorCodec.encode`). Still decoded: clients hold such cursors. */
const V1 = "1";
/** One signature per group of positions, the cursors of its edges told apart by offset (`CursorCodec.group`). */
const V2 = "2";
const MAX_CURSOR_LENGTH = 2048;
/**
 * The widest span of offsets one group's bitmap covers: 256 bytes, some 460 characters of the cursor once the
 * body is base64url-encoded twice over. A provider page is 100 (Baidu) or 200 (Wangsu) rows, so a group never
 * comes near it; should a provider send far larger pages under a sparse status filter, the group is closed and a
 * new one (one more signature) started rather than letting the cursor outgrow MAX_CURSOR_LENGTH.
 */
const MAX_BITMAP_SPAN = 2048;
/** A v2 offset as the server writes it: decimal, no sign, no leading zero, no fraction, no exponent. */
const CANONICAL_OFFSET = /^(?:0|[1-9][0-9]{0,15})$/;

/**
 * Opaque, versioned, HMAC-signed cursors, in two formats that both decode to a `CursorPayload`:
 *
 * - v1, one position: `1.<base64url(json)>.<base64url(mac)>`, the json being
 *   `[query, start, end, window, pageToken, offset]`.
 * - v2, one position of a group: `2.<base64url(json)>.<base64url(mac)>.<offset>`, the json being
 *   `[query, start, end, window, pageToken, issued]` where `issued` is the set of offsets the server issued a
 *   cursor for in that group: `[lo, hi]` for every offset from lo to hi, or `[lo, "<base64url bitmap>"]` where
 *   bit k (byte k >> 3, bit k & 7) stands for offset lo + k. The edges of a connection page that resume in the
 *   same provider page (same window and page token) form a group, so one signature serves them all: one HMAC
 *   and one JSON body per group, one string concatenation per edge.
 *
 * The MAC covers the version and the body, so neither can be edited (a v1 cursor relabelled `2.` fails its MAC);
 * a cursor from another deployment's key fails the same way. The v2 offset lies outside the MAC, and need not be
 * in it: decode accepts it only in its canonical form and only when it is a member of the signed `issued` set,
 * so every v2 string decode accepts is, character for character, a cursor the server issued, and an edited
 * offset is at best the cursor of a sibling edge that the same response handed out.
 */
export class CursorCodec {
  constructor(private readonly secret: Buffer) {}

  /** A v1 cursor: one signature for one position. */
  encode(payload: CursorPayload): string {
    const body = Buffer.from(
      JSON.stringify([
        payload.query,
        payload.start,
        payload.end,
        payload.window,
        payload.pageToken,
        payload.offset,
      ]),
      "utf8",
    ).toString("base64url");
    return `${V1}.${body}.${this.sign(`${V1}.${body}`)}`;
  }

  /**
   * A group of v2 cursors sharing `key`: add the offsets of its positions in increasing order, then read their
   * cursors; the first read signs the group, once.
   */
  group(key: CursorGroupKey): CursorGroup {
    return new CursorGroup(key, this.sealGroup);
  }

  decode(cursor: string): CursorPayload {
    if (cursor.length > MAX_CURSOR_LENGTH) throw new InvalidCursorError("it is too long");
    const parts = cursor.split(".");
    const version = parts[0] as string;
    if (version === V1 && parts.length === 3) return this.decodeV1(parts[1] as string, parts[2] as string);
    if (version === V2 && parts.length === 4) {
      return this.decodeV2(parts[1] as string, parts[2] as string, parts[3] as string);
    }
    if (version === V1 || version === V2 || parts.length < 3 || parts.length > 4) {
      throw new InvalidCursorError("it is not one of ours");
    }
    throw new InvalidCursorError(`version ${JSON.stringify(version.slice(0, 8))} is not supported`);
  }

  /**
   * The one place a MAC is computed, over `<version>.<body>`. Protected as a seam for tests that count
   * signatures; not meant to be overridden otherwise.
   */
  protected sign(signed: string): string {
    return cursorMac(this.secret, signed);
  }

  private decodeV1(body: string, mac: string): CursorPayload {
    this.verify(`${V1}.${body}`, mac);
    const fields = parseBody(body);
    if (!isNonNegativeInt(fields[5])) throw new InvalidCursorError("it is garbled");
    return payloadOf(fields, fields[5]);
  }

  private decodeV2(body: string, mac: string, offsetText: string): CursorPayload {
    if (!CANONICAL_OFFSET.test(offsetText)) throw new InvalidCursorError("its position is garbled");
    this.verify(`${V2}.${body}`, mac);
    const fields = parseBody(body);
    const offset = Number(offsetText);
    if (!isNonNegativeInt(offset) || !isIssued(fields[5], offset)) {
      throw new InvalidCursorError("its position was not issued by this server");
    }
    return payloadOf(fields, offset);
  }

  private verify(signed: string, mac: string): void {
    checkCursorMac(this.sign(signed), mac);
  }

  /** Signs a group: its cursors' common prefix `2.<body>.<mac>.`. */
  private readonly sealGroup = (key: CursorGroupKey, offsets: readonly number[]): string => {
    if (offsets.length === 0) throw new Error("A cursor group with no offsets has no cursors.");
    const lo = offsets[0] as number;
    const hi = offsets[offsets.length - 1] as number;
    // Offsets are strictly increasing (CursorGroup.add), so they are contiguous exactly when they fill [lo, hi].
    const issued = hi - lo + 1 === offsets.length ? [lo, hi] : [lo, bitmap(offsets, lo, hi)];
    const body = Buffer.from(
      JSON.stringify([key.query, key.start, key.end, key.window, key.pageToken, issued]),
      "utf8",
    ).toString("base64url");
    return `${V2}.${body}.${this.sign(`${V2}.${body}`)}.`;
  };
}

/**
 * The v2 cursors of one group. Offsets go in while the page is scanned; the first cursor read seals the group
 * (one HMAC, see CursorCodec.sealGroup), every cursor read is then the sealed prefix plus the edge's offset.
 */
export class CursorGroup {
  private readonly offsets: number[] = [];
  private contiguous = true;
  private prefix: string | undefined;

  constructor(
    readonly key: CursorGroupKey,
    private readonly seal: (key: CursorGroupKey, offsets: readonly number[]) => string,
  ) {}

  /**
   * Issues a cursor for `offset`. False when this group cannot take it, and the caller starts a new group: the
   * group is already signed (a cursor was read), the offset does not follow the last one, or a sparse set would
   * span more than a bitmap may.
   */
  add(offset: number): boolean {
    if (!isNonNegativeInt(offset)) throw new RangeError(`A cursor offset must be a non-negative integer.`);
    if (this.prefix !== undefined) return false;
    const n = this.offsets.length;
    if (n > 0) {
      const last = this.offsets[n - 1] as number;
      if (offset <= last) return false;
      const contiguous = this.contiguous && offset === last + 1;
      if (!contiguous && offset - (this.offsets[0] as number) >= MAX_BITMAP_SPAN) return false;
      this.contiguous = contiguous;
    }
    this.offsets.push(offset);
    return true;
  }

  /** The cursor of an offset added before. */
  cursor(offset: number): string {
    return (this.prefix ??= this.seal(this.key, this.offsets)) + offset;
  }
}

/** A short, stable digest of the parts of a query that a cursor is bound to. */
export function queryFingerprint(parts: readonly (string | number | null | readonly string[])[]): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest().subarray(0, 12).toString("base64url");
}

type BodyFields = [string, number, number, number, string | null, unknown];

/** A signed body's six fields, the first five (shared by both versions) checked. */
function parseBody(body: string): BodyFields {
  const fields = parseCursorBody(body);
  if (
    !Array.isArray(fields) ||
    fields.length !== 6 ||
    typeof fields[0] !== "string" ||
    !isNonNegativeInt(fields[1]) ||
    !isNonNegativeInt(fields[2]) ||
    !isNonNegativeInt(fields[3]) ||
    (fields[4] !== null && typeof fields[4] !== "string")
  ) {
    throw new InvalidCursorError("it is garbled");
  }
  return fields as BodyFields;
}

function payloadOf(fields: BodyFields, offset: number): CursorPayload {
  const [query, start, end, window, pageToken] = fields;
  return { query, start, end, window, pageToken, offset };
}

/** Whether a v2 body's `issued` set holds the offset; a set the server would not write is garbled. */
function isIssued(issued: unknown, offset: number): boolean {
  if (!Array.isArray(issued) || issued.length !== 2 || !isNonNegativeInt(issued[0])) {
    throw new InvalidCursorError("it is garbled");
  }
  const lo = issued[0];
  const rest: unknown = issued[1];
  if (isNonNegativeInt(rest) && rest >= lo) return offset >= lo && offset <= rest;
  if (typeof rest === "string" && rest.length > 0) {
    const bits = Buffer.from(rest, "base64url");
    const k = offset - lo;
    return k >= 0 && k < bits.length * 8 && (((bits[k >> 3] as number) >> (k & 7)) & 1) === 1;
  }
  throw new InvalidCursorError("it is garbled");
}

/** Bit k set for offset lo + k, base64url. */
function bitmap(offsets: readonly number[], lo: number, hi: number): string {
  const bits = Buffer.alloc(((hi - lo) >> 3) + 1);
  for (const o of offsets) {
    const k = o - lo;
    bits[k >> 3] = (bits[k >> 3] as number) | (1 << (k & 7));
  }
  return bits.toString("base64url");
}

function isNonNegativeInt(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}
