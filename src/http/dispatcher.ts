import { Pool } from "undici";

export interface HttpTimeouts {
  /** TCP + TLS connect. */
  readonly connectMs: number;
  /** From request sent to response headers received. */
  readonly headersMs: number;
  /** Max idle time between two body chunks. */
  readonly bodyMs: number;
}

export const DEFAULT_TIMEOUTS: HttpTimeouts = { connectMs: 3_000, headersMs: 10_000, bodyMs: 10_000 };

/**
 * One keep-alive pool per upstream origin, created at start-up and closed on shutdown. Every timeout is explicit:
 * undici's defaults (300 s headers/body) would hold a GraphQL request hostage to a stuck provider.
 */
export function createOriginPool(origin: string, timeouts: HttpTimeouts, connections = 16): Pool {
  return new Pool(origin, {
    connections,
    connectTimeout: timeouts.connectMs,
    headersTimeout: timeouts.headersMs,
    bodyTimeout: timeouts.bodyMs,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 60_000,
  });
}

/** Keeps one pool per origin so that accounts sharing an endpoint share connections. */
export class DispatcherRegistry {
  private readonly pools = new Map<string, Pool>();

  constructor(private readonly timeouts: HttpTimeouts = DEFAULT_TIMEOUTS) {}

  forOrigin(origin: string): Pool {
    const key = new URL(origin).origin;
    let pool = this.pools.get(key);
    if (!pool) {
      pool = createOriginPool(key, this.timeouts);
      this.pools.set(key, pool);
    }
    return pool;
  }

  /**
   * Lets requests still in flight finish for up to `graceMs`, then destroys what is left: close() alone waits
   * for every request, however stuck its upstream is.
   */
  async close(graceMs = 1_000): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    let timer: NodeJS.Timeout | undefined;
    const closed = Promise.all(pools.map((p) => p.close())).then(() => true);
    const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), graceMs)));
    const inTime = await Promise.race([closed, late]);
    clearTimeout(timer);
    if (!inTime) await Promise.all(pools.map((p) => p.destroy()));
  }
}
