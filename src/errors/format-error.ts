import type { GraphQLFormattedError } from "graphql";
import { unwrapResolverError } from "@apollo/server/errors";
import type { Logger } from "pino";
import { AppError, ErrorCode } from "./app-error";
import { validationProblems, type ValidationErrorLike } from "./validation-problems";

/**
 * The one place errors become what clients see. AppErrors keep their code and safe extensions; class-validator
 * failures name the argument; GraphQL's own request errors (syntax, validation, variable coercion) pass through;
 * everything else is masked as INTERNAL_SERVER_ERROR and logged. No stack trace ever leaves.
 */
export function createFormatError(logger: Logger) {
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
      return { ...base, extensions: { code: ext.code } };
    }

    logger.error({ err: original, path: formatted.path }, "unexpected error (masked)");
    return {
      ...base,
      message: "Internal server error",
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
    };
  };
}
