import { createHmac } from "node:crypto";

/**
 * Wangsu's API-key scheme (CDN Pro): `Authorization: Basic base64(username ":" password)` where the password is
 * base64(HMAC-SHA1(apiKey, value of the Date header)). The Date header is mandatory and signed, so it is computed
 * per attempt: a retried request must not reuse a stale signature. Clock-skew tolerance is UNCONFIRMED upstream.
 * This file is the only code that touches the apiKey.
 */

/**
 * RFC 1123 date in GMT, e.g. `Thu, 17 May 2012 19:37:58 GMT`. ECMA-262 fixes toUTCString's format (English names,
 * zero-padded day), so unlike toLocaleString it does not depend on the process locale.
 */
export function httpDate(at: Date): string {
  return at.toUTCString();
}

/** base64(HMAC-SHA1(apiKey, date)): the per-request password. */
export function apiKeyPassword(apiKey: string, date: string): string {
  return createHmac("sha1", apiKey).update(date, "utf8").digest("base64");
}

/** The full Authorization header value for one Date header value. */
export function basicAuthorization(username: string, apiKey: string, date: string): string {
  const userPass = `${username}:${apiKeyPassword(apiKey, date)}`;
  return `Basic ${Buffer.from(userPass, "utf8").toString("base64")}`;
}

export interface WangsuCdnProSecret {
  readonly username: string;
  readonly apiKey: string;
}

/** Holds one account's credentials in private fields (never enumerable, so never serialised into a log line). */
export class WangsuCdnProSigner {
  readonly #username: string;
  readonly #apiKey: string;
  readonly #now: () => Date;

  constructor(credentials: WangsuCdnProSecret, now: () => Date = () => new Date()) {
    this.#username = credentials.username;
    this.#apiKey = credentials.apiKey;
    this.#now = now;
  }

  /** Fresh `Date` and `Authorization` headers; call once per attempt. */
  headers(): { Date: string; Authorization: string } {
    const date = httpDate(this.#now());
    return { Date: date, Authorization: basicAuthorization(this.#username, this.#apiKey, date) };
  }
}
