import { providerDisplayName } from "../domain/provider-kind";
import { UpstreamError } from "../errors/app-error";
import type { UpstreamResponse } from "./upstream-http";

export interface StatusErrorDetails {
  readonly provider: string;
  readonly account: string;
  /** The provider's own error code from its body, if any. */
  readonly providerCode: string | null;
  readonly requestId: string | null;
  /**
   * The provider's message, already bounded and stripped of anything secret, or null to keep it out of the
   * client-facing message (a provider whose free text we would rather only log).
   */
  readonly message: string | null;
  /** Provider codes that mean "credentials or signature rejected" whatever the status (Baidu's come as 400). */
  readonly authCodes?: ReadonlySet<string>;
}

/**
 * The one classification of a provider's non-2xx answer into an UPSTREAM_* error, shared by every client:
 * 429 → RATE_LIMITED (with the retry-after the budget now enforces), 401/403 or an auth code → AUTH_FAILED,
 * 5xx → UNAVAILABLE, other 4xx → BAD_REQUEST, anything else → BAD_RESPONSE.
 */
export function upstreamStatusError(response: UpstreamResponse, details: StatusErrorDetails): UpstreamError {
  const status = response.statusCode;
  const upstream = {
    provider: details.provider,
    account: details.account,
    httpStatus: status,
    ...(details.providerCode !== null ? { providerCode: details.providerCode } : {}),
    ...(details.requestId !== null ? { requestId: details.requestId } : {}),
    ...(response.retryAfterSeconds !== null ? { retryAfterSeconds: response.retryAfterSeconds } : {}),
  };
  const what = `${providerDisplayName(details.provider)} answered HTTP ${status}${details.providerCode ? ` ${details.providerCode}` : ""}`;
  const said = details.message ? `: ${details.message}` : "";
  if (status === 429) {
    return new UpstreamError(
      "UPSTREAM_RATE_LIMITED",
      `${what}: the account's call budget is exhausted${said}`,
      { ...upstream, limit: "PROVIDER" },
    );
  }
  if (
    status === 401 ||
    status === 403 ||
    (details.providerCode !== null && details.authCodes?.has(details.providerCode))
  ) {
    return new UpstreamError(
      "UPSTREAM_AUTH_FAILED",
      `${what}: the account's credentials were rejected${said}`,
      upstream,
    );
  }
  if (status >= 500) return new UpstreamError("UPSTREAM_UNAVAILABLE", `${what}${said}`, upstream);
  if (status >= 400)
    return new UpstreamError("UPSTREAM_BAD_REQUEST", `${what}: the request was refused${said}`, upstream);
  // 1xx/3xx: nothing we asked for (undici does not follow redirects here).
  return new UpstreamError("UPSTREAM_BAD_RESPONSE", `${what}, which was not expected`, upstream);
}
