import { createHmac } from "node:crypto";

/*
 * bce-auth-v1, written from Baidu's reference (https://cloud.baidu.com/doc/Reference/s/njwvz1yfu) and kept
 * independent of the client under src/providers: a signer that only ever verifies itself proves nothing.
 * The unit tests pin these helpers to the bce-sdk-js vectors.
 */

export const AUTH_VERSION = "bce-auth-v1";

/**
 * Headers signed when the auth string's signedHeaders is empty: BCE's documented default set (the one every
 * SDK uses) plus every `x-bce-*` header. bce-sdk-go leaves out `x-bce-request-id`, so do we.
 */
const DEFAULT_SIGNED = new Set(["host", "content-length", "content-type", "content-md5"]);

function isUnreserved(byte: number): boolean {
  return (
    (byte >= 0x41 && byte <= 0x5a) || // A-Z
    (byte >= 0x61 && byte <= 0x7a) || // a-z
    (byte >= 0x30 && byte <= 0x39) || // 0-9
    byte === 0x2d || // -
    byte === 0x2e || // .
    byte === 0x5f || // _
    byte === 0x7e // ~
  );
}

function encodeBytes(value: string, keepSlash: boolean): string {
  let out = "";
  for (const byte of Buffer.from(value, "utf8")) {
    if (isUnreserved(byte) || (keepSlash && byte === 0x2f)) out += String.fromCharCode(byte);
    else out += "%" + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/** RFC 3986 percent-encoding of the UTF-8 bytes: only `A-Z a-z 0-9 - . _ ~` survive, hex is uppercase. */
export function uriEncode(value: string): string {
  return encodeBytes(value, false);
}

/** uriEncode that keeps `/`, for the path. */
export function uriEncodeExceptSlash(value: string): string {
  return encodeBytes(value, true);
}

/** The decoded request path as it appears in the canonical request; an empty path is `/`. */
export function canonicalUri(path: string): string {
  const withoutLeadingSlash = path.startsWith("/") ? path.slice(1) : path;
  return "/" + uriEncodeExceptSlash(withoutLeadingSlash);
}

/**
 * Every query parameter except `authorization` (any case), as `uriEncode(k)=uriEncode(v)` sorted by the encoded
 * text (ASCII, so code-unit order is byte order) and joined with `&`. A missing value signs as `k=`.
 */
export function canonicalQueryString(params: Iterable<readonly [string, string | null | undefined]>): string {
  const parts: string[] = [];
  for (const [key, value] of params) {
    if (key.toLowerCase() === "authorization") continue;
    parts.push(uriEncode(key) + "=" + uriEncode(value ?? ""));
  }
  return parts.sort().join("&");
}

export type HeaderBag = Readonly<Record<string, string | number | readonly string[] | undefined>>;

/** Lowercased header names → trimmed values; duplicate header lines are comma-joined as on the wire. */
function normaliseHeaders(headers: HeaderBag): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, raw] of Object.entries(headers)) {
    if (raw === undefined) continue;
    const value = (Array.isArray(raw) ? raw.join(", ") : String(raw)).trim();
    const key = name.trim().toLowerCase();
    const previous = out.get(key);
    out.set(key, previous === undefined ? value : `${previous}, ${value}`);
  }
  return out;
}

/** The header names BCE signs when the auth string names none: the default set and `x-bce-*`, if present and non-empty. */
export function defaultSignedHeaders(headers: HeaderBag): string[] {
  const names: string[] = [];
  for (const [name, value] of normaliseHeaders(headers)) {
    if (value === "" || name === "authorization" || name === "x-bce-request-id") continue;
    if (DEFAULT_SIGNED.has(name) || name.startsWith("x-bce-")) names.push(name);
  }
  return names.sort();
}

/**
 * Exactly the signed headers, as `uriEncode(name):uriEncode(trim(value))`, sorted and joined with `\n`.
 * A signed header that is absent or empty contributes nothing, as the SDKs skip empty values when signing.
 */
export function canonicalHeaders(headers: HeaderBag, signedHeaders: readonly string[]): string {
  const normalised = normaliseHeaders(headers);
  const lines: string[] = [];
  for (const name of new Set(signedHeaders.map((n) => n.trim().toLowerCase()))) {
    const value = normalised.get(name);
    if (value === undefined || value === "") continue;
    lines.push(uriEncode(name) + ":" + uriEncode(value));
  }
  return lines.sort().join("\n");
}

/** Four lines, no payload hash and no signed-headers line (unlike AWS SigV4). */
export function canonicalRequest(parts: {
  readonly method: string;
  readonly canonicalUri: string;
  readonly canonicalQueryString: string;
  readonly canonicalHeaders: string;
}): string {
  return [
    parts.method.toUpperCase(),
    parts.canonicalUri,
    parts.canonicalQueryString,
    parts.canonicalHeaders,
  ].join("\n");
}

export function authStringPrefix(accessKeyId: string, timestamp: string, expirationSeconds: number): string {
  return `${AUTH_VERSION}/${accessKeyId}/${timestamp}/${expirationSeconds}`;
}

function hmacSha256Hex(key: string, data: string): string {
  return createHmac("sha256", key).update(data, "utf8").digest("hex");
}

/** Lowercase hex HMAC-SHA256(SK, authStringPrefix); the next step keys on this hex *text*, not the raw digest. */
export function signingKey(secretAccessKey: string, prefix: string): string {
  return hmacSha256Hex(secretAccessKey, prefix);
}

export function signCanonicalRequest(key: string, request: string): string {
  return hmacSha256Hex(key, request);
}

export interface ParsedAuthorization {
  readonly accessKeyId: string;
  readonly timestamp: string;
  readonly expirationSeconds: number;
  /** As written in the auth string; empty means BCE's default set. */
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;
const HEX_SIGNATURE = /^[0-9a-f]{64}$/;
const EXPIRATION = /^[1-9]\d{0,9}$/;

/**
 * Splits `bce-auth-v1/{ak}/{timestamp}/{expiration}/{signedHeaders}/{signature}`. Returns the reason as a
 * string when the header is malformed, so the caller can put it in an InvalidHTTPAuthHeader message.
 * The timestamp is only split here; whether it is a real instant is checked by the caller.
 */
export function parseAuthorization(header: string): ParsedAuthorization | string {
  const parts = header.trim().split("/");
  if (parts.length !== 6)
    return "expected bce-auth-v1/{accessKeyId}/{timestamp}/{expiration}/{signedHeaders}/{signature}";
  const [version, accessKeyId, timestamp, expiration, signed, signature] = parts as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (version !== AUTH_VERSION) return `unsupported auth version "${version}"`;
  if (accessKeyId === "") return "the access key id is empty";
  if (!EXPIRATION.test(expiration)) return "expirationPeriodInSeconds must be a positive integer";
  const signedHeaders = signed === "" ? [] : signed.split(";");
  if (!signedHeaders.every((name) => HEADER_NAME.test(name))) {
    return "signedHeaders must be lowercase header names joined by ';'";
  }
  if (!HEX_SIGNATURE.test(signature)) return "the signature must be 64 lowercase hex digits";
  return { accessKeyId, timestamp, expirationSeconds: Number(expiration), signedHeaders, signature };
}
