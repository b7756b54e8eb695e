import { isDeepStrictEqual } from "node:util";

/**
 * The operation the floor bench measures: a 100-task Baidu page with ids, statuses, timestamps, two durations,
 * the targets and the provider's own record — what a dashboard's table asks for.
 */
export const PAGE_SIZE = 100;

export const PAGE_QUERY = `query FloorPage($startTime: DateTime!, $endTime: DateTime!) {
  prefetchTasks(provider: BAIDU_GEO, site: "www.example.com", startTime: $startTime, endTime: $endTime, first: ${PAGE_SIZE}) {
    edges {
      cursor
      node {
        id taskId provider account site status providerStatus progress createdAt startedAt finishedAt
        queueDuration runDuration
        targets { url }
        providerDetails {
          __typename
          ... on BaiduGeoPrefetch { id status url progress createdAt startedAt finishedAt }
        }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}`;

export interface PageNode {
  status: string;
  queueDuration?: number | null;
  runDuration?: number | null;
  [field: string]: unknown;
}

export interface Page {
  edges: { cursor: string; node: PageNode }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

export interface PageResponse {
  data?: { prefetchTasks: Page | null } | null;
  errors?: unknown[];
}

/** The page out of a response, or an error saying what is wrong with it. */
export function pageOf(res: PageResponse, server: string): Page {
  if (res.errors) throw new Error(`${server} answered errors: ${JSON.stringify(res.errors).slice(0, 500)}`);
  const page = res.data?.prefetchTasks;
  if (!page) throw new Error(`${server} answered no page: ${JSON.stringify(res).slice(0, 500)}`);
  if (page.edges.length !== PAGE_SIZE) {
    throw new Error(
      `${server} answered ${page.edges.length} tasks, the floor bench measures pages of ${PAGE_SIZE}`,
    );
  }
  return page;
}

const UNFINISHED = new Set(["WAITING", "IN_PROGRESS"]);

/**
 * What both servers must agree on: every task and field value. Cursors are left out (the service signs them
 * with its secret; bare Apollo returns the strings it was given), and so are the durations of unfinished tasks,
 * which run on to "now".
 */
function comparable(page: Page): unknown {
  return {
    nodes: page.edges.map(({ node }) => {
      if (!UNFINISHED.has(node.status)) return node;
      const { queueDuration: _q, runDuration: _r, ...rest } = node;
      return rest;
    }),
    hasNextPage: page.pageInfo.hasNextPage,
  };
}

/** The first path at which two JSON values differ, or null where they are equal. */
function firstDifference(a: unknown, b: unknown, path = "$"): string | null {
  if (isDeepStrictEqual(a, b)) return null;
  if (typeof a === "object" && a !== null && typeof b === "object" && b !== null) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const diff = firstDifference(
        (a as Record<string, unknown>)[key],
        (b as Record<string, unknown>)[key],
        `${path}.${key}`,
      );
      if (diff !== null) return diff;
    }
  }
  return `${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
}

/** Throws where the two pages hold different tasks or field values. */
export function assertSamePage(service: Page, bare: Page): void {
  const diff = firstDifference(comparable(service), comparable(bare));
  if (diff !== null)
    throw new Error(`the service and bare Apollo answered different pages, first at ${diff}`);
}

/** "COMPLETED 86, FAILED 14": what the page holds, for the report. */
export function statusCounts(page: Page): string {
  const counts = new Map<string, number>();
  for (const { node } of page.edges) counts.set(node.status, (counts.get(node.status) ?? 0) + 1);
  return [...counts].map(([status, n]) => `${status} ${n}`).join(", ");
}
