import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import {
  createSourceEventStream,
  execute,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  OperationTypeNode,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type ValidationRule,
} from "graphql";
import { CloseCode, handleProtocols, makeServer, type Server, type SubscribePayload } from "graphql-ws";
import type { Logger } from "pino";
import { WebSocket, WebSocketServer, type RawData } from "ws";
import { OPEN_ACCESS, type Access } from "../access/access";
import { createContext, type AppServices, type Context } from "../context";
import { AppError } from "../errors/app-error";
import { createFormatError, logMaskedErrors } from "../errors/format-error";
import type { CorsOrigins } from "../http/cors";
import { OperationScope } from "../http/operation-scope";
import { boundedText, errorForLog } from "../log-fields";
import type { ConnectionSubscriptions, SubscriptionLimits } from "./subscription-limits";
import type { TaskWatchHub } from "./task-watch-hub";

/** graphql-ws's close codes (its CloseCode enum), as the protocol's clients read them. */
export const CLOSE_UNAUTHORIZED = CloseCode.Unauthorized;
/**
 * RFC 6455's "Try Again Later": the caller holds as many connections as it may. graphql-ws clients retry it
 * with their back-off, as they should: a connection of theirs may close meanwhile.
 */
export const CLOSE_TRY_AGAIN_LATER = 1013;
/** A connection that held no subscription for the idle timeout: a normal closure; a lazy client reconnects. */
export const CLOSE_IDLE = 1000;
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

export interface SubscriptionEndpointOptions {
  readonly schema: GraphQLSchema;
  readonly services: AppServices;
  readonly hub: TaskWatchHub;
  /** The bounds on connections and subscriptions, and the idle timeout (SubscriptionLimits.settings). */
  readonly limits: SubscriptionLimits;
  /** The URL path of /graphql: WebSocket upgrades anywhere else are refused. */
  readonly path: string;
  /** Origins whose browser pages may call the API (PREFETCH_GRAPH_CORS_ORIGINS); the page's own always may. */
  readonly corsOrigins: CorsOrigins;
  /** Validation rules beyond the specification's, as /graphql applies them. */
  readonly validationRules: readonly ValidationRule[];
  /** Drop graphql-js's "Did you mean …?" hints, as /graphql does where introspection is off or in production. */
  readonly hideSchemaDetails: boolean;
  readonly production: boolean;
  /** Upstream calls the resolution of one event may cause (nested fields that need a look-up). */
  readonly maxUpstreamCallsPerOperation: number;
  /** After this long the pending upstream work of one event's resolution is cancelled, as an operation's. */
  readonly operationTimeoutMs: number;
  /** The caller's identity for fair shares and logs, as HTTP requests name it. */
  readonly callerOf: (req: IncomingMessage, access: Access | null) => string;
}

export interface SubscriptionEndpoint {
  /** Takes over an HTTP upgrade request of the server: refused with an HTTP status, or a WebSocket. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Open WebSocket connections. */
  readonly connections: number;
  /**
   * Refuses new connections and closes the open ones (1001 Going Away: clients reconnect, to another replica),
   * their subscriptions with them; sockets still open after a short close handshake are dropped.
   */
  close(): Promise<void>;
}

/** What graphql-ws keeps of each socket (its Context's `extra`). */
interface Extra {
  readonly socket: WebSocket;
  readonly request: IncomingMessage;
}

/** What one acknowledged connection may do and who it is, decided once from its connection_init. */
interface Connection {
  readonly access: Access;
  readonly caller: string;
  readonly subscriptions: ConnectionSubscriptions;
  /** Per subscription id: its release of the limits and its scope, until it completes. */
  readonly live: Map<string, { readonly release: () => void; readonly scope: OperationScope }>;
  /** Its count among the caller's connections. */
  readonly release: () => void;
  readonly socket: WebSocket;
  /** Closes the connection while it holds no subscription (PREFETCH_GRAPH_WS_IDLE_TIMEOUT_MS). */
  idle: NodeJS.Timeout | null;
}

/**
 * GraphQL over WebSocket (graphql-transport-ws, graphql-ws's server) on the HTTP server's own port and path:
 * subscriptions only (queries go over HTTP), checked as /graphql checks an HTTP request: the Origin of a
 * browser page against the CORS origins (browsers send no preflight for a WebSocket), the API key from
 * connection_init's payload (or the upgrade request's own header) against the keys, then the same validation
 * rules and error formatting. A refused key closes the connection with 4401, as HTTP answers 401.
 *
 * Bounded (SubscriptionLimits): connections per process (a further upgrade is answered 503) and per caller (a
 * further connection_init closes the connection with 1013), subscriptions per connection and per caller, watched
 * tasks per caller and per process (OPERATION_LIMIT_EXCEEDED, before the subscription is even parsed, or before
 * any task is polled), and a connection that holds no subscription for the idle timeout is closed.
 *
 * Each event is resolved as an operation of its own: a fresh scope (the operation's call cap and deadline) and
 * fresh DataLoaders, so that a nested field that needs a look-up sees the event's task, not the first one's.
 */
export function createSubscriptionEndpoint(options: SubscriptionEndpointOptions): SubscriptionEndpoint {
  const { services, schema, hub, limits } = options;
  const logger = services.logger;
  const formatError = createFormatError({ hideSchemaDetails: options.hideSchemaDetails });
  const rules = [...specifiedRules, ...options.validationRules];
  /** By graphql-ws's context of the connection, which lives as long as the connection. */
  const connections = new WeakMap<object, Connection>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES, handleProtocols });
  let closing = false;

  /** A refusal of the whole operation (its limits): an AppError with no path for format-error to unwrap it by. */
  const refusalOf = (error: GraphQLError): AppError | null =>
    error.path === undefined && error.originalError instanceof AppError ? error.originalError : null;
  const format = (errors: readonly GraphQLError[], log: Logger): GraphQLFormattedError[] => {
    logMaskedErrors(
      log,
      errors.filter((e) => refusalOf(e) === null),
    );
    return errors.map((error) => {
      const refusal = refusalOf(error);
      if (refusal === null) return formatError(error.toJSON(), error);
      return { message: refusal.message, extensions: { ...refusal.extensions, code: refusal.code } };
    });
  };

  const server = makeServer<Record<string, unknown>, Extra>({
    schema,
    subscribe: (args) => subscribeByEvent(args),
    onConnect(ctx) {
      const { request, socket } = ctx.extra;
      let access: Access = OPEN_ACCESS;
      if (services.apiKeys) {
        const auth = services.apiKeys.authenticate(presentedKey(ctx.connectionParams, request));
        if (!auth.ok) {
          socket.close(
            CLOSE_UNAUTHORIZED,
            auth.failure === "missing"
              ? 'An API key is required: send {"authorization": "Bearer <key>"} in connection_init.'
              : "The API key is not valid.",
          );
          return false;
        }
        access = auth.access;
      }
      const caller = options.callerOf(request, services.apiKeys ? access : null);
      let release: () => void;
      try {
        release = limits.acquireConnection(caller);
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        logger.info({ caller, code: err.code, ...err.extensions }, "WebSocket connection refused");
        // A close reason is at most 123 bytes: the bound, not the whole message.
        const max = limits.settings.connectionsPerCaller;
        socket.close(CLOSE_TRY_AGAIN_LATER, `Too many connections for this caller (at most ${max}).`);
        return false;
      }
      const connection: Connection = {
        access,
        caller,
        subscriptions: { active: 0 },
        live: new Map(),
        release,
        socket,
        idle: null,
      };
      connections.set(ctx, connection);
      armIdle(connection);
      return true;
    },
    onSubscribe(ctx, id, payload): ExecutionArgs | readonly GraphQLError[] {
      const connection = connections.get(ctx);
      if (connection === undefined)
        return [requestError("The connection is not initialised.", "BAD_REQUEST")];
      // The cheap bound first: a connection or caller at its bound costs no parse nor validation.
      let release: () => void;
      try {
        release = limits.acquire(connection.subscriptions, connection.caller);
      } catch (err) {
        if (err instanceof AppError) return [new GraphQLError(err.message, { originalError: err })];
        throw err;
      }
      let prepared: { document: DocumentNode } | readonly GraphQLError[];
      try {
        prepared = prepare(payload);
      } catch (err) {
        release();
        throw err;
      }
      if (!("document" in prepared)) {
        release();
        return prepared;
      }
      const requestId = randomUUID();
      const scope = new OperationScope({
        maxCalls: options.maxUpstreamCallsPerOperation,
        caller: connection.caller,
        deadlineMs: null,
        requestId,
      });
      connection.live.set(id, { release, scope });
      disarmIdle(connection);
      const context = subscriptionContext(requestId, scope, connection.access);
      context.logger.info(
        { operationName: boundedText(payload.operationName ?? "", 100) || null },
        "subscription started",
      );
      return {
        schema,
        document: prepared.document,
        ...(payload.operationName != null && { operationName: payload.operationName }),
        ...(payload.variables != null && { variableValues: payload.variables }),
        contextValue: context,
      };
    },
    onNext(_ctx, _id, _payload, args, result) {
      if (result.errors === undefined || result.errors.length === 0) return;
      const log = (args.contextValue as Context | undefined)?.logger ?? logger;
      return { ...result, errors: format(result.errors, log) };
    },
    onError(_ctx, _id, _payload, errors) {
      return format(errors, logger);
    },
    onComplete(ctx, id) {
      end(connections.get(ctx), id);
    },
    onClose(ctx) {
      const connection = connections.get(ctx);
      if (connection === undefined) return;
      connections.delete(ctx);
      disarmIdle(connection);
      for (const id of [...connection.live.keys()]) end(connection, id);
      connection.release();
    },
  });
  serveConnections(wss, server, { logger, production: options.production });

  /** A subscription over: its limits released, whatever of it still runs stopped. */
  function end(connection: Connection | undefined, id: string): void {
    const live = connection?.live.get(id);
    if (connection === undefined || live === undefined) return;
    connection.live.delete(id);
    live.release();
    live.scope.finish();
    logger.info({ requestId: live.scope.requestId, caller: connection.caller }, "subscription ended");
    if (connection.live.size === 0) armIdle(connection);
  }

  /** From now on, the connection closes unless a subscription starts within the idle timeout. */
  function armIdle(connection: Connection): void {
    disarmIdle(connection);
    const ms = limits.settings.idleTimeoutMs;
    connection.idle = setTimeout(() => {
      connection.idle = null;
      if (connection.live.size > 0) return;
      logger.debug({ caller: connection.caller, idleMs: ms }, "idle WebSocket connection closed");
      connection.socket.close(CLOSE_IDLE, `No subscription for ${ms} ms: closed as idle.`);
    }, ms);
    connection.idle.unref();
  }

  function disarmIdle(connection: Connection): void {
    if (connection.idle !== null) clearTimeout(connection.idle);
    connection.idle = null;
  }

  /**
   * The context the subscription's `subscribe` runs with: its caller, its access, its requestId, and the task
   * pollers; its scope lasts as long as the subscription (and releases what the subscription holds when it ends).
   */
  function subscriptionContext(requestId: string, scope: OperationScope, access: Access): Context {
    return { ...createContext(services, requestId, scope, access), taskWatch: hub };
  }

  /**
   * graphql-js's subscribe, except that each event is executed with a context of its own: a fresh scope (the
   * operation's call cap and deadline, aborted with the subscription's) and fresh loaders, under the
   * subscription's requestId, caller and access, and a clock read when the event is sent.
   */
  async function subscribeByEvent(
    args: ExecutionArgs,
  ): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
    const stream = await createSourceEventStream(args);
    if (!(Symbol.asyncIterator in stream)) return stream;
    const session = args.contextValue as Context;
    return mapEvents(stream, async (event) => {
      const scope = new OperationScope({
        maxCalls: options.maxUpstreamCallsPerOperation,
        caller: session.scope.caller,
        deadlineMs: options.operationTimeoutMs,
        requestId: session.requestId,
      });
      const stop = (): void => scope.abort("client-gone");
      session.scope.signal.addEventListener("abort", stop, { once: true });
      try {
        return await execute({
          ...args,
          rootValue: event,
          contextValue: subscriptionContext(session.requestId, scope, session.access),
        });
      } finally {
        session.scope.signal.removeEventListener("abort", stop);
        scope.finish();
      }
    });
  }

  /** The parsed, validated subscription of a subscribe message, or what is wrong with it. */
  function prepare(payload: SubscribePayload): { document: DocumentNode } | readonly GraphQLError[] {
    let document: DocumentNode;
    try {
      document = parse(payload.query);
    } catch (err) {
      if (err instanceof GraphQLError) return [withCode(err, "GRAPHQL_PARSE_FAILED")];
      throw err;
    }
    const invalid = validate(schema, document, rules);
    if (invalid.length > 0) return invalid.map((e) => withCode(e, "GRAPHQL_VALIDATION_FAILED"));
    const operation = getOperationAST(document, payload.operationName);
    if (operation == null) {
      return [requestError("Pass operationName to choose one of the document's operations.", "BAD_REQUEST")];
    }
    if (operation.operation !== OperationTypeNode.SUBSCRIPTION) {
      return [
        requestError(
          "Only subscriptions are served over WebSocket: send queries to the same URL over HTTP.",
          "BAD_REQUEST",
        ),
      ];
    }
    const variables = getVariableValues(schema, operation.variableDefinitions ?? [], payload.variables ?? {});
    if (variables.errors !== undefined) return variables.errors.map((e) => withCode(e, "BAD_USER_INPUT"));
    return { document };
  }

  return {
    get connections() {
      return wss.clients.size;
    },
    handleUpgrade(req, socket, head) {
      if (closing)
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
    },
    async close() {
      closing = true;
      const open = [...wss.clients];
      const closed = open.map((ws) => new Promise<void>((resolve) => ws.once("close", () => resolve())));
      for (const ws of open) ws.close(CLOSE_GOING_AWAY, "The server is shutting down; reconnect.");
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_HANDSHAKE_MS)));
      await Promise.race([Promise.all(closed), late]);
      clearTimeout(timer);
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/**
 * graphql-ws's server on the connections of `wss`, as graphql-ws/use/ws binds it, with two differences: a
 * client that goes away mid-send is expected (logged at debug, the socket dropped, its subscriptions returned)
 * rather than an "internal error" of every subscription that was sending to it, and what does go wrong is logged
 * through the service's logger rather than the console.
 */
function serveConnections(
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

/**
 * graphql-js's mapping of a source event stream to its results (as its subscribe does): each event through
 * `run`, one at a time; returning or throwing returns the source, so that its watching stops at once.
 */
function mapEvents<T>(
  source: AsyncIterable<unknown>,
  run: (event: unknown) => Promise<T>,
): AsyncIterableIterator<T> {
  const iterator = source[Symbol.asyncIterator]();
  const done = async (): Promise<IteratorResult<T>> => {
    await iterator.return?.();
    return { value: undefined, done: true };
  };
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      const step = await iterator.next();
      if (step.done === true) return { value: undefined, done: true };
      try {
        return { value: await run(step.value), done: false };
      } catch (err) {
        await iterator.return?.();
        throw err;
      }
    },
    return: done,
    async throw(error: unknown) {
      await done();
      throw error instanceof Error ? error : new Error(String(error));
    },
  };
}

/**
 * The API key a connection presents, as an HTTP request's `authorization` header: `authorization` in the
 * connection_init payload (any case), else `token` there (what Apollo Router sends its subgraphs: the client's
 * propagated Authorization header), else the upgrade request's own `authorization` header.
 */
export function presentedKey(
  params: Readonly<Record<string, unknown>> | undefined,
  request: IncomingMessage,
): string | undefined {
  if (params !== undefined) {
    for (const [name, value] of Object.entries(params)) {
      if (name.toLowerCase() === "authorization" && typeof value === "string") return value;
    }
    if (typeof params.token === "string") return params.token;
  }
  return request.headers.authorization;
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

function requestError(message: string, code: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code } });
}

/** graphql-js's own request errors carry no code; Apollo gives them these, and so does this endpoint. */
function withCode(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, {
    ...(error.nodes && { nodes: error.nodes }),
    ...(error.source && { source: error.source }),
    ...(error.positions && { positions: error.positions }),
    extensions: { ...error.extensions, code },
  });
}
