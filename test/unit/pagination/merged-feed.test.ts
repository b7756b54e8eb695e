import { PrefetchStatus } from "../../../src/domain/prefetch-status";
import type { PrefetchTask } from "../../../src/domain/prefetch-task";
import { CursorCodec } from "../../../src/pagination/cursor";
import { ListOrderBook } from "../../../src/pagination/list-order";
import {
  MERGE_CURSOR_MAX_LENGTH,
  MergeCursorCodec,
  tokenBudget,
  tokenBytes,
} from "../../../src/pagination/merge-cursor";
import { MergedFeed, type SiteConnection, type SiteFeedRequest } from "../../../src/pagination/merged-feed";
import type { PrefetchProvider } from "../../../src/providers/provider";
import { rejectionCode } from "../../support/error-codes";
import { testTask } from "../../support/tasks";
import {
  fakeListProvider,
  feedOrder,
  type FakeListOptions,
  type FakeListProvider,
  type FakeRow,
} from "../../support/fake-list-provider";

const SECRET = Buffer.from("merged-feed-unit-test-secret-000");

/** A codec that counts the signatures it computes. */
class CountingCodec extends MergeCursorCodec {
  signatures = 0;
  protected override sign(signed: string): string {
    this.signatures++;
    return super.sign(signed);
  }
}
const codec = new MergeCursorCodec(SECRET);
const feed = new MergedFeed(codec);
/** The window of every test: one day from 2026-01-01T00:00:00Z, in epoch seconds. */
const START = Date.UTC(2026, 0, 1) / 1000;
const END = START + 86_400;

function request(sources: readonly PrefetchProvider[], over: Partial<SiteFeedRequest> = {}): SiteFeedRequest {
  return {
    sources,
    site: "www.example.com",
    startTime: new Date(START * 1000),
    endTime: new Date(END * 1000),
    statuses: null,
    first: 10,
    after: null,
    now: new Date((END + 3600) * 1000),
    ...over,
  };
}

const idOf = (t: PrefetchTask): string => `${t.ref.provider}/${t.ref.account}/${t.ref.taskId}`;
const ids = (conn: SiteConnection): string[] => conn.nodes.map(idOf);

/** Every page of the feed from the start; `between` runs before each follow-up page. */
async function pageAll(
  sources: readonly PrefetchProvider[],
  first: number,
  over: Partial<SiteFeedRequest> = {},
  between: (pageIndex: number) => void = () => undefined,
): Promise<{ all: string[]; pages: SiteConnection[] }> {
  const pages: SiteConnection[] = [];
  let after: string | null = null;
  for (let i = 0; i < 1000; i++) {
    if (i > 0) between(i);
    const conn: SiteConnection = await feed.page(request(sources, { ...over, first, after }));
    pages.push(conn);
    // A page with more to come always says where to resume, even one with no edge.
    if (conn.pageInfo.hasNextPage) expect(conn.pageInfo.endCursor).not.toBeNull();
    after = conn.pageInfo.endCursor;
    if (!conn.pageInfo.hasNextPage) return { all: pages.flatMap(ids), pages };
  }
  throw new Error("the feed did not end");
}

/** Rows at START + offset seconds. */
const at = (offset: number): number => START + offset;

/** Two accounts with many same-second ties, within and across them, and across page boundaries. */
function twoSources(
  wangsu: Partial<FakeListOptions> = {},
  baidu: Partial<FakeListOptions> = {},
): { sources: FakeListProvider[]; expected: string[] } {
  const wRows: FakeRow[] = [];
  const bRows: FakeRow[] = [];
  for (let i = 0; i < 23; i++)
    wRows.push({ id: `w${String(i).padStart(2, "0")}`, at: at(80_000 - 3_500 * Math.floor(i / 2)) });
  for (let i = 0; i < 31; i++)
    bRows.push({ id: `b${String(i).padStart(2, "0")}`, at: at(80_000 - 2_300 * Math.floor(i / 3)) });
  const w = fakeListProvider("WANGSU_CDN_PRO", "main", wRows, { order: "desc", pageSize: 4, ...wangsu });
  const b = fakeListProvider("BAIDU_GEO", "main", bRows, { order: "asc", pageSize: 5, ...baidu });
  return {
    sources: [b, w],
    expected: feedOrder([
      { kind: "BAIDU_GEO", account: "main", rows: bRows },
      { kind: "WANGSU_CDN_PRO", account: "main", rows: wRows },
    ]),
  };
}

describe("MergedFeed", () => {
  it.each([1, 7, 100])(
    "pages two accounts exactly once, newest first with ties by provider, account, id (first %i)",
    async (first) => {
      const { sources, expected } = twoSources();
      const { all, pages } = await pageAll(sources, first);
      expect(all).toEqual(expected);
      for (const page of pages.slice(0, -1)) expect(page.nodes).toHaveLength(first);
    },
  );

  it("gives the same feed whether an account lists newest or oldest first", async () => {
    const rows: FakeRow[] = [3, 3, 9, 12, 12, 12, 40, 41, 77].map((s, i) => ({
      id: `t${i}`,
      at: at(s * 600),
    }));
    const reads = await Promise.all(
      (["asc", "desc"] as const).map(async (order) => {
        const source = fakeListProvider("BAIDU_GEO", "main", rows, { order, pageSize: 2 });
        return (await pageAll([source], 2)).all;
      }),
    );
    expect(reads[0]).toEqual(feedOrder([{ kind: "BAIDU_GEO", account: "main", rows }]));
    expect(reads[1]).toEqual(reads[0]);
  });

  it("reads an account only when it may hold the page's next row", async () => {
    // Every Wangsu row is newer than every Baidu row.
    const w = fakeListProvider(
      "WANGSU_CDN_PRO",
      "main",
      [1000, 900, 800, 700].map((s, i) => ({ id: `a${i}`, at: at(s) })),
      { order: "desc", pageSize: 2 },
    );
    const b = fakeListProvider(
      "BAIDU_GEO",
      "main",
      [100, 50].map((s, i) => ({ id: `b${i}`, at: at(s) })),
      {
        order: "asc",
        pageSize: 10,
      },
    );
    const callsPerPage: [number, number][] = [];
    const { all } = await pageAll([b, w], 2, {}, () => undefined);
    expect(all).toEqual(
      ["a0", "a1", "a2", "a3"]
        .map((id) => `WANGSU_CDN_PRO/main/${id}`)
        .concat(["BAIDU_GEO/main/b0", "BAIDU_GEO/main/b1"]),
    );
    // The same pages again, their calls counted page by page.
    w.calls.length = 0;
    b.calls.length = 0;
    let after: string | null = null;
    for (;;) {
      const before = [w.calls.length, b.calls.length] as const;
      const conn: SiteConnection = await feed.page(request([b, w], { first: 2, after }));
      callsPerPage.push([w.calls.length - before[0], b.calls.length - before[1]]);
      after = conn.pageInfo.endCursor;
      if (!conn.pageInfo.hasNextPage) break;
    }
    // Page 1: Wangsu's first page; Baidu read from the window's end back until a sub-window holds a row (one
    // that might come before Wangsu's), sub-windows that neither overlap nor leave a gap, only the last with rows.
    // Page 2: Wangsu's second page; Baidu not at all (its next row, in the cursor, is older than Wangsu's).
    // Page 3: Baidu's sub-window again, for the rows this page returns; Wangsu has nothing left.
    expect(callsPerPage.map(([wangsu]) => wangsu)).toEqual([1, 1, 0]);
    expect(callsPerPage.slice(1).map(([, baidu]) => baidu)).toEqual([0, 1]);
    const probes = b.calls.slice(0, callsPerPage[0]![1]);
    expect(probes[0]!.end).toBe(END);
    probes.slice(1).forEach((c, i) => expect(c.end).toBe(probes[i]!.start - 1));
    expect(probes.at(-1)!.start).toBe(START);
    expect(b.calls[callsPerPage[0]![1]]).toEqual(probes.at(-1));
  });

  it.each(["asc", "desc"] as const)(
    "merges an account whose order is not known yet (it lists %s, the first guess the other way) in order",
    async (order) => {
      // As in a fresh process: the order is learnt from the pages the feed itself reads (ListOrderBook).
      const bRows: FakeRow[] = Array.from({ length: 9 }, (_, i) => ({
        id: `b${i}`,
        at: at(1000 + i * 9000),
      }));
      const wRows: FakeRow[] = Array.from({ length: 9 }, (_, i) => ({
        id: `w${i}`,
        at: at(5000 + i * 9000),
      }));
      const b = fakeListProvider("BAIDU_GEO", "main", bRows, { order, documented: false, pageSize: 3 });
      const w = fakeListProvider("WANGSU_CDN_PRO", "main", wRows, { order: "desc", pageSize: 3 });
      const orders = new ListOrderBook();
      const { all } = await pageAll([b, w], 4, {
        orderOf: (p) => (orders.known(p) ? orders.direction(p) : null),
        onPage: (p, rows) => void orders.observe(p, rows),
      });
      expect(all).toEqual(
        feedOrder([
          { kind: "BAIDU_GEO", account: "main", rows: bRows },
          { kind: "WANGSU_CDN_PRO", account: "main", rows: wRows },
        ]),
      );
      expect(orders.known(b) && orders.direction(b)).toBe(order);
    },
  );

  it("reads at once, on a resumed page, the accounts whose rows the page needs", async () => {
    // Three accounts taking turns every 10 s: every page holds rows of all three.
    const rows = (k: number): FakeRow[] =>
      Array.from({ length: 30 }, (_, i) => ({
        id: `t${String(i).padStart(2, "0")}`,
        at: at(80_000 - 30 * i - 10 * k),
      }));
    const sources = ["a", "b", "c"].map((account, k) =>
      fakeListProvider("WANGSU_CDN_PRO", account, rows(k), { order: "desc", pageSize: 10 }),
    );
    const log = { inFlight: 0, max: 0 };
    const gated = sources.map((p) =>
      Object.assign(Object.create(p) as FakeListProvider, {
        listPage: async (...args: Parameters<FakeListProvider["listPage"]>) => {
          log.inFlight++;
          log.max = Math.max(log.max, log.inFlight);
          // Let every call that is made at the same time start before any answers.
          await new Promise((resolve) => setImmediate(resolve));
          try {
            return await p.listPage(...args);
          } finally {
            log.inFlight--;
          }
        },
      }),
    );
    const page1 = await feed.page(request(gated, { first: 6 }));
    const before = sources.map((p) => p.calls.length);
    log.max = 0;
    const page2 = await feed.page(request(gated, { first: 6, after: page1.pageInfo.endCursor }));
    expect(new Set(page2.nodes.map((t) => t.ref.account))).toEqual(new Set(["a", "b", "c"]));
    // The account of the newest row first; then, its page showing which rows the page needs, the other two
    // together: the same calls as one at a time, in two round trips instead of three.
    expect(sources.map((p, i) => p.calls.length - before[i]!)).toEqual([1, 1, 1]);
    expect(log.max).toBe(2);
  });

  it("resumes a newest-first account at the next page after a page's last row, with no re-read", async () => {
    const rows = [50, 40, 30, 20].map((s, i) => ({ id: `a${i}`, at: at(s) }));
    const w = fakeListProvider("WANGSU_CDN_PRO", "main", rows, { order: "desc", pageSize: 2 });
    const page1 = await feed.page(request([w], { first: 2 }));
    const page2 = await feed.page(request([w], { first: 2, after: page1.pageInfo.endCursor }));
    expect([...ids(page1), ...ids(page2)]).toEqual(rows.map((r) => `WANGSU_CDN_PRO/main/${r.id}`));
    expect(w.calls.map((c) => c.token)).toEqual([null, "2"]);
  });

  it("counts a row without createdAt as created when the row its provider listed before it was", async () => {
    const rows: FakeRow[] = [
      { id: "c", at: at(500) },
      { id: "b", at: null },
      { id: "a", at: at(300) },
    ];
    const w = fakeListProvider("WANGSU_CDN_PRO", "main", rows, { order: "desc", pageSize: 10 });
    const b = fakeListProvider("BAIDU_GEO", "main", [{ id: "x", at: at(400) }], { order: "asc" });
    const conn = await feed.page(request([b, w]));
    expect(conn.nodes.map((t) => t.ref.taskId)).toEqual(["c", "b", "x", "a"]);
  });

  it("keeps a provider's sequence where it lists out of its own order across pages", async () => {
    // Newest first, except that the second page starts with a row (r2, 850) newer than the first page's last
    // (r1, 800): r2 stays after r1, so Baidu's x (820), which came before r1, comes before r2 too.
    const rows: FakeRow[] = [at(900), at(800), at(850), at(100)].map((t, i) => ({ id: `r${i}`, at: t }));
    const w = fakeListProvider("WANGSU_CDN_PRO", "main", [], { order: "desc", pageSize: 2 });
    const pages = [rows.slice(0, 2), rows.slice(2)];
    const listing = Object.assign(Object.create(w) as typeof w, {
      listPage: (_q: unknown, token: string | null) =>
        Promise.resolve({
          tasks: (token === null ? pages[0]! : pages[1]!).map((r) => ({
            ...testTask({ provider: "WANGSU_CDN_PRO", account: "main", taskId: r.id, site: null }),
            createdAt: new Date((r.at as number) * 1000),
          })),
          nextPageToken: token === null ? "2" : null,
        }),
    });
    const b = fakeListProvider("BAIDU_GEO", "main", [{ id: "x", at: at(820) }], { order: "asc" });
    const { all } = await pageAll([b, listing], 1);
    expect(all.map((id) => id.split("/")[2])).toEqual(["r0", "x", "r1", "r2", "r3"]);
  });

  it("makes no call for first: 0, nor for an account that never reports a status asked for", async () => {
    const { sources } = twoSources(
      { statuses: Object.values(PrefetchStatus) },
      { statuses: [PrefetchStatus.FAILED] },
    );
    const none = await feed.page(request(sources, { first: 0 }));
    expect(none.edges).toEqual([]);
    expect(none.pageInfo.hasNextPage).toBe(false);
    expect(sources.map((s) => s.calls.length)).toEqual([0, 0]);
    const partial = await feed.page(request(sources, { statuses: [PrefetchStatus.PARTIALLY_COMPLETED] }));
    expect(partial.edges).toEqual([]);
    expect(partial.sources.map((s) => s.complete)).toEqual([true, true]);
    expect(sources[0]!.calls).toHaveLength(0); // Baidu's capabilities here: FAILED only
  });

  it("applies a status filter to the merged rows", async () => {
    const rows: FakeRow[] = [
      { id: "a", at: at(900), status: PrefetchStatus.FAILED },
      { id: "b", at: at(800) },
      { id: "c", at: at(700), status: PrefetchStatus.FAILED },
    ];
    const w = fakeListProvider("WANGSU_CDN_PRO", "main", rows, { order: "desc", pageSize: 1 });
    const { all } = await pageAll([w], 1, { statuses: [PrefetchStatus.FAILED] });
    expect(all).toEqual(["WANGSU_CDN_PRO/main/a", "WANGSU_CDN_PRO/main/c"]);
  });

  describe("an account that fails", () => {
    it("leaves the page to the others, says so, and resumes it later without skipping or repeating a row", async () => {
      const { sources, expected } = twoSources();
      const w = sources[1] as FakeListProvider;
      const { all, pages } = await pageAll(sources, 5, {}, (i) => {
        // Wangsu is down for pages 2 and 3, then recovers.
        w.failAll(i === 2 || i === 3);
      });
      expect(pages[2]!.sources.map((s) => [s.provider, s.complete, s.errorCode])).toEqual([
        ["BAIDU_GEO", true, null],
        ["WANGSU_CDN_PRO", false, "UPSTREAM_UNAVAILABLE"],
      ]);
      expect(pages[2]!.sources[1]!.error?.message).toContain("down");
      expect(ids(pages[2]!).every((id) => id.startsWith("BAIDU_GEO/"))).toBe(true);
      expect(pages[2]!.pageInfo.hasNextPage).toBe(true);
      expect([...all].sort()).toEqual([...expected].sort());
      expect(new Set(all).size).toBe(all.length);
    });

    it("fails in the middle of a page: the rows it gave before stay, and it resumes after them", async () => {
      const { sources, expected } = twoSources();
      const w = sources[1] as FakeListProvider;
      // Page 2 reads Wangsu's page it resumes in, then fails on the next one.
      const { all, pages } = await pageAll(sources, 9, {}, (i) => {
        if (i === 1) w.failNext(1, 1);
      });
      expect(pages[1]!.sources[1]!.complete).toBe(false);
      expect(pages[1]!.nodes.some((t) => t.ref.provider === "WANGSU_CDN_PRO")).toBe(true);
      expect([...all].sort()).toEqual([...expected].sort());
      expect(new Set(all).size).toBe(all.length);
    });

    it("fails alone where its listing no longer matches the cursor, the others' rows still coming", async () => {
      const wRows: FakeRow[] = [900, 800, 700, 600].map((s, i) => ({ id: `w${i}`, at: at(s) }));
      const bRows: FakeRow[] = [850, 750, 650].map((s, i) => ({ id: `b${i}`, at: at(s) }));
      const w = fakeListProvider("WANGSU_CDN_PRO", "main", wRows, { order: "desc", pageSize: 10 });
      const b = fakeListProvider("BAIDU_GEO", "main", bRows, { order: "asc", pageSize: 10 });
      const page1 = await feed.page(request([b, w], { first: 4 }));
      expect(ids(page1)).toEqual([
        "WANGSU_CDN_PRO/main/w0",
        "BAIDU_GEO/main/b0",
        "WANGSU_CDN_PRO/main/w1",
        "BAIDU_GEO/main/b1",
      ]);
      // Wangsu's listing loses three rows: the cursor's place in its page is past its end.
      wRows.splice(0, 3);
      const page2 = await feed.page(request([b, w], { after: page1.pageInfo.endCursor }));
      expect(ids(page2)).toEqual(["BAIDU_GEO/main/b2"]);
      expect(page2.sources.map((s) => [s.provider, s.complete, s.errorCode])).toEqual([
        ["BAIDU_GEO", true, null],
        ["WANGSU_CDN_PRO", false, "INVALID_CURSOR"],
      ]);
    });

    it("answers an empty page that still has a next page, and an endCursor that resumes, when the only account with rows fails", async () => {
      const w = fakeListProvider("WANGSU_CDN_PRO", "main", [{ id: "a", at: at(5) }], { order: "desc" });
      w.failAll(true);
      const conn = await feed.page(request([w]));
      expect(conn.edges).toEqual([]);
      expect(conn.pageInfo).toMatchObject({ hasNextPage: true, startCursor: null });
      expect(conn.sources[0]).toMatchObject({ complete: false, errorCode: "UPSTREAM_UNAVAILABLE" });
      w.failAll(false);
      const next = await feed.page(request([w], { after: conn.pageInfo.endCursor }));
      expect(ids(next)).toEqual(["WANGSU_CDN_PRO/main/a"]);
      expect(next.pageInfo.hasNextPage).toBe(false);
    });
  });

  describe("cursors", () => {
    it("refuses a bad cursor with INVALID_CURSOR before any call", async () => {
      const { sources } = twoSources();
      const first = await feed.page(request(sources, { first: 3 }));
      const cursor = first.pageInfo.endCursor as string;
      for (const s of sources) s.calls.length = 0;
      const [v, body, mac] = cursor.split(".") as [string, string, string];
      const other = new CursorCodec(SECRET).encode({
        query: "q",
        start: 0,
        end: 1,
        window: 0,
        pageToken: null,
        offset: 0,
      });
      const bad: [string, Partial<SiteFeedRequest>][] = [
        [`${v}.${body.slice(0, -2)}AA.${mac}`, {}],
        ["garbage", {}],
        [`${cursor}x`, {}],
        [other, {}],
        [
          new MergeCursorCodec(Buffer.from("another-deployment-secret-000000")).encode(codec.decode(cursor)),
          {},
        ],
        [cursor, { site: "static.example.com" }],
        [cursor, { statuses: [PrefetchStatus.FAILED] }],
        [cursor, { sources: [sources[0] as FakeListProvider] }],
        [cursor, { startTime: new Date((START + 1) * 1000) }],
      ];
      for (const [after, over] of bad) {
        expect(await rejectionCode(feed.page(request(sources, { ...over, after })))).toBe("INVALID_CURSOR");
      }
      expect(sources.map((s) => s.calls.length)).toEqual([0, 0]);
    });

    it("refuses a signed position that does not fit its window, before any call", async () => {
      const { sources } = twoSources();
      const page = await feed.page(request(sources, { first: 3 }));
      const payload = codec.decode(page.pageInfo.endCursor as string);
      for (const s of sources) s.calls.length = 0;
      const forged = [
        {
          ...payload,
          sources: [
            payload.sources[0]!,
            { kind: "stream" as const, hi: END, piece: 9, token: null, skip: 0, bound: END },
          ],
        },
        {
          ...payload,
          sources: [
            { kind: "span" as const, start: START - 10, end: START, bound: END },
            payload.sources[1]!,
          ],
        },
      ];
      for (const p of forged) {
        expect(await rejectionCode(feed.page(request(sources, { after: codec.encode(p) })))).toBe(
          "INVALID_CURSOR",
        );
      }
      expect(sources.map((s) => s.calls.length)).toEqual([0, 0]);
    });

    it("stays within 2,048 characters with huge page tokens, re-reading pages instead of storing them", async () => {
      const huge = "t".repeat(1_500);
      const { sources, expected } = twoSources({ tokenPrefix: huge }, { tokenPrefix: huge });
      const { all, pages } = await pageAll(sources, 1);
      expect(all).toEqual(expected);
      const cursors = pages.flatMap((p) => p.edges.map((e) => e.cursor));
      expect(Math.max(...cursors.map((c) => c.length))).toBeLessThanOrEqual(MERGE_CURSOR_MAX_LENGTH);
      const budget = tokenBudget(2);
      expect(tokenBytes(huge)).toBeGreaterThan(budget);
      for (const c of cursors) {
        for (const at of codec.decode(c).sources) {
          if (at.kind === "stream") expect(at.token).toBeNull();
          if (at.kind === "pages") expect(at.marks.tokens).toEqual([]);
        }
      }
      // What the cursors could not hold is read again: Wangsu's first page once per page it resumes past.
      const w = sources[1] as FakeListProvider;
      expect(w.calls.filter((c) => c.token === null).length).toBeGreaterThan(1);
    });

    it("signs one body per group of edges, and none for a client that reads no cursor", async () => {
      // Provider-sized pages: Baidu's 100 oldest first, Wangsu's 200 newest first, 300 rows each over the day.
      const rows = (prefix: string, step: number): FakeRow[] =>
        Array.from({ length: 300 }, (_, i) => ({
          id: `${prefix}${String(i).padStart(3, "0")}`,
          at: at(i * step),
        }));
      const b = fakeListProvider("BAIDU_GEO", "main", rows("b", 280), { order: "asc", pageSize: 100 });
      const w = fakeListProvider("WANGSU_CDN_PRO", "main", rows("w", 250), { order: "desc", pageSize: 200 });
      const counting = new CountingCodec(SECRET);
      const conn = await new MergedFeed(counting).page(request([b, w], { first: 500 }));
      expect(conn.nodes).toHaveLength(500);
      expect(counting.signatures).toBe(0);
      void conn.pageInfo.endCursor;
      expect(counting.signatures).toBe(1);
      const cursors = conn.edges.map((e) => e.cursor);
      // A group ends where a source reads or moves to another provider page, not at every edge.
      expect(counting.signatures).toBeLessThanOrEqual(2 * (b.calls.length + w.calls.length) + 1);
      expect(counting.signatures).toBeLessThan(25);
      expect(new Set(cursors).size).toBe(500);
    });

    it("gives every edge a cursor that resumes right after it", async () => {
      const { sources, expected } = twoSources();
      const conn = await feed.page(request(sources, { first: 100 }));
      expect(ids(conn)).toEqual(expected);
      for (let k = 0; k + 1 < conn.edges.length; k++) {
        const next = await feed.page(request(sources, { first: 1, after: conn.edges[k]!.cursor }));
        expect(ids(next)).toEqual([expected[k + 1]]);
      }
    });
  });
});
