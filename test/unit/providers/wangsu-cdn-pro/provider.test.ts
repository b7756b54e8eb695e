import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Agent } from "undici";
import { PrefetchStatus } from "../../../../src/domain/prefetch-status";
import type { PrefetchTask, TaskRef } from "../../../../src/domain/prefetch-task";
import { AppError, UpstreamError } from "../../../../src/errors/app-error";
import { wangsuCdnProModule } from "../../../../src/providers/wangsu-cdn-pro";
import { finishedDetail, listRow } from "./fixtures";
import { ACCOUNT, createProvider, UpstreamMock } from "./upstream-mock";

const WINDOW = { start: new Date("2024-05-01T00:00:00Z"), end: new Date("2024-05-02T00:00:00Z") };
const isList = (p: string) => p.startsWith("/cdn/prefetches?");

function ref(taskId: string, account = ACCOUNT): TaskRef {
  return { provider: "WANGSU_CDN_PRO", account, taskId, site: null };
}

function queryOf(path: string): URLSearchParams {
  return new URL(path, "http://x").searchParams;
}

describe("wangsuCdnProModule", () => {
  it("declares 200-row pages, a 30-day window, newest-first order and no site requirement", () => {
    expect(wangsuCdnProModule.capabilities).toEqual({
      pageSize: 200,
      maxWindowMs: 30 * 24 * 60 * 60 * 1000,
      order: "desc",
      orderDocumented: true,
      siteRequired: false,
      listRowsComplete: false,
      statuses: ["WAITING", "IN_PROGRESS", "COMPLETED", "PARTIALLY_COMPLETED", "FAILED"],
    });
  });

  it("defaults to the documented endpoint and call budget", () => {
    expect(wangsuCdnProModule.defaultEndpoint).toBe("https://open.chinanetcenter.com");
    expect(wangsuCdnProModule.defaultRateLimit).toEqual({ points: 300, durationSeconds: 300 });
  });

  it("names its environment variables", () => {
    expect(wangsuCdnProModule.env).toEqual({
      endpoint: "WANGSU_CDNPRO_ENDPOINT",
      credentials: { username: "WANGSU_CDNPRO_USERNAME", apiKey: "WANGSU_CDNPRO_API_KEY" },
    });
  });

  it("describes the account without its credentials", async () => {
    const upstream = new UpstreamMock();
    expect(upstream.provider().account).toEqual({
      name: ACCOUNT,
      provider: "WANGSU_CDN_PRO",
      endpoint: "https://open.chinanetcenter.com",
      sandbox: false,
    });
    await upstream.close();
  });
});

describe("WangsuCdnProProvider", () => {
  let upstream: UpstreamMock;

  beforeEach(() => {
    upstream = new UpstreamMock();
  });

  afterEach(async () => {
    await upstream.close();
  });

  describe("listPage", () => {
    it("asks for the first 200 rows at offset 0 when there is no page token", async () => {
      upstream.on(isList, { status: 200, body: { count: 0, prefetchRequests: [] } });
      await upstream.provider().listPage({ site: null, window: WINDOW }, null);
      const q = queryOf(upstream.seen[0]!.path);
      expect([q.get("offset"), q.get("limit")]).toEqual(["0", "200"]);
    });

    it("maps rows in upstream order as partial tasks", async () => {
      upstream.on(isList, {
        status: 200,
        body: {
          count: 2,
          prefetchRequests: [listRow("r2", ["a.example.com"]), listRow("r1", ["b.example.com"])],
        },
      });
      const page = await upstream.provider().listPage({ site: null, window: WINDOW }, null);
      expect(page.tasks.map((t) => [t.ref.taskId, t.site, t.status])).toEqual([
        ["r2", "a.example.com", PrefetchStatus.COMPLETED],
        ["r1", "b.example.com", PrefetchStatus.COMPLETED],
      ]);
      expect(page.tasks[0]!.missing.has("targets")).toBe(true);
    });

    it("hands out the next offset while rows remain", async () => {
      upstream.on(isList, { status: 200, body: { count: 450, prefetchRequests: [] } });
      const page = await upstream.provider().listPage({ site: null, window: WINDOW }, null);
      expect(page.nextPageToken).toBe("200");
    });

    it("resumes at the offset its page token names", async () => {
      upstream.on(isList, { status: 200, body: { count: 450, prefetchRequests: [] } });
      const page = await upstream.provider().listPage({ site: null, window: WINDOW }, "200");
      expect(queryOf(upstream.seen[0]!.path).get("offset")).toBe("200");
      expect(page.nextPageToken).toBe("400");
    });

    it("ends paging on the page that reaches count", async () => {
      upstream.on(isList, { status: 200, body: { count: 450, prefetchRequests: [] } });
      expect(
        (await upstream.provider().listPage({ site: null, window: WINDOW }, "400")).nextPageToken,
      ).toBeNull();
    });

    it("ends paging when the page ends exactly at count", async () => {
      upstream.on(isList, { status: 200, body: { count: 400, prefetchRequests: [] } });
      expect(
        (await upstream.provider().listPage({ site: null, window: WINDOW }, "200")).nextPageToken,
      ).toBeNull();
    });

    it("searches upstream for the site", async () => {
      upstream.on(isList, { status: 200, body: { count: 0, prefetchRequests: [] } });
      await upstream.provider().listPage({ site: "a.example.com", window: WINDOW }, null);
      expect(queryOf(upstream.seen[0]!.path).get("search")).toBe("a.example.com");
    });

    it("keeps only rows whose hostnames include the site exactly", async () => {
      upstream.on(isList, {
        status: 200,
        body: {
          count: 5,
          prefetchRequests: [
            listRow("exact", ["a.example.com"]),
            listRow("longer", ["aa.example.com"]),
            listRow("suffix", ["a.example.com.cn"]),
            listRow("by-name", ["b.example.com"], { name: "warm a.example.com" }),
            listRow("among-several", ["b.example.com", "A.example.com"]),
            listRow("no-hostnames", undefined),
          ],
        },
      });
      const page = await upstream.provider().listPage({ site: "a.example.com", window: WINDOW }, null);
      expect(page.tasks.map((t) => t.ref.taskId)).toEqual(["exact", "among-several"]);
    });

    it("pages by the upstream offset even when the site filter drops rows", async () => {
      upstream.on(isList, {
        status: 200,
        body: { count: 300, prefetchRequests: [listRow("other", ["b.example.com"])] },
      });
      const page = await upstream.provider().listPage({ site: "a.example.com", window: WINDOW }, null);
      expect(page.tasks).toHaveLength(0);
      expect(page.nextPageToken).toBe("200");
    });

    it("rejects a page token that is not an offset as an invalid cursor", async () => {
      await expect(upstream.provider().listPage({ site: null, window: WINDOW }, "abc")).rejects.toMatchObject(
        {
          code: "INVALID_CURSOR",
        },
      );
    });
  });

  describe("getTasks", () => {
    it("returns complete tasks in the order of the refs", async () => {
      upstream.on("/cdn/prefetches/t1", { status: 200, body: finishedDetail("t1") });
      upstream.on("/cdn/prefetches/t2", { status: 200, body: finishedDetail("t2", 0) });
      const tasks = await upstream.provider().getTasks([ref("t2"), ref("t1")]);
      expect(tasks.map((t) => (t as PrefetchTask).ref.taskId)).toEqual(["t2", "t1"]);
      expect((tasks[0] as PrefetchTask).status).toBe(PrefetchStatus.FAILED);
      expect((tasks[1] as PrefetchTask).missing.size).toBe(0);
    });

    it("calls upstream once for a ref asked for twice", async () => {
      upstream.on("/cdn/prefetches/t1", { status: 200, body: finishedDetail("t1") });
      const tasks = await upstream.provider().getTasks([ref("t1"), ref("t1")]);
      expect(upstream.seen).toHaveLength(1);
      expect(tasks).toHaveLength(2);
      expect(tasks[1]).toBe(tasks[0]);
    });

    it("answers null for an id Wangsu does not know", async () => {
      upstream.on("/cdn/prefetches/gone", { status: 404, body: { code: "InvalidPrefetchTaskId" } });
      upstream.on("/cdn/prefetches/t1", { status: 200, body: finishedDetail("t1") });
      const tasks = await upstream.provider().getTasks([ref("gone"), ref("t1")]);
      expect(tasks[0]).toBeNull();
      expect((tasks[1] as PrefetchTask).ref.taskId).toBe("t1");
    });

    it("returns the error of a failed key in its place and the other keys' tasks", async () => {
      upstream.on("/cdn/prefetches/t1", { status: 200, body: finishedDetail("t1") });
      upstream.on("/cdn/prefetches/broken", { status: 200, body: { fileList: 1 } });
      const tasks = await upstream.provider().getTasks([ref("t1"), ref("broken")]);
      expect((tasks[0] as PrefetchTask).ref.taskId).toBe("t1");
      expect(tasks[1]).toBeInstanceOf(UpstreamError);
      expect((tasks[1] as UpstreamError).code).toBe("UPSTREAM_BAD_RESPONSE");
    });

    it("answers an Error, without a call, for a ref of another account", async () => {
      const tasks = await upstream.provider().getTasks([ref("t1", "other")]);
      expect(tasks[0]).toBeInstanceOf(Error);
      expect(tasks[0]).not.toBeInstanceOf(AppError);
      expect(upstream.seen).toHaveLength(0);
    });

    it("answers an empty list for no refs", async () => {
      expect(await upstream.provider().getTasks([])).toEqual([]);
    });
  });

  describe("lastOutcome", () => {
    it("is null before any call", () => {
      expect(upstream.provider().lastOutcome()).toBeNull();
    });

    it("reports the last call's failure code", async () => {
      upstream.on("/cdn/prefetches/t1", { status: 403 });
      const provider = upstream.provider();
      await provider.getTasks([ref("t1")]);
      expect(provider.lastOutcome()).toMatchObject({ ok: false, code: "UPSTREAM_AUTH_FAILED" });
    });
  });
});

describe("WangsuCdnProProvider against a real HTTP server", () => {
  let server: Server;
  let endpoint: string;
  let agent: Agent;
  let inFlight = 0;
  let maxInFlight = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const id = decodeURIComponent((req.url ?? "").split("/").pop() ?? "");
      setTimeout(() => {
        inFlight--;
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(finishedDetail(id)));
      }, 20);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    agent = new Agent({ connections: 32 });
  });

  afterAll(async () => {
    await agent.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("keeps at most eight detail calls in flight per account (the UpstreamHttp default)", async () => {
    const provider = createProvider(() => agent, endpoint);
    const refs = Array.from({ length: 20 }, (_, i) => ref(`t${i}`));
    const tasks = await provider.getTasks(refs);
    expect(tasks.map((t) => (t as PrefetchTask).ref.taskId)).toEqual(refs.map((r) => r.taskId));
    expect(maxInFlight).toBe(8);
  });
});
