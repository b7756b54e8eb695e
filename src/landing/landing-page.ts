import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { type GraphiqlAsset, loadGraphiqlAssets } from "./graphiql-assets";

export interface LandingPageOptions {
  /** Where GraphQL is served, e.g. `/graphql`: the page's fetcher posts there, and browsers opening it get the page. */
  graphqlPath: string;
  /** The operation a first-time visitor sees in the editor. */
  defaultQuery: string;
  /** Page title and the name in GraphiQL's logo slot. */
  title?: string;
  /** default variables JSON, optional */
  defaultVariables?: string;
}

export interface LandingPage {
  /**
   * Handles GET/HEAD of `/graphiql`, `/graphiql/` and `/graphiql/assets/...`, GET of graphqlPath when the client
   * prefers text/html, and redirects a browser's GET/HEAD of `/` to `/graphiql` (keeping a share link's query
   * string). Returns true when it wrote the response.
   */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
}

export const GRAPHIQL_PATH = "/graphiql";
const ASSET_PREFIX = `${GRAPHIQL_PATH}/assets/`;

/**
 * `default-src 'self'` plus only what GraphiQL 3 needs:
 * - `style-src 'unsafe-inline'`: GraphiQL's React components apply inline styles; with `style-src 'self'` alone,
 *   Chromium blocks one of them on load. Styles cannot run script, so this is the usual, low-risk allowance.
 * - `img-src`/`font-src data:`: graphiql.min.css inlines its fonts and icons as data: URIs.
 * No `unsafe-inline`/`unsafe-eval` for scripts (the bootstrap is a served file; the config is inert JSON), no
 * workers (CodeMirror 5 has none), and nothing may frame the page or redirect its forms.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

/** Fingerprinted URLs (`?v=<hash>`) never change content, so caches may keep them for a year without asking. */
const IMMUTABLE = "public, max-age=31536000, immutable";
/** The page, and assets asked for without the current fingerprint: cacheable, but revalidated by ETag each time. */
const REVALIDATE = "no-cache";

type MediaRange = { type: string; subtype: string; q: number };

function parseAccept(header: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  for (const part of header.split(",")) {
    const [mediaType = "", ...params] = part.split(";");
    const [type, subtype] = mediaType.trim().toLowerCase().split("/");
    if (!type || !subtype) continue;
    let q = 1;
    for (const param of params) {
      const [key, value] = param.split("=");
      if (key?.trim().toLowerCase() === "q" && value !== undefined) {
        const parsed = Number(value.trim());
        q = Number.isFinite(parsed) ? Math.min(Math.max(parsed, 0), 1) : 0;
      }
    }
    ranges.push({ type, subtype, q });
  }
  return ranges;
}

/** RFC 9110 §12.5.1: the most specific matching range decides a media type's quality. */
function quality(ranges: readonly MediaRange[], type: string, subtype: string): number {
  let best: { specificity: number; q: number } | undefined;
  for (const range of ranges) {
    const specificity =
      range.type === type && range.subtype === subtype
        ? 2
        : range.type === type && range.subtype === "*"
          ? 1
          : range.type === "*" && range.subtype === "*"
            ? 0
            : -1;
    if (specificity >= 0 && (best === undefined || specificity > best.specificity))
      best = { specificity, q: range.q };
  }
  return best?.q ?? 0;
}

/** True when a GET's Accept header prefers text/html over JSON (browsers), used for the GraphQL path. */
export function prefersHtml(acceptHeader: string | undefined): boolean {
  if (!acceptHeader) return false;
  const ranges = parseAccept(acceptHeader);
  const html = quality(ranges, "text", "html");
  // A tie (`*/*`, curl's default) goes to GraphQL, as with Apollo's own content negotiation.
  const json = Math.max(
    quality(ranges, "application", "json"),
    quality(ranges, "application", "graphql-response+json"),
  );
  return html > 0 && html > json;
}

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/**
 * JSON inside `<script type="application/json">` is inert, but the HTML parser still ends the element at
 * `</script` and treats `<!--` specially; escaping `<`, `>` and `&` as \u escapes keeps the JSON identical
 * for `JSON.parse` and leaves the parser nothing to find. U+2028/9 are escaped for older JS engines' sake.
 */
function jsonForScriptElement(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

function assetUrl(assets: ReadonlyMap<string, GraphiqlAsset>, name: string): string {
  const asset = assets.get(name);
  if (!asset) throw new Error(`GraphiQL landing page: no asset named ${name}`);
  return `${ASSET_PREFIX}${name}?v=${asset.hash}`;
}

function renderPage(options: LandingPageOptions, assets: ReadonlyMap<string, GraphiqlAsset>): string {
  const title = options.title ?? "GraphiQL";
  const config = {
    endpoint: options.graphqlPath,
    defaultQuery: options.defaultQuery,
    defaultVariables: options.defaultVariables ?? "",
    title,
  };
  const script = (name: string) => `    <script src="${escapeHtml(assetUrl(assets, name))}"></script>`;
  const stylesheet = (name: string) =>
    `    <link rel="stylesheet" href="${escapeHtml(assetUrl(assets, name))}" />`;
  return [
    "<!doctype html>",
    '<html lang="en">',
    "  <head>",
    '    <meta charset="utf-8" />',
    '    <meta name="viewport" content="width=device-width, initial-scale=1" />',
    '    <meta name="robots" content="noindex" />',
    `    <title>${escapeHtml(title)}</title>`,
    `    <link rel="icon" type="image/svg+xml" href="${escapeHtml(assetUrl(assets, "favicon.svg"))}" />`,
    stylesheet("graphiql.min.css"),
    stylesheet("landing.css"),
    "  </head>",
    "  <body>",
    '    <div id="graphiql"><p class="landing-loading">Loading GraphiQL…</p></div>',
    "    <noscript>GraphiQL needs JavaScript.</noscript>",
    `    <script type="application/json" id="graphiql-config">${jsonForScriptElement(config)}</script>`,
    // Order matters: the GraphiQL UMD bundle reads the React and ReactDOM globals when it runs.
    script("react.production.min.js"),
    script("react-dom.production.min.js"),
    script("graphiql.min.js"),
    script("graphql-ws.min.js"),
    script("bootstrap.js"),
    "  </body>",
    "</html>",
    "",
  ].join("\n");
}

function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  return header.split(",").some((part) => {
    const [coding = "", ...params] = part.split(";");
    if (coding.trim().toLowerCase() !== "gzip") return false;
    const q = params.map((p) => p.trim().toLowerCase()).find((p) => p.startsWith("q="));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

function matchesEtag(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  // Weak comparison (RFC 9110 §13.1.2), as If-None-Match requires.
  const strip = (tag: string) => tag.trim().replace(/^W\//, "");
  return ifNoneMatch.split(",").some((tag) => tag.trim() === "*" || strip(tag) === strip(etag));
}

interface Representation {
  readonly body: Buffer;
  readonly contentType: string;
  readonly etag: string;
  readonly cacheControl: string;
  readonly vary?: string;
  readonly contentEncoding?: string;
}

function setHeaders(res: ServerResponse, headers: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
}

function send(req: IncomingMessage, res: ServerResponse, representation: Representation): void {
  setHeaders(res, SECURITY_HEADERS);
  res.setHeader("cache-control", representation.cacheControl);
  res.setHeader("etag", representation.etag);
  if (representation.vary) res.setHeader("vary", representation.vary);
  if (matchesEtag(req.headers["if-none-match"], representation.etag)) {
    res.statusCode = 304;
    res.end();
    return;
  }
  res.statusCode = 200;
  res.setHeader("content-type", representation.contentType);
  res.setHeader("content-length", representation.body.byteLength);
  if (representation.contentEncoding) res.setHeader("content-encoding", representation.contentEncoding);
  res.end(req.method === "HEAD" ? undefined : representation.body);
}

function sendStatus(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  const body = Buffer.from(`${message}\n`, "utf8");
  setHeaders(res, { ...SECURITY_HEADERS, ...headers });
  res.writeHead(status, {
    "content-type": "text/plain; charset=utf-8",
    "content-length": body.byteLength,
    "cache-control": "no-store",
  });
  res.end(body);
}

/** Node reads a request line byte by byte (latin1); bytes a header may not carry go back percent-encoded. */
function headerSafe(text: string): string {
  return text.replace(
    /[^\x21-\x7e]/g,
    (c) => `%${(c.charCodeAt(0) & 0xff).toString(16).toUpperCase().padStart(2, "0")}`,
  );
}

function redirect(req: IncomingMessage, res: ServerResponse, location: string): void {
  const body = Buffer.from(`Found: ${location}\n`, "utf8");
  setHeaders(res, SECURITY_HEADERS);
  res.writeHead(302, {
    location,
    "content-type": "text/plain; charset=utf-8",
    "content-length": body.byteLength,
    // Only browsers are redirected, so the answer depends on Accept.
    vary: "Accept",
    "cache-control": "no-cache",
  });
  res.end(req.method === "HEAD" ? undefined : body);
}

function validate(options: LandingPageOptions): void {
  if (!options.graphqlPath.startsWith("/") || options.graphqlPath.includes("?")) {
    throw new Error(
      `GraphiQL landing page: graphqlPath must be an absolute path, got "${options.graphqlPath}".`,
    );
  }
  if (options.graphqlPath === GRAPHIQL_PATH || options.graphqlPath.startsWith(`${GRAPHIQL_PATH}/`)) {
    throw new Error(`GraphiQL landing page: graphqlPath must not live under ${GRAPHIQL_PATH}.`);
  }
  if (options.defaultVariables !== undefined && options.defaultVariables.trim() !== "") {
    try {
      JSON.parse(options.defaultVariables);
    } catch (cause) {
      throw new Error("GraphiQL landing page: defaultVariables is not valid JSON.", { cause });
    }
  }
}

export function createLandingPage(options: LandingPageOptions): LandingPage {
  validate(options);
  // Read at start-up so a missing or re-shaped package fails the boot, not a visitor's first request.
  const assets = loadGraphiqlAssets();
  const html = Buffer.from(renderPage(options, assets), "utf8");
  const htmlEtag = `"${createHash("sha256").update(html).digest("hex").slice(0, 16)}"`;

  function servePage(req: IncomingMessage, res: ServerResponse, vary?: string): void {
    send(req, res, {
      body: html,
      contentType: "text/html; charset=utf-8",
      etag: htmlEtag,
      cacheControl: REVALIDATE,
      ...(vary ? { vary } : {}),
    });
  }

  function serveAsset(req: IncomingMessage, res: ServerResponse, name: string, query: string): void {
    const asset = assets.get(name);
    if (!asset) {
      sendStatus(res, 404, "Not found");
      return;
    }
    const fingerprinted = new URLSearchParams(query).get("v") === asset.hash;
    const cacheControl = fingerprinted ? IMMUTABLE : REVALIDATE;
    if (acceptsGzip(req.headers["accept-encoding"])) {
      const etag = `"${asset.hash}-gzip"`;
      send(req, res, {
        body: asset.gzipped(),
        contentType: asset.contentType,
        etag,
        cacheControl,
        vary: "Accept-Encoding",
        contentEncoding: "gzip",
      });
      return;
    }
    send(req, res, {
      body: asset.body,
      contentType: asset.contentType,
      etag: `"${asset.hash}"`,
      cacheControl,
      vary: "Accept-Encoding",
    });
  }

  return {
    handle(req, res) {
      const url = req.url ?? "/";
      const queryStart = url.indexOf("?");
      // The raw path, deliberately not normalised or decoded: only exact allow-listed names ever match.
      const path = queryStart === -1 ? url : url.slice(0, queryStart);
      const query = queryStart === -1 ? "" : url.slice(queryStart + 1);
      const method = req.method ?? "GET";
      const readOnly = method === "GET" || method === "HEAD";

      if (path === GRAPHIQL_PATH || path === `${GRAPHIQL_PATH}/` || path.startsWith(ASSET_PREFIX)) {
        if (!readOnly) {
          sendStatus(res, 405, "Method not allowed", { allow: "GET, HEAD" });
        } else if (path.startsWith(ASSET_PREFIX)) {
          serveAsset(req, res, path.slice(ASSET_PREFIX.length), query);
        } else {
          servePage(req, res);
        }
        return true;
      }
      if (path === "/" && readOnly && prefersHtml(req.headers.accept)) {
        // A browser opening the server's root; other clients keep the server's own answer. The location is
        // always this origin's GraphiQL path: the query string is only ever appended after it.
        redirect(req, res, query === "" ? GRAPHIQL_PATH : `${GRAPHIQL_PATH}?${headerSafe(query)}`);
        return true;
      }
      if (path === options.graphqlPath && method === "GET" && prefersHtml(req.headers.accept)) {
        // Same URL, different representation per Accept: shared caches must keep them apart.
        servePage(req, res, "Accept");
        return true;
      }
      return false;
    },
  };
}
