import { startWangsuCdnProSandbox, type WangsuCdnProSandbox } from "../../../../src/sandbox/wangsu-cdn-pro";
import { NOW, OTHER_USER, USER, basicAuthorization, call } from "./sandbox-client";

let sandbox: WangsuCdnProSandbox;
let taskPath: string;

beforeAll(async () => {
  sandbox = await startWangsuCdnProSandbox({ credentials: [USER, OTHER_USER], now: () => NOW });
  taskPath = `/cdn/prefetches/${sandbox.taskIds({ start: new Date(0), end: sandbox.anchor })[0]!}`;
});

afterAll(async () => {
  await sandbox.close();
});

describe("the Wangsu CDN Pro emulator's authentication", () => {
  it("answers a request signed over its Date header", async () => {
    expect((await call(sandbox, taskPath)).status).toBe(200);
  });

  it("accepts every configured user", async () => {
    expect((await call(sandbox, taskPath, { user: OTHER_USER })).status).toBe(200);
  });

  it("verifies against x-cnc-date when the client sends one", async () => {
    const dateValue = NOW.toUTCString();
    const res = await call(sandbox, taskPath, {
      user: null,
      headers: {
        date: "Mon, 01 Jan 2001 00:00:00 GMT",
        "x-cnc-date": dateValue,
        authorization: basicAuthorization(USER.username, USER.apiKey, dateValue),
      },
    });
    expect(res.status).toBe(200);
  });

  it("refuses a wrong password with 401 AuthenticationFailed", async () => {
    const res = await call(sandbox, taskPath, { user: { username: USER.username, apiKey: "not-the-key" } });
    expect(res.status).toBe(401);
    expect(res.json()).toEqual({ code: "AuthenticationFailed", message: expect.any(String) });
  });

  it("announces the Basic scheme on a 401", async () => {
    const res = await call(sandbox, taskPath, { user: { username: USER.username, apiKey: "not-the-key" } });
    expect(res.headers["www-authenticate"]).toMatch(/^Basic /);
  });

  it("refuses an unknown user exactly as it refuses a wrong password", async () => {
    const unknown = await call(sandbox, taskPath, { user: { username: "stranger", apiKey: USER.apiKey } });
    const wrong = await call(sandbox, taskPath, { user: { username: USER.username, apiKey: "not-the-key" } });
    expect(unknown.status).toBe(401);
    expect(unknown.json()).toEqual(wrong.json());
  });

  it("refuses a request without credentials", async () => {
    const res = await call(sandbox, taskPath, { user: null });
    expect(res.status).toBe(401);
    expect(res.json()).toMatchObject({ code: "AuthenticationFailed" });
  });

  it("refuses a Date more than five minutes off with 401 RequestTimeTooSkewed", async () => {
    const res = await call(sandbox, taskPath, { date: new Date(NOW.getTime() + 301_000) });
    expect(res.status).toBe(401);
    expect(res.json()).toMatchObject({ code: "RequestTimeTooSkewed" });
  });

  it("tolerates a Date a little under five minutes off", async () => {
    expect((await call(sandbox, taskPath, { date: new Date(NOW.getTime() - 299_000) })).status).toBe(200);
  });

  it("refuses a Date that is not RFC 1123 GMT with 401 InvalidDate", async () => {
    const date = NOW.toISOString();
    const res = await call(sandbox, taskPath, {
      user: null,
      headers: { date, authorization: basicAuthorization(USER.username, USER.apiKey, date) },
    });
    expect(res.status).toBe(401);
    expect(res.json()).toMatchObject({ code: "InvalidDate" });
  });

  it("honours a custom clock-skew tolerance", async () => {
    const strict = await startWangsuCdnProSandbox({
      credentials: [USER],
      now: () => NOW,
      maxClockSkewSeconds: 10,
    });
    try {
      const res = await call(strict, "/cdn/prefetches", { date: new Date(NOW.getTime() + 11_000) });
      expect(res.json()).toMatchObject({ code: "RequestTimeTooSkewed" });
    } finally {
      await strict.close();
    }
  });
});
