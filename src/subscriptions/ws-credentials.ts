import type { IncomingMessage } from "node:http";
import { CloseCode } from "graphql-ws";
import type { WebSocket } from "ws";
import type { Access } from "../access/access";
import type { ApiKeyTable } from "../access/api-keys";

/** graphql-ws's close codes (its CloseCode enum), as the protocol's clients read them. */
export const CLOSE_UNAUTHORIZED = CloseCode.Unauthorized;

/**
 * The access of a connection's API key, from its connection_init payload or its upgrade request; or null, the
 * socket closed with 4401 (as HTTP answers 401), where the key is missing or not valid.
 */
export function authenticateConnection(
  apiKeys: ApiKeyTable,
  params: Readonly<Record<string, unknown>> | undefined,
  request: IncomingMessage,
  socket: WebSocket,
): Access | null {
  const auth = apiKeys.authenticate(presentedKey(params, request));
  if (!auth.ok) {
    socket.close(
      CLOSE_UNAUTHORIZED,
      auth.failure === "missing"
        ? 'An API key is required: send {"authorization": "Bearer <key>"} in connection_init.'
        : "The API key is not valid.",
    );
    return null;
  }
  return auth.access;
}

/**
 * The API key a connection presents, as an HTTP request's `authorization` header: `authorization` in the
 * connection_init payload (any case), else `token` there (what Apollo Router sends its subgraphs: the client's
 * propagated Authorization header), else the upgrade request's own `authorization` header.
 */
export function presentedKey(
  params: Readonly<Record<string, unknown>> | undefined,
  request: IncomingMessage,
): string | undefined {
  if (params !== undefined) {
    for (const [name, value] of Object.entries(params)) {
      if (name.toLowerCase() === "authorization" && typeof value === "string") return value;
    }
    if (typeof params.token === "string") return params.token;
  }
  return request.headers.authorization;
}
