import type { ApolloServerPlugin, BaseContext, GraphQLRequestListener } from "@apollo/server";
import { GraphQLError, type GraphQLFormattedError } from "graphql";
import { createFormatError } from "./format-error";

/**
 * Errors at a field that still answers with data. graphql-js can only null a field that throws; a merged feed
 * whose one account failed must still return the other accounts' tasks, with an error at the connection naming
 * the account that failed (Query.sitePrefetchTasks, "never a silently incomplete page"). The resolver reports
 * such errors here, keyed by the operation's context, and the plugin appends them to the response's errors,
 * formatted by the one formatter (AppErrors keep their code and safe extensions, anything else is masked).
 */
const reported = new WeakMap<object, GraphQLError[]>();

/** Adds `error` at `path` (the field's response path) to the operation's response, beside the field's data. */
export function reportFieldError(
  contextValue: object,
  path: readonly (string | number)[],
  error: Error,
): void {
  let errors = reported.get(contextValue);
  if (errors === undefined) reported.set(contextValue, (errors = []));
  errors.push(new GraphQLError(error.message, { path, originalError: error }));
}

/**
 * Appends the reported errors to the result (the initial one of an incremental delivery, which graphql 16 never
 * makes: a field's errors are all reported by then). Registered before the plugins that read a response's errors
 * (the operation log, the metrics), whose willSendResponse then sees them: plugins' hooks run in order.
 */
export function fieldErrorsPlugin(): ApolloServerPlugin {
  const format = createFormatError();
  // One hooks object and one settled promise for every request: this runs for every operation, and only a merged
  // feed with a failed account ever has something to add.
  const done = Promise.resolve();
  const hooks: GraphQLRequestListener<BaseContext> = {
    willSendResponse({ contextValue, response }) {
      const errors = reported.get(contextValue);
      if (errors === undefined) return done;
      reported.delete(contextValue);
      const result: { errors?: readonly GraphQLFormattedError[] } =
        response.body.kind === "single" ? response.body.singleResult : response.body.initialResult;
      result.errors = [...(result.errors ?? []), ...errors.map((e) => format(e.toJSON(), e))];
      return done;
    },
  };
  const started = Promise.resolve(hooks);
  return { requestDidStart: () => started };
}
