import { MergeCursorCodec, tokenBudget } from "../../../src/pagination/merge-cursor";
import { MergedFeed, type SiteConnection, type SiteFeedRequest } from "../../../src/pagination/merged-feed";
import {
  afterFirstPage,
  densityRows,
  GROWTH,
  INITIAL_SPAN_SECONDS,
  nextSpan,
  subWindowBefore,
} from "../../../src/pagination/sub-window-policy";
import {
  fakeListProvider,
  feedOrder,
  type FakeListOptions,
  type FakeListProvider,
  type FakeRow,
} from "../../support/fake-list-provider";

/** How an oldest-first account is read: sub-windows from the window's end back (sub-window-policy.ts). */
describe("sub-window sizes", () => {
  it("aim at three quarters of a page: longer after a sparse sub-window, shorter after a dense one", () => {
    expect(nextSpan(3600, 15, 100, 1e9)).toBe(3600 * 5);
    expect(nextSpan(3600, 150, 100, 1e9)).toBe(1800);
  });

  it("grow at most GROWTH-fold, after an empty sub-window too, and shrink at most as much", () => {
    expect(nextSpan(3600, 0, 100, 1e9)).toBe(3600 * GROWTH);
    expect(nextSpan(3600, 1, 100, 1e9)).toBe(3600 * GROWTH);
    expect(nextSpan(3600, 100_000, 100, 1e9)).toBe(3600 / GROWTH);
  });

  it("stay between one second and the provider's longest window", () => {
    expect(nextSpan(1, 1_000, 100, 1e9)).toBe(1);
    expect(nextSpan(30 * 86_400, 0, 100, 30 * 86_400)).toBe(30 * 86_400);
  });

  it("count a burst second as one row: it says nothing of the seconds around it", () => {
    expect(densityRows(500, 500)).toBe(1);
    expect(densityRows(12, 3)).toBe(10);
    expect(densityRows(0, 0)).toBe(0);
  });

  it("walk on where a first page is one second, or the rest looks short; else narrow to what should fit", () => {
    expect(afterFirstPage(10_000, 500, 500, 100)).toEqual({ walk: true });
    // 100 rows over 100 s: the 150 s after them hold about a page and a half.
    expect(afterFirstPage(10_000, 9_751, 9_850, 100)).toEqual({ walk: true });
    // ... the 9,000 s after them some 90 pages: the newest 75 s should hold three quarters of a page.
    expect(afterFirstPage(10_000, 901, 1_000, 100)).toEqual({ walk: false, narrowTo: 10_000 - 75 + 1 });
  });

  it("carve the sub-window before another, cut at the window's start", () => {
    expect(subWindowBefore(100, 30, 0)).toEqual({ start: 70, end: 99 });
    expect(subWindowBefore(100, 300, 50)).toEqual({ start: 50, end: 99 });
    expect(subWindowBefore(50, 10, 50)).toBeNull();
  });
});

describe("an oldest-first account in the merged feed", () => {
  const START = Date.UTC(2026, 0, 1) / 1000;
  const END = START + 86_400;
  const feed = new MergedFeed(new MergeCursorCodec(Buffer.from("merged-feed-windows-test-secret!")));
  const request = (source: FakeListProvider, first: number, after: string | null): SiteFeedRequest => ({
    sources: [source],
    site: "www.example.com",
    startTime: new Date(START * 1000),
    endTime: new Date(END * 1000),
    statuses: null,
    first,
    after,
    now: new Date(END * 1000),
  });

  /** Every page to the end: the ids, and the calls each page made. */
  async function pageAll(
    source: FakeListProvider,
    first: number,
  ): Promise<{ ids: string[]; calls: number[] }> {
    const ids: string[] = [];
    const calls: number[] = [];
    let after: string | null = null;
    for (let i = 0; i < 10_000; i++) {
      const before = source.calls.length;
      const conn: SiteConnection = await feed.page(request(source, first, after));
      calls.push(source.calls.length - before);
      ids.push(...conn.nodes.map((t) => `${t.ref.provider}/${t.ref.account}/${t.ref.taskId}`));
      // A page with more to come always says where to resume, even one with no edge.
      if (conn.pageInfo.hasNextPage) expect(conn.pageInfo.endCursor).not.toBeNull();
      after = conn.pageInfo.endCursor;
      if (!conn.pageInfo.hasNextPage) return { ids, calls };
    }
    throw new Error("the feed did not end");
  }

  const baidu = (rows: FakeRow[], options: Partial<FakeListOptions> = {}): FakeListProvider =>
    fakeListProvider("BAIDU_GEO", "main", rows, { order: "asc", pageSize: 100, ...options });
  const expected = (rows: FakeRow[]): string[] => feedOrder([{ kind: "BAIDU_GEO", account: "main", rows }]);
  const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

  it("reads the newest hour first, and only that where it fills the page", async () => {
    const rows: FakeRow[] = [10, 20, 30].map((s, i) => ({ id: `r${i}`, at: END - s }));
    const b = baidu(rows, { pageSize: 10 });
    const conn = await feed.page(request(b, 3, null));
    expect(conn.nodes.map((t) => t.ref.taskId)).toEqual(["r0", "r1", "r2"]);
    expect(b.calls).toEqual([{ start: END - INITIAL_SPAN_SECONDS + 1, end: END, token: null }]);
  });

  it("narrows a sub-window whose first page shows it dense: that call, then one per sub-window that fits", async () => {
    // 1,200 rows, one every 3 s over the last hour: a page covers 5 minutes of them.
    const rows: FakeRow[] = Array.from({ length: 1_200 }, (_, i) => ({
      id: `r${String(i).padStart(4, "0")}`,
      at: END - 3 * i,
    }));
    const b = baidu(rows);
    const { ids, calls } = await pageAll(b, 20);
    expect(ids).toEqual(expected(rows));
    // Page 1: the hour's first page (its oldest 100 rows), then the newest part that fits a page.
    expect(calls[0]).toBe(2);
    expect(b.calls[1]).toMatchObject({ end: END, token: null });
    expect(b.calls[1]!.end - b.calls[1]!.start + 1).toBeLessThan(300);
    // Every later page reads the sub-window its rows are in, each of them fitting a page: one call, or two where
    // its rows come from two sub-windows.
    expect(Math.max(...calls.slice(1, -1))).toBe(2);
    expect(sum(calls.slice(1, -1))).toBeLessThanOrEqual(calls.length - 2 + Math.ceil(1_200 / 60));
  });

  it("reads a burst second to its last page and resumes each page with one call (one submission of 500 URLs)", async () => {
    const rows: FakeRow[] = Array.from({ length: 500 }, (_, i) => ({
      id: `r${String(i).padStart(3, "0")}`,
      at: END - 1000,
    }));
    const b = baidu(rows);
    const { ids, calls } = await pageAll(b, 20);
    expect(ids).toEqual(expected(rows));
    // The newest 20 are on the 5th provider page: 5 calls, the least an oldest-first listing allows. Each later
    // page reads only the provider page it returns (its token in the cursor).
    expect(calls[0]).toBe(5);
    expect(calls.slice(1, 25)).toEqual(Array(24).fill(1));
    // Then what is left of the day, empty, in sub-windows no longer than the provider allows.
    expect(calls.length).toBe(26);
    expect(calls[25]).toBeLessThanOrEqual(2);
  });

  it.each([
    ["lists a second by rising task id", "asc", [5, ...Array<number>(24).fill(1)]],
    ["lists it by falling task id", "desc", [5, ...Array<number>(24).fill(1)]],
  ] as const)(
    "reads the same burst before its account's order is known, where it %s",
    async (_, order, firstPages) => {
      // A fresh process: Baidu's order not documented, nothing learnt; every row of the listing in one second.
      const rows: FakeRow[] = Array.from({ length: 500 }, (_, i) => ({
        id: `r${String(i).padStart(3, "0")}`,
        at: END - 1000,
      }));
      const b = baidu(rows, { order, documented: false });
      const { ids, calls } = await pageAll(b, 20);
      expect(ids).toEqual(expected(rows));
      // All its rows in one second, listed by task id: handed out from the last page back (rising ids) or from
      // the first on (falling), so that each later page reads only the provider page it returns.
      expect(calls.slice(0, 25)).toEqual(firstPages);
    },
  );

  it("keeps the calls per page low where page tokens are too long for a cursor to hold them all", async () => {
    // Tokens the size of the sandbox's Baidu markers: the cursor holds three of them.
    const rows: FakeRow[] = Array.from({ length: 1_000 }, (_, i) => ({
      id: `r${String(i).padStart(4, "0")}`,
      at: END - 1000,
    }));
    const b = baidu(rows, { tokenPrefix: "m".repeat(166) });
    expect(tokenBudget(1)).toBeGreaterThan(3 * 200);
    const { ids, calls } = await pageAll(b, 50);
    expect(ids).toEqual(expected(rows));
    expect(calls[0]).toBe(10);
    // 20 pages of 50 rows over 10 provider pages: each provider page read by its token, twice (two pages of
    // the feed each), and a few walks from a mark spread below to pages whose tokens did not fit.
    expect(sum(calls.slice(1, 20))).toBeLessThanOrEqual(19 + 10);
  });

  it("reads a second of more provider pages than any submission holds, with no limit but MAX_WALK_PAGES", async () => {
    const rows: FakeRow[] = Array.from({ length: 250 }, (_, i) => ({
      id: `r${String(i).padStart(3, "0")}`,
      at: END - 5,
    }));
    const b = baidu(rows, { pageSize: 2 });
    const { ids, calls } = await pageAll(b, 10);
    expect(ids).toEqual(expected(rows));
    // 125 provider pages to reach the newest rows, once; then each page of 10 rows costs its 5 provider pages,
    // plus a walk from the nearest mark the cursor kept where it could not keep them all.
    expect(calls[0]).toBe(125);
    expect(sum(calls.slice(1, 25))).toBeLessThan(2 * 24 * 5);
  });
});
