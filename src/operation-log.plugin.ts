import type { ApolloServerPlugin } from "@apollo/server";
import type { Context } from "./context";
import { logMaskedErrors } from "./errors/format-error";
import { boundedText } from "./log-fields";

/**
 * One structured log line per operation: its name, how long it took, how many upstream calls it cost and the
 * codes of the errors it answered with. The context's logger carries the request id. The response says the same
 * in `extensions.upstreamCalls` and `extensions.cacheHits`, so every client sees what its operation cost.
 */
export function operationLogPlugin(): ApolloServerPlugin<Context> {
  return {
    requestDidStart() {
      const started = performance.now();
      return Promise.resolve({
        didEncounterErrors({ contextValue, errors }) {
          logMaskedErrors(contextValue.logger, errors);
          return Promise.resolve();
        },
        willSendResponse({ contextValue, operationName, request, response }) {
          if (response.body.kind === "single") {
            const result = response.body.singleResult;
            result.extensions = {
              ...result.extensions,
              upstreamCalls: contextValue.scope.upstreamCalls,
              cacheHits: contextValue.scope.cacheHits,
            };
          }
          // The errors as clients see them (formatted), so the log and the response name the same codes.
          const errors = response.body.kind === "single" ? (response.body.singleResult.errors ?? []) : [];
          contextValue.logger.info(
            {
              // The parsed name, or the one the client sent where the document did not parse; bounded either way
              // (a name in a document is as long as the client likes).
              operationName: loggedName(operationName ?? request.operationName ?? null),
              ms: Math.round(performance.now() - started),
              upstreamCalls: contextValue.scope.upstreamCalls,
              cacheHits: contextValue.scope.cacheHits,
              // "client-gone": the client hung up (not a provider failure); "deadline": the operation timed out.
              ...(contextValue.scope.aborted !== null && { stopped: contextValue.scope.aborted }),
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

function loggedName(name: unknown): string | null {
  return typeof name === "string" ? boundedText(name) : null;
}
