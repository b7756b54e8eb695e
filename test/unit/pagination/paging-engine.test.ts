import pino from "pino";
import { MockAgent } from "undici";
import { UNLIMITED_BUDGET } from "../../../src/http/rate-budget";
import { CursorCodec } from "../../../src/pagination/cursor";
import type { Direction } from "../../../src/pagination/list-order";
import {
  PagingEngine,
  type ConnectionRequest,
  type PrefetchConnection,
} from "../../../src/pagination/paging-engine";
import { BaiduGeoCredentials } from "../../../src/providers/baidu-geo/credentials";
import { createBaiduGeoProvider } from "../../../src/providers/baidu-geo/module";
import { rejectionCode } from "../../support/error-codes";
import { rowsListed } from "../../support/tasks";

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
  nowStepMs?: number,
  /** The account's list order as already learnt; absent, the engine starts from Baidu's guess. */
  learnt?: Direction,
) {
  const agent = new MockAgent();
  agent.disableNetConnect();
  let calls = 0;
  const endTimes: string[] = [];
  agent
    .get(ORIGIN)
    .intercept({ path: (p) => p.startsWith("/v2/geo/cache/prefetch"), method: "GET" })
    .reply((opts) => {
      calls++;
      endTimes.push(new URL(opts.path, ORIGIN).searchParams.get("endTime") ?? "");
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
  const engine = new PagingEngine(new CursorCodec(Buffer.from("s".repeat(32))), nowStepMs);
  if (learnt) engine.orders.observe(provider, rowsListed(learnt));
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
  return { engine, provider, request, calls: () => calls, endTimes, close: () => agent.close() };
}

describe("PagingEngine", () => {
  it("ends a window that ends now at now floored to its step, so clients within one step ask the same", async () => {
    const t = setUp(() => ({ details: [], isTruncated: false }), 5_000);
    const at = (iso: string) => t.request({ startTime: null, endTime: null, now: new Date(iso) });
    await t.engine.page(at("2026-01-10T00:00:05.200Z"));
    await t.engine.page(at("2026-01-10T00:00:09.900Z"));
    await t.engine.page(at("2026-01-10T00:00:10.100Z"));
    expect(t.endTimes).toEqual(["2026-01-10T00:00:05Z", "2026-01-10T00:00:05Z", "2026-01-10T00:00:10Z"]);
    await t.close();
  });

  it("fails with UPSTREAM_BAD_RESPONSE instead of looping when a provider repeats its page token", async () => {
    const t = setUp(() => ({ details: [], isTruncated: true, nextMarker: "m1" }));
    expect(await rejectionCode(t.engine.page(t.request({ first: 1 })))).toBe("UPSTREAM_BAD_RESPONSE");
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

  describe("hasNextPage, from the provider's own signal", () => {
    const taskIds = (conn: PrefetchConnection): string[] => conn.edges.map((e) => e.node.ref.taskId);

    /** One window over two upstream pages: a (failed) and b, then c; the first says more follows. */
    const twoPages = (q: URLSearchParams) =>
      q.get("marker") === null
        ? {
            details: [record("a", "2026-01-01T01:00:00Z", "failed"), record("b", "2026-01-01T02:00:00Z")],
            isTruncated: true,
            nextMarker: "m1",
          }
        : { details: [record("c", "2026-01-01T03:00:00Z")], isTruncated: false };

    it("says true at one call when the page is full and the provider gave a next page token", async () => {
      const t = setUp(twoPages);
      const conn = await t.engine.page(t.request({ first: 2 }));
      expect(taskIds(conn)).toEqual(["a", "b"]);
      expect(conn.pageInfo.hasNextPage).toBe(true);
      expect(t.calls()).toBe(1);
      await t.close();
    });

    it("says true at one call with a status filter too, optimistically: the rows that follow may all be dropped", async () => {
      const t = setUp(twoPages);
      const conn = await t.engine.page(t.request({ statuses: ["FAILED"], first: 1 }));
      expect(taskIds(conn)).toEqual(["a"]);
      expect(conn.pageInfo.hasNextPage).toBe(true);
      expect(t.calls()).toBe(1);
      // c, the only row that follows, is not failed: the next connection page is empty, and the last.
      const next = await t.engine.page(
        t.request({ statuses: ["FAILED"], first: 1, after: conn.pageInfo.endCursor }),
      );
      expect(next.edges).toEqual([]);
      expect(next.pageInfo.hasNextPage).toBe(false);
      // The scan it was spared: the first upstream page again (the cursor points inside it), then the second.
      expect(t.calls()).toBe(3);
      await t.close();
    });

    it("says false at one call on a full last page: no token, and no further part of the window", async () => {
      const t = setUp(() => ({
        details: [record("a", "2026-01-01T01:00:00Z"), record("b", "2026-01-01T02:00:00Z")],
        isTruncated: false,
      }));
      const conn = await t.engine.page(t.request({ first: 2 }));
      expect(taskIds(conn)).toEqual(["a", "b"]);
      expect(conn.pageInfo.hasNextPage).toBe(false);
      expect(t.calls()).toBe(1);
      await t.close();
    });

    /** 35 days: two parts of Baidu's 30-day maximum, the first page of each told apart by its startTime. */
    const splitWindow = {
      startTime: new Date("2025-12-01T00:00:00Z"),
      endTime: new Date("2026-01-05T00:00:00Z"),
    };
    const SECOND_PART_START = "2025-12-31T00:00:00Z";
    const twoParts = (secondPart: unknown[], starts: string[]) => (q: URLSearchParams) => {
      starts.push(q.get("startTime") ?? "");
      return q.get("startTime") === SECOND_PART_START
        ? { details: secondPart, isTruncated: false }
        : { details: [record("a", "2025-12-02T00:00:00Z", "failed")], isTruncated: false };
    };

    it.each([
      { nextPart: "holds a row", rows: [record("c", "2026-01-02T00:00:00Z")], hasNextPage: true },
      { nextPart: "is empty", rows: [], hasNextPage: false },
    ])(
      "looks one call into the next part of a split window where a full page ends a part, unfiltered, and says $hasNextPage where it $nextPart",
      async ({ rows, hasNextPage }) => {
        const starts: string[] = [];
        const t = setUp(twoParts(rows, starts), undefined, "asc");
        const conn = await t.engine.page(t.request({ ...splitWindow, first: 1 }));
        expect(taskIds(conn)).toEqual(["a"]);
        expect(conn.pageInfo.hasNextPage).toBe(hasNextPage);
        expect(starts).toEqual(["2025-12-01T00:00:00Z", SECOND_PART_START]);
        expect(t.calls()).toBe(2);
        await t.close();
      },
    );

    it("says true without looking into the next part of a split window where a filter is set (optimistic)", async () => {
      const starts: string[] = [];
      const t = setUp(twoParts([], starts), undefined, "asc");
      const conn = await t.engine.page(t.request({ ...splitWindow, statuses: ["FAILED"], first: 1 }));
      expect(taskIds(conn)).toEqual(["a"]);
      expect(conn.pageInfo.hasNextPage).toBe(true);
      expect(starts).toEqual(["2025-12-01T00:00:00Z"]);
      await t.close();
    });

    it("makes no call for first: 0, and says false", async () => {
      const t = setUp(twoPages);
      const conn = await t.engine.page(t.request({ first: 0 }));
      expect(conn.edges).toEqual([]);
      expect(conn.pageInfo).toEqual({
        hasNextPage: false,
        hasPreviousPage: false,
        startCursor: null,
        endCursor: null,
      });
      expect(t.calls()).toBe(0);
      await t.close();
    });
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
    expect(
      await rejectionCode(t.engine.page(t.request({ after, endTime: new Date("2026-01-03T00:00:00Z") }))),
    ).toBe("INVALID_CURSOR");
    expect(await rejectionCode(t.engine.page(t.request({ after, startTime: null })))).toBe("INVALID_CURSOR");
    expect(await rejectionCode(t.engine.page(t.request({ after, site: "other.example.com" })))).toBe(
      "INVALID_CURSOR",
    );
    expect(await rejectionCode(t.engine.page(t.request({ after, statuses: ["FAILED"] })))).toBe(
      "INVALID_CURSOR",
    );
    expect((await t.engine.page(t.request({ after }))).edges.map((e) => e.node.ref.taskId)).toEqual(["b"]);
    await t.close();
  });

  describe("an undocumented list order (Baidu's), learnt from the rows", () => {
    /** 45 days: two of Baidu's 30-day parts whatever the direction they are chained in. */
    const longWindow = {
      startTime: new Date("2025-11-20T00:00:00Z"),
      endTime: new Date("2026-01-04T00:00:00Z"),
    };
    /** 260 records over the window, every fifth created in the same second as the one before it. */
    const records = Array.from({ length: 260 }, (_, i) => {
      const k = i - Math.floor(i / 5);
      const at = new Date(longWindow.startTime.getTime() + 60_000 + k * 4 * 3600_000);
      return record(`r${String(i).padStart(3, "0")}`, at.toISOString().replace(".000Z", "Z"));
    });
    /** Baidu listing `records` in `order`, 100 a page, markers being offsets: rows inside [startTime, endTime]. */
    const baiduListing = (order: Direction) => (q: URLSearchParams) => {
      const from = Date.parse(q.get("startTime") ?? "");
      const to = Date.parse(q.get("endTime") ?? "");
      const inWindow = records.filter((r) => {
        const t = Date.parse(r["createdAt"] as string);
        return t >= from && t <= to;
      });
      if (order === "desc") inWindow.reverse();
      const offset = Number(q.get("marker") ?? "0");
      const next = offset + 100;
      return next < inWindow.length
        ? { details: inWindow.slice(offset, next), isTruncated: true, nextMarker: String(next) }
        : { details: inWindow.slice(offset), isTruncated: false };
    };
    const pageAll = async (t: ReturnType<typeof setUp>, first: number) => {
      const ids: string[] = [];
      let after: string | null = null;
      for (let pages = 0; pages < 100; pages++) {
        const conn: PrefetchConnection = await t.engine.page(t.request({ ...longWindow, first, after }));
        ids.push(...taskIds(conn));
        if (!conn.pageInfo.hasNextPage) return ids;
        after = conn.pageInfo.endCursor;
      }
      throw new Error("did not end");
    };
    const taskIds = (conn: PrefetchConnection) => conn.edges.map((e) => e.node.ref.taskId);
    const createdAtOf = (id: string) =>
      Date.parse(records.find((r) => r["id"] === id)?.["createdAt"] as string);

    it.each([
      { listed: "asc", learnt: undefined, extraCalls: 1 },
      { listed: "asc", learnt: "asc", extraCalls: 0 },
      { listed: "desc", learnt: undefined, extraCalls: 0 },
      { listed: "desc", learnt: "desc", extraCalls: 0 },
    ] as const)(
      "pages a 45-day window listed $listed as one $listed sequence, every row once ($extraCalls extra calls when learnt is $learnt)",
      async ({ listed, learnt, extraCalls }) => {
        const known = setUp(baiduListing(listed), undefined, listed);
        await pageAll(known, 40);
        const minimal = known.calls();
        await known.close();

        const t = setUp(baiduListing(listed), undefined, learnt);
        const ids = await pageAll(t, 40);
        expect([...ids].sort()).toEqual(records.map((r) => r["id"]).sort());
        const times = ids.map(createdAtOf);
        const sorted = [...times].sort((a, b) => (listed === "asc" ? a - b : b - a));
        expect(times).toEqual(sorted);
        expect(t.calls()).toBe(minimal + extraCalls);
        expect(t.engine.orders.direction(t.provider)).toBe(listed);
        await t.close();
      },
    );

    it("learns from a one-window page at no cost, so a later long window costs nothing extra", async () => {
      const t = setUp(baiduListing("asc"));
      const days = { startTime: longWindow.startTime, endTime: new Date("2025-11-25T00:00:00Z") };
      await t.engine.page(t.request({ ...days, first: 5 })); // one 5-day window: no split, no guess needed
      expect(t.calls()).toBe(1);
      expect(t.engine.orders.direction(t.provider)).toBe("asc");
      const before = t.calls();
      const conn = await t.engine.page(t.request({ ...longWindow, first: 3 }));
      expect(taskIds(conn)).toEqual(["r000", "r001", "r002"]);
      expect(t.calls() - before).toBe(1);
      await t.close();
    });

    it("resumes a cursor in the direction its first page took, even after the account's order changed", async () => {
      const t = setUp(baiduListing("asc"), undefined, "asc");
      const first = await t.engine.page(t.request({ ...longWindow, first: 2 }));
      expect(taskIds(first)).toEqual(["r000", "r001"]);
      t.engine.orders.observe(t.provider, rowsListed("desc"));
      expect(t.engine.orders.direction(t.provider)).toBe("desc");
      const next = await t.engine.page(
        t.request({ ...longWindow, first: 2, after: first.pageInfo.endCursor }),
      );
      expect(taskIds(next)).toEqual(["r002", "r003"]);
      await t.close();
    });

    it("still refuses a cursor of another query whichever direction it is tried in", async () => {
      const t = setUp(baiduListing("desc"), undefined, "desc");
      const first = await t.engine.page(t.request({ ...longWindow, first: 2 }));
      const calls = t.calls();
      const other = { ...longWindow, startTime: new Date("2025-11-21T00:00:00Z") };
      expect(
        await rejectionCode(t.engine.page(t.request({ ...other, after: first.pageInfo.endCursor }))),
      ).toBe("INVALID_CURSOR");
      expect(t.calls()).toBe(calls);
      await t.close();
    });
  });
});
