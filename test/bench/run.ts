import "reflect-metadata";
import { performance } from "node:perf_hooks";
import {
  NodesByIdsDocument,
  PrefetchTaskByIdDocument,
  PrefetchTasksLazyDocument,
  PrefetchTasksPageDocument,
  type PrefetchTasksPageQuery,
} from "../__generated__/graphql";
import { daysBefore, startTestServer, type GraphQLResponse, type TestServer } from "../support/harness";
import { runBudgetBench } from "./budget";
import { runFloorBench } from "./floor/run-floor";
import { runSiteFeedBench } from "./site-feed";
import { baiduUnfinishedEdges, UNFINISHED, wangsuUnfinishedCount } from "./unfinished";

/**
 * `npm run bench`: side-by-side figures of the choices that matter for speed, measured in one run against the
 * real server and the sandbox on loopback. Ratios, not absolute times, are the point: both sides of a pair run
 * on the same machine in the same process. Nothing here is asserted; tests check behaviour, not time.
 */
interface Sample {
  ms: number;
  calls: number;
}

/** Fails the run on any GraphQL error: a figure of failed operations would mean nothing. */
function ok<T extends { errors?: unknown[] }>(res: T): T {
  if (res.errors) throw new Error(`operation failed: ${JSON.stringify(res.errors).slice(0, 300)}`);
  return res;
}

async function measure(
  server: TestServer,
  runs: number,
  op: () => Promise<{ errors?: unknown[] } | void>,
): Promise<Sample> {
  const fn = async (): Promise<void> => {
    const res = await op();
    if (res) ok(res);
  };
  for (let i = 0; i < 3; i++) await fn(); // warm-up: JIT, keep-alive connections
  server.sandbox.baiduGeo.resetCalls();
  server.sandbox.wangsuCdnPro.resetCalls();
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) await fn();
  const ms = (performance.now() - t0) / runs;
  const calls = (server.sandbox.baiduGeo.calls() + server.sandbox.wangsuCdnPro.calls()) / runs;
  return { ms, calls };
}

function row(name: string, a: Sample, b: Sample): void {
  console.log(
    `${name.padEnd(58)} ${a.ms.toFixed(2).padStart(8)} ms ${a.calls.toFixed(1).padStart(6)} calls | ${b.ms
      .toFixed(2)
      .padStart(
        8,
      )} ms ${b.calls.toFixed(1).padStart(6)} calls | time ratio ${(b.ms / a.ms).toFixed(2)}x, calls ratio ${(
      b.calls / Math.max(a.calls, 1e-9)
    ).toFixed(2)}x`,
  );
}

async function main(): Promise<void> {
  // `npm run bench -- --budget-only`: only the call-budget figures (about two minutes).
  if (process.argv.includes("--budget-only")) return runBudgetBench();
  // `npm run bench -- --site-feed-only`: only the merged feed's calls per page (a few seconds).
  if (process.argv.includes("--site-feed-only")) return runSiteFeedBench();
  // First the floor: the service against bare Apollo in separate processes (issue 8). `--floor-only`: just it.
  await runFloorBench();
  if (process.argv.includes("--floor-only")) return;
  console.log("");
  // The emulator's (and so the client's) Wangsu budget is lifted: the bench measures our work, not the limit.
  // Freshness 0 (also the harness default) so that unfinished tasks and list pages are never reused.
  const server = await startTestServer({
    env: { PREFETCH_GRAPH_FRESHNESS_MS: "0" },
    // Unfinished tasks stay unfinished however long the run takes (the sandbox's tasks move with the clock).
    sandbox: { wangsuRateLimit: { points: 1_000_000, durationSeconds: 1 }, live: false },
  });
  try {
    const wAnchor = server.sandbox.wangsuCdnPro.anchor;
    const bAnchor = server.sandbox.baiduGeo.anchor;
    const bWindow = { startTime: daysBefore(bAnchor, 20).toISOString(), endTime: bAnchor.toISOString() };
    const RUNS = 30;

    console.log("pair: A | B (per operation, mean of %d runs)", RUNS);

    // The first two pairs measure the way to the provider, so they use unfinished tasks (WAITING, IN_PROGRESS):
    // a finished task once seen is answered from memory at 0 calls, an unfinished one is asked again every time
    // at freshness 0 (set above). The sandbox seeds only a dozen or two of them, hence the counts.
    const noReuse = (n: number): void =>
      console.log(`  (all ${n} tasks unfinished, WAITING / IN_PROGRESS: at freshness 0 no reuse applies)`);

    // 1. Field-level laziness: a frontend that selects only row fields vs one that needs the URLs. Wangsu's
    // unfinished tasks are all from the last day.
    const wDay = { startTime: daysBefore(wAnchor, 1).toISOString(), endTime: wAnchor.toISOString() };
    const wExpected = wangsuUnfinishedCount(server, { start: daysBefore(wAnchor, 1), end: wAnchor });
    const lazy = (wide: boolean) => () =>
      server.gql(PrefetchTasksLazyDocument, {
        provider: "WANGSU_CDN_PRO",
        ...wDay,
        status: UNFINISHED,
        first: 50,
        withTargets: wide,
        withDetails: wide,
      });
    const wRows = ok(await lazy(false)()).data!.prefetchTasks!.nodes.length;
    if (wRows !== wExpected || wRows === 0) {
      throw new Error(`expected ${wExpected} unfinished Wangsu rows, the server listed ${wRows}`);
    }
    const narrow = await measure(server, RUNS, lazy(false));
    const wide = await measure(server, RUNS, lazy(true));
    row(`Wangsu ${wRows} rows: row fields only | + targets & details`, narrow, wide);
    noReuse(wRows);

    // 2. DataLoader batching: each id twice in one nodes() vs one operation per lookup.
    const edges = await baiduUnfinishedEdges(server, bWindow);
    if (edges.length === 0) throw new Error("the Baidu sandbox has no unfinished tasks in the window");
    const ids = edges.map((e) => e.node.id);
    const batched = await measure(server, RUNS, () =>
      server.gql(NodesByIdsDocument, { ids: [...ids, ...ids] }),
    );
    const oneByOne = await measure(server, 5, async () => {
      for (const e of [...edges, ...edges]) {
        ok(
          await server.gql(PrefetchTaskByIdDocument, {
            provider: "BAIDU_GEO",
            site: e.node.site,
            taskId: e.node.taskId,
          }),
        );
      }
    });
    const lookups = 2 * edges.length;
    row(
      `Baidu ${lookups} lookups (${edges.length} distinct): one nodes() | ${lookups} operations`,
      batched,
      oneByOne,
    );
    noReuse(edges.length);

    // 3. Paging: one connection page of 500 vs 25 pages of 20 over the same rows.
    const big = await measure(server, 10, () =>
      server.gql(PrefetchTasksPageDocument, {
        provider: "BAIDU_GEO",
        site: "www.example.com",
        startTime: daysBefore(bAnchor, 59).toISOString(),
        endTime: bAnchor.toISOString(),
        first: 500,
      }),
    );
    const small = await measure(server, 3, async () => {
      let after: string | null = null;
      for (;;) {
        const res: GraphQLResponse<PrefetchTasksPageQuery> = ok(
          await server.gql(PrefetchTasksPageDocument, {
            provider: "BAIDU_GEO",
            site: "www.example.com",
            startTime: daysBefore(bAnchor, 59).toISOString(),
            endTime: bAnchor.toISOString(),
            first: 20,
            after,
          }),
        );
        const conn = res.data!.prefetchTasks!;
        if (!conn.pageInfo.hasNextPage) break;
        after = conn.pageInfo.endCursor;
      }
    });
    row("Baidu ~390 rows over 59 days: first 500 | pages of 20", big, small);

    const heap = process.memoryUsage();
    console.log(
      `heap used after the run: ${(heap.heapUsed / 1024 / 1024).toFixed(1)} MiB, rss ${(heap.rss / 1024 / 1024).toFixed(1)} MiB`,
    );
  } finally {
    await server.close();
  }
  await runSiteFeedBench();
  await runBudgetBench();
}

// A broken run (an operation failed, the answers differ) exits non-zero; a missed target does not.
main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
