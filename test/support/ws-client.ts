import type { FormattedExecutionResult } from "graphql";
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";

/** The ws:// URL of an http:// GraphQL URL: the same port and path. */
export function wsUrl(httpUrl: string): string {
  return httpUrl.replace(/^http/, "ws");
}

/** How a subscription ended: completed, or the error it got (a close event, or GraphQL errors). */
export type SubscriptionEnd =
  | { readonly kind: "complete" }
  | { readonly kind: "closed"; readonly code: number; readonly reason: string }
  | {
      readonly kind: "errors";
      readonly errors: readonly { message: string; extensions?: Record<string, unknown> }[];
    };

export interface LiveSubscription<TData> {
  /** Every `next` payload so far, in order. */
  readonly results: FormattedExecutionResult<TData, unknown>[];
  /** Settles when the subscription ends, however. */
  readonly ended: Promise<SubscriptionEnd>;
  /** Resolves once `results` holds at least `count` payloads (or the subscription ended first). */
  untilResults(count: number): Promise<FormattedExecutionResult<TData, unknown>[]>;
  /** Completes the subscription from the client's side. */
  unsubscribe(): void;
}

export interface WsTestClient {
  readonly client: Client;
  subscribe<TData>(query: string, variables?: Record<string, unknown>): LiveSubscription<TData>;
  /** Closes the socket (a client that goes away). */
  dispose(): Promise<void>;
}

/**
 * A real graphql-ws client (graphql-transport-ws) over the `ws` package, as a Node service or a router would
 * connect: no retries, so that a refused connection shows its close code. `connectionParams` is
 * connection_init's payload.
 */
export function connectWs(
  httpUrl: string,
  options: { connectionParams?: Record<string, unknown>; headers?: Record<string, string> } = {},
): WsTestClient {
  const headers = options.headers;
  const client = createClient({
    url: wsUrl(httpUrl),
    webSocketImpl: headers
      ? class extends WebSocket {
          constructor(address: string, protocols?: string | string[]) {
            super(address, protocols, { headers });
          }
        }
      : WebSocket,
    retryAttempts: 0,
    lazy: true,
    ...(options.connectionParams && { connectionParams: options.connectionParams }),
  });
  return {
    client,
    subscribe<TData>(query: string, variables?: Record<string, unknown>): LiveSubscription<TData> {
      const results: FormattedExecutionResult<TData, unknown>[] = [];
      const waiters: { count: number; resolve: () => void }[] = [];
      let finish!: (end: SubscriptionEnd) => void;
      const ended = new Promise<SubscriptionEnd>((resolve) => (finish = resolve));
      const wake = (): void => {
        for (const waiter of waiters.splice(0)) {
          if (results.length >= waiter.count) waiter.resolve();
          else waiters.push(waiter);
        }
      };
      const unsubscribe = client.subscribe<TData>(
        { query, ...(variables && { variables }) },
        {
          next: (result) => {
            results.push(result);
            wake();
          },
          error: (error: unknown) => finish(endOf(error)),
          complete: () => finish({ kind: "complete" }),
        },
      );
      void ended.then(() => {
        for (const waiter of waiters.splice(0)) waiter.resolve();
      });
      return {
        results,
        ended,
        untilResults(count) {
          if (results.length >= count) return Promise.resolve(results);
          return new Promise((resolve) => waiters.push({ count, resolve: () => resolve(results) })).then(
            () => results,
          );
        },
        unsubscribe,
      };
    },
    dispose: () => Promise.resolve(client.dispose()),
  };
}

function endOf(error: unknown): SubscriptionEnd {
  if (Array.isArray(error)) {
    return { kind: "errors", errors: error as { message: string; extensions?: Record<string, unknown> }[] };
  }
  if (typeof error === "object" && error !== null && "code" in error) {
    const { code, reason } = error as { code: number; reason?: string };
    return { kind: "closed", code, reason: reason ?? "" };
  }
  // A transport failure (the socket could not open): no close code of the protocol.
  return { kind: "closed", code: 0, reason: error instanceof Error ? error.message : String(error) };
}
