import { createHmac } from "node:crypto";
import { MockAgent } from "undici";
import pino from "pino";
import { UNLIMITED_BUDGET } from "../../../../src/http/rate-budget";
import { UpstreamHttp, type RetryPolicy } from "../../../../src/http/upstream-http";
import type { PrefetchProvider, ProviderDeps } from "../../../../src/providers/provider";
import { WangsuCdnProSigner } from "../../../../src/providers/wangsu-cdn-pro/auth";
import { WangsuCdnProClient } from "../../../../src/providers/wangsu-cdn-pro/client";
import { wangsuCdnProModule } from "../../../../src/providers/wangsu-cdn-pro";

export const ORIGIN = "https://open.chinanetcenter.com";
export const ACCOUNT = "main";
export const CREDENTIALS = { username: "example_username", apiKey: "example_apiKey" };
export const silentLogger = pino({ level: "silent" });

/** One attempt, no waiting: every status reaches the client as it came. */
export const NO_RETRY: RetryPolicy = { attempts: 1, baseDelayMs: 1, maxDelayMs: 1, retryStatuses: new Set() };

export interface SeenRequest {
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
}

export interface Reply {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

/** A MockAgent for the Wangsu origin that refuses the network and records what reached it. */
export class UpstreamMock {
  readonly agent = new MockAgent();
  readonly seen: SeenRequest[] = [];

  constructor() {
    this.agent.disableNetConnect();
  }

  /** Answers one request whose path (query included) passes `path`. */
  on(path: string | ((p: string) => boolean), reply: Reply | ((req: SeenRequest) => Reply), times = 1): void {
    const match = typeof path === "string" ? (p: string) => p === path : path;
    this.agent
      .get(ORIGIN)
      .intercept({ path: match, method: "GET" })
      .reply((opts) => {
        const req = { path: opts.path, headers: { ...(opts.headers as Record<string, string>) } };
        this.seen.push(req);
        const r = typeof reply === "function" ? reply(req) : reply;
        const data = r.body === undefined ? "" : typeof r.body === "string" ? r.body : JSON.stringify(r.body);
        return { statusCode: r.status, data, responseOptions: { headers: r.headers ?? {} } };
      })
      .times(times);
  }

  client(options: { retry?: RetryPolicy; now?: () => Date } = {}): {
    client: WangsuCdnProClient;
    http: UpstreamHttp;
  } {
    const http = new UpstreamHttp({
      provider: "WANGSU_CDN_PRO",
      account: ACCOUNT,
      origin: ORIGIN,
      dispatcher: this.agent,
      logger: silentLogger,
      budget: UNLIMITED_BUDGET,
      retry: options.retry ?? NO_RETRY,
    });
    const signer = new WangsuCdnProSigner(CREDENTIALS, options.now);
    return { client: new WangsuCdnProClient({ account: ACCOUNT, http, signer, logger: silentLogger }), http };
  }

  provider(): PrefetchProvider {
    return createProvider(() => this.agent, ORIGIN);
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

export function createProvider(
  dispatcherFor: ProviderDeps["dispatcherFor"],
  endpoint: string,
): PrefetchProvider {
  return wangsuCdnProModule.create(
    { name: ACCOUNT, endpoint, credentials: CREDENTIALS, sandbox: false },
    { dispatcherFor, logger: silentLogger, budget: UNLIMITED_BUDGET },
  );
}

/** Checks a Basic header the way Wangsu does, independently of the code under test. */
export function verifiesFor(authorization: string | undefined, date: string | undefined): boolean {
  if (authorization === undefined || date === undefined || !authorization.startsWith("Basic ")) return false;
  const [user, password] = Buffer.from(authorization.slice(6), "base64").toString("utf8").split(":");
  const expected = createHmac("sha1", CREDENTIALS.apiKey).update(date).digest("base64");
  return user === CREDENTIALS.username && password === expected;
}
