import {
  getOperationAST,
  getVariableValues,
  GraphQLError,
  OperationTypeNode,
  parse,
  validate,
  type DocumentNode,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type ValidationRule,
} from "graphql";
import type { SubscribePayload } from "graphql-ws";
import type { Logger } from "pino";
import { AppError } from "../errors/app-error";
import { createFormatError, logMaskedErrors } from "../errors/format-error";
import type { ConnectionSubscriptions, SubscriptionLimits } from "./subscription-limits";

/** A subscription's count against its connection's and caller's bounds: its release, or the refusal to send. */
export function acquireSubscription(
  limits: SubscriptionLimits,
  subscriptions: ConnectionSubscriptions,
  caller: string,
): (() => void) | readonly GraphQLError[] {
  try {
    return limits.acquire(subscriptions, caller);
  } catch (err) {
    if (err instanceof AppError) return [new GraphQLError(err.message, { originalError: err })];
    throw err;
  }
}

/** The parsed, validated subscription of a subscribe message, or what is wrong with it. */
export function prepare(
  schema: GraphQLSchema,
  rules: readonly ValidationRule[],
  payload: SubscribePayload,
): { document: DocumentNode } | readonly GraphQLError[] {
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

/**
 * The errors of a subscription as the client reads them, as /graphql formats them; a refusal of the whole
 * operation (its limits) keeps its own message and code.
 */
export function createSubscriptionErrorFormat(options: {
  readonly hideSchemaDetails: boolean;
}): (errors: readonly GraphQLError[], log: Logger) => GraphQLFormattedError[] {
  const formatError = createFormatError({ hideSchemaDetails: options.hideSchemaDetails });
  return (errors, log) => {
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
}

/** A refusal of the whole operation (its limits): an AppError with no path for format-error to unwrap it by. */
function refusalOf(error: GraphQLError): AppError | null {
  return error.path === undefined && error.originalError instanceof AppError ? error.originalError : null;
}

export function requestError(message: string, code: string): GraphQLError {
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
