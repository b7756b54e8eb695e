import { UpstreamError } from "../../../../src/errors/app-error";
import { finishedDetail, listRow } from "./fixtures";
import { CREDENTIALS, UpstreamMock, verifiesFor } from "./upstream-mock";

const DETAIL_PATH = "/cdn/prefetches/t1";
const WINDOW = { start: new Date("2024-05-01T00:00:00Z"), end: new Date("2024-05-02T00:00:00Z") };

async function rejection(promise: Promise<unknown>): Promise<UpstreamError> {
  const err: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UpstreamError);
  return err as UpstreamError;
}

describe("WangsuCdnProClient", () => {
  let upstream: UpstreamMock;

  beforeEach(() => {
    upstream = new UpstreamMock();
  });

  afterEach(async () => {
    await upstream.close();
  });

  describe("request signing", () => {
    it("sends a Date header and an Authorization that verifies for exactly that Date", async () => {
      upstream.on(DETAIL_PATH, { status: 200, body: finishedDetail("t1") });
      await upstream.client().client.getPrefetch({ id: "t1" });
      const [req] = upstream.seen;
      expect(req!.headers.Date).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
      expect(verifiesFor(req!.headers.Authorization, req!.headers.Date)).toBe(true);
    });

    it("asks for JSON", async () => {
      upstream.on(DETAIL_PATH, { status: 200, body: finishedDetail("t1") });
      await upstream.client().client.getPrefetch({ id: "t1" });
      expect(upstream.seen[0]!.headers.Accept).toBe("application/json");
    });

    it("signs each retry attempt with a fresh Date", async () => {
      let t = Date.UTC(2024, 4, 1, 0, 0, 0);
      const { client } = upstream.client({
        now: () => new Date((t += 1000)),
        retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1, retryStatuses: new Set([503]) },
      });
      upstream.on(DETAIL_PATH, { status: 503 });
      upstream.on(DETAIL_PATH, { status: 200, body: finishedDetail("t1") });
      await client.getPrefetch({ id: "t1" });
      const [first, second] = upstream.seen;
      expect(second!.headers.Date).not.toBe(first!.headers.Date);
      expect(verifiesFor(second!.headers.Authorization, second!.headers.Date)).toBe(true);
    });
  });

  describe("getPrefetch", () => {
    it("returns the narrowed detail of a known id", async () => {
      upstream.on(DETAIL_PATH, { status: 200, body: finishedDetail("t1") });
      const dto = await upstream.client().client.getPrefetch({ id: "t1" });
      expect(dto?.metadata.id).toBe("t1");
    });

    it("percent-encodes the id into the path", async () => {
      upstream.on("/cdn/prefetches/a%2Fb%3Fc", { status: 200, body: finishedDetail("a/b?c") });
      await upstream.client().client.getPrefetch({ id: "a/b?c" });
      expect(upstream.seen[0]!.path).toBe("/cdn/prefetches/a%2Fb%3Fc");
    });

    it.each([".", ".."])(
      "answers null for the id %j without a call: it would name another resource",
      async (id) => {
        expect(await upstream.client().client.getPrefetch({ id })).toBeNull();
        expect(upstream.seen).toHaveLength(0);
      },
    );

    it("returns null for 404 InvalidPrefetchTaskId", async () => {
      upstream.on(DETAIL_PATH, {
        status: 404,
        body: { code: "InvalidPrefetchTaskId", message: "The specified prefetch task ID does not exist." },
      });
      expect(await upstream.client().client.getPrefetch({ id: "t1" })).toBeNull();
    });

    it("returns null for a 404 without a body", async () => {
      upstream.on(DETAIL_PATH, { status: 404 });
      expect(await upstream.client().client.getPrefetch({ id: "t1" })).toBeNull();
    });

    it("records a 404 as a successful call", async () => {
      upstream.on(DETAIL_PATH, { status: 404, body: { code: "InvalidPrefetchTaskId" } });
      const { client } = upstream.client();
      await client.getPrefetch({ id: "t1" });
      expect(client.lastOutcome()).toMatchObject({ ok: true });
    });

    it("turns 401 into UPSTREAM_AUTH_FAILED naming the upstream code", async () => {
      upstream.on(DETAIL_PATH, {
        status: 401,
        body: { code: "Unauthorized", message: "bad example_username" },
      });
      const err = await rejection(upstream.client().client.getPrefetch({ id: "t1" }));
      expect(err.code).toBe("UPSTREAM_AUTH_FAILED");
      expect(err.extensions).toMatchObject({
        provider: "WANGSU_CDN_PRO",
        upstreamStatus: 401,
        upstreamCode: "Unauthorized",
      });
      expect(err.message).toContain("Wangsu CDN Pro");
    });

    it("never puts the credentials in an error", async () => {
      upstream.on(DETAIL_PATH, {
        status: 401,
        body: { code: "Unauthorized", message: "bad example_username" },
      });
      const err = await rejection(upstream.client().client.getPrefetch({ id: "t1" }));
      const shown = JSON.stringify({ message: err.message, extensions: err.extensions });
      expect(shown).not.toContain(CREDENTIALS.username);
      expect(shown).not.toContain(CREDENTIALS.apiKey);
    });

    it("turns 403 into UPSTREAM_AUTH_FAILED", async () => {
      upstream.on(DETAIL_PATH, { status: 403 });
      expect((await rejection(upstream.client().client.getPrefetch({ id: "t1" }))).code).toBe(
        "UPSTREAM_AUTH_FAILED",
      );
    });

    it("turns 429 into UPSTREAM_RATE_LIMITED carrying Retry-After", async () => {
      upstream.on(DETAIL_PATH, { status: 429, headers: { "retry-after": "30" } });
      const err = await rejection(upstream.client().client.getPrefetch({ id: "t1" }));
      expect(err.code).toBe("UPSTREAM_RATE_LIMITED");
      expect(err.extensions.retryAfter).toBe(30);
    });

    it("turns another 4xx into UPSTREAM_BAD_REQUEST", async () => {
      upstream.on(DETAIL_PATH, { status: 400, body: { code: "InvalidParameter", message: "nope" } });
      const err = await rejection(upstream.client().client.getPrefetch({ id: "t1" }));
      expect(err.code).toBe("UPSTREAM_BAD_REQUEST");
      expect(err.extensions.upstreamCode).toBe("InvalidParameter");
    });

    it("turns 5xx into UPSTREAM_UNAVAILABLE", async () => {
      upstream.on(DETAIL_PATH, { status: 502, body: "<html>Bad Gateway</html>" });
      expect((await rejection(upstream.client().client.getPrefetch({ id: "t1" }))).code).toBe(
        "UPSTREAM_UNAVAILABLE",
      );
    });

    it("turns a 200 that is not JSON into UPSTREAM_BAD_RESPONSE", async () => {
      upstream.on(DETAIL_PATH, { status: 200, body: "<html>maintenance</html>" });
      expect((await rejection(upstream.client().client.getPrefetch({ id: "t1" }))).code).toBe(
        "UPSTREAM_BAD_RESPONSE",
      );
    });

    it("turns a 200 of the wrong shape into UPSTREAM_BAD_RESPONSE", async () => {
      upstream.on(DETAIL_PATH, { status: 200, body: { fileList: "nope" } });
      expect((await rejection(upstream.client().client.getPrefetch({ id: "t1" }))).code).toBe(
        "UPSTREAM_BAD_RESPONSE",
      );
    });

    it("records a failed call with its code", async () => {
      upstream.on(DETAIL_PATH, { status: 401 });
      const { client } = upstream.client();
      await rejection(client.getPrefetch({ id: "t1" }));
      expect(client.lastOutcome()).toMatchObject({ ok: false, code: "UPSTREAM_AUTH_FAILED" });
    });
  });

  describe("listPrefetches", () => {
    const isList = (p: string) => p.startsWith("/cdn/prefetches?");

    it("sends the window, offset, limit and newest-first order in the query string", async () => {
      upstream.on(isList, { status: 200, body: { count: 0, prefetchRequests: [] } });
      await upstream.client().client.listPrefetches({ window: WINDOW, offset: 400, limit: 200 });
      expect(upstream.seen[0]!.path).toBe(
        "/cdn/prefetches?startdate=2024-05-01T00%3A00%3A00Z&enddate=2024-05-02T00%3A00%3A00Z" +
          "&offset=400&limit=200&sortBy=submissionTime&sortOrder=desc",
      );
    });

    it("appends search when given", async () => {
      upstream.on(isList, { status: 200, body: { count: 0, prefetchRequests: [] } });
      await upstream
        .client()
        .client.listPrefetches({ window: WINDOW, offset: 0, limit: 200, search: "a.example.com" });
      expect(upstream.seen[0]!.path).toMatch(/&sortOrder=desc&search=a\.example\.com$/);
    });

    it("returns the narrowed page", async () => {
      upstream.on(isList, {
        status: 200,
        body: { count: 7, prefetchRequests: [listRow("r1", ["a.example.com"])] },
      });
      const page = await upstream.client().client.listPrefetches({ window: WINDOW, offset: 0, limit: 200 });
      expect(page.count).toBe(7);
      expect(page.prefetchRequests.map((r) => r.id)).toEqual(["r1"]);
    });

    it("refuses a limit above the documented 200 without calling upstream", async () => {
      await expect(
        upstream.client().client.listPrefetches({ window: WINDOW, offset: 0, limit: 201 }),
      ).rejects.toThrow(RangeError);
      expect(upstream.seen).toHaveLength(0);
    });

    it("treats a 404 on the list as UPSTREAM_BAD_REQUEST, not as an empty page", async () => {
      upstream.on(isList, { status: 404 });
      const err = await rejection(
        upstream.client().client.listPrefetches({ window: WINDOW, offset: 0, limit: 200 }),
      );
      expect(err.code).toBe("UPSTREAM_BAD_REQUEST");
    });
  });
});
