/**
 * Every error we mean to show a client carries a stable machine code (undici's UND_ERR_* idea) and only
 * the extensions that are safe to expose. Anything that is not an AppError is masked by format-error.ts.
 */
export const ErrorCode = {
  BAD_USER_INPUT: "BAD_USER_INPUT",
  INVALID_CURSOR: "INVALID_CURSOR",
  ACCOUNT_NOT_CONFIGURED: "ACCOUNT_NOT_CONFIGURED",
  /** No API key, or one that is not configured (HTTP 401, before anything runs); only with API keys configured. */
  UNAUTHENTICATED: "UNAUTHENTICATED",
  /** The API key may not use this account, site or field; refused before any upstream call. */
  FORBIDDEN: "FORBIDDEN",
  OPERATION_LIMIT_EXCEEDED: "OPERATION_LIMIT_EXCEEDED",
  /** The client hung up; only ever seen in logs. */
  OPERATION_ABANDONED: "OPERATION_ABANDONED",
  UPSTREAM_UNAVAILABLE: "UPSTREAM_UNAVAILABLE",
  UPSTREAM_TIMEOUT: "UPSTREAM_TIMEOUT",
  UPSTREAM_RATE_LIMITED: "UPSTREAM_RATE_LIMITED",
  /** The account's wait queue (for its budget or a connection slot) is full: refused at once, never sent. */
  UPSTREAM_OVERLOADED: "UPSTREAM_OVERLOADED",
  UPSTREAM_AUTH_FAILED: "UPSTREAM_AUTH_FAILED",
  UPSTREAM_BAD_REQUEST: "UPSTREAM_BAD_REQUEST",
  UPSTREAM_BAD_RESPONSE: "UPSTREAM_BAD_RESPONSE",
  INTERNAL_SERVER_ERROR: "INTERNAL_SERVER_ERROR",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export type SafeExtensions = Readonly<Record<string, string | number | boolean | null | readonly string[]>>;

export class AppError extends Error {
  override readonly name: string = "AppError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Shown to clients under `extensions`; never put secrets, headers or bodies here. */
    readonly extensions: SafeExtensions = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Bad input from the client, naming the offending argument. */
export class BadUserInputError extends AppError {
  override readonly name = "BadUserInputError";
  constructor(argumentName: string, message: string) {
    super(ErrorCode.BAD_USER_INPUT, message, { argumentName });
  }
}

export class InvalidCursorError extends AppError {
  override readonly name = "InvalidCursorError";
  constructor(reason: string) {
    super(ErrorCode.INVALID_CURSOR, `Invalid cursor: ${reason}. Start again without "after".`, {
      argumentName: "after",
    });
  }
}

export class AccountNotConfiguredError extends AppError {
  override readonly name = "AccountNotConfiguredError";
  constructor(provider: string, account: string | null, available: readonly string[]) {
    super(
      ErrorCode.ACCOUNT_NOT_CONFIGURED,
      account === null
        ? available.length === 0
          ? `No ${provider} account is configured.`
          : `Several ${provider} accounts are configured (${available.join(", ")}); pass "account".`
        : `No ${provider} account named "${account}" is configured.`,
      { provider, argumentName: "account" },
    );
  }
}

/**
 * The caller's API key does not allow what a list or a federation field asked for. Lookups by id answer null
 * instead, so that a refusal never tells whether a task exists.
 */
export class ForbiddenError extends AppError {
  override readonly name = "ForbiddenError";
  constructor(message: string, extensions: SafeExtensions = {}) {
    super(ErrorCode.FORBIDDEN, message, extensions);
  }
}

/** What an upstream provider call can fail with, classified once in the http layer or the provider client. */
export class UpstreamError extends AppError {
  override readonly name = "UpstreamError";
  constructor(
    code: Extract<
      ErrorCode,
      | "UPSTREAM_UNAVAILABLE"
      | "UPSTREAM_TIMEOUT"
      | "UPSTREAM_RATE_LIMITED"
      | "UPSTREAM_OVERLOADED"
      | "UPSTREAM_AUTH_FAILED"
      | "UPSTREAM_BAD_REQUEST"
      | "UPSTREAM_BAD_RESPONSE"
    >,
    message: string,
    readonly upstream: {
      readonly provider: string;
      readonly account: string;
      readonly httpStatus?: number;
      /** The provider's own error code, e.g. SignatureDoesNotMatch. */
      readonly providerCode?: string;
      /** The provider's request id, useful in a support ticket. */
      readonly requestId?: string;
      /** Seconds until a retry may succeed (rate limits, overload). */
      readonly retryAfterSeconds?: number;
      /**
       * Which limit a rate-limited call met: the provider's own 429 (PROVIDER), or, for a call never sent, the
       * account's budget here (ACCOUNT) or the caller's share of it (CALLER).
       */
      readonly limit?: "PROVIDER" | "ACCOUNT" | "CALLER";
    },
    options?: { cause?: unknown },
  ) {
    const ext: Record<string, string | number> = { provider: upstream.provider, account: upstream.account };
    if (upstream.httpStatus !== undefined) ext.upstreamStatus = upstream.httpStatus;
    if (upstream.providerCode !== undefined) ext.upstreamCode = upstream.providerCode;
    if (upstream.requestId !== undefined) ext.upstreamRequestId = upstream.requestId;
    if (upstream.retryAfterSeconds !== undefined) ext.retryAfter = upstream.retryAfterSeconds;
    if (upstream.limit !== undefined) ext.limit = upstream.limit;
    super(code, message, ext, options);
  }
}
