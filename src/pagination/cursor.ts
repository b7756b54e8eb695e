import { createHmac, createHash, timingSafeEqual } from "node:crypto";
import { InvalidCursorError } from "../errors/app-error";

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

const VERSION = "1";
const MAC_BYTES = 16;
const MAX_CURSOR_LENGTH = 2048;

/**
 * Opaque, versioned, HMAC-signed cursors: `1.<base64url(json)>.<base64url(mac)>`. The MAC covers the version
 * and the body, so neither can be edited; a cursor from another deployment's key fails the same way.
 */
export class CursorCodec {
  constructor(private readonly secret: Buffer) {}

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
    return `${VERSION}.${body}.${this.mac(body)}`;
  }

  decode(cursor: string): CursorPayload {
    if (cursor.length > MAX_CURSOR_LENGTH) throw new InvalidCursorError("it is too long");
    const parts = cursor.split(".");
    if (parts.length !== 3) throw new InvalidCursorError("it is not one of ours");
    const [version, body, mac] = parts as [string, string, string];
    if (version !== VERSION)
      throw new InvalidCursorError(`version ${JSON.stringify(version.slice(0, 8))} is not supported`);
    // The signature's text, not its decoding: base64url decoding skips stray characters, padding and spare bits,
    // so many strings would decode to the one signature and a changed cursor would still be accepted.
    const expected = Buffer.from(this.mac(body), "utf8");
    const given = Buffer.from(mac, "utf8");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new InvalidCursorError(
        "its signature does not match (tampered with, or issued by another server)",
      );
    }
    let fields: unknown;
    try {
      fields = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
    } catch {
      throw new InvalidCursorError("it is garbled");
    }
    if (
      !Array.isArray(fields) ||
      fields.length !== 6 ||
      typeof fields[0] !== "string" ||
      !isNonNegativeInt(fields[1]) ||
      !isNonNegativeInt(fields[2]) ||
      !isNonNegativeInt(fields[3]) ||
      (fields[4] !== null && typeof fields[4] !== "string") ||
      !isNonNegativeInt(fields[5])
    ) {
      throw new InvalidCursorError("it is garbled");
    }
    const [query, start, end, window, pageToken, offset] = fields as [
      string,
      number,
      number,
      number,
      string | null,
      number,
    ];
    return { query, start, end, window, pageToken, offset };
  }

  private mac(body: string): string {
    return createHmac("sha256", this.secret)
      .update(`${VERSION}.${body}`)
      .digest()
      .subarray(0, MAC_BYTES)
      .toString("base64url");
  }
}

/** A short, stable digest of the parts of a query that a cursor is bound to. */
export function queryFingerprint(parts: readonly (string | number | null | readonly string[])[]): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest().subarray(0, 12).toString("base64url");
}

function isNonNegativeInt(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}
