import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

/**
 * The API-key scheme as the emulator verifies it. Written from the documents (cdnetworks "API-Key
 * Authentication", the Wangsu 26298 bash example), not from src/providers: a signer that verifies itself
 * proves nothing, so both sides are pinned to the same vector in their unit tests instead.
 */

export interface ApiKeyCredentials {
  readonly username: string;
  readonly apiKey: string;
}

/** base64(HMAC-SHA1(apiKey, dateValue)): the "password" half of the Basic credentials. */
export function apiKeyPassword(apiKey: string, dateValue: string): string {
  return createHmac("sha1", apiKey).update(dateValue, "utf8").digest("base64");
}

/** `Basic base64(username ":" password)`, the whole Authorization header value. */
export function apiKeyAuthorization(credentials: ApiKeyCredentials, dateValue: string): string {
  const pair = `${credentials.username}:${apiKeyPassword(credentials.apiKey, dateValue)}`;
  return `Basic ${Buffer.from(pair, "utf8").toString("base64")}`;
}

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"] as const;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"] as const;
// RFC 1123 (RFC 822 with four-digit years), GMT only: what `date -u "+%a, %d %b %Y %H:%M:%S GMT"` and
// Date#toUTCString produce. RFC 822 allows a one-digit day, so we do too.
const RFC_1123 = /^([A-Z][a-z]{2}), (\d{1,2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;

/**
 * Parses an RFC 1123 GMT date strictly: English names (a client that formats with its own locale sends
 * "Do, 17 Mai 2012" and must be caught here, not in production), real calendar values, matching weekday.
 * Returns epoch milliseconds or null.
 */
export function parseRfc1123(value: string): number | null {
  const m = RFC_1123.exec(value);
  if (m === null) return null;
  // The groups always participate when the pattern matched; the defaults only satisfy the index typing.
  const [, weekday = "", day = "", month = "", year = "", hour = "", minute = "", second = ""] = m;
  const monthIndex = MONTHS.indexOf(month as (typeof MONTHS)[number]);
  if (monthIndex < 0) return null;
  const ms = Date.UTC(Number(year), monthIndex, Number(day), Number(hour), Number(minute), Number(second));
  const parsed = new Date(ms);
  // Date.UTC rolls 31 Feb over into March; a round trip rejects values that are not on the calendar.
  if (
    parsed.getUTCDate() !== Number(day) ||
    parsed.getUTCMonth() !== monthIndex ||
    parsed.getUTCHours() !== Number(hour) ||
    parsed.getUTCMinutes() !== Number(minute) ||
    parsed.getUTCSeconds() !== Number(second)
  ) {
    return null;
  }
  if (WEEKDAYS[parsed.getUTCDay()] !== weekday) return null;
  return ms;
}

export type AuthFailureCode = "AuthenticationFailed" | "InvalidDate" | "RequestTimeTooSkewed";

export type AuthOutcome =
  | { readonly ok: true; readonly username: string }
  | { readonly ok: false; readonly code: AuthFailureCode; readonly message: string };

export interface VerifyOptions {
  readonly credentials: ReadonlyMap<string, string>;
  readonly nowMs: number;
  readonly maxClockSkewSeconds: number;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function failure(code: AuthFailureCode, message: string): AuthOutcome {
  return { ok: false, code, message };
}

/**
 * Verifies a request's API-key signature. The signed date is `x-cnc-date` when present (the documented
 * fallback for clients that cannot set Date), else `Date`. Unknown users and wrong passwords get the same
 * answer so the emulator does not reveal which usernames exist.
 */
export function verifyApiKeyRequest(headers: IncomingHttpHeaders, options: VerifyOptions): AuthOutcome {
  const authorization = single(headers.authorization);
  if (authorization === undefined || authorization.trim() === "") {
    return failure("AuthenticationFailed", "The Authorization header is missing.");
  }
  const match = /^Basic\s+(\S+)\s*$/i.exec(authorization.trim());
  const token = match?.[1];
  if (token === undefined || !BASE64.test(token)) {
    return failure("AuthenticationFailed", "The Authorization header is not HTTP Basic credentials.");
  }
  const decoded = Buffer.from(token, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon <= 0 || colon === decoded.length - 1) {
    return failure("AuthenticationFailed", "The Authorization header is not HTTP Basic credentials.");
  }
  const username = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);

  const cncDate = single(headers["x-cnc-date"]);
  const dateValue = cncDate ?? single(headers.date);
  const dateHeader = cncDate === undefined ? "Date" : "x-cnc-date";
  if (dateValue === undefined) {
    return failure("InvalidDate", "A Date or x-cnc-date header is required to verify the signature.");
  }
  const dateMs = parseRfc1123(dateValue);
  if (dateMs === null) {
    return failure("InvalidDate", `The ${dateHeader} header is not an RFC 1123 GMT date.`);
  }
  if (Math.abs(options.nowMs - dateMs) > options.maxClockSkewSeconds * 1000) {
    return failure(
      "RequestTimeTooSkewed",
      `The ${dateHeader} header differs from the server time by more than ${options.maxClockSkewSeconds} seconds.`,
    );
  }

  const apiKey = options.credentials.get(username);
  // Compute a digest even for unknown users so both paths cost about the same.
  const expected = Buffer.from(apiKeyPassword(apiKey ?? "", dateValue), "utf8");
  const given = Buffer.from(password, "utf8");
  const same = given.length === expected.length && timingSafeEqual(given, expected);
  if (apiKey === undefined || !same) {
    return failure("AuthenticationFailed", "The username or the signature is not valid.");
  }
  return { ok: true, username };
}
