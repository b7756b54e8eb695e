import { Redis } from "ioredis";
import type { Logger } from "pino";

/**
 * One ioredis client shared by the rate budgets, the cache and the coalescing of identical calls, set up so that
 * a Redis that is down costs a caller nothing but a fallback to per-process state: commands fail at once while
 * it is disconnected (no offline queue), a command in flight fails within `commandTimeoutMs`, and the client keeps
 * reconnecting in the background forever.
 */
export interface RedisConnection {
  readonly client: Redis;
  /** Connected and ready: commands sent now are expected to be answered. */
  get available(): boolean;
  /** For /readyz. */
  status(): RedisConnectionStatus;
  /**
   * Called each time Redis becomes ready after a time without it, so state kept per process meanwhile can be
   * written back. That includes the first connection: calls made before it ran on per-process state too.
   */
  onRecovered(listener: () => void): void;
  /** Quits, or drops the socket when Redis does not answer the QUIT within a bound; never hangs a shutdown. */
  close(): Promise<void>;
}

export interface RedisConnectionStatus {
  /** The configured URL without its password. */
  url: string;
  available: boolean;
  /** ISO time of the last change between up and down; null while the first connection is being made. */
  since: string | null;
}

export interface RedisConnectionOptions {
  /** Bound on a TCP connect that gets no answer (a host that drops packets rather than refusing). */
  connectTimeoutMs?: number;
  /** Bound on any one command, which is also the longest a caller waits before it falls back. */
  commandTimeoutMs?: number;
  /** The reconnect delay grows by 200 ms an attempt up to this. */
  maxReconnectDelayMs?: number;
  /** Bound on a graceful QUIT at shutdown before the socket is dropped. */
  quitTimeoutMs?: number;
}

const DEFAULTS: Required<RedisConnectionOptions> = {
  connectTimeoutMs: 500,
  commandTimeoutMs: 500,
  maxReconnectDelayMs: 2_000,
  quitTimeoutMs: 1_000,
};

type LinkState = "starting" | "up" | "down";

export function connectRedis(
  url: string,
  logger: Logger,
  options: RedisConnectionOptions = {},
): RedisConnection {
  return new IoRedisConnection(url, logger, { ...DEFAULTS, ...options });
}

class IoRedisConnection implements RedisConnection {
  readonly client: Redis;
  private readonly safeUrl: string;
  private readonly log: Logger;
  private readonly recoveredListeners: (() => void)[] = [];
  private state: LinkState = "starting";
  private since: Date | null = null;
  private closing = false;

  constructor(
    url: string,
    logger: Logger,
    private readonly options: Required<RedisConnectionOptions>,
  ) {
    this.safeUrl = withoutPassword(url);
    this.log = logger.child({ component: "redis", redis: this.safeUrl });
    this.client = new Redis(url, {
      // Fail fast instead of queueing: a caller that gets an error uses its per-process state at once.
      enableOfflineQueue: false,
      // Commands in flight when the socket closes fail then, rather than being replayed after a reconnect.
      maxRetriesPerRequest: 0,
      connectTimeout: options.connectTimeoutMs,
      commandTimeout: options.commandTimeoutMs,
      // Never gives up: the service runs on without Redis and picks it up again when it is back.
      retryStrategy: (attempt) => Math.min(200 * attempt, options.maxReconnectDelayMs),
      // The rate limiter checks `status === "ready"`; the ready check (INFO) keeps a loading Redis out of it.
      enableReadyCheck: true,
      lazyConnect: false,
      // How long disconnect() lets a socket close before destroying it. ioredis arms this timer even for a socket
      // that is already closed (between reconnects), where it only holds the process open at exit.
      disconnectTimeout: 200,
    });
    // Without an 'error' listener ioredis prints every failed reconnect to stderr; the warning below says it once.
    this.client.on("error", (err: Error) => {
      this.log.debug({ err: { message: err.message } }, "Redis connection error");
    });
    this.client.on("ready", () => this.up());
    this.client.on("close", () => this.down());
  }

  get available(): boolean {
    return this.client.status === "ready";
  }

  status(): RedisConnectionStatus {
    return { url: this.safeUrl, available: this.available, since: this.since?.toISOString() ?? null };
  }

  onRecovered(listener: () => void): void {
    this.recoveredListeners.push(listener);
  }

  async close(): Promise<void> {
    this.closing = true;
    const client = this.client;
    if (client.status === "end") return;
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.options.quitTimeoutMs);
    });
    const ended = new Promise<void>((resolve) => client.once("end", () => resolve()));
    // QUIT lets Redis answer what is in flight; it would fail at once anyway when not ready (no offline queue).
    if (client.status === "ready") await Promise.race([client.quit().catch(() => undefined), bound]);
    client.disconnect();
    // Between reconnect attempts there is no socket whose closing would end the client: disconnect() has
    // cancelled the next attempt, and nothing more will happen.
    if (client.status !== "reconnecting" && client.status !== "close") await Promise.race([ended, bound]);
    clearTimeout(timer);
  }

  private up(): void {
    if (this.closing || this.state === "up") return;
    const previous = this.state;
    this.state = "up";
    this.since = new Date();
    if (previous === "down") this.log.info("Redis reachable again: sharing budgets and caches");
    else this.log.info("Redis connected: sharing budgets and caches");
    for (const listener of this.recoveredListeners) {
      try {
        listener();
      } catch (err) {
        this.log.error({ err }, "a Redis recovery listener failed");
      }
    }
  }

  private down(): void {
    // 'close' fires once per failed reconnect attempt too; only the change from up (or from starting) is news.
    if (this.closing || this.state === "down") return;
    this.state = "down";
    this.since = new Date();
    this.log.warn("Redis unreachable: serving on per-process state");
  }
}

/** The URL as it may be logged and shown on /readyz. */
export function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === "") return url;
    parsed.password = "";
    return parsed.toString();
  } catch {
    return "(unparsable Redis URL)";
  }
}
