import { timingSafeEqual } from "node:crypto";
import { parseUtcTimestamp } from "../time";
import { BaiduApiError } from "./api-error";
import {
  authStringPrefix,
  canonicalHeaders,
  canonicalQueryString,
  canonicalRequest,
  canonicalUri,
  defaultSignedHeaders,
  type HeaderBag,
  parseAuthorization,
  signCanonicalRequest,
  signingKey,
} from "./signature";

export interface BaiduGeoCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** Tolerated difference between the caller's clock and ours, for auth-string timestamps from the near future. */
export const CLOCK_SKEW_MS = 5 * 60 * 1000;

export interface SignedRequest {
  readonly method: string;
  /** Decoded path. */
  readonly path: string;
  readonly query: ReadonlyArray<readonly [string, string]>;
  readonly headers: HeaderBag;
}

function headerValue(headers: HeaderBag, name: string): string | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(", ") : String(value);
}

const invalidHeader = (reason: string): BaiduApiError =>
  new BaiduApiError(400, "InvalidHTTPAuthHeader", `The HTTP authorization header is invalid: ${reason}.`);

/**
 * Checks a request the way BCE does and returns the caller's access key id, or throws the BaiduApiError BCE
 * would answer. `headers` must have lowercase names (node's IncomingMessage.headers has).
 */
export function verifyBceAuth(
  request: SignedRequest,
  credentials: ReadonlyMap<string, BaiduGeoCredentials>,
  nowMs: number,
): string {
  const header = headerValue(request.headers, "authorization");
  if (header === undefined || header.trim() === "") {
    throw new BaiduApiError(
      403,
      "AccessDenied",
      "Access denied: the request carries no Authorization header.",
    );
  }
  const parsed = parseAuthorization(header);
  if (typeof parsed === "string") throw invalidHeader(parsed);

  const credential = credentials.get(parsed.accessKeyId);
  if (credential === undefined) {
    throw new BaiduApiError(
      403,
      "InvalidAccessKeyId",
      "The Access Key ID you provided does not exist in our records.",
    );
  }

  const issuedAt = parseUtcTimestamp(parsed.timestamp);
  if (issuedAt === undefined)
    throw invalidHeader("the timestamp must be a UTC time like 2015-04-27T08:23:49Z");
  if (nowMs < issuedAt - CLOCK_SKEW_MS || nowMs > issuedAt + parsed.expirationSeconds * 1000) {
    throw new BaiduApiError(
      400,
      "RequestExpired",
      `Request has expired: signed at ${parsed.timestamp}, valid for ${parsed.expirationSeconds}s.`,
    );
  }

  // An empty list means BCE's default set, which always holds host.
  const signedHeaders =
    parsed.signedHeaders.length === 0 ? defaultSignedHeaders(request.headers) : parsed.signedHeaders;
  if (!signedHeaders.includes("host")) throw invalidHeader("signedHeaders must include host");
  if (signedHeaders.includes("x-bce-date")) {
    const date = headerValue(request.headers, "x-bce-date")?.trim();
    if (date !== parsed.timestamp)
      throw invalidHeader("x-bce-date must equal the timestamp of the auth string");
  }

  const expected = signCanonicalRequest(
    signingKey(
      credential.secretAccessKey,
      authStringPrefix(parsed.accessKeyId, parsed.timestamp, parsed.expirationSeconds),
    ),
    canonicalRequest({
      method: request.method,
      canonicalUri: canonicalUri(request.path),
      canonicalQueryString: canonicalQueryString(request.query),
      canonicalHeaders: canonicalHeaders(request.headers, signedHeaders),
    }),
  );
  // Both are 64 lowercase hex characters at this point (parseAuthorization checked the shape).
  if (!timingSafeEqual(Buffer.from(expected, "ascii"), Buffer.from(parsed.signature, "ascii"))) {
    throw new BaiduApiError(
      403,
      "SignatureDoesNotMatch",
      "The request signature we calculated does not match the signature you provided.",
    );
  }
  return parsed.accessKeyId;
}
