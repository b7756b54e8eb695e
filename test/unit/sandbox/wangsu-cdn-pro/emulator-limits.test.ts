import { performance } from "node:perf_hooks";
import { request } from "undici";
import { startWangsuCdnProSandbox, type WangsuCdnProSandbox } from "../../../../src/sandbox/wangsu-cdn-pro";
import { NOW, OTHER_USER, USER, call } from "./sandbox-client";

const LIST = "/cdn/prefetches";

describe("the Wangsu CDN Pro emulator's rate limit", () => {
  let sandbox: WangsuCdnProSandbox;

  beforeAll(async () => {
    sandbox = await startWangsuCdnProSandbox({
      credentials: [USER, OTHER_USER],
      now: () => NOW,
      rateLimit: { points: 5, durationSeconds: 60 },
    });
  });

  beforeEach(() => sandbox.resetCalls());

  afterAll(async () => {
    await sandbox.close();
  });

  async function spend(count: number, user = USER): Promise<number[]> {
    const statuses: number[] = [];
    for (let i = 0; i < count; i++) statuses.push((await call(sandbox, LIST, { user })).status);
    return statuses;
  }

  it("answers the budget's calls and refuses the next with 429 TooManyRequests and Retry-After", async () => {
    expect(await spend(5)).toEqual([200, 200, 200, 200, 200]);
    const res = await call(sandbox, LIST);
    expect(res.status).toBe(429);
    expect(res.json()).toEqual({ code: "TooManyRequests", message: expect.any(String) });
    const retryAfter = Number(res.headers["retry-after"]);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
  });

  it("counts detail and list calls against the same budget", async () => {
    await spend(4);
    expect((await call(sandbox, `${LIST}/000000000000000000000000`)).status).toBe(404);
    expect((await call(sandbox, `${LIST}/000000000000000000000000`)).status).toBe(429);
  });

  it("keeps a separate budget per username", async () => {
    await spend(6);
    expect((await call(sandbox, LIST, { user: OTHER_USER })).status).toBe(200);
  });

  it("charges a slow request the client gave up on, as the provider counts what it received", async () => {
    sandbox.setFault({ kind: "delay", ms: 300, times: 1 });
    await expect(call(sandbox, LIST, { signal: AbortSignal.timeout(50) })).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 800)); // the emulator finishes the abandoned request (300 ms)
    expect(await spend(5)).toEqual([200, 200, 200, 200, 429]);
  });

  it("does not charge requests that fail authentication", async () => {
    for (let i = 0; i < 6; i++)
      await call(sandbox, LIST, { user: { username: USER.username, apiKey: "wrong" } });
    expect(await spend(5)).toEqual([200, 200, 200, 200, 200]);
  });

  it("refills the budget on resetCalls()", async () => {
    await spend(6);
    sandbox.resetCalls();
    expect((await call(sandbox, LIST)).status).toBe(200);
  });

  it("refills the budget when the window has passed", async () => {
    const quick = await startWangsuCdnProSandbox({
      credentials: [USER],
      now: () => NOW,
      rateLimit: { points: 1, durationSeconds: 0.3 },
    });
    try {
      expect((await call(quick, LIST)).status).toBe(200);
      expect((await call(quick, LIST)).status).toBe(429);
      await new Promise((resolve) => setTimeout(resolve, 350));
      expect((await call(quick, LIST)).status).toBe(200);
    } finally {
      await quick.close();
    }
  });
});

describe("the Wangsu CDN Pro emulator's faults", () => {
  let sandbox: WangsuCdnProSandbox;

  beforeAll(async () => {
    sandbox = await startWangsuCdnProSandbox({ credentials: [USER], now: () => NOW });
  });

  afterEach(() => sandbox.setFault(null));

  afterAll(async () => {
    await sandbox.close();
  });

  it("answers with the injected status and a {code, message} body", async () => {
    sandbox.setFault({ kind: "status", status: 503 });
    const res = await call(sandbox, LIST);
    expect(res.status).toBe(503);
    expect(res.json()).toEqual({ code: "ServiceUnavailable", message: expect.any(String) });
  });

  it("stops injecting after `times` requests", async () => {
    sandbox.setFault({ kind: "status", status: 500, times: 2 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await call(sandbox, LIST)).status);
    expect(statuses).toEqual([500, 500, 200]);
  });

  it("keeps injecting without `times` until cleared", async () => {
    sandbox.setFault({ kind: "status", status: 502 });
    expect((await call(sandbox, LIST)).status).toBe(502);
    expect((await call(sandbox, LIST)).status).toBe(502);
    sandbox.setFault(null);
    expect((await call(sandbox, LIST)).status).toBe(200);
  });

  it("sends Retry-After with an injected 429", async () => {
    sandbox.setFault({ kind: "status", status: 429, times: 1 });
    const res = await call(sandbox, LIST);
    expect(res.status).toBe(429);
    expect(res.headers["retry-after"]).toBe("1");
    expect(res.json()).toMatchObject({ code: "TooManyRequests" });
  });

  it("injects faults before authentication, as an upstream outage would", async () => {
    sandbox.setFault({ kind: "status", status: 503, times: 1 });
    expect((await call(sandbox, LIST, { user: null })).status).toBe(503);
  });

  it("delays the response headers, then answers normally", async () => {
    sandbox.setFault({ kind: "delay", ms: 200, times: 1 });
    const started = performance.now();
    const res = await call(sandbox, LIST);
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    expect(res.status).toBe(200);
  });

  it("serves a body that is not JSON, then one of the wrong shape, both with 200", async () => {
    sandbox.setFault({ kind: "malformed", times: 2 });
    const first = await call(sandbox, LIST);
    const second = await call(sandbox, `${LIST}/anything`);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(() => first.json()).toThrow(SyntaxError);
    const shaped = second.json();
    expect(typeof shaped.count).not.toBe("number");
    expect(Array.isArray(shaped.prefetchRequests)).toBe(false);
    expect(Array.isArray(shaped.fileList)).toBe(false);
  });

  it.each([
    ["a non-error status", { kind: "status", status: 200 }],
    ["a negative delay", { kind: "delay", ms: -1 }],
    ["zero times", { kind: "malformed", times: 0 }],
  ] as const)("refuses %s", (_label, fault) => {
    expect(() => sandbox.setFault(fault)).toThrow(RangeError);
  });
});

describe("the Wangsu CDN Pro emulator's routing and bookkeeping", () => {
  let sandbox: WangsuCdnProSandbox;

  beforeAll(async () => {
    sandbox = await startWangsuCdnProSandbox({ credentials: [USER], now: () => NOW });
  });

  beforeEach(() => sandbox.resetCalls());

  afterAll(async () => {
    await sandbox.close();
  });

  it("counts list and detail requests separately, rejected ones included", async () => {
    await call(sandbox, LIST);
    await call(sandbox, LIST, { user: null });
    await call(sandbox, `${LIST}/000000000000000000000000`);
    expect([sandbox.calls("list"), sandbox.calls("detail"), sandbox.calls()]).toEqual([2, 1, 3]);
  });

  it("counts requests to unknown paths only in the total", async () => {
    await call(sandbox, "/cdn/domains");
    expect([sandbox.calls("list"), sandbox.calls("detail"), sandbox.calls()]).toEqual([0, 0, 1]);
  });

  it("starts counting again from zero after resetCalls()", async () => {
    await call(sandbox, LIST);
    sandbox.resetCalls();
    expect(sandbox.calls()).toBe(0);
  });

  it("answers an unknown path with a 404 JSON error", async () => {
    const res = await call(sandbox, "/cdn/domains");
    expect(res.status).toBe(404);
    expect(res.json()).toEqual({ code: "NotFound", message: expect.any(String) });
  });

  it("answers other methods with 405 and Allow: GET, reading the body first", async () => {
    const res = await call(sandbox, LIST, { method: "POST", body: JSON.stringify({ fileList: [] }) });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe("GET");
    expect(res.json()).toMatchObject({ code: "MethodNotAllowed" });
    expect((await call(sandbox, LIST)).status).toBe(200);
  });

  it("reports a loopback url and the seeded hostnames", () => {
    expect(sandbox.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sandbox.hostnames).toEqual(["www.example.com", "static.example.com", "video.example.org"]);
  });

  it("refuses to start without credentials", async () => {
    await expect(startWangsuCdnProSandbox({ credentials: [] })).rejects.toThrow(RangeError);
  });
});

describe("closing the Wangsu CDN Pro emulator", () => {
  it("returns promptly even while a delayed response is pending", async () => {
    const sandbox = await startWangsuCdnProSandbox({ credentials: [USER], now: () => NOW });
    sandbox.setFault({ kind: "delay", ms: 20_000 });
    const pending = request(`${sandbox.url}${LIST}`).then(
      () => "answered",
      () => "dropped",
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = performance.now();
    await sandbox.close();
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(await pending).toBe("dropped");
  });

  it("can be closed twice", async () => {
    const sandbox = await startWangsuCdnProSandbox({ credentials: [USER] });
    await sandbox.close();
    await expect(sandbox.close()).resolves.toBeUndefined();
  });
});
