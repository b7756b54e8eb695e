import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import type { WebSocket, WebSocketServer } from "ws";
import { AppError } from "../errors/app-error";
import type { CorsOrigins } from "../http/cors";
import type { SubscriptionLimits } from "./subscription-limits";

export interface UpgradeOptions {
  /** The URL path of /graphql: WebSocket upgrades anywhere else are refused. */
  readonly path: string;
  /** Origins whose browser pages may call the API (PREFETCH_GRAPH_CORS_ORIGINS); the page's own always may. */
  readonly corsOrigins: CorsOrigins;
  readonly limits: SubscriptionLimits;
  readonly logger: Logger;
  readonly wss: WebSocketServer;
  /** Whether the endpoint is shutting down: every upgrade is then refused. */
  readonly closing: () => boolean;
}

/**
 * Takes over an HTTP upgrade request of the server: refused with an HTTP status (shutting down, another path, a
 * browser page of a foreign origin, the process at its connection bound), or handed to `wss` as a WebSocket.
 */
export function createUpgradeHandler(
  options: UpgradeOptions,
): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  const { limits, logger, wss } = options;
  return (req, socket, head) => {
    if (options.closing())
      return refuseUpgrade(socket, 503, "SHUTTING_DOWN", "The server is shutting down; reconnect.");
    if (new URL(req.url ?? "/", "http://localhost").pathname !== options.path) {
      return refuseUpgrade(socket, 404, "NOT_FOUND", "Not found.");
    }
    if (!originAllowed(req, options.corsOrigins)) {
      return refuseUpgrade(
        socket,
        403,
        "CORS_ORIGIN_NOT_ALLOWED",
        "This origin may not call the API from a browser (see PREFETCH_GRAPH_CORS_ORIGINS; behind a proxy that rewrites Host without X-Forwarded-Host, list the public origin there).",
      );
    }
    let release: () => void;
    try {
      release = limits.admitConnection();
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      logger.warn({ code: err.code, ...err.extensions }, "WebSocket upgrade refused");
      return refuseUpgrade(socket, 503, err.code, err.message, err.extensions);
    }
    // The raw socket closes however the connection ends, its handshake failing included.
    socket.once("close", release);
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => wss.emit("connection", ws, req));
  };
}

/**
 * Browsers send no preflight for a WebSocket, so the Origin is checked here: a page of this server's own origin
 * (GraphiQL) or of a configured CORS origin may connect; clients that send no Origin (servers, routers) are
 * not browsers and are let through to the API key check.
 *
 * The server's own origin is its Host, or the host a proxy in front of it names (X-Forwarded-Host, Forwarded's
 * host=) where the proxy rewrote Host: a browser sets no header of a WebSocket handshake, so on a browser's
 * upgrade these come from a proxy or not at all, and a client that can forge them is no browser (it could as well
 * send no Origin). A proxy that rewrites Host and names no original host: list the public origin in
 * PREFETCH_GRAPH_CORS_ORIGINS.
 */
export function originAllowed(req: IncomingMessage, origins: CorsOrigins): boolean {
  const origin = req.headers.origin;
  if (origin === undefined || origins === "*") return true;
  if (origins.includes(origin)) return true;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return false; // "null" (a sandboxed or file page) and other non-URLs
  }
  return [req.headers.host, forwardedHost(req)].some(
    (own) => own !== undefined && own !== null && own.toLowerCase() === host,
  );
}

/** The original Host a proxy names: X-Forwarded-Host's first entry, else Forwarded's first host=; or null. */
function forwardedHost(req: IncomingMessage): string | null {
  const xfh = req.headers["x-forwarded-host"];
  const first = (Array.isArray(xfh) ? xfh[0] : xfh)?.split(",")[0]?.trim();
  if (first) return first;
  const forwarded = req.headers.forwarded?.split(",")[0];
  const match = forwarded && /(?:^|;)\s*host="?([^";]+)"?/i.exec(forwarded);
  return match ? (match[1] ?? null) : null;
}

function refuseUpgrade(
  socket: Duplex,
  status: number,
  code: string,
  message: string,
  extensions: Readonly<Record<string, unknown>> = {},
): void {
  const body = JSON.stringify({ errors: [{ message, extensions: { ...extensions, code } }] });
  const reason = { 403: "Forbidden", 404: "Not Found", 503: "Service Unavailable" }[status] ?? "Error";
  socket.once("finish", () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\n` +
      "content-type: application/json; charset=utf-8\r\n" +
      `content-length: ${Buffer.byteLength(body)}\r\n` +
      "cache-control: no-store\r\n" +
      "connection: close\r\n\r\n" +
      body,
  );
}
