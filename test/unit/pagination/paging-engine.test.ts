import pino from "pino";
import { MockAgent } from "undici";
import { AppError } from "../../../src/errors/app-error";
import { UNLIMITED_BUDGET } from "../../../src/http/rate-budget";
import { CursorCodec } from "../../../src/pagination/cursor";
import { PagingEngine, type ConnectionRequest } from "../../../src/pagination/paging-engine";
import { BaiduGeoCredentials } from "../../../src/providers/baidu-geo/credentials";
import { createBaiduGeoProvider } from "../../../src/providers/baidu-geo/module";

/** The engine over the real Baidu provider, with the upstream mocked at the HTTP boundary (undici MockAgent). */
const ORIGIN = "https://geo.baidubce.com";
const now = new Date("2026-01-10T00:00:00Z");

function record(id: string, createdAt: string, status = "completed"): Record<string, unknown> {
  return {
    id,
    status,
    task: { url: `https://www.example.com/${id}` },
    createdAt,
    startedAt: createdAt,
    progress: 100,
  };
}

function setUp(
  pages: (query: URLSearchParams) => { details: unknown[]; isTruncated: boolean; nextMarker?: string },
) {
  const agent = new MockAgent();
  agent.disableNetConnect();
  let calls = 0;
  agent
    .get(ORIGIN)
    .intercept({ path: (p) => p.startsWith("/v2/geo/cache/prefetch"), method: "GET" })
    .reply((opts) => {
      calls++;
      return { statusCode: 200, data: JSON.stringify(pages(new URL(opts.path, ORIGIN).searchParams)) };
    })
    .persist();
  const provider = createBaiduGeoProvider(
    {
      name: "main",
      endpoint: ORIGIN,
      credentials: Object.assign(new BaiduGeoCredentials(), { accessKeyId: "ak", secretAccessKey: "sk" }),
      sandbox: false,
    },
    {
      dispatcherFor: () => agent,
      logger: pino({ level: "silent" }),

      budget: UNLIMITED_BUDGET,
    },
  );
  const engine = new PagingEngine(new CursorCodec(Buffer.from("s".repeat(32))));
  const request = (over: Partial<ConnectionRequest> = {}): ConnectionRequest => ({
    provider,
    site: "www.example.com",
    startTime: new Date("2026-01-01T00:00:00Z"),
    endTime: new Date("2026-01-02T00:00:00Z"),
    statuses: null,
    first: 10,
    after: null,
    now,
    ...over,
  });
  return { engine, request, calls: () => calls, close: () => agent.close() };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return err instanceof AppError ? err.code : String(err);
  }
  return "resolved";
}

describe("PagingEngine", () => {
  it("fails with UPSTREAM_BAD_RESPONSE instead of looping when a provider repeats its page token", async () => {
    const t = setUp(() => ({ details: [], isTruncated: true, nextMarker: "m1" }));
    expect(await codeOf(t.engine.page(t.request({ first: 1 })))).toBe("UPSTREAM_BAD_RESPONSE");
    expect(t.calls()).toBe(2);
    await t.close();
  });

  it("makes no upstream call for a status filter the provider can never match", async () => {
    const t = setUp(() => ({ details: [record("a", "2026-01-01T01:00:00Z")], isTruncated: false }));
    const conn = await t.engine.page(t.request({ statuses: ["PARTIALLY_COMPLETED"] }));
    expect(conn.edges).toEqual([]);
    expect(conn.pageInfo.hasNextPage).toBe(false);
    expect(t.calls()).toBe(0);
    await t.close();
  });

  it("looks past non-matching rows across pages to report hasNextPage exactly", async () => {
    const t = setUp((q) =>
      q.get("marker") === null
        ? {
            details: [record("a", "2026-01-01T01:00:00Z", "failed"), record("b", "2026-01-01T02:00:00Z")],
            isTruncated: true,
            nextMarker: "m1",
          }
        : { details: [record("c", "2026-01-01T03:00:00Z")], isTruncated: false },
    );
    const conn = await t.engine.page(t.request({ statuses: ["FAILED"], first: 1 }));
    expect(conn.edges.map((e) => e.node.ref.taskId)).toEqual(["a"]);
    expect(conn.pageInfo.hasNextPage).toBe(false);
    expect(t.calls()).toBe(2);
    await t.close();
  });

  it("clamps an end in the future to now and keeps that window for the rest of the pages", async () => {
    const seenEnds: string[] = [];
    const t = setUp((q) => {
      seenEnds.push(q.get("endTime") ?? "");
      return q.get("marker") === null
        ? {
            details: [record("a", "2026-01-09T01:00:00Z"), record("b", "2026-01-09T02:00:00Z")],
            isTruncated: true,
            nextMarker: "m1",
          }
        : { details: [record("c", "2026-01-09T03:00:00Z")], isTruncated: false };
    });
    const future = new Date("2026-02-01T00:00:00Z");
    const first = await t.engine.page(
      t.request({ startTime: new Date("2026-01-09T00:00:00Z"), endTime: future, first: 2 }),
    );
    const second = await t.engine.page(
      t.request({
        startTime: new Date("2026-01-09T00:00:00Z"),
        endTime: future,
        first: 2,
        after: first.pageInfo.endCursor,
        now: new Date("2026-01-11T00:00:00Z"),
      }),
    );
    expect(second.edges.map((e) => e.node.ref.taskId)).toEqual(["c"]);
    expect(new Set(seenEnds)).toEqual(new Set(["2026-01-10T00:00:00Z"]));
    await t.close();
  });

  it("refuses a cursor reused with other explicit times, or with explicit times it was issued without", async () => {
    const t = setUp(() => ({
      details: [record("a", "2026-01-01T01:00:00Z"), record("b", "2026-01-01T02:00:00Z")],
      isTruncated: false,
    }));
    const first = await t.engine.page(t.request({ first: 1 }));
    const after = first.pageInfo.endCursor;
    expect(await codeOf(t.engine.page(t.request({ after, endTime: new Date("2026-01-03T00:00:00Z") })))).toBe(
      "INVALID_CURSOR",
    );
    expect(await codeOf(t.engine.page(t.request({ after, startTime: null })))).toBe("INVALID_CURSOR");
    expect(await codeOf(t.engine.page(t.request({ after, site: "other.example.com" })))).toBe(
      "INVALID_CURSOR",
    );
    expect(await codeOf(t.engine.page(t.request({ after, statuses: ["FAILED"] })))).toBe("INVALID_CURSOR");
    expect((await t.engine.page(t.request({ after }))).edges.map((e) => e.node.ref.taskId)).toEqual(["b"]);
    await t.close();
  });
});
