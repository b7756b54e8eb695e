import type { ApolloServerPlugin } from "@apollo/server";
import type { Context } from "./context";
import { currentCallBudget } from "./http/operation-call-budget";

/**
 * One structured log line per operation: its name, how long it took, how many upstream calls it cost and the
 * codes of the errors it answered with. The context's logger carries the request id.
 */
export function operationLogPlugin(): ApolloServerPlugin<Context> {
  return {
    requestDidStart() {
      const started = performance.now();
      return Promise.resolve({
        willSendResponse({ contextValue, operationName, request, response }) {
          // The errors as clients see them (formatted), so the log and the response name the same codes.
          const errors = response.body.kind === "single" ? (response.body.singleResult.errors ?? []) : [];
          contextValue.logger.info(
            {
              // The parsed name, or the one the client sent where the document did not parse.
              operationName: operationName ?? request.operationName ?? null,
              ms: Math.round(performance.now() - started),
              upstreamCalls: currentCallBudget()?.calls ?? 0,
              errorCodes: errors.map((e) =>
                typeof e.extensions?.code === "string" ? e.extensions.code : null,
              ),
            },
            "operation",
          );
          return Promise.resolve();
        },
      });
    },
  };
}
