import {
  authStringPrefix,
  canonicalHeaders,
  canonicalQueryString,
  canonicalRequest,
  canonicalUri,
  defaultSignedHeaders,
  signCanonicalRequest,
  signingKey,
  uriEncode,
} from "../../../../src/sandbox/baidu-geo/signature";
import { formatUtcSeconds } from "../../../../src/sandbox/time";

export interface TestCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export interface SignedGetOptions {
  readonly baseUrl: string;
  readonly path?: string;
  /** A record, or pairs when a test needs a parameter twice; undefined values are left out. */
  readonly query?: Readonly<Record<string, string | undefined>> | ReadonlyArray<readonly [string, string]>;
  readonly credentials: TestCredentials;
  /** The auth-string timestamp (and x-bce-date). */
  readonly at: Date;
  readonly expirationSeconds?: number;
  /** Header names to sign; `[]` writes an empty signedHeaders (BCE's default set). Default host;x-bce-date. */
  readonly signedHeaders?: readonly string[];
  /** Sent as they are (and signed when named in signedHeaders). */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface SignedGet {
  readonly url: string;
  readonly headers: Record<string, string>;
}

/** A tiny test-side bce-auth-v1 signer for GETs, built on the sandbox's own published-vector helpers. */
export function signedGet(options: SignedGetOptions): SignedGet {
  const path = options.path ?? "/v2/geo/cache/prefetch";
  const timestamp = formatUtcSeconds(options.at);
  const expiration = options.expirationSeconds ?? 1800;
  const entries = Array.isArray(options.query) ? options.query : Object.entries(options.query ?? {});
  const params = entries.filter((entry): entry is [string, string] => entry[1] !== undefined);
  const headers: Record<string, string> = { "x-bce-date": timestamp, ...options.headers };
  // undici sends Host as the origin's host:port; sign exactly that.
  const withHost = { ...headers, host: new URL(options.baseUrl).host };
  const signed = options.signedHeaders ?? ["host", "x-bce-date"];
  const covered = signed.length === 0 ? defaultSignedHeaders(withHost) : signed;
  const prefix = authStringPrefix(options.credentials.accessKeyId, timestamp, expiration);
  const signature = signCanonicalRequest(
    signingKey(options.credentials.secretAccessKey, prefix),
    canonicalRequest({
      method: "GET",
      canonicalUri: canonicalUri(path),
      canonicalQueryString: canonicalQueryString(params),
      canonicalHeaders: canonicalHeaders(withHost, covered),
    }),
  );
  const search = params.map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`).join("&");
  return {
    url: `${options.baseUrl}${path}${search === "" ? "" : `?${search}`}`,
    headers: { ...headers, authorization: `${prefix}/${signed.join(";")}/${signature}` },
  };
}
