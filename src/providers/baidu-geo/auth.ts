import { createHmac } from "node:crypto";
import { isoSeconds } from "../shared/timestamp";

/**
 * Baidu AI Cloud `bce-auth-v1` request signing, as specified in https://cloud.baidu.com/doc/Reference/s/njwvz1yfu
 * and implemented by bce-sdk-go (auth/signer.go), bce-sdk-js (src/auth.js) and bce-sdk-python. This is the only
 * module that reads the secret access key.
 */

export interface BceCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** Every Baidu SDK signs these (plus all x-bce-* headers) when the caller names none. */
export const DEFAULT_HEADERS_TO_SIGN: readonly string[] = [
  "host",
  "content-length",
  "content-type",
  "content-md5",
];

/** The SDKs' DEFAULT_EXPIRE_SECONDS: the request must reach Baidu within this many seconds of its timestamp. */
export const DEFAULT_EXPIRATION_SECONDS = 1800;

export type QueryParams = Readonly<Record<string, string | null | undefined>>;
export type RequestHeaders = Readonly<Record<string, string | number | null | undefined>>;

export interface SignRequestArgs {
  readonly method: string;
  /** The path alone, without the query string. */
  readonly path: string;
  /** null or "" is signed as `key=`; undefined leaves the parameter out (it is not sent either). */
  readonly query: QueryParams;
  /** The headers that will be sent; only headersToSign and x-bce-* are signed. */
  readonly headers: RequestHeaders;
  readonly credentials: BceCredentials;
  /** Also the value of the x-bce-date header the caller sends: Baidu checks that the two agree. */
  readonly timestamp: Date;
  readonly expirationSeconds?: number;
  /** Lower- or mixed-case names; default DEFAULT_HEADERS_TO_SIGN. x-bce-* headers are always signed. */
  readonly headersToSign?: readonly string[];
}

/**
 * RFC 3986 UriEncode over the UTF-8 bytes: unreserved characters stay, every other byte becomes %XX with
 * uppercase hex. encodeURIComponent differs on !'()* and would break signatures that contain them.
 */
export function uriEncode(value: string, keepSlash = false): string {
  let out = "";
  for (const byte of Buffer.from(value, "utf8")) {
    if (isUnreserved(byte) || (keepSlash && byte === 0x2f)) {
      out += String.fromCharCode(byte);
    } else {
      out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
    }
  }
  return out;
}

function isUnreserved(byte: number): boolean {
  return (
    (byte >= 0x41 && byte <= 0x5a) || // A-Z
    (byte >= 0x61 && byte <= 0x7a) || // a-z
    (byte >= 0x30 && byte <= 0x39) || // 0-9
    byte === 0x2d || // -
    byte === 0x5f || // _
    byte === 0x2e || // .
    byte === 0x7e // ~
  );
}

/** "/" + UriEncodeExceptSlash(path without its leading slash); an empty path is "/" (bce-sdk-go). */
export function canonicalUri(path: string): string {
  return `/${uriEncode(path.startsWith("/") ? path.slice(1) : path, true)}`;
}

/**
 * Sorted `UriEncode(key)=UriEncode(value)` pairs joined by "&". Keys are encoded as bce-sdk-go and -python do
 * (bce-sdk-js does not, which only matters for non-ASCII keys). The same string is sent as the URL's query, so
 * what Baidu decodes is exactly what was signed.
 */
export function canonicalQueryString(query: QueryParams): string {
  const pairs: string[] = [];
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || key.toLowerCase() === "authorization") continue;
    pairs.push(`${uriEncode(key)}=${uriEncode(value ?? "")}`);
  }
  // Encoded pairs are pure ASCII, so UTF-16 code-unit order is byte order.
  return pairs.sort().join("&");
}

export interface CanonicalHeaders {
  /** Sorted `name:value` lines joined by "\n". */
  readonly canonical: string;
  /** Sorted lowercase names of the signed headers. */
  readonly signedHeaders: readonly string[];
}

export function canonicalHeaders(
  headers: RequestHeaders,
  headersToSign: readonly string[] = DEFAULT_HEADERS_TO_SIGN,
): CanonicalHeaders {
  const wanted = new Set(headersToSign.map((h) => h.trim().toLowerCase()));
  const lines: string[] = [];
  const names: string[] = [];
  for (const [rawName, rawValue] of Object.entries(headers)) {
    if (rawValue === undefined || rawValue === null) continue;
    const name = rawName.trim().toLowerCase();
    const value = String(rawValue).trim();
    // Empty values are skipped by every SDK; the Authorization header cannot sign itself; bce-sdk-go leaves out
    // x-bce-request-id although it is an x-bce-* header.
    if (value === "" || name === "authorization" || name === "x-bce-request-id") continue;
    if (!wanted.has(name) && !name.startsWith("x-bce-")) continue;
    lines.push(`${uriEncode(name)}:${uriEncode(value)}`);
    names.push(name);
  }
  return { canonical: lines.sort().join("\n"), signedHeaders: names.sort() };
}

function hmacSha256Hex(key: string, data: string): string {
  return createHmac("sha256", key).update(data, "utf8").digest("hex");
}

/** The value of the Authorization header for one request. Compute it per attempt: it covers the timestamp. */
export function signRequest(args: SignRequestArgs): string {
  const expiration = args.expirationSeconds ?? DEFAULT_EXPIRATION_SECONDS;
  const authStringPrefix = `bce-auth-v1/${args.credentials.accessKeyId}/${isoSeconds(args.timestamp)}/${expiration}`;
  // The signing key is the lowercase hex *string* of the first HMAC, not its raw bytes.
  const signingKey = hmacSha256Hex(args.credentials.secretAccessKey, authStringPrefix);
  const headers = canonicalHeaders(args.headers, args.headersToSign);
  // Unlike AWS SigV4 there is no payload hash and no signed-headers line.
  const canonicalRequest = [
    args.method.toUpperCase(),
    canonicalUri(args.path),
    canonicalQueryString(args.query),
    headers.canonical,
  ].join("\n");
  const signature = hmacSha256Hex(signingKey, canonicalRequest);
  return `${authStringPrefix}/${headers.signedHeaders.join(";")}/${signature}`;
}

/**
 * Upstream error messages are echoed into our own messages; this keeps the account's keys out of them should
 * Baidu ever quote them back.
 */
export function redactCredentials(text: string, credentials: BceCredentials): string {
  let out = text;
  for (const secret of [credentials.secretAccessKey, credentials.accessKeyId]) {
    if (secret.length > 0) out = out.split(secret).join("[redacted]");
  }
  return out;
}
