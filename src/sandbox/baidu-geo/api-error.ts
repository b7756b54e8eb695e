/** A Baidu-style failure: the emulator answers it as `{code, message, requestId}` with this HTTP status. */
export class BaiduApiError extends Error {
  override readonly name = "BaiduApiError";

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/** The error code parameter problems are reported with; one code for all of them so clients can key on it. */
export const INVALID_ARGUMENT = "InvalidArgument";

/**
 * Codes for injected status faults. The 4xx/500 names are BCE's common error codes; 429, 502, 503 and 504
 * have no documented BCE code (UNCONFIRMED), so these are plausible names kept stable for clients to key on.
 */
const FAULT_CODES: ReadonlyMap<number, readonly [code: string, message: string]> = new Map([
  [400, ["InvalidHTTPRequest", "There was an error in the body of your HTTP request."]],
  [403, ["AccessDenied", "Access denied."]],
  [404, ["NotFound", "The requested resource does not exist."]],
  [412, ["PreconditionFailed", "The specified If-Match header doesn't match the ETag header."]],
  [429, ["TooManyRequests", "Request rate exceeds the limit. Please slow down."]],
  [500, ["InternalError", "We encountered an internal error. Please try again."]],
  [502, ["BadGateway", "The upstream service returned an invalid response."]],
  [503, ["ServiceUnavailable", "Service is temporarily unavailable. Please try again later."]],
  [504, ["GatewayTimeout", "The upstream service did not respond in time."]],
]);

export function faultError(status: number, retryAfterSeconds?: number): BaiduApiError {
  const known = FAULT_CODES.get(status);
  const [code, message] =
    known ??
    (status >= 500
      ? ["InternalError", "We encountered an internal error. Please try again."]
      : ["InvalidHTTPRequest", "The request was rejected."]);
  const headers: Record<string, string> =
    retryAfterSeconds === undefined ? {} : { "retry-after": String(retryAfterSeconds) };
  return new BaiduApiError(status, code, message, headers);
}
