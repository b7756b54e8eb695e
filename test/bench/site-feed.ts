import { MergeCursorCodec } from "../../src/pagination/merge-cursor";
import { MergedFeed, type SiteConnection } from "../../src/pagination/merged-feed";
import { fakeListProvider, type FakeRow } from "../support/fake-list-provider";
import {
  daysBefore,
  postGraphQL,
  startTestServer,
  type GraphQLResponse,
  type TestServer,
} from "../support/harness";

/**
 * Upstream calls per page of a two-provider site's merged feed (Query.sitePrefetchTasks): www.example.com is
 * served by both sandbox emulators; then a burst second (one Baidu submission of 500 URLs: 500 records created
 * in the same second, 5 provider pages, listed oldest first), which the sandbox's seeded data has not, read by
 * the merged feed itself over an in-process listing of Baidu's shape. Figures only; the call counts themselves are
 * asserted in test/unit/pagination/merged-feed*.test.ts and test/integration/site-prefetch-tasks.test.ts.
 * `npm run bench -- --site-feed-only` runs just this (a few seconds).
 */
const SITE = "www.example.com";

const FEED = `query ($site: String!, $s: DateTime, $e: DateTime, $first: Int, $after: String) {
  sitePrefetchTasks(site: $site, startTime: $s, endTime: $e, first: $first, after: $after) {
    nodes { provider }
    pageInfo { hasNextPage endCursor }
  }
}`;

interface Feed {
  sitePrefetchTasks: {
    nodes: { provider: string }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

interface PageFigures {
  rows: number;
  baiduRows: number;
  baiduCalls: number;
  wangsuCalls: number;
}

async function pageThrough(
  server: TestServer,
  window: { s: string; e: string },
  first: number,
): Promise<PageFigures[]> {
  const figures: PageFigures[] = [];
  let after: string | null = null;
  for (;;) {
    const b0 = server.sandbox.baiduGeo.calls();
    const w0 = server.sandbox.wangsuCdnPro.calls();
    const res: GraphQLResponse<Feed> = await postGraphQL<Feed>(server.url, {
      query: FEED,
      variables: { site: SITE, ...window, first, after },
    });
    if (res.errors || !res.data)
      throw new Error(`operation failed: ${JSON.stringify(res.errors).slice(0, 300)}`);
    const conn: Feed["sitePrefetchTasks"] = res.data.sitePrefetchTasks;
    figures.push({
      rows: conn.nodes.length,
      baiduRows: conn.nodes.filter((n) => n.provider === "BAIDU_GEO").length,
      baiduCalls: server.sandbox.baiduGeo.calls() - b0,
      wangsuCalls: server.sandbox.wangsuCdnPro.calls() - w0,
    });
    if (!conn.pageInfo.hasNextPage) return figures;
    after = conn.pageInfo.endCursor;
  }
}

export async function runSiteFeedBench(): Promise<void> {
  console.log("");
  console.log("merged feed of a two-provider site (sitePrefetchTasks, %s, Baidu + Wangsu sandboxes):", SITE);
  // Freshness 0: every page pays its calls (no list page reused); the Wangsu emulator's limit lifted.
  const server = await startTestServer({
    env: { PREFETCH_GRAPH_FRESHNESS_MS: "0" },
    sandbox: { wangsuRateLimit: { points: 1_000_000, durationSeconds: 1 } },
  });
  try {
    const anchor = server.sandbox.baiduGeo.anchor;
    for (const days of [1, 59]) {
      const window = { s: daysBefore(anchor, days).toISOString(), e: anchor.toISOString() };
      for (const first of [20, 100]) {
        const pages = await pageThrough(server, window, first);
        const rows = pages.reduce((n, p) => n + p.rows, 0);
        const baidu = pages.reduce((n, p) => n + p.baiduCalls, 0);
        const wangsu = pages.reduce((n, p) => n + p.wangsuCalls, 0);
        const perPage = pages.map((p) => p.baiduCalls + p.wangsuCalls);
        console.log(
          `  ${String(days).padStart(2)} day(s), first ${String(first).padStart(3)}: ${String(pages.length).padStart(3)} pages, ${String(rows).padStart(4)} rows; upstream calls per page mean ${(
            (baidu + wangsu) /
            pages.length
          ).toFixed(2)}, max ${Math.max(...perPage)} (Baidu ${baidu}, Wangsu ${wangsu} in all)`,
        );
        console.log(
          `      first pages (Baidu rows/rows: Baidu calls + Wangsu calls): ${pages
            .slice(0, 8)
            .map((p) => `${p.baiduRows}/${p.rows}: ${p.baiduCalls}+${p.wangsuCalls}`)
            .join(", ")}`,
        );
      }
    }
  } finally {
    await server.close();
  }
  await burstSecond();
}

/**
 * One Baidu submission of 500 URLs: its records share one createdAt second, the listing is oldest first (as the
 * sandbox's default), 100 records a page, page tokens of the sandbox markers' length (some 170 characters, so
 * that a cursor holds three of them), in a one-day window; paged with first 20 from a cold start.
 */
async function burstSecond(): Promise<void> {
  const start = Date.UTC(2026, 0, 1) / 1000;
  const end = start + 86_400;
  const rows: FakeRow[] = Array.from({ length: 500 }, (_, i) => ({
    id: `r${String(i).padStart(3, "0")}`,
    at: end - 1000,
  }));
  for (const marker of [3, 170]) {
    const baidu = fakeListProvider("BAIDU_GEO", "sandbox", rows, {
      order: "asc",
      documented: false,
      pageSize: 100,
      tokenPrefix: "m".repeat(marker - 3),
    });
    const feed = new MergedFeed(new MergeCursorCodec(Buffer.from("site-feed-bench-cursor-secret-00")));
    const perPage: number[] = [];
    let returned = 0;
    let after: string | null = null;
    for (;;) {
      const before = baidu.calls.length;
      const conn: SiteConnection = await feed.page({
        sources: [baidu],
        site: SITE,
        startTime: new Date(start * 1000),
        endTime: new Date(end * 1000),
        statuses: null,
        first: 20,
        after,
        now: new Date(end * 1000),
      });
      perPage.push(baidu.calls.length - before);
      returned += conn.nodes.length;
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    const total = perPage.reduce((a, b) => a + b, 0);
    console.log(
      `  burst second (500 records = 5 provider pages, oldest first, ~${marker}-character page tokens), first  20: ${String(perPage.length).padStart(3)} pages, ${returned} rows; calls ${total} in all, first page ${perPage[0]}, then per page ${perPage.slice(1).join(",")}`,
    );
  }
}
