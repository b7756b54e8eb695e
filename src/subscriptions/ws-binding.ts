import type { IncomingMessage } from "node:http";
import { CloseCode, handleProtocols, type Server } from "graphql-ws";
import type { Logger } from "pino";
import { WebSocket, WebSocketServer, type RawData } from "ws";
import { errorForLog } from "../log-fields";

const CLOSE_GOING_AWAY = 1001;

/** The largest message a client may send: a subscription document, as /graphql bounds request bodies. */
const MAX_MESSAGE_BYTES = 1024 * 1024;
/** How long closing connections may take at shutdown before their sockets are dropped. */
const CLOSE_HANDSHAKE_MS = 1_000;
/** A ping every this long; a connection whose pong does not come back within as long is dropped (graphql-ws's). */
const KEEP_ALIVE_MS = 12_000;
/**
 * Socket errors that mean the client went away (closed its end, reset, or the socket is already torn down):
 * expected, logged at debug, never as a server error.
 */
const CLIENT_GONE_CODES: ReadonlySet<string> = new Set([
  "EPIPE",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "ERR_STREAM_DESTROYED",
  "ERR_STREAM_WRITE_AFTER_END",
]);

/** What graphql-ws keeps of each socket (its Context's `extra`). */
export interface Extra {
  readonly socket: WebSocket;
  readonly request: IncomingMessage;
}

/** The WebSocket server the endpoint's upgrades are handed to (no server of its own: the HTTP server's port). */
export function createWebSocketServer(): WebSocketServer {
  return new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES, handleProtocols });
}

/**
 * graphql-ws's server on the connections of `wss`, as graphql-ws/use/ws binds it, with two differences: a
 * client that goes away mid-send is expected (logged at debug, the socket dropped, its subscriptions returned)
 * rather than an "internal error" of every subscription that was sending to it, and what does go wrong is logged
 * through the service's logger rather than the console.
 */
export function serveConnections(
  wss: WebSocketServer,
  server: Server<Extra>,
  options: { readonly logger: Logger; readonly production: boolean },
): void {
  const { logger } = options;
  wss.on("connection", (socket: WebSocket, request: IncomingMessage) => {
    // ws has already closed the socket with the fitting code (a frame too large, a malformed one).
    socket.once("error", (err) => logSocketError(logger, socket, err, "WebSocket protocol error"));
    let pongWait: NodeJS.Timeout | null = null;
    const keepAlive = setInterval(() => {
      if (socket.readyState !== WebSocket.OPEN) return;
      pongWait = setTimeout(() => socket.terminate(), KEEP_ALIVE_MS);
      pongWait.unref();
      socket.once("pong", () => {
        if (pongWait !== null) clearTimeout(pongWait);
        pongWait = null;
      });
      socket.ping();
    }, KEEP_ALIVE_MS);
    keepAlive.unref();
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) => sendTo(socket, data, logger),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on("message", (data) => {
            handle(messageText(data)).catch((err: unknown) => {
              if (socket.readyState !== WebSocket.OPEN) {
                return logSocketError(logger, socket, err, "WebSocket message after the client left");
              }
              logger.error({ err: errorForLog(err) }, "WebSocket message handling failed");
              const reason = options.production ? "Internal server error" : closeReason(err);
              socket.close(CloseCode.InternalServerError, reason);
            });
          }),
      },
      { socket, request },
    );
    socket.once("close", (code, reason) => {
      clearInterval(keepAlive);
      if (pongWait !== null) clearTimeout(pongWait);
      closed(code, reason.toString()).catch((err: unknown) =>
        logger.error({ err: errorForLog(err) }, "closing a WebSocket connection failed"),
      );
    });
  });
}

/**
 * Closes the open connections (1001 Going Away: clients reconnect, to another replica), their subscriptions with
 * them; sockets still open after a short close handshake are dropped, and then `wss` is closed.
 */
export async function closeConnections(wss: WebSocketServer): Promise<void> {
  const open = [...wss.clients];
  const closed = open.map((ws) => new Promise<void>((resolve) => ws.once("close", () => resolve())));
  for (const ws of open) ws.close(CLOSE_GOING_AWAY, "The server is shutting down; reconnect.");
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_HANDSHAKE_MS)));
  await Promise.race([Promise.all(closed), late]);
  clearTimeout(timer);
  for (const ws of wss.clients) ws.terminate();
  await new Promise<void>((resolve) => wss.close(() => resolve()));
}

/**
 * Sends one message. Never rejects: where the client has gone (the socket is no longer open, or the write
 * fails), there is nobody to tell, and the socket is dropped, which ends its subscriptions.
 */
export function sendTo(
  socket: Pick<WebSocket, "readyState" | "send" | "terminate">,
  data: string,
  logger: Logger,
): Promise<void> {
  return new Promise((resolve) => {
    if (socket.readyState !== WebSocket.OPEN) return resolve();
    socket.send(data, (err) => {
      if (err) {
        logSocketError(logger, socket, err, "WebSocket send failed");
        socket.terminate();
      }
      resolve();
    });
  });
}

/** A client going away is expected: debug; anything else about a socket: a warning, never an error of ours. */
function logSocketError(
  logger: Logger,
  socket: Pick<WebSocket, "readyState">,
  err: unknown,
  message: string,
): void {
  const code = typeof err === "object" && err !== null ? (err as { code?: unknown }).code : undefined;
  if (socket.readyState !== WebSocket.OPEN || (typeof code === "string" && CLIENT_GONE_CODES.has(code))) {
    logger.debug({ err: errorForLog(err) }, `${message}: client gone`);
  } else {
    logger.warn({ err: errorForLog(err) }, message);
  }
}

/** A message's text (graphql-transport-ws sends text frames; `ws` hands them over as bytes). */
function messageText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString("utf8");
  return Buffer.isBuffer(data) ? data.toString("utf8") : Buffer.from(data).toString("utf8");
}

/** A close reason is at most 123 bytes (RFC 6455): an error's message, cut. */
function closeReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  let reason = message.slice(0, 123);
  while (Buffer.byteLength(reason) > 123) reason = reason.slice(0, -1);
  return reason || "Internal server error";
}
