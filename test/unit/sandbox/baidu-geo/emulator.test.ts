import { Agent, request } from "undici";
import { type BaiduGeoSandbox, startBaiduGeoSandbox } from "../../../../src/sandbox/baidu-geo";
import { formatUtcSeconds } from "../../../../src/sandbox/time";
import { signedGet, type SignedGetOptions } from "./signed-request.helper";

const CREDENTIALS = { accessKeyId: "sandbox-ak", secretAccessKey: "sandbox-sk" };
const START = Date.parse("2026-03-01T12:00:30Z");
const ANCHOR = Date.parse("2026-03-01T12:00:00Z");
const DAY = 24 * 60 * 60 * 1000;
const BIG_SITE = "www.example.com";

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  readonly json: unknown;
}

interface Page {
  readonly details: Array<{ id: string } & Record<string, unknown>>;
  readonly isTruncated: boolean;
  readonly nextMarker?: string;
}

let sandbox: BaiduGeoSandbox;
let agent: Agent;
let clockMs = START;

beforeAll(async () => {
  agent = new Agent({ keepAliveTimeout: 1_000 });
  sandbox = await startBaiduGeoSandbox({ credentials: [CREDENTIALS], now: () => new Date(clockMs) });
});

afterAll(async () => {
  await sandbox.close();
  await agent.close();
});

beforeEach(() => {
  clockMs = START;
  sandbox.setFault(null);
  sandbox.resetCalls();
});

async function send(
  url: string,
  init: { method?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const { statusCode, headers, body } = await request(url, {
    method: (init.method ?? "GET") as "GET",
    headers: init.headers ?? {},
    dispatcher: agent,
  });
  const text = await body.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: statusCode, headers, text, json };
}

function get(options: Partial<SignedGetOptions> = {}): Promise<Reply> {
  const { url, headers } = signedGet({
    baseUrl: sandbox.url,
    credentials: CREDENTIALS,
    at: new Date(clockMs),
    ...options,
  });
  return send(url, { headers });
}

const list = (query: Record<string, string | undefined>): Promise<Reply> => get({ query });

function iso(ms: number): string {
  return formatUtcSeconds(ms);
}

function expectBaiduError(reply: Reply, status: number, code: string): void {
  expect(reply.status).toBe(status);
  expect(reply.headers["content-type"]).toBe("application/json; charset=utf-8");
  const requestId = reply.headers["x-bce-request-id"];
  expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
  expect(reply.json).toEqual({ code, message: expect.any(String), requestId });
}

describe("the Baidu GEO sandbox", () => {
  it("listens on a loopback port and anchors its data at the start minute", () => {
    expect(sandbox.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sandbox.anchor.toISOString()).toBe(new Date(ANCHOR).toISOString());
    expect(sandbox.sites).toEqual(["www.example.com", "static.example.com", "img.example.net"]);
  });

  it("answers a signed request without times with the site's last 24 hours", async () => {
    const reply = await list({ site: BIG_SITE });
    expect(reply.status).toBe(200);
    expect(reply.headers["x-bce-request-id"]).toBeDefined();
    const page = reply.json as Page;
    const expected = sandbox.recordIds(BIG_SITE, { start: new Date(START - DAY), end: new Date(START) });
    expect(expected.length).toBeGreaterThan(0);
    expect(page.details.map((d) => d.id)).toEqual(expected);
    expect(page).toEqual({ details: expect.any(Array), isTruncated: false });
  });

  it("serialises each record exactly as record(id) shows it", async () => {
    const page = (await list({ site: BIG_SITE })).json as Page;
    for (const detail of page.details) expect(detail).toEqual(sandbox.record(detail.id));
  });

  describe("authentication", () => {
    it("rejects a request whose signature does not match with 403 SignatureDoesNotMatch", async () => {
      const reply = await get({
        query: { site: BIG_SITE },
        credentials: { ...CREDENTIALS, secretAccessKey: "wrong-sk" },
      });
      expectBaiduError(reply, 403, "SignatureDoesNotMatch");
    });

    it("rejects a signed query that was changed on the way", async () => {
      const { url, headers } = signedGet({
        baseUrl: sandbox.url,
        credentials: CREDENTIALS,
        at: new Date(clockMs),
        query: { site: BIG_SITE },
      });
      expectBaiduError(
        await send(url.replace(BIG_SITE, "static.example.com"), { headers }),
        403,
        "SignatureDoesNotMatch",
      );
    });

    it("rejects an unknown access key with 403 InvalidAccessKeyId", async () => {
      const reply = await get({
        query: { site: BIG_SITE },
        credentials: { ...CREDENTIALS, accessKeyId: "nobody" },
      });
      expectBaiduError(reply, 403, "InvalidAccessKeyId");
    });

    it("rejects a malformed Authorization header with 400 InvalidHTTPAuthHeader", async () => {
      const reply = await send(`${sandbox.url}/v2/geo/cache/prefetch?site=${BIG_SITE}`, {
        headers: { authorization: "Bearer abc" },
      });
      expectBaiduError(reply, 400, "InvalidHTTPAuthHeader");
    });

    it("rejects a request without an Authorization header with 403 AccessDenied", async () => {
      expectBaiduError(
        await send(`${sandbox.url}/v2/geo/cache/prefetch?site=${BIG_SITE}`),
        403,
        "AccessDenied",
      );
    });

    it("rejects a signature older than its expiration with 400 RequestExpired", async () => {
      const reply = await get({ query: { site: BIG_SITE }, at: new Date(START - 1801_000) });
      expectBaiduError(reply, 400, "RequestExpired");
    });

    it("accepts a signature still inside its expiration", async () => {
      expect((await get({ query: { site: BIG_SITE }, at: new Date(START - 1799_000) })).status).toBe(200);
    });

    it("tolerates a caller clock up to five minutes ahead, but not more", async () => {
      expect((await get({ query: { site: BIG_SITE }, at: new Date(START + 299_000) })).status).toBe(200);
      expectBaiduError(
        await get({ query: { site: BIG_SITE }, at: new Date(START + 301_000) }),
        400,
        "RequestExpired",
      );
    });

    it("rejects signed headers that leave out host", async () => {
      expectBaiduError(
        await get({ query: { site: BIG_SITE }, signedHeaders: ["x-bce-date"] }),
        400,
        "InvalidHTTPAuthHeader",
      );
    });

    it("accepts a signature over host alone", async () => {
      expect((await get({ query: { site: BIG_SITE }, signedHeaders: ["host"] })).status).toBe(200);
    });

    it("accepts an empty signedHeaders as the default set (host and x-bce-*)", async () => {
      expect((await get({ query: { site: BIG_SITE }, signedHeaders: [] })).status).toBe(200);
    });

    it("rejects a signed x-bce-date that differs from the auth timestamp", async () => {
      const reply = await get({ query: { site: BIG_SITE }, headers: { "x-bce-date": iso(START - 1000) } });
      expectBaiduError(reply, 400, "InvalidHTTPAuthHeader");
    });

    it("verifies extra signed headers such as content-type", async () => {
      const reply = await get({
        query: { site: BIG_SITE },
        headers: { "content-type": "application/json;charset=utf-8" },
        signedHeaders: ["content-type", "host", "x-bce-date"],
      });
      expect(reply.status).toBe(200);
    });
  });

  describe("query validation", () => {
    it("requires site", async () => {
      expectBaiduError(await list({ startTime: iso(ANCHOR - DAY) }), 400, "InvalidArgument");
    });

    it("answers an unknown site with empty details", async () => {
      const reply = await list({ site: "unknown.example.org" });
      expect(reply.status).toBe(200);
      expect(reply.json).toEqual({ details: [], isTruncated: false });
    });

    it.each(["2026-03-01T00:00:00.000Z", "2026-03-01 00:00:00", "2026-03-01T00:00:00+08:00", "1772323200"])(
      "rejects the timestamp %s",
      async (startTime) => {
        expectBaiduError(await list({ site: BIG_SITE, startTime }), 400, "InvalidArgument");
      },
    );

    it("rejects startTime later than endTime", async () => {
      const reply = await list({ site: BIG_SITE, startTime: iso(ANCHOR), endTime: iso(ANCHOR - 1000) });
      expectBaiduError(reply, 400, "InvalidArgument");
    });

    it("rejects a window longer than 30 days", async () => {
      const reply = await list({
        site: BIG_SITE,
        startTime: iso(ANCHOR - 30 * DAY - 1000),
        endTime: iso(ANCHOR),
      });
      expectBaiduError(reply, 400, "InvalidArgument");
    });

    it("accepts a window of exactly 30 days", async () => {
      expect(
        (await list({ site: BIG_SITE, startTime: iso(ANCHOR - 30 * DAY), endTime: iso(ANCHOR) })).status,
      ).toBe(200);
    });

    it("rejects a parameter given twice", async () => {
      const reply = await get({
        query: [
          ["site", BIG_SITE],
          ["site", "static.example.com"],
        ],
      });
      expectBaiduError(reply, 400, "InvalidArgument");
    });

    it("ignores parameters the API does not define, though they are signed", async () => {
      expect(
        (
          await get({
            query: [
              ["site", BIG_SITE],
              ["url", "https://www.example.com/"],
            ],
          })
        ).status,
      ).toBe(200);
    });

    it("treats a window bound as inclusive on both ends", async () => {
      const ids = sandbox.recordIds(BIG_SITE);
      const record = sandbox.record(ids[ids.length - 1]!) as { createdAt: string; id: string };
      const reply = await list({ site: BIG_SITE, startTime: record.createdAt, endTime: record.createdAt });
      expect((reply.json as Page).details.map((d) => d.id)).toContain(record.id);
    });
  });

  describe("paging", () => {
    async function collect(query: Record<string, string>): Promise<{ ids: string[]; pages: Page[] }> {
      const pages: Page[] = [];
      let marker: string | undefined;
      do {
        const reply = await list({ ...query, marker });
        expect(reply.status).toBe(200);
        const page = reply.json as Page;
        pages.push(page);
        marker = page.nextMarker;
      } while (marker !== undefined);
      return { ids: pages.flatMap((p) => p.details.map((d) => d.id)), pages };
    }

    it("pages a 30-day window of the big site, every record exactly once in recordIds order", async () => {
      const start = ANCHOR - 30 * DAY;
      const { ids, pages } = await collect({ site: BIG_SITE, startTime: iso(start), endTime: iso(ANCHOR) });
      expect(pages.length).toBeGreaterThan(1);
      expect(ids).toEqual(sandbox.recordIds(BIG_SITE, { start: new Date(start), end: new Date(ANCHOR) }));
      expect(new Set(ids).size).toBe(ids.length);
    });

    it("returns at most 100 records a page and a nextMarker only while truncated", async () => {
      const { pages } = await collect({
        site: BIG_SITE,
        startTime: iso(ANCHOR - 30 * DAY),
        endTime: iso(ANCHOR),
      });
      for (const page of pages.slice(0, -1)) {
        expect(page.details).toHaveLength(100);
        expect(page.isTruncated).toBe(true);
        expect(typeof page.nextMarker).toBe("string");
      }
      const last = pages[pages.length - 1]!;
      expect(last.details.length).toBeLessThanOrEqual(100);
      expect(last.isTruncated).toBe(false);
      expect("nextMarker" in last).toBe(false);
    });

    it("covers the whole seeded span with two adjacent 30-day windows", async () => {
      const older = await collect({
        site: BIG_SITE,
        startTime: iso(ANCHOR - 60 * DAY),
        endTime: iso(ANCHOR - 30 * DAY - 1000),
      });
      const newer = await collect({
        site: BIG_SITE,
        startTime: iso(ANCHOR - 30 * DAY),
        endTime: iso(ANCHOR),
      });
      expect([...older.ids, ...newer.ids]).toEqual(sandbox.recordIds(BIG_SITE));
    });

    it("rejects a marker used with a changed endTime", async () => {
      const first = (await list({ site: BIG_SITE, startTime: iso(ANCHOR - 30 * DAY), endTime: iso(ANCHOR) }))
        .json as Page;
      const reply = await list({
        site: BIG_SITE,
        startTime: iso(ANCHOR - 30 * DAY),
        endTime: iso(ANCHOR - 1000),
        marker: first.nextMarker,
      });
      expectBaiduError(reply, 400, "InvalidArgument");
    });

    it("rejects a marker used for another site", async () => {
      const window = { startTime: iso(ANCHOR - 30 * DAY), endTime: iso(ANCHOR) };
      const first = (await list({ site: BIG_SITE, ...window })).json as Page;
      const reply = await list({ site: "static.example.com", ...window, marker: first.nextMarker });
      expectBaiduError(reply, 400, "InvalidArgument");
    });

    it("rejects a garbled marker", async () => {
      const reply = await list({ site: BIG_SITE, marker: "definitely-not-a-marker" });
      expectBaiduError(reply, 400, "InvalidArgument");
    });

    it("rejects id together with marker", async () => {
      const id = sandbox.recordIds(BIG_SITE)[0]!;
      expectBaiduError(await list({ site: BIG_SITE, id, marker: "abc" }), 400, "InvalidArgument");
    });
  });

  describe("lookup by id", () => {
    it("returns the record of an id older than any time window, without times", async () => {
      const id = sandbox.recordIds(BIG_SITE)[0]!;
      const reply = await list({ site: BIG_SITE, id });
      expect(reply.status).toBe(200);
      expect(reply.json).toEqual({ details: [sandbox.record(id)], isTruncated: false });
    });

    it("answers an unknown id with empty details", async () => {
      const reply = await list({ site: BIG_SITE, id: "ffffffffffffffffffffffffffffffff" });
      expect(reply.json).toEqual({ details: [], isTruncated: false });
    });

    it("returns every record of a submission asked for by its submission id, in listing order", async () => {
      const ids = sandbox.recordIds(BIG_SITE);
      const byTask = new Map<string, string[]>();
      for (const id of ids) {
        const task = sandbox.submissionId(id)!;
        byTask.set(task, [...(byTask.get(task) ?? []), id]);
      }
      const [task, records] = [...byTask].find(([, r]) => r.length > 1)!;
      const reply = await list({ site: BIG_SITE, id: task });
      expect(reply.status).toBe(200);
      expect(reply.json).toEqual({ details: records.map((id) => sandbox.record(id)), isTruncated: false });
    });

    it("tells which submission a record belongs to, and nothing for an unknown record", () => {
      const id = sandbox.recordIds(BIG_SITE)[0]!;
      expect(sandbox.submissionId(id)).toMatch(/^[0-9a-f]{32}$/);
      expect(sandbox.submissionId(id)).not.toBe(id);
      expect(sandbox.submissionId("ffffffffffffffffffffffffffffffff")).toBeUndefined();
    });

    it("finds nothing for an id asked for under another site", async () => {
      const id = sandbox.recordIds(BIG_SITE)[0]!;
      expect((await list({ site: "static.example.com", id })).json).toEqual({
        details: [],
        isTruncated: false,
      });
    });
  });

  describe("routing", () => {
    it("answers another path with a Baidu-style 404", async () => {
      expectBaiduError(
        await get({ path: "/v2/geo/cache/purge", query: { site: BIG_SITE } }),
        404,
        "NotFound",
      );
    });

    it("answers another method with a Baidu-style 405 that allows GET", async () => {
      const reply = await send(`${sandbox.url}/v2/geo/cache/prefetch`, { method: "POST" });
      expectBaiduError(reply, 405, "MethodNotAllowed");
      expect(reply.headers.allow).toBe("GET");
    });
  });

  describe("faults", () => {
    it("answers an injected 503 with ServiceUnavailable for the given number of requests, then recovers", async () => {
      sandbox.setFault({ kind: "status", status: 503, times: 2 });
      expectBaiduError(await list({ site: BIG_SITE }), 503, "ServiceUnavailable");
      expectBaiduError(await list({ site: BIG_SITE }), 503, "ServiceUnavailable");
      expect((await list({ site: BIG_SITE })).status).toBe(200);
    });

    it("answers an injected 500 with InternalError until the fault is cleared", async () => {
      sandbox.setFault({ kind: "status", status: 500 });
      for (let i = 0; i < 3; i += 1) expectBaiduError(await list({ site: BIG_SITE }), 500, "InternalError");
      sandbox.setFault(null);
      expect((await list({ site: BIG_SITE })).status).toBe(200);
    });

    it("sends Retry-After with an injected 429 when asked to", async () => {
      sandbox.setFault({ kind: "status", status: 429, times: 1, retryAfterSeconds: 2 });
      const reply = await list({ site: BIG_SITE });
      expectBaiduError(reply, 429, "TooManyRequests");
      expect(reply.headers["retry-after"]).toBe("2");
    });

    it("delays the response by the injected delay, then answers normally", async () => {
      sandbox.setFault({ kind: "delay", ms: 150, times: 1 });
      const started = Date.now();
      const reply = await list({ site: BIG_SITE });
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
      expect(reply.status).toBe(200);
    });

    it("answers 200 with a body that is not JSON under a malformed fault", async () => {
      sandbox.setFault({ kind: "malformed", times: 1 });
      const reply = await list({ site: BIG_SITE });
      expect(reply.status).toBe(200);
      expect(() => JSON.parse(reply.text) as unknown).toThrow();
    });

    it("answers 200 with JSON of the wrong shape when asked to", async () => {
      sandbox.setFault({ kind: "malformed", body: "wrong-shape" });
      const reply = await list({ site: BIG_SITE });
      expect(reply.status).toBe(200);
      expect(Array.isArray((reply.json as { details: unknown }).details)).toBe(false);
    });

    it("refuses a fault that makes no sense", () => {
      expect(() => sandbox.setFault({ kind: "status", status: 200 })).toThrow(RangeError);
      expect(() => sandbox.setFault({ kind: "delay", ms: 10, times: 0 })).toThrow(RangeError);
    });
  });

  describe("call counts", () => {
    it("counts list calls and id lookups, failed authentication included", async () => {
      await list({ site: BIG_SITE });
      await list({ site: BIG_SITE, id: sandbox.recordIds(BIG_SITE)[0] });
      await get({ query: { site: BIG_SITE }, credentials: { ...CREDENTIALS, secretAccessKey: "wrong" } });
      await send(`${sandbox.url}/elsewhere`);
      expect(sandbox.calls()).toBe(4);
      expect(sandbox.calls("list")).toBe(2);
      expect(sandbox.calls("byId")).toBe(1);
    });

    it("counts requests that met an injected fault", async () => {
      sandbox.setFault({ kind: "status", status: 503, times: 1 });
      await list({ site: BIG_SITE });
      await list({ site: BIG_SITE });
      expect(sandbox.calls("list")).toBe(2);
    });

    it("starts again from zero after resetCalls", async () => {
      await list({ site: BIG_SITE });
      sandbox.resetCalls();
      expect(sandbox.calls()).toBe(0);
    });
  });
});

describe("a Baidu GEO sandbox that looks up submission ids only", () => {
  let strict: BaiduGeoSandbox;

  beforeAll(async () => {
    strict = await startBaiduGeoSandbox({
      credentials: [CREDENTIALS],
      now: () => new Date(START),
      idLookup: "task",
    });
  });

  afterAll(() => strict.close());

  const lookup = async (id: string): Promise<Page> => {
    const { url, headers } = signedGet({
      baseUrl: strict.url,
      credentials: CREDENTIALS,
      at: new Date(START),
      query: { site: BIG_SITE, id },
    });
    const reply = await send(url, { headers });
    expect(reply.status).toBe(200);
    return reply.json as Page;
  };

  it("answers a per-URL record id with empty details", async () => {
    const id = strict.recordIds(BIG_SITE)[0]!;
    expect(await lookup(id)).toEqual({ details: [], isTruncated: false });
  });

  it("answers a submission id with its records", async () => {
    const id = strict.recordIds(BIG_SITE)[0]!;
    const page = await lookup(strict.submissionId(id)!);
    expect(page.details.map((d) => d.id)).toContain(id);
    expect(page.details.every((d) => strict.submissionId(d.id) === strict.submissionId(id))).toBe(true);
  });

  it("refuses an idLookup it does not know", async () => {
    await expect(
      startBaiduGeoSandbox({ credentials: [], idLookup: "url" as unknown as "task" }),
    ).rejects.toThrow(RangeError);
  });
});

describe("a Baidu GEO sandbox's lifecycle", () => {
  it("serves the same data for the same seed and start minute", async () => {
    const a = await startBaiduGeoSandbox({ credentials: [], now: () => new Date(START), seed: 7 });
    const b = await startBaiduGeoSandbox({ credentials: [], now: () => new Date(START + 20_000), seed: 7 });
    try {
      expect(b.recordIds("static.example.com")).toEqual(a.recordIds("static.example.com"));
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it("closes promptly with idle keep-alive connections and a delayed response in flight", async () => {
    const local = await startBaiduGeoSandbox({ credentials: [CREDENTIALS], now: () => new Date(START) });
    const localAgent = new Agent({ keepAliveTimeout: 60_000 });
    try {
      const sign = (): ReturnType<typeof signedGet> =>
        signedGet({
          baseUrl: local.url,
          credentials: CREDENTIALS,
          at: new Date(START),
          query: { site: BIG_SITE },
        });
      const idle = sign();
      const first = await request(idle.url, { headers: idle.headers, dispatcher: localAgent });
      await first.body.dump();
      local.setFault({ kind: "delay", ms: 60_000 });
      const pending = sign();
      const stalled = request(pending.url, { headers: pending.headers, dispatcher: localAgent }).then(
        () => "answered",
        () => "cut off",
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      const started = Date.now();
      await local.close();
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(await stalled).toBe("cut off");
    } finally {
      await localAgent.close();
    }
  });

  it("can be closed twice", async () => {
    const local = await startBaiduGeoSandbox({ credentials: [] });
    await local.close();
    await expect(local.close()).resolves.toBeUndefined();
  });
});
