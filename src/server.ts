import { randomUUID } from "node:crypto";
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { ApolloServer, HeaderMap, type HTTPGraphQLRequest } from "@apollo/server";
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from "@apollo/server/plugin/disabled";
import { GraphQLError, type GraphQLSchema } from "graphql";
import { OPEN_ACCESS, type Access } from "./access/access";
import type { AuthenticationFailure } from "./access/api-keys";
import { createContext, type AppServices, type Context } from "./context";
import { fieldErrorsPlugin } from "./errors/field-errors.plugin";
import { createFormatError } from "./errors/format-error";
import { boundedText } from "./log-fields";
import { operationLimitRules } from "./graphql/operation-limits";
import { answerOptions, corsResponseHeaders, type CorsOrigins } from "./http/cors";
import { OperationScope } from "./http/operation-scope";
import { parseTraceparent } from "./http/traceparent";
import type { AppMetrics } from "./metrics/app-metrics";
import { operationMetricsPlugin } from "./metrics/operation-metrics.plugin";
import { operationLogPlugin } from "./operation-log.plugin";
import { subscriptionsOverHttpRefused } from "./subscriptions/http-subscription-guard.plugin";
import type { SubscriptionLimits } from "./subscriptions/subscription-limits";
import type { TaskWatchHub } from "./subscriptions/task-watch-hub";
import { createSubscriptionEndpoint } from "./subscriptions/ws-endpoint";

export const GRAPHQL_PATH = "/graphql";
const MAX_BODY_BYTES = 1024 * 1024;

/** Serves the offline GraphiQL page; see src/landing. */
export interface LandingHandler {
  handle(req: IncomingMessage, res: ServerResponse): boolean;
}

export interface ServerOptions {
  readonly schema: GraphQLSchema;
  readonly services: AppServices;
  readonly introspection: boolean;
  /** Whether a router may ask for federated traces (ftv1); off: the inline trace plugin is not installed. */
  readonly federatedTracing?: boolean;
  /** NODE_ENV=production: error messages never carry schema hints, whatever introspection says. */
  readonly production?: boolean;
  /** Upstream calls one operation may cause, whatever its shape. */
  readonly maxUpstreamCallsPerOperation: number;
  /** After this long an operation's pending upstream work is cancelled (UPSTREAM_TIMEOUT on its fields). */
  readonly operationTimeoutMs: number;
  /** Absent when GraphiQL is off. */
  readonly landing?: LandingHandler;
  /** Served at /metrics and fed by the operations; absent: no /metrics. */
  readonly metrics?: AppMetrics;
  /** Origins whose browser pages may call /graphql (CORS); none when absent. */
  readonly corsOrigins?: CorsOrigins;
  /** Subscriptions over WebSocket on /graphql (src/subscriptions); absent: upgrades are refused. */
  readonly subscriptions?: { readonly hub: TaskWatchHub; readonly limits: SubscriptionLimits };
}

export interface AppServer {
  readonly http: Server;
  readonly apollo: ApolloServer<Context>;
  listen(port: number, host?: string): Promise<AddressInfo>;
  /**
   * Pre-stop: /readyz answers 503 and every response from now on carries `connection: close`, while requests are
   * still served, so that load balancers and keep-alive clients move on before the listener closes.
   */
  leaveRotation(): void;
  /**
   * Closes the listener and idle connections, answers requests that still arrive on open connections with 503,
   * lets in-flight operations finish for up to graceMs, then closes what is left and stops Apollo.
   */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Apollo Server behind a plain node:http server (no framework): /graphql, the landing page, /healthz and
 * /readyz. No listen here, so tests and main.ts share the same construction.
 */
export async function createServer(options: ServerOptions): Promise<AppServer> {
  const { services } = options;
  const logger = services.logger;
  const hideSchemaDetails = !options.introspection || options.production === true;
  const apollo = new ApolloServer<Context>({
    schema: options.schema,
    introspection: options.introspection,
    includeStacktraceInErrorResponses: false,
    // "Did you mean …?" names fields, arguments and enum values the client did not ask about. Hidden in production
    // and wherever introspection is off, since then it is the only way to map the schema from outside; in
    // development with introspection on the schema is public anyway, and the hints help whoever explores it.
    hideSchemaDetailsFromClientErrors: hideSchemaDetails,
    formatError: createFormatError({ hideSchemaDetails }),
    csrfPrevention: true,
    // main.ts owns SIGTERM/SIGINT and stops the whole app (HTTP, upstream pools, Redis, sandbox) in order; a
    // second set of handlers inside Apollo raced it and left the process running.
    stopOnTerminationSignals: false,
    validationRules: operationLimitRules(),
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      // The service sets no cache hints: Apollo's cache-control plugin would only wrap every field resolution to
      // compute "no-store", which /graphql responses carry anyway (set below).
      ApolloServerPluginCacheControlDisabled(),
      ...(options.federatedTracing ? [] : [ApolloServerPluginInlineTraceDisabled()]),
      // Before the plugins that read a response's errors: a merged feed's per-account errors are added here.
      fieldErrorsPlugin(),
      operationLogPlugin(),
      subscriptionsOverHttpRefused(),
      ...(options.metrics ? [operationMetricsPlugin(options.metrics)] : []),
    ],
    // Apollo's own messages may quote the request (an operation name, a header): bounded like every client string.
    logger: {
      debug: (m: unknown) => logger.debug(boundedText(String(m), 1_000)),
      info: (m: unknown) => logger.info(boundedText(String(m), 1_000)),
      warn: (m: unknown) => logger.warn(boundedText(String(m), 1_000)),
      error: (m: unknown) => logger.error(boundedText(String(m), 1_000)),
    },
  });
  await apollo.start();

  // leaving: out of rotation (/readyz 503, connection: close), still serving. draining: the listener is closed
  // and only the requests in `inFlight` are still served.
  let leaving = false;
  let draining = false;
  const inFlight = new Set<ServerResponse>();
  let idle: (() => void) | null = null;

  const http = createHttpServer((req, res) => {
    // A request on a connection accepted before the listener closed. Refused before it reaches Apollo: once the
    // drain ends Apollo stops, and an operation started then would answer 500.
    // CORS grants first, so that a browser client can read every answer: a 503 while draining, a 500, a 401.
    // A preflight (OPTIONS) gets its own grant in handle().
    if (req.method !== "OPTIONS") {
      for (const [name, value] of Object.entries(
        corsResponseHeaders(options.corsOrigins ?? [], req.headers),
      )) {
        res.setHeader(name, value);
      }
    }
    if (draining) return refuseWhileDraining(req, res);
    if (leaving) res.setHeader("connection", "close");
    inFlight.add(res);
    res.on("close", () => {
      inFlight.delete(res);
      if (inFlight.size === 0) idle?.();
    });
    handle(req, res).catch((err: unknown) => {
      logger.error({ err }, "request failed");
      if (!res.headersSent) sendJson(res, 500, { error: "internal server error" });
      else res.destroy();
    });
  });
  // GraphQL over WebSocket on the same port and path: the upgrade requests of /graphql.
  const subscriptions =
    options.subscriptions &&
    createSubscriptionEndpoint({
      schema: options.schema,
      services,
      hub: options.subscriptions.hub,
      limits: options.subscriptions.limits,
      path: GRAPHQL_PATH,
      corsOrigins: options.corsOrigins ?? [],
      validationRules: operationLimitRules(),
      hideSchemaDetails,
      production: options.production === true,
      maxUpstreamCallsPerOperation: options.maxUpstreamCallsPerOperation,
      operationTimeoutMs: options.operationTimeoutMs,
      callerOf,
    });
  if (subscriptions)
    http.on("upgrade", (req, socket, head) => subscriptions.handleUpgrade(req, socket, head));
  http.keepAliveTimeout = 5_000;
  http.headersTimeout = 10_000;
  http.requestTimeout = 60_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname === "/healthz") return sendJson(res, 200, { status: "ok" });
    if (url.pathname === "/readyz") return sendJson(res, leaving ? 503 : 200, readiness(services, leaving));
    // An operator endpoint: keep it off the public route (README, "Deploying"). It names accounts and operations,
    // so with access control on it takes any valid API key (Prometheus sends one as a bearer token).
    if (url.pathname === "/metrics" && options.metrics) {
      if (services.apiKeys && !services.apiKeys.authenticate(req.headers.authorization).ok) {
        res.setHeader("www-authenticate", 'Bearer realm="prefetch-graph"');
        return sendJson(res, 401, { error: "an API key is required" });
      }
      return sendMetrics(res, options.metrics);
    }
    if (options.landing?.handle(req, res)) return;
    if (url.pathname !== GRAPHQL_PATH) return sendJson(res, 404, { error: "not found" });
    // CORS before the API key check: a browser's preflight never carries the key (src/http/cors.ts).
    const corsOrigins = options.corsOrigins ?? [];
    if (req.method === "OPTIONS") {
      req.resume();
      const answer = answerOptions(corsOrigins, req.headers);
      for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
      if (answer.body) return sendJson(res, answer.status, answer.body);
      res.writeHead(answer.status).end();
      return;
    }

    const requestId = validRequestId(req.headers["x-request-id"]) ?? randomUUID();
    res.setHeader("x-request-id", requestId);
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
    }
    let body: unknown;
    if (req.method === "POST") {
      const contentType = req.headers["content-type"] ?? "";
      const json = /^application\/(graphql-response\+)?json\b/i.test(contentType);
      // JSON on the wire is UTF-8 (RFC 8259 §8.1); decoding another declared charset as UTF-8 would garble it.
      if (json && !declaresUtf8(contentType)) {
        return sendJson(res, 415, badRequest("JSON request bodies must be UTF-8 (charset=utf-8)"));
      }
      const raw = await readBody(req);
      if (raw === null) return sendJson(res, 413, badRequest("Request body too large"));
      if (json) {
        try {
          body = raw.length === 0 ? undefined : JSON.parse(raw);
        } catch {
          return sendJson(res, 400, badRequest("The request body is not valid JSON"));
        }
      }
    }
    const httpGraphQLRequest: HTTPGraphQLRequest = {
      method: req.method ?? "GET",
      headers,
      search: url.search,
      body,
    };
    // Decided once per request, before Apollo parses anything: every field of the operation sees the same access.
    const auth = services.apiKeys
      ? services.apiKeys.authenticate(req.headers.authorization)
      : { ok: true as const, access: OPEN_ACCESS };
    const scope = new OperationScope({
      maxCalls: options.maxUpstreamCallsPerOperation,
      caller: callerOf(req, auth.ok ? auth.access : null),
      deadlineMs: options.operationTimeoutMs,
      requestId,
      trace: parseTraceparent(req.headers.traceparent),
    });
    // A client that hangs up before its answer stops the operation's remaining upstream calls.
    res.once("close", () => {
      if (!res.writableFinished) scope.abort("client-gone");
    });
    let response;
    try {
      response = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest,
        // A refused request fails in context creation: no resolver runs and no provider is asked.
        context: () =>
          auth.ok
            ? Promise.resolve(createContext(services, requestId, scope, auth.access))
            : Promise.reject(unauthenticated(auth.failure)),
      });
    } finally {
      scope.finish();
    }
    // Answers are per caller and change while tasks run: no shared cache may keep them (sendJson's refusals
    // say the same).
    res.setHeader("cache-control", "no-store");
    for (const [name, value] of response.headers) res.setHeader(name, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === "complete") {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  }

  function leaveRotation(): void {
    if (leaving) return;
    leaving = true;
    // Responses whose headers are not written yet close their connection too.
    for (const res of inFlight) if (!res.headersSent) res.setHeader("connection", "close");
  }

  return {
    http,
    apollo,
    listen: (port, host = "127.0.0.1") =>
      new Promise<AddressInfo>((resolve, reject) => {
        http.once("error", reject);
        http.listen(port, host, () => {
          http.off("error", reject);
          resolve(http.address() as AddressInfo);
        });
      }),
    leaveRotation,
    async stop(graceMs = 10_000) {
      leaveRotation();
      draining = true;
      // Subscriptions never end on their own: their connections close now (clients reconnect elsewhere).
      const subscriptionsClosed = subscriptions?.close();
      // Idle keep-alive connections go now; busy ones end after their response (connection: close).
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeIdleConnections();
      const drained = new Promise<boolean>((resolve) => {
        if (inFlight.size === 0) resolve(true);
        else idle = () => resolve(true);
      });
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), graceMs)));
      const inTime = await Promise.race([drained, late]);
      clearTimeout(timer);
      if (!inTime) {
        logger.warn(
          { requests: inFlight.size, graceMs },
          "shutdown grace period over: closing the connections of requests still in flight",
        );
      }
      http.closeAllConnections();
      await closed;
      await subscriptionsClosed;
      await apollo.stop();
    },
  };
}

function readiness(services: AppServices, draining: boolean): object {
  return {
    status: draining ? "draining" : "ready",
    // Both are done before the server exists (a bad config exits at start-up), so a /readyz that answers has them.
    config: "loaded",
    schema: "built",
    // Down is not unready: every replica keeps serving on its own state (README, "Several replicas").
    ...(services.redis && {
      redis: {
        ...services.redis.status(),
        ...(!services.redis.available && { note: "unreachable: budgets and caches are per process" }),
      },
    }),
    accounts: services.registry.providers.map((p) => {
      const last = p.lastOutcome();
      return {
        provider: p.kind,
        account: p.account.name,
        sandbox: p.account.sandbox,
        lastCall: last
          ? { at: last.at.toISOString(), ok: last.ok, ...(last.code ? { code: last.code } : {}) }
          : null,
      };
    }),
  };
}

/** 503 and `connection: close`: the client may retry at once, on a new connection, with another replica. */
function refuseWhileDraining(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  res.setHeader("connection", "close");
  res.setHeader("retry-after", "1");
  sendJson(res, 503, {
    errors: [
      { message: "The server is shutting down; retry the request", extensions: { code: "SHUTTING_DOWN" } },
    ],
  });
}

async function sendMetrics(res: ServerResponse, metrics: AppMetrics): Promise<void> {
  const { contentType, body } = await metrics.render();
  res.writeHead(200, {
    "content-type": contentType,
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-store",
  });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
  });
  res.end(text);
}

function badRequest(message: string): object {
  return { errors: [{ message, extensions: { code: "BAD_REQUEST" } }] };
}

/** No charset parameter means UTF-8 (GraphQL over HTTP); any other declared charset is refused. */
function declaresUtf8(contentType: string): boolean {
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(contentType)?.[1]?.toLowerCase();
  return charset === undefined || charset === "utf-8" || charset === "utf8";
}

/**
 * The body as text, or null once it would pass MAX_BODY_BYTES. The rest of an oversized body is left to flow
 * and be discarded (bounded by requestTimeout), never destroyed mid-stream: that left the keep-alive
 * connection wedged, so the client's next request on it hung until the connection was reset.
 */
function readBody(req: IncomingMessage): Promise<string | null> {
  if (Number(req.headers["content-length"]) > MAX_BODY_BYTES) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) {
        chunks.push(chunk);
        return;
      }
      chunks.length = 0;
      req.off("data", onData);
      req.resume();
      resolve(null);
    };
    req.on("data", onData);
    req.once("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.once("error", reject);
    // After "end" (or the 413) this settles nothing; before it, the client went away mid-body.
    req.once("close", () => reject(new Error("the client closed the request before its body ended")));
  });
}

/** The caller's identity for fair shares and logs: the API key's name, else the peer address. */
function callerOf(req: IncomingMessage, access: Access | null): string {
  if (access?.keyName != null) return `key:${access.keyName}`;
  return `ip:${req.socket.remoteAddress ?? "unknown"}`;
}

/** HTTP 401 with a Bearer challenge (RFC 6750); the message never says which keys exist. */
function unauthenticated(failure: AuthenticationFailure): GraphQLError {
  return new GraphQLError(
    failure === "missing"
      ? "This API needs an API key: send the header authorization: Bearer <key>."
      : "The API key is not valid.",
    {
      extensions: {
        code: "UNAUTHENTICATED",
        http: {
          status: 401,
          headers: new HeaderMap([["www-authenticate", 'Bearer realm="prefetch-graph"']]),
        },
      },
    },
  );
}

function validRequestId(value: string | string[] | undefined): string | null {
  const v = Array.isArray(value) ? value[0] : value;
  return v !== undefined && /^[A-Za-z0-9._-]{1,128}$/.test(v) ? v : null;
}
