import type { ApolloServerPlugin } from "@apollo/server";
import type { Context } from "../context";
import type { AppMetrics } from "./app-metrics";

/**
 * Each operation's duration by name, and the codes of the errors it answered with (as formatted for the client,
 * so that the metrics, the log and the response name the same codes). Per operation, never per field.
 */
export function operationMetricsPlugin(metrics: AppMetrics): ApolloServerPlugin<Context> {
  return {
    requestDidStart() {
      const started = performance.now();
      return Promise.resolve({
        willSendResponse({ operationName, request, response }) {
          const errors = response.body.kind === "single" ? (response.body.singleResult.errors ?? []) : [];
          metrics.operation(
            operationName ?? request.operationName ?? null,
            (performance.now() - started) / 1000,
            errors.map((e) => (typeof e.extensions?.code === "string" ? e.extensions.code : null)),
          );
          return Promise.resolve();
        },
      });
    },
  };
}
