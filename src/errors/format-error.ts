import type { GraphQLError, GraphQLFormattedError } from "graphql";
import { unwrapResolverError } from "@apollo/server/errors";
import type { Logger } from "pino";
import { boundedPath, errorForLog } from "../log-fields";
import { AppError, ErrorCode } from "./app-error";
import { validationProblems, type ValidationErrorLike } from "./validation-problems";

/**
 * The one place errors become what clients see. AppErrors keep their code and safe extensions; class-validator
 * failures name the argument; GraphQL's own request errors (syntax, validation, variable coercion) pass through;
 * everything else is masked as INTERNAL_SERVER_ERROR and logged. No stack trace ever leaves.
 *
 * Nothing is logged here (formatError does not know the operation): client errors (AppErrors such as
 * BAD_USER_INPUT, request errors) appear as codes on the operation's info line, and the errors this masks are
 * logged at error level by logMaskedErrors, from the operation's own logger.
 *
 * `hideSchemaDetails` drops graphql-js's "Did you mean …?" suggestions, which name fields, arguments, types and
 * enum values a client did not know. Apollo's own option does this for validation errors only; variable
 * coercion errors ("Value "X" does not exist in "ProviderKind" enum. Did you mean …?") come through here too.
 */
export function createFormatError(options: { hideSchemaDetails?: boolean } = {}) {
  const hideSchemaDetails = options.hideSchemaDetails ?? false;
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const base = {
      message: formatted.message,
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
    };

    if (original instanceof AppError) {
      return {
        ...base,
        message: original.message,
        extensions: { ...original.extensions, code: original.code },
      };
    }

    const ext = formatted.extensions ?? {};
    const validationErrors = ext.validationErrors as ValidationErrorLike[] | undefined;
    if (ext.code === ErrorCode.BAD_USER_INPUT && Array.isArray(validationErrors)) {
      const problems = validationProblems(validationErrors).map((p) => ({
        argument: p.path,
        message: p.message,
      }));
      const argumentName = problems[0]?.argument ?? null;
      return {
        ...base,
        message:
          problems.length > 0
            ? `Invalid argument "${argumentName}": ${problems.map((p) => p.message).join("; ")}`
            : formatted.message,
        extensions: {
          code: ErrorCode.BAD_USER_INPUT,
          argumentName,
          problems: problems.map((p) => `${p.argument}: ${p.message}`),
        },
      };
    }

    // Errors graphql-js or Apollo raised about the request itself carry a code and no secret.
    if (typeof ext.code === "string" && ext.code !== ErrorCode.INTERNAL_SERVER_ERROR && !formatted.path) {
      return {
        ...base,
        ...(hideSchemaDetails && { message: withoutSuggestions(base.message) }),
        extensions: { code: ext.code },
      };
    }

    // Logged by the operation log plugin (logMaskedErrors), with the operation's request id.
    return {
      ...base,
      message: "Internal server error",
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
    };
  };
}

/** Whether createFormatError masks this error as INTERNAL_SERVER_ERROR: the same decision, for logging it. */
export function isMasked(error: GraphQLError): boolean {
  if (unwrapResolverError(error) instanceof AppError) return false;
  const ext = error.extensions;
  if (ext.code === ErrorCode.BAD_USER_INPUT && Array.isArray(ext.validationErrors)) return false;
  return !(typeof ext.code === "string" && ext.code !== ErrorCode.INTERNAL_SERVER_ERROR && !error.path);
}

/** Logs the errors clients see only as INTERNAL_SERVER_ERROR; paths and messages bounded (client-controlled). */
export function logMaskedErrors(logger: Logger, errors: readonly GraphQLError[]): void {
  for (const error of errors) {
    if (!isMasked(error)) continue;
    logger.error(
      { err: errorForLog(unwrapResolverError(error)), path: boundedPath(error.path) },
      "unexpected error (masked)",
    );
  }
}

/** graphql-js appends its suggestions last: ` Did you mean "a", "b" or "c"?` (possibly across lines). */
export function withoutSuggestions(message: string): string {
  return message.replace(/ ?Did you mean[\s\S]*\?$/, "");
}
