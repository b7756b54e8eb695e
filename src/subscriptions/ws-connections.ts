import type { Logger } from "pino";
import type { WebSocket } from "ws";
import type { Access } from "../access/access";
import { AppError } from "../errors/app-error";
import type { OperationScope } from "../http/operation-scope";
import type { ConnectionSubscriptions, SubscriptionLimits } from "./subscription-limits";

/**
 * RFC 6455's "Try Again Later": the caller holds as many connections as it may. graphql-ws clients retry it
 * with their back-off, as they should: a connection of theirs may close meanwhile.
 */
export const CLOSE_TRY_AGAIN_LATER = 1013;
/** A connection that held no subscription for the idle timeout: a normal closure; a lazy client reconnects. */
export const CLOSE_IDLE = 1000;

/** What one acknowledged connection may do and who it is, decided once from its connection_init. */
export interface Connection {
  readonly access: Access;
  readonly caller: string;
  readonly subscriptions: ConnectionSubscriptions;
  /** Per subscription id: its release of the limits and its scope, until it completes. */
  readonly live: Map<string, { readonly release: () => void; readonly scope: OperationScope }>;
  /** Its count among the caller's connections. */
  readonly release: () => void;
  readonly socket: WebSocket;
  /** Closes the connection while it holds no subscription (PREFETCH_GRAPH_WS_IDLE_TIMEOUT_MS). */
  idle: NodeJS.Timeout | null;
}

/**
 * The bounds of connections once they are acknowledged: connections per caller (a further connection_init
 * closes the connection with 1013) and the idle timeout; and the end of a connection's subscriptions.
 */
export interface ConnectionLifecycle {
  /** The connection's count among its caller's: its release; or null, the socket closed with 1013. */
  acquire(caller: string, socket: WebSocket): (() => void) | null;
  /** A subscription over: its limits released, whatever of it still runs stopped. */
  end(connection: Connection | undefined, id: string): void;
  /** From now on, the connection closes unless a subscription starts within the idle timeout. */
  armIdle(connection: Connection): void;
  disarmIdle(connection: Connection): void;
}

export function createConnectionLifecycle(options: {
  readonly limits: SubscriptionLimits;
  readonly logger: Logger;
}): ConnectionLifecycle {
  const { limits, logger } = options;

  function acquire(caller: string, socket: WebSocket): (() => void) | null {
    try {
      return limits.acquireConnection(caller);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      logger.info({ caller, code: err.code, ...err.extensions }, "WebSocket connection refused");
      // A close reason is at most 123 bytes: the bound, not the whole message.
      const max = limits.settings.connectionsPerCaller;
      socket.close(CLOSE_TRY_AGAIN_LATER, `Too many connections for this caller (at most ${max}).`);
      return null;
    }
  }

  function end(connection: Connection | undefined, id: string): void {
    const live = connection?.live.get(id);
    if (connection === undefined || live === undefined) return;
    connection.live.delete(id);
    live.release();
    live.scope.finish();
    logger.info({ requestId: live.scope.requestId, caller: connection.caller }, "subscription ended");
    if (connection.live.size === 0) armIdle(connection);
  }

  function armIdle(connection: Connection): void {
    disarmIdle(connection);
    const ms = limits.settings.idleTimeoutMs;
    connection.idle = setTimeout(() => {
      connection.idle = null;
      if (connection.live.size > 0) return;
      logger.debug({ caller: connection.caller, idleMs: ms }, "idle WebSocket connection closed");
      connection.socket.close(CLOSE_IDLE, `No subscription for ${ms} ms: closed as idle.`);
    }, ms);
    connection.idle.unref();
  }

  function disarmIdle(connection: Connection): void {
    if (connection.idle !== null) clearTimeout(connection.idle);
    connection.idle = null;
  }

  return { acquire, end, armIdle, disarmIdle };
}
