import {
  PrefetchTasksPageDocument,
  type PrefetchStatus,
  type PrefetchTasksPageQuery,
} from "../__generated__/graphql";
import type { TestServer } from "../support/harness";

/**
 * Unfinished tasks for the bench pairs that measure the path to the provider. A finished task is answered from
 * memory at 0 calls once seen, whatever the freshness setting; an unfinished one (WAITING, IN_PROGRESS) is
 * never reused at freshness 0 (the harness default), so every run of a pair over these asks the provider again.
 */
export const UNFINISHED: PrefetchStatus[] = ["WAITING", "IN_PROGRESS"];

/** How many of the Wangsu sandbox's tasks in the window are unfinished, read from its seeded detail bodies. */
export function wangsuUnfinishedCount(server: TestServer, window: { start: Date; end: Date }): number {
  const wangsu = server.sandbox.wangsuCdnPro;
  return wangsu.taskIds(window).filter((id) => {
    const body = wangsu.detail(id) as { metadata?: { status?: string }; metaData?: { status?: string } };
    const status = (body.metadata ?? body.metaData)?.status;
    return status === "waiting" || status === "inprogress";
  }).length;
}

export type UnfinishedEdge = NonNullable<PrefetchTasksPageQuery["prefetchTasks"]>["edges"][number];

/** Every unfinished Baidu task of every seeded site in the window, listed through the server. */
export async function baiduUnfinishedEdges(
  server: TestServer,
  window: { startTime: string; endTime: string },
): Promise<UnfinishedEdge[]> {
  const edges: UnfinishedEdge[] = [];
  for (const site of server.sandbox.baiduGeo.sites) {
    const res = await server.gql(PrefetchTasksPageDocument, {
      provider: "BAIDU_GEO",
      site,
      ...window,
      status: UNFINISHED,
      first: 100,
    });
    if (res.errors) throw new Error(`listing failed: ${JSON.stringify(res.errors).slice(0, 300)}`);
    const conn = res.data!.prefetchTasks!;
    if (conn.pageInfo.hasNextPage) throw new Error(`more than 100 unfinished Baidu tasks on ${site}`);
    edges.push(...conn.edges);
  }
  const finished = edges.filter((e) => !UNFINISHED.includes(e.node.status));
  if (finished.length > 0) throw new Error(`the status filter let through ${finished.length} finished tasks`);
  return edges;
}
