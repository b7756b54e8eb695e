/**
 * CORS for browser clients on other origins (PREFETCH_GRAPH_CORS_ORIGINS), as pure functions of the
 * configured origins and the request's headers; src/server.ts applies them to /graphql.
 *
 * CORS grants a browser page the right to read answers; it is not access control (any other client can send any
 * Origin). API keys stay the access control, and Apollo's CSRF prevention stays on: a cross-origin request that
 * could run an operation always needs a preflight, which only the configured origins pass.
 */

/** The exact origins allowed (scheme://host[:port], as browsers serialise them), or "*" for any origin. */
export type CorsOrigins = "*" | readonly string[];

export const CORS_ALLOWED_METHODS = ["GET", "POST"] as const;
/**
 * Everything a browser client of this API sends that is not CORS-safelisted: JSON bodies, API keys, Apollo's
 * CSRF-prevention headers (for GET), a request id and W3C trace context.
 */
export const CORS_ALLOWED_HEADERS = [
  "content-type",
  "authorization",
  "apollo-require-preflight",
  "x-apollo-operation-name",
  "x-request-id",
  "traceparent",
  "tracestate",
] as const;
export const CORS_EXPOSED_HEADERS = ["x-request-id"] as const;
/**
 * Seconds a browser may reuse a preflight's grant. Ten minutes: a removed origin loses access within that time,
 * and Chromium caps the value at two hours anyway.
 */
export const CORS_MAX_AGE_SECONDS = 600;

export type CorsHeaders = Readonly<Record<string, string>>;

/** What to answer an OPTIONS request with. `body` only for a refusal, for whoever reads it outside a browser. */
export interface OptionsAnswer {
  readonly status: 204 | 403;
  readonly headers: CorsHeaders;
  readonly body?: { errors: { message: string; extensions: { code: string } }[] };
}

export const CORS_ORIGIN_NOT_ALLOWED = "CORS_ORIGIN_NOT_ALLOWED";

/** The request headers CORS looks at, as node:http gives them. */
export interface CorsRequestHeaders {
  readonly origin?: string | string[] | undefined;
  readonly "access-control-request-method"?: string | string[] | undefined;
}

/** The one origin this response may be read from, or null: no grant. */
function grantedOrigin(origins: CorsOrigins, origin: string | null): string | null {
  if (origin === null) return null;
  if (origins === "*") return "*";
  return origins.includes(origin) ? origin : null;
}

/** Whether the answer depends on the Origin header, so caches must keep answers to different origins apart. */
function variesByOrigin(origins: CorsOrigins): boolean {
  return origins !== "*" && origins.length > 0;
}

function single(value: string | string[] | undefined): string | null {
  return typeof value === "string" && value !== "" ? value : null;
}

/**
 * Headers for a response to a GET or POST: the grant to the request's origin when it is allowed, nothing
 * otherwise. Never Access-Control-Allow-Credentials: API keys travel in `authorization`, not in cookies, so no
 * response is ever readable with the browser's ambient credentials.
 */
export function corsResponseHeaders(origins: CorsOrigins, headers: CorsRequestHeaders): CorsHeaders {
  const granted = grantedOrigin(origins, single(headers.origin));
  return {
    ...(variesByOrigin(origins) && { vary: "Origin" }),
    ...(granted !== null && {
      "access-control-allow-origin": granted,
      "access-control-expose-headers": CORS_EXPOSED_HEADERS.join(", "),
    }),
  };
}

/**
 * An OPTIONS request. A preflight (Origin and Access-Control-Request-Method) from an allowed origin gets 204 and
 * the fixed lists of methods and headers: the browser itself refuses a request that asks for more. A preflight
 * from any other origin gets 403 without a grant. An OPTIONS that is not a preflight gets 204 and `allow`.
 * No API key is needed: browsers never send credentials with a preflight.
 */
export function answerOptions(origins: CorsOrigins, headers: CorsRequestHeaders): OptionsAnswer {
  const origin = single(headers.origin);
  const vary: CorsHeaders = variesByOrigin(origins) ? { vary: "Origin" } : {};
  if (origin === null || single(headers["access-control-request-method"]) === null) {
    return {
      status: 204,
      headers: {
        allow: [...CORS_ALLOWED_METHODS, "OPTIONS"].join(", "),
        ...corsResponseHeaders(origins, headers),
      },
    };
  }
  const granted = grantedOrigin(origins, origin);
  if (granted === null) {
    return {
      status: 403,
      headers: vary,
      body: {
        errors: [
          {
            message: "This origin may not call the API from a browser (see PREFETCH_GRAPH_CORS_ORIGINS).",
            extensions: { code: CORS_ORIGIN_NOT_ALLOWED },
          },
        ],
      },
    };
  }
  return {
    status: 204,
    headers: {
      ...vary,
      "access-control-allow-origin": granted,
      "access-control-allow-methods": CORS_ALLOWED_METHODS.join(", "),
      "access-control-allow-headers": CORS_ALLOWED_HEADERS.join(", "),
      "access-control-max-age": String(CORS_MAX_AGE_SECONDS),
    },
  };
}

/**
 * PREFETCH_GRAPH_CORS_ORIGINS: comma-separated origins, normalised as browsers serialise them (lower-case host,
 * no default port, no trailing slash), or "*" alone. Every problem is reported; a value is never echoed, since
 * a misplaced secret in the wrong variable must not reach the logs.
 *
 * "*" grants every page on the web the right to read answers; it is accepted only with API keys on, where a
 * page still needs a key its user gave it. Without keys it would let any site a user visits read every account
 * through that user's browser, from wherever that browser can reach this server.
 */
export function parseCorsOrigins(
  value: string | undefined,
  options: { readonly apiKeys: boolean },
): { origins: CorsOrigins; problems: string[] } {
  const name = "PREFETCH_GRAPH_CORS_ORIGINS";
  const entries = (value ?? "")
    .split(",")
    .map((e) => e.trim())
    .filter((e) => e !== "");
  if (entries.includes("*")) {
    const problems: string[] = [];
    if (entries.length > 1) problems.push(`${name}: "*" must stand alone, not beside listed origins`);
    if (!options.apiKeys) {
      problems.push(
        `${name}: "*" needs access control on (PREFETCH_GRAPH_API_KEYS); list the origins instead`,
      );
    }
    return { origins: problems.length === 0 ? "*" : [], problems };
  }
  const problems: string[] = [];
  const origins = new Set<string>();
  entries.forEach((entry, i) => {
    const origin = normalisedOrigin(entry);
    if (typeof origin === "string") origins.add(origin);
    else problems.push(`${name} entry ${i + 1}: ${origin.problem}`);
  });
  return { origins: [...origins], problems };
}

function normalisedOrigin(entry: string): string | { problem: string } {
  const shape = "must be an origin: http(s)://host[:port], with no path, query or user info";
  if (entry.includes("*")) return { problem: "wildcards are not supported; list each origin" };
  if (entry === "null")
    return { problem: '"null" is not accepted: it is the origin of every sandboxed or file page' };
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    return { problem: shape };
  }
  if (
    (url.protocol !== "http:" && url.protocol !== "https:") ||
    url.pathname !== "/" ||
    url.search !== "" ||
    url.hash !== "" ||
    url.username !== "" ||
    url.password !== "" ||
    /[?#]/.test(entry)
  ) {
    return { problem: shape };
  }
  return url.origin;
}
