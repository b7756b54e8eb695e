import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import pino from "pino";
import { Agent } from "undici";
import { AppError } from "../../../src/errors/app-error";
import { OperationScope } from "../../../src/http/operation-scope";
import { createAccountBudget, type RateBudget } from "../../../src/http/rate-budget";
import { UpstreamHttp, type RetryPolicy } from "../../../src/http/upstream-http";

/** Upstream calls of one account in flight at once (UpstreamHttp's own bound). */
const SLOTS = 8;

/** An upstream that holds every request until release(), counting what arrives. */
let server: Server;
let held: ServerResponse[] = [];
let received = 0;
let origin: string;
const agent = new Agent();

beforeAll(async () => {
  server = createServer((req, res) => {
    received++;
    req.resume();
    held.push(res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  release();
  await agent.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  release();
  received = 0;
});

function release(): void {
  for (const res of held) res.end("{}");
  held = [];
}

async function untilReceived(n: number): Promise<void> {
  while (received < n) await sleep(5);
}

function budget(maxQueue: number, operationShare = 1): RateBudget {
  return createAccountBudget({
    provider: "WANGSU_CDN_PRO",
    account: "eu",
    limit: { points: 100, durationSeconds: 60, operationShare, callerShare: 1 },
    maxWaitMs: 0,
    maxQueue,
  });
}

function upstream(b: RateBudget, retry?: RetryPolicy): UpstreamHttp {
  return new UpstreamHttp({
    provider: "WANGSU_CDN_PRO",
    account: "eu",
    origin,
    dispatcher: agent,
    logger: pino({ level: "silent" }),
    budget: b,
    ...(retry ? { retry } : {}),
  });
}

function scope(): OperationScope {
  return new OperationScope({ maxCalls: 1_000, caller: "ip:127.0.0.1", deadlineMs: null });
}

/** Starts n calls at once; each settles to its response status or its error code. */
function calls(http: UpstreamHttp, s: OperationScope, n: number): Promise<(number | string)[]> {
  return Promise.all(
    Array.from({ length: n }, () =>
      http.request({ method: "GET", path: "/x", headers: () => ({}), scope: s }).then(
        (res) => res.statusCode,
        (err: unknown) => (err instanceof AppError ? err.code : String(err)),
      ),
    ),
  );
}

describe("UpstreamHttp's admission of an account's calls", () => {
  it("refuses calls past slots and queue at once with UPSTREAM_OVERLOADED, never sends them, and refunds them", async () => {
    const b = budget(2);
    const s = scope();
    const all = calls(upstream(b), s, SLOTS + 5);
    await untilReceived(SLOTS);
    release();
    await untilReceived(SLOTS + 2);
    release();
    const outcomes = await all;
    expect(outcomes.filter((o) => o === 200)).toHaveLength(SLOTS + 2);
    expect(outcomes.filter((o) => o === "UPSTREAM_OVERLOADED")).toHaveLength(3);
    expect(received).toBe(SLOTS + 2);
    expect(s.upstreamCalls).toBe(SLOTS + 2);
    expect(await b.status()).toMatchObject({ remaining: 100 - (SLOTS + 2) });
  });

  it("never sends the calls still queued when the operation's client goes away, and refunds them", async () => {
    const b = budget(64);
    const s = scope();
    const all = calls(upstream(b), s, SLOTS + 4);
    await untilReceived(SLOTS);
    s.abort("client-gone");
    const outcomes = await all;
    expect(outcomes.every((o) => o === "OPERATION_ABANDONED")).toBe(true);
    release();
    await sleep(50);
    expect(received).toBe(SLOTS);
    expect(b.queue!.size).toBe(0);
    expect(await b.status()).toMatchObject({ remaining: 100 - SLOTS });
  });

  it("refuses the operation's calls past its share of the account before they draw from the budget", async () => {
    const b = budget(64, 0.05); // 5 of 100
    const s = scope();
    const all = calls(upstream(b), s, 7);
    await untilReceived(5);
    release();
    const outcomes = await all;
    expect(outcomes.filter((o) => o === "OPERATION_LIMIT_EXCEEDED")).toHaveLength(2);
    expect(received).toBe(5);
    expect(await b.status()).toMatchObject({ remaining: 95 });
  });

  it("stops waiting between attempts when the operation's client goes away, without another attempt", async () => {
    const s = scope();
    // A back-off far longer than the test may run: only the abort can end it.
    const http = upstream(budget(64), {
      attempts: 3,
      baseDelayMs: 600_000,
      maxDelayMs: 600_000,
      retryStatuses: new Set([503]),
    });
    const outcome = calls(http, s, 1);
    await untilReceived(1);
    for (const res of held) res.writeHead(503).end("{}");
    held = [];
    await sleep(50); // the answer is in and the back-off has begun
    s.abort("client-gone");
    expect(await outcome).toEqual(["OPERATION_ABANDONED"]);
    expect(received).toBe(1);
  });
});
