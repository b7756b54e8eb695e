import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import {
  specifiedRules,
  type DocumentNode,
  type ExecutionArgs,
  type GraphQLError,
  type GraphQLSchema,
  type ValidationRule,
} from "graphql";
import { makeServer } from "graphql-ws";
import { OPEN_ACCESS, type Access } from "../access/access";
import type { AppServices, Context } from "../context";
import type { CorsOrigins } from "../http/cors";
import { OperationScope } from "../http/operation-scope";
import { boundedText } from "../log-fields";
import { closeConnections, createWebSocketServer, serveConnections, type Extra } from "./ws-binding";
import { createConnectionLifecycle, type Connection } from "./ws-connections";
import { authenticateConnection } from "./ws-credentials";
import { createUpgradeHandler } from "./ws-upgrade";
import { subscribeByEvent, subscriptionContext, type SubscriptionExecution } from "./subscription-execution";
import type { SubscriptionLimits } from "./subscription-limits";
import {
  acquireSubscription,
  createSubscriptionErrorFormat,
  prepare,
  requestError,
} from "./subscription-validation";
import type { TaskWatchHub } from "./task-watch-hub";

export { sendTo } from "./ws-binding";
export { CLOSE_IDLE, CLOSE_TRY_AGAIN_LATER } from "./ws-connections";
export { CLOSE_UNAUTHORIZED, presentedKey } from "./ws-credentials";
export { originAllowed } from "./ws-upgrade";

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
  const format = createSubscriptionErrorFormat({ hideSchemaDetails: options.hideSchemaDetails });
  const rules = [...specifiedRules, ...options.validationRules];
  const execution: SubscriptionExecution = {
    services,
    hub,
    maxUpstreamCallsPerOperation: options.maxUpstreamCallsPerOperation,
    operationTimeoutMs: options.operationTimeoutMs,
  };
  const lifecycle = createConnectionLifecycle({ limits, logger });
  /** By graphql-ws's context of the connection, which lives as long as the connection. */
  const connections = new WeakMap<object, Connection>();
  const wss = createWebSocketServer();
  let closing = false;

  const server = makeServer<Record<string, unknown>, Extra>({
    schema,
    subscribe: (args) => subscribeByEvent(execution, args),
    onConnect(ctx) {
      const { request, socket } = ctx.extra;
      let access: Access = OPEN_ACCESS;
      if (services.apiKeys) {
        const authenticated = authenticateConnection(services.apiKeys, ctx.connectionParams, request, socket);
        if (authenticated === null) return false;
        access = authenticated;
      }
      const caller = options.callerOf(request, services.apiKeys ? access : null);
      const release = lifecycle.acquire(caller, socket);
      if (release === null) return false;
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
      lifecycle.armIdle(connection);
      return true;
    },
    onSubscribe(ctx, id, payload): ExecutionArgs | readonly GraphQLError[] {
      const connection = connections.get(ctx);
      if (connection === undefined)
        return [requestError("The connection is not initialised.", "BAD_REQUEST")];
      // The cheap bound first: a connection or caller at its bound costs no parse nor validation.
      const release = acquireSubscription(limits, connection.subscriptions, connection.caller);
      if (typeof release !== "function") return release;
      let prepared: { document: DocumentNode } | readonly GraphQLError[];
      try {
        prepared = prepare(schema, rules, payload);
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
      lifecycle.disarmIdle(connection);
      const context = subscriptionContext(execution, requestId, scope, connection.access);
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
      lifecycle.end(connections.get(ctx), id);
    },
    onClose(ctx) {
      const connection = connections.get(ctx);
      if (connection === undefined) return;
      connections.delete(ctx);
      lifecycle.disarmIdle(connection);
      for (const id of [...connection.live.keys()]) lifecycle.end(connection, id);
      connection.release();
    },
  });
  serveConnections(wss, server, { logger, production: options.production });

  return {
    get connections() {
      return wss.clients.size;
    },
    handleUpgrade: createUpgradeHandler({
      path: options.path,
      corsOrigins: options.corsOrigins,
      limits,
      logger,
      wss,
      closing: () => closing,
    }),
    async close() {
      closing = true;
      await closeConnections(wss);
    },
  };
}
