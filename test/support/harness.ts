import "reflect-metadata";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print, type GraphQLSchema } from "graphql";
import pino, { type Logger } from "pino";
import { request } from "undici";
import { createApp, type App } from "../../src/app";
import { loadConfig } from "../../src/config/load-config";
import type { SandboxOptions } from "../../src/sandbox";
import type { Scheduler } from "../../src/subscriptions/scheduler";
import { buildAppSchema } from "../../src/schema";

export interface GraphQLResponse<TData> {
  status: number;
  data?: TData | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

export interface TestServer {
  readonly app: App;
  readonly url: string;
  readonly sandbox: NonNullable<App["sandbox"]>;
  gql<TData, TVars>(
    document: TypedDocumentNode<TData, TVars>,
    variables?: TVars,
  ): Promise<GraphQLResponse<TData>>;
  close(): Promise<void>;
}

let schema: Promise<GraphQLSchema> | null = null;

/**
 * The real server and the sandbox providers on loopback ports, spoken to over HTTP. `env` is what the
 * process environment would hold; by default none of the provider variables, so the sandbox serves.
 */
export async function startTestServer(
  options: {
    env?: Record<string, string>;
    sandbox?: SandboxOptions;
    rateLimitMaxWaitMs?: number;
    /** The server's clock (defaults, durations); the sandbox keeps real time. */
    clock?: () => Date;
    /** Where the server logs; silent by default (TEST_LOG_LEVEL turns it on). */
    logger?: Logger;
    /** The clock and timers of the task pollers behind subscriptions (test/support/manual-scheduler.ts). */
    pollScheduler?: Scheduler;
  } = {},
): Promise<TestServer> {
  const config = loadConfig({
    PREFETCH_GRAPH_CURSOR_SECRET: "integration-tests-cursor-secret-0123456789",
    PREFETCH_GRAPH_UPSTREAM_TIMEOUT_MS: "1500",
    PREFETCH_GRAPH_SHUTDOWN_GRACE_MS: "2000",
    // Each test measures its own calls: no list page or unfinished task reused from an earlier test. Final
    // tasks are reused whatever this says; the reuse tests set their own freshness.
    PREFETCH_GRAPH_FRESHNESS_MS: "0",
    ...options.env,
  });
  const app = await createApp(config, {
    logger: options.logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" }),
    // The schema is built once for the default configuration; a configuration that shapes it builds its own.
    schema: await (config.nodeFields
      ? (schema ??= buildAppSchema())
      : buildAppSchema({ nodeFields: config.nodeFields })),
    ...(options.sandbox ? { sandbox: options.sandbox } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.pollScheduler ? { pollScheduler: options.pollScheduler } : {}),
    ...(options.rateLimitMaxWaitMs !== undefined ? { rateLimitMaxWaitMs: options.rateLimitMaxWaitMs } : {}),
  });
  const address = await app.server.listen(0, "127.0.0.1");
  const url = `http://127.0.0.1:${address.port}/graphql`;
  if (!app.sandbox) throw new Error("the test server expects the sandbox to serve");
  return {
    app,
    url,
    sandbox: app.sandbox,
    async gql<TData, TVars>(document: TypedDocumentNode<TData, TVars>, variables?: TVars) {
      return postGraphQL<TData>(url, { query: print(document), variables });
    },
    close: () => app.close(),
  };
}

export async function postGraphQL<TData>(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<TData>> {
  const res = await request(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/graphql-response+json, application/json",
      ...headers,
    },
    body: JSON.stringify(body),
  });
  const json = (await res.body.json()) as Omit<GraphQLResponse<TData>, "status">;
  return { status: res.statusCode, ...json };
}

/** The sandbox's seeded data are anchored at start-up; windows in tests are relative to that anchor. */
export function daysBefore(anchor: Date, days: number): Date {
  return new Date(anchor.getTime() - days * 86_400_000);
}
